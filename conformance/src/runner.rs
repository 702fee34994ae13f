//! The command-line runner: selects cases, runs them against a testee (or the built-in reference),
//! prints libtest-style output, a closing summary line, the known-failing edit, and reports.

use std::{
    io::Write,
    path::PathBuf,
    process::ExitCode,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use prost::Message;

use crate::{
    case::{Case, Role},
    catalog, check, framing,
    known_failing::{KnownFailing, Verdict},
    reference,
    report::{self, Outcome, Record, Summary},
    testee::{self, InProcess, NotRun, Process, Session, Testee},
};

/// The default deadline for one case's answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

const USAGE: &str = "\
eventwire-conformance: the Eventwire conformance suite

USAGE:
    eventwire-conformance [OPTIONS] [FILTER]

With no options, runs the whole suite against the built-in reference implementation in both roles.

OPTIONS:
    --testee \"CMD ARGS\"     run against this testee command (started with sh -c; it speaks the
                            testee protocol on stdin/stdout, see conformance/INTERPRETING.md)
    --role binding|backend  test only this role (default: both; roles the testee does not play are
                            skipped)
    --known-failing FILE    cases expected to fail (patterns; `*` one name part, `**` any number)
    --filter TEXT           run only cases whose name contains TEXT (also: a bare FILTER argument)
    --exact                 FILTER must equal the case name
    --dump CASE             write the exact bytes the runner sends for CASE (handshake and case,
                            each length-prefixed) to --output or stdout, then exit
    --output FILE           where --dump writes
    --report json|junit PATH
                            also write a report (may be given more than once)
    --timeout-ms N          per-case deadline (default 10000); a testee that misses it is stopped,
                            the case could not run, and the testee is restarted
    --list                  list the cases and exit
    -q, --quiet             one character per case
    -h, --help              this text
";

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Junit,
}

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub testee: Option<String>,
    pub role: Option<Role>,
    pub known_failing: Option<PathBuf>,
    pub dump: Option<String>,
    pub output: Option<PathBuf>,
    pub reports: Vec<(ReportFormat, PathBuf)>,
    pub timeout: Duration,
    pub filter: Option<String>,
    pub exact: bool,
    pub list: bool,
    pub quiet: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            testee: None,
            role: None,
            known_failing: None,
            dump: None,
            output: None,
            reports: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            filter: None,
            exact: false,
            list: false,
            quiet: false,
        }
    }
}

/// Parses the command line (without the program name). `Ok(None)` means help was asked for.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options::default();
    let mut args = args.into_iter();
    let value = |args: &mut dyn Iterator<Item = String>, flag: &str| args.next().ok_or(format!("{flag} needs a value"));
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--testee" => o.testee = Some(value(&mut args, "--testee")?),
            "--role" => {
                let r = value(&mut args, "--role")?;
                o.role = Some(Role::parse(&r).ok_or(format!("--role is binding or backend, not `{r}`"))?);
            }
            "--known-failing" => o.known_failing = Some(value(&mut args, "--known-failing")?.into()),
            "--filter" => o.filter = Some(value(&mut args, "--filter")?),
            "--exact" => o.exact = true,
            "--dump" => o.dump = Some(value(&mut args, "--dump")?),
            "--output" => o.output = Some(value(&mut args, "--output")?.into()),
            "--report" => {
                let format = match value(&mut args, "--report")?.as_str() {
                    "json" => ReportFormat::Json,
                    "junit" => ReportFormat::Junit,
                    other => return Err(format!("--report is json or junit, not `{other}`")),
                };
                o.reports.push((format, value(&mut args, "--report FORMAT")?.into()));
            }
            "--timeout-ms" => {
                let v = value(&mut args, "--timeout-ms")?;
                let ms: u64 = v.parse().map_err(|_| format!("--timeout-ms takes milliseconds, not `{v}`"))?;
                o.timeout = Duration::from_millis(ms.max(1));
            }
            "--list" => o.list = true,
            "-q" | "--quiet" => o.quiet = true,
            // Accepted for compatibility with `cargo test`-style invocations.
            "--nocapture" | "--show-output" => {}
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            filter => o.filter = Some(filter.to_owned()),
        }
    }
    Ok(Some(o))
}

/// The built-in reference implementation for `role`, if this build has one.
pub fn builtin(role: Role) -> Option<Box<dyn Testee>> {
    match role {
        Role::Binding => Some(Box::new(InProcess::new(|| {
            let mut r = reference::Reference::default();
            Box::new(move |req: &[u8]| r.answer_bytes(req))
        }))),
        Role::Backend => reference::backend_testee(),
    }
}

