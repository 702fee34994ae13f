//! Machine-readable reports of a run: JSON (the runner's own shape) and JUnit XML (for CI).

use std::time::Duration;

use serde_json::json;

use crate::case::{Level, Role};

/// How one case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    /// Needs a feature or role the testee did not declare.
    Skipped(String),
    /// Listed in the known-failing list, and did not pass.
    ExpectedFailure(String),
    /// Listed in the known-failing list, but passed: the list must shrink.
    UnexpectedPass,
    /// The testee crashed, hung, broke the protocol or answered `unsupported`.
    CouldNotRun(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
            Outcome::ExpectedFailure(_) => "expected-failure",
            Outcome::UnexpectedPass => "unexpected-pass",
            Outcome::CouldNotRun(_) => "could-not-run",
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Outcome::Failed(m)
            | Outcome::Skipped(m)
            | Outcome::ExpectedFailure(m)
            | Outcome::CouldNotRun(m) => Some(m),
            Outcome::UnexpectedPass => Some("listed in the known-failing list, but passed"),
            Outcome::Passed => None,
        }
    }
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct Record {
    pub name: String,
    pub role: Role,
    pub level: Level,
    pub requirements: Vec<String>,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// The counts of the closing summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    /// Failures, including listed cases that passed.
    pub failed: usize,
    pub skipped: usize,
    pub expected_failures: usize,
    pub could_not_run: usize,
    /// Required cases among `failed` (unexpected passes aside) and `could_not_run`.
    pub required_failed: usize,
    /// Listed cases that passed (part of `failed`).
    pub unexpected_passes: usize,
}

impl Summary {
    pub fn of(records: &[Record]) -> Summary {
        let mut s = Summary::default();
        for r in records {
            if matches!(r.outcome, Outcome::Failed(_) | Outcome::CouldNotRun(_))
                && r.level == Level::Required
            {
                s.required_failed += 1;
            }
            if r.outcome == Outcome::UnexpectedPass {
                s.unexpected_passes += 1;
            }
            match r.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed(_) | Outcome::UnexpectedPass => s.failed += 1,
                Outcome::Skipped(_) => s.skipped += 1,
                Outcome::ExpectedFailure(_) => s.expected_failures += 1,
                Outcome::CouldNotRun(_) => s.could_not_run += 1,
            }
        }
        s
    }

    /// Whether the run succeeded: nothing failed and everything that should run ran.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.could_not_run == 0
    }

    /// The runner's exit status (conformance/INTERPRETING.md section 7): 0 when the run
    /// succeeded; 1 when a required case failed or could not run, or a listed case passed; 3 when
    /// only recommended cases failed or could not run (SPEC.md REQ-CONF-3).
    pub fn exit_code(&self) -> u8 {
        if self.ok() {
            0
        } else if self.required_failed > 0 || self.unexpected_passes > 0 {
            1
        } else {
            3
        }
    }

    /// `N passed, N failed, N skipped, N expected failures, N could not run`.
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped, {} expected failures, {} could not run",
            self.passed, self.failed, self.skipped, self.expected_failures, self.could_not_run
        )
    }
}

/// One implementation as its handshake described it.
#[derive(Debug, Clone, Default)]
pub struct Implementation {
    /// The role it was tested in.
    pub role: Option<Role>,
    pub name: String,
    pub version: String,
    /// The roles it declares.
    pub roles: Vec<String>,
    /// The features it declares.
    pub features: Vec<String>,
}

impl Implementation {
    pub fn from_hello(
        role: Role,
        hello: &eventwire_schema::testee_pb::HandshakeResult,
    ) -> Implementation {
        Implementation {
            role: Some(role),
            name: hello.implementation_name.clone(),
            version: hello.implementation_version.clone(),
            roles: hello
                .roles
                .iter()
                .map(|r| match eventwire_schema::testee_pb::Role::try_from(*r) {
                    Ok(eventwire_schema::testee_pb::Role::Binding) => "binding".to_owned(),
                    Ok(eventwire_schema::testee_pb::Role::Backend) => "backend".to_owned(),
                    _ => r.to_string(),
                })
                .collect(),
            features: hello.features.clone(),
        }
    }
}

/// Who was tested and how, for the reports' headers: everything a claim publishes (SPEC.md
/// REQ-CONF-2, REQ-CONF-6).
#[derive(Debug, Clone, Default)]
pub struct Testee {
    pub command: String,
    pub implementation: Vec<Implementation>,
    /// The known-failing list the run used: its path and its text.
    pub known_failing: Option<(String, String)>,
    /// The `--filter` of the run, if any: a partial run supports no claim.
    pub selection: Option<String>,
}

