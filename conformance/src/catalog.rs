//! Every case of the suite: the suite files and the golden vectors, embedded at build time.

use std::collections::BTreeSet;

use eventwire_schema::{pb::FfiRequest, tables, testee_pb::case::Op};
use prost::Message;

use crate::{
    case::{Case, Role},
    suite, vectors,
};

/// The feature of a backend that mounts the sample application (modules `user` and `document`)
/// besides the conformance module. Backend conformance rests on the conformance module alone
/// (SPEC.md REQ-MOD-11): a case that sends a sample-application event needs this feature.
pub const SAMPLE_APP: &str = "sample-app";

const SUITES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_suites.rs"));
const VECTORS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_vectors.rs"));

/// Every case, suites first then vectors, each in file order. Fails on an invalid file or on two
/// cases with one name.
pub fn all() -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (path, text) in SUITES {
        cases.extend(suite::load(path, text)?);
    }
    for (path, text) in VECTORS {
        cases.extend(vectors::load(path, text)?);
    }
    for c in cases.iter_mut().filter(|c| c.role == Role::Backend) {
        if sends_a_sample_app_event(&c.op) && !c.features.iter().any(|f| f == SAMPLE_APP) {
            c.features.push(SAMPLE_APP.to_owned());
        }
    }
    let mut seen = BTreeSet::new();
    for c in &cases {
        if !seen.insert(c.name.clone()) {
            return Err(format!(
                "{}: case name `{}` is used twice",
                c.origin, c.name
            ));
        }
    }
    Ok(cases)
}

/// Whether a dispatch case sends an event of a module other than `conformance`.
fn sends_a_sample_app_event(op: &Op) -> bool {
    let Op::Dispatch(d) = op else { return false };
    d.steps.iter().any(|step| {
        FfiRequest::decode(step.request.as_slice())
            .ok()
            .and_then(|r| tables().event(&r.event).map(|e| e.module != "conformance"))
            .unwrap_or(false)
    })
}