/// A role's session, or why there is none.
pub enum Opened {
    Session(Session),
    /// The testee does not play this role: its cases are skipped.
    NotPlayed(String),
    /// The testee could not be started or did not handshake: its cases could not run.
    Failed(String),
}

/// Starts the testee for `role`: `command`, or the built-in reference when `None`.
pub fn open(command: Option<&str>, role: Role, timeout: Duration) -> Opened {
    let testee: Box<dyn Testee> = match command {
        Some(cmd) => match Process::start(cmd) {
            Ok(p) => Box::new(p),
            Err(e) => return Opened::Failed(e),
        },
        None => match builtin(role) {
            Some(t) => t,
            None => return Opened::NotPlayed(format!("this build has no built-in {role} implementation")),
        },
    };
    match Session::start(testee, role, timeout) {
        Ok(s) if s.plays(role) => Opened::Session(s),
        Ok(s) => Opened::NotPlayed(format!("the testee `{}` does not play the {role} role", s.hello().implementation_name)),
        Err(e) => Opened::Failed(format!("handshake failed: {e}")),
    }
}

/// Runs one case on `session` and decides its outcome, taking the known-failing list into
/// account.
pub fn run_one(session: &mut Opened, case: &Case, known: &KnownFailing) -> Record {
    let started = Instant::now();
    let raw = match session {
        Opened::NotPlayed(why) => Outcome::Skipped(why.clone()),
        Opened::Failed(why) => Outcome::CouldNotRun(why.clone()),
        Opened::Session(s) => {
            let missing = s.missing_features(case);
            if !missing.is_empty() {
                Outcome::Skipped(format!("needs feature {}", missing.join(", ")))
            } else {
                match s.run(case) {
                    Ok(result) => match check::check(&case.expect, &result) {
                        Ok(()) => Outcome::Passed,
                        Err(why) => Outcome::Failed(why),
                    },
                    Err(NotRun::Unsupported(why)) => Outcome::CouldNotRun(format!("unsupported: {why}")),
                    Err(not_run) => Outcome::CouldNotRun(not_run.to_string()),
                }
            }
        }
    };
    let outcome = match (known.lists(&case.name), raw) {
        (true, Outcome::Passed) => Outcome::UnexpectedPass,
        (true, Outcome::Failed(m) | Outcome::CouldNotRun(m)) => Outcome::ExpectedFailure(m),
        (_, other) => other,
    };
    Record {
        name: case.name.clone(),
        role: case.role,
        level: case.level,
        requirements: case.requirements.clone(),
        outcome,
        duration: started.elapsed(),
    }
}

/// Runs `cases` of their roles against `command` (or the reference), without printing: the
/// programmatic form of a run.
pub fn run_quietly(command: Option<&str>, cases: &[Case], known: &KnownFailing, timeout: Duration) -> Vec<Record> {
    let mut records = Vec::new();
    for role in Role::ALL {
        let mine: Vec<&Case> = cases.iter().filter(|c| c.role == role).collect();
        if mine.is_empty() {
            continue;
        }
        let mut session = open(command, role, timeout);
        for case in mine {
            records.push(run_one(&mut session, case, known));
        }
    }
    records
}

/// The bytes `--dump` writes: the handshake for the case's role and the case, each framed.
pub fn dump(case: &Case) -> Vec<u8> {
    let mut out = framing::frame(&testee::handshake_request(case.role).encode_to_vec());
    out.extend(framing::frame(&case.request().encode_to_vec()));
    out
}

fn selected(o: &Options, case: &Case) -> bool {
    if o.role.is_some_and(|r| r != case.role) {
        return false;
    }
    match &o.filter {
        None => true,
        Some(f) if o.exact => case.name == *f,
        Some(f) => case.name.contains(f.as_str()),
    }
}