/// The JSON report.
pub fn json(testee: &Testee, records: &[Record]) -> String {
    let s = Summary::of(records);
    let level_count = |level: Level, f: fn(&Outcome) -> bool| {
        records
            .iter()
            .filter(|r| r.level == level && f(&r.outcome))
            .count()
    };
    let value = json!({
        "spec_version": eventwire_schema::PACKAGE,
        "suite_version": crate::testee::SUITE_VERSION,
        "testee_protocol_version": crate::testee::PROTOCOL_VERSION,
        "testee": {
            "command": testee.command,
            "implementations": testee.implementation.iter().map(|i| json!({
                "role": i.role.map(Role::as_str),
                "name": i.name,
                "version": i.version,
                "roles": i.roles,
                "features": i.features,
            })).collect::<Vec<_>>(),
        },
        "selection": testee.selection,
        "known_failing": testee.known_failing.as_ref().map(|(path, text)| json!({
            "path": path,
            "patterns": text.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>(),
        })),
        "summary": {
            "passed": s.passed, "failed": s.failed, "skipped": s.skipped,
            "expected_failures": s.expected_failures, "could_not_run": s.could_not_run,
            "required": {
                "failed": level_count(Level::Required, |o| matches!(o, Outcome::Failed(_) | Outcome::UnexpectedPass)),
                "could_not_run": level_count(Level::Required, |o| matches!(o, Outcome::CouldNotRun(_))),
                "expected_failures": level_count(Level::Required, |o| matches!(o, Outcome::ExpectedFailure(_))),
            },
            "recommended": {
                "failed": level_count(Level::Recommended, |o| matches!(o, Outcome::Failed(_) | Outcome::UnexpectedPass)),
                "could_not_run": level_count(Level::Recommended, |o| matches!(o, Outcome::CouldNotRun(_))),
                "expected_failures": level_count(Level::Recommended, |o| matches!(o, Outcome::ExpectedFailure(_))),
            },
            "exit_status": s.exit_code(),
        },
        "cases": records.iter().map(|r| json!({
            "name": r.name,
            "role": r.role.as_str(),
            "level": r.level.as_str(),
            "requirements": r.requirements,
            "outcome": r.outcome.label(),
            "message": r.outcome.message(),
            "duration_ms": r.duration.as_secs_f64() * 1000.0,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).expect("a JSON value prints") + "\n"
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML report: one `testsuite` per role; expected failures and skips are `skipped`,
/// could-not-run cases are `error`s.
pub fn junit(records: &[Record]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"eventwire-conformance\">\n",
    );
    for role in Role::ALL {
        let rs: Vec<&Record> = records.iter().filter(|r| r.role == role).collect();
        if rs.is_empty() {
            continue;
        }
        let count = |f: fn(&Outcome) -> bool| rs.iter().filter(|r| f(&r.outcome)).count();
        let time: f64 = rs.iter().map(|r| r.duration.as_secs_f64()).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">\n",
            role.as_str(),
            rs.len(),
            count(|o| matches!(o, Outcome::Failed(_) | Outcome::UnexpectedPass)),
            count(|o| matches!(o, Outcome::CouldNotRun(_))),
            count(|o| matches!(o, Outcome::Skipped(_) | Outcome::ExpectedFailure(_))),
        ));
        for r in rs {
            let (class, name) = r.name.rsplit_once('/').unwrap_or(("", &r.name));
            out.push_str(&format!(
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\"",
                role.as_str(),
                xml_escape(&class.replace('/', ".")),
                xml_escape(name),
                r.duration.as_secs_f64()
            ));
            let body = match &r.outcome {
                Outcome::Passed => None,
                Outcome::Failed(m) => Some(format!(
                    "<failure message=\"failed\">{}</failure>",
                    xml_escape(m)
                )),
                Outcome::UnexpectedPass => Some(
                    "<failure message=\"listed in the known-failing list, but passed\"/>".into(),
                ),
                Outcome::Skipped(m) => Some(format!("<skipped message=\"{}\"/>", xml_escape(m))),
                Outcome::ExpectedFailure(m) => Some(format!(
                    "<skipped message=\"expected failure: {}\"/>",
                    xml_escape(m)
                )),
                Outcome::CouldNotRun(m) => Some(format!(
                    "<error message=\"could not run\">{}</error>",
                    xml_escape(m)
                )),
            };
            match body {
                None => out.push_str("/>\n"),
                Some(b) => out.push_str(&format!(">\n      {b}\n    </testcase>\n")),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, outcome: Outcome) -> Record {
        Record {
            name: name.into(),
            role: Role::Binding,
            level: Level::Required,
            requirements: vec!["REQ-X-1".into()],
            outcome,
            duration: Duration::from_millis(1),
        }
    }

    #[test]
    fn summary_counts_each_outcome_once_and_could_not_run_is_never_a_pass() {
        let rs = vec![
            record("required/a/1", Outcome::Passed),
            record("required/a/2", Outcome::Failed("x".into())),
            record("required/a/3", Outcome::UnexpectedPass),
            record("required/a/4", Outcome::Skipped("f".into())),
            record("required/a/5", Outcome::ExpectedFailure("x".into())),
            record("required/a/6", Outcome::CouldNotRun("crash".into())),
        ];
        let s = Summary::of(&rs);
        assert_eq!(
            s.line(),
            "1 passed, 2 failed, 1 skipped, 1 expected failures, 1 could not run"
        );
        assert!(!s.ok());
        assert!(Summary::of(&rs[..1]).ok());
        assert!(!Summary::of(&rs[5..]).ok());
    }

    #[test]
    fn junit_escapes_and_classifies() {
        let xml = junit(&[
            record("required/a/<1>", Outcome::Failed("a & b".into())),
            record("required/a/2", Outcome::CouldNotRun("x".into())),
        ]);
        assert!(xml.contains("name=\"&lt;1&gt;\""));
        assert!(xml.contains("a &amp; b"));
        assert!(xml.contains("failures=\"1\" errors=\"1\""));
    }
}
