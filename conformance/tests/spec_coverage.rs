//! Every required statement of SPEC.md is checked by at least one case, or listed in
//! `conformance/uncovered.yaml` with the reason it cannot be; and every id a case cites exists.

use std::collections::BTreeSet;

use eventwire_conformance::catalog;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Exemption {
    reason: String,
    requirements: Vec<String>,
}

/// `(id, required)` for every requirement bullet of SPEC.md.
fn spec_requirements() -> Vec<(String, bool)> {
    let spec = include_str!("../../SPEC.md");
    spec.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("- **REQ-")?;
            let (id, rest) = rest.split_once("**")?;
            Some((
                format!("REQ-{id}"),
                rest.trim_start().starts_with("[required]"),
            ))
        })
        .collect()
}

/// A cited id without its `(a)` sub-rule suffix.
fn base(id: &str) -> &str {
    id.split('(').next().unwrap_or(id)
}

#[test]
fn every_required_statement_is_covered_or_exempt_with_a_reason() {
    let spec = spec_requirements();
    assert!(spec.len() > 100, "SPEC.md requirement bullets not found");
    let cited: BTreeSet<String> = catalog::all()
        .unwrap()
        .iter()
        .flat_map(|c| c.requirements.iter().map(|r| base(r).to_owned()))
        .collect();
    let exemptions: Vec<Exemption> =
        serde_norway::from_str(include_str!("../uncovered.yaml")).unwrap();
    let mut exempt = BTreeSet::new();
    for e in &exemptions {
        assert!(
            e.reason.split_whitespace().count() >= 5,
            "give a real reason for {:?}",
            e.requirements
        );
        for r in &e.requirements {
            assert!(exempt.insert(r.clone()), "{r} is exempted twice");
        }
    }
    let uncovered: Vec<&str> = spec
        .iter()
        .filter(|(id, required)| *required && !cited.contains(id) && !exempt.contains(id))
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        uncovered.is_empty(),
        "required statements no case cites and uncovered.yaml does not list: {uncovered:?}"
    );
    let stale: Vec<&String> = exempt.iter().filter(|id| cited.contains(*id)).collect();
    assert!(
        stale.is_empty(),
        "uncovered.yaml lists requirements that cases now cite: {stale:?}"
    );
    let known: BTreeSet<&str> = spec.iter().map(|(id, _)| id.as_str()).collect();
    let unknown: Vec<&String> = cited
        .iter()
        .chain(&exempt)
        .filter(|id| !known.contains(id.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "ids that SPEC.md does not define: {unknown:?}"
    );
}

#[test]
fn every_case_cites_a_requirement_and_names_are_level_area_id() {
    for c in catalog::all().unwrap() {
        assert!(
            !c.requirements.is_empty(),
            "{} cites no requirement",
            c.name
        );
        let parts: Vec<&str> = c.name.split('/').collect();
        assert_eq!(parts.len(), 3, "{}", c.name);
        assert!(matches!(parts[0], "required" | "recommended"), "{}", c.name);
    }
}

#[test]
fn every_event_has_a_request_building_case_and_every_conformance_event_a_dispatch_case() {
    use eventwire_schema::testee_pb::case::Op;
    let cases = catalog::all().unwrap();
    let built: BTreeSet<String> = cases
        .iter()
        .filter_map(|c| match &c.op {
            Op::BuildRequest(b) => Some(b.event.clone()),
            _ => None,
        })
        .collect();
    let dispatched: BTreeSet<String> = cases
        .iter()
        .filter_map(|c| match &c.op {
            Op::Dispatch(d) => Some(d.steps.iter().filter_map(|s| {
                <eventwire_schema::pb::FfiRequest as prost::Message>::decode(s.request.as_slice())
                    .ok()
                    .map(|r| r.event)
            })),
            _ => None,
        })
        .flatten()
        .collect();
    for e in eventwire_schema::tables().events() {
        assert!(
            built.contains(&e.name),
            "no build_request case for {}",
            e.name
        );
        assert!(
            dispatched.contains(&e.name),
            "no dispatch case calls {}",
            e.name
        );
    }
}