/// The runner's `main`.
pub fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the suite as `options` say, printing as it goes.
pub fn run(o: &Options) -> Result<ExitCode, String> {
    let cases = catalog::all()?;
    if let Some(name) = &o.dump {
        let case = cases.iter().find(|c| c.name == *name).ok_or(format!("no case named `{name}`"))?;
        let bytes = dump(case);
        match &o.output {
            Some(path) => std::fs::write(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            None => std::io::stdout().write_all(&bytes).map_err(|e| e.to_string())?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let known = match &o.known_failing {
        Some(path) => KnownFailing::parse(
            &std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        ),
        None => KnownFailing::default(),
    };
    let chosen: Vec<Case> = cases.iter().filter(|c| selected(o, c)).cloned().collect();

    let records: Arc<Mutex<Vec<Record>>> = Arc::default();
    let mut implementations = Vec::new();
    let mut trials = Vec::new();
    for role in Role::ALL {
        let mine: Vec<Case> = chosen.iter().filter(|c| c.role == role).cloned().collect();
        if mine.is_empty() || o.list {
            trials.extend(mine.into_iter().map(|c| Trial::test(c.name.clone(), || Ok(())).with_kind(role.as_str())));
            continue;
        }
        let opened = open(o.testee.as_deref(), role, o.timeout);
        match &opened {
            Opened::Session(s) => implementations.push((role, s.hello().implementation_name.clone(), s.hello().implementation_version.clone())),
            Opened::NotPlayed(why) if o.role == Some(role) => return Err(why.clone()),
            Opened::NotPlayed(why) => eprintln!("note: {role} cases are skipped: {why}"),
            Opened::Failed(why) => eprintln!("warning: {role} cases could not run: {why}"),
        }
        let session = Arc::new(Mutex::new(opened));
        for case in mine {
            let (session, records, known) = (session.clone(), records.clone(), known.clone());
            trials.push(
                Trial::ignorable_test(case.name.clone(), move || {
                    let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
                    let record = run_one(&mut session, &case, &known);
                    let result = match &record.outcome {
                        Outcome::Passed => Ok(Completion::Completed),
                        Outcome::Skipped(why) => Ok(Completion::ignored_with(why)),
                        Outcome::ExpectedFailure(why) => {
                            Ok(Completion::ignored_with(format!("known failing: {}", why.lines().next().unwrap_or(""))))
                        }
                        Outcome::UnexpectedPass => Err(Failed::from("listed in the known-failing list, but passed")),
                        Outcome::Failed(why) => Err(Failed::from(format!("{}\n  ({}; {})", why, case.origin, case.requirements.join(", ")))),
                        Outcome::CouldNotRun(why) => Err(Failed::from(format!("could not run: {why}"))),
                    };
                    records.lock().unwrap_or_else(|e| e.into_inner()).push(record);
                    result
                })
                .with_kind(role.as_str()),
            );
        }
    }

    let args = Arguments { test_threads: Some(1), list: o.list, quiet: o.quiet, ..Arguments::default() };
    // Selection is ours (name-based, role-aware); libtest-mimic prints and counts.
    let _ = libtest_mimic::run(&args, trials);
    if o.list {
        return Ok(ExitCode::SUCCESS);
    }
    let records = std::mem::take(&mut *records.lock().unwrap_or_else(|e| e.into_inner()));
    let summary = Summary::of(&records);

    if let Some(path) = &o.known_failing {
        let verdicts: Vec<(String, Verdict)> = records
            .iter()
            .map(|r| {
                let v = match r.outcome {
                    Outcome::Passed | Outcome::UnexpectedPass => Verdict::Passed,
                    Outcome::Failed(_) | Outcome::CouldNotRun(_) | Outcome::ExpectedFailure(_) => Verdict::NotPassed,
                    Outcome::Skipped(_) => Verdict::Unknown,
                };
                (r.name.clone(), v)
            })
            .collect();
        let edit = known.edit(cases.iter().map(|c| c.name.as_str()), &verdicts);
        if !edit.is_empty() {
            println!("\n{}", edit.render(&path.display().to_string()));
        }
    } else {
        let failing: Vec<&Record> =
            records.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_) | Outcome::CouldNotRun(_))).collect();
        if !failing.is_empty() {
            println!("\nto accept these failures for now, list them in a file and pass --known-failing FILE:");
            for r in failing {
                println!("+ {}", r.name);
            }
        }
    }
    let header = report::Testee { command: o.testee.clone().unwrap_or_else(|| "built-in reference".into()), implementation: implementations };
    for (format, path) in &o.reports {
        let text = match format {
            ReportFormat::Json => report::json(&header, &records),
            ReportFormat::Junit => report::junit(&records),
        };
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!("\n{}", summary.line());
    Ok(if summary.ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_parse_and_reject_unknown_flags() {
        let o = parse_args(args("--role binding --known-failing kf.txt --report json r.json --report junit r.xml --timeout-ms 50 enc"))
            .unwrap()
            .unwrap();
        assert_eq!(o.role, Some(Role::Binding));
        assert_eq!(o.reports.len(), 2);
        assert_eq!(o.timeout, Duration::from_millis(50));
        assert_eq!(o.filter.as_deref(), Some("enc"));
        assert!(parse_args(args("--bogus")).is_err());
        assert!(parse_args(args("--role frontend")).is_err());
        assert!(parse_args(args("--help")).unwrap().is_none());
    }
}
