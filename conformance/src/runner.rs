//! The command-line runner: selects cases, runs them against a testee (or the built-in reference),
//! prints one line per case, the failures, the known-failing edit, a closing summary line, and
//! reports; its exit status tells required failures from recommended-only ones.

use std::{
    io::Write,
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

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
    --filter TEXT           run only cases whose name contains TEXT (also: a bare FILTER argument);
                            a filter that selects no case is an error
    --exact                 FILTER must equal the case name
    --list                  print the selected case names, one per line, and exit (each name is
                            accepted by --exact, --dump and --explain)
    --explain CASE          print a case: its doc, requirement ids, features, and what the runner
                            sends, decoded as proto-JSON; then exit
    --dump CASE             write the exact bytes the runner sends for CASE (handshake and case,
                            each length-prefixed) to --output or stdout, then exit
    --output FILE           where --dump writes
    --decode FILE           print the frames of FILE (a --dump file) as proto-JSON, one per line
    --decode-answers FILE   the same for a file of the testee's answers (TesteeResponse frames)
    --report json|junit PATH
                            also write a report (may be given more than once; checked before the
                            run starts)
    --timeout-ms N          per-case deadline (default 10000); a testee that misses it is stopped,
                            the case could not run, and the testee is restarted
    -q, --quiet             one character per case
    -h, --help              this text

EXIT STATUS:
    0   every case that ran passed (skipped cases and expected failures included)
    1   a required case failed or could not run, or a listed case passed
    2   no run: bad arguments, a filter or name that matches no case, an unwritable report, or
        a testee that did not start or handshake
    3   only recommended cases failed or could not run: conformant (SPEC.md REQ-CONF-3), with
        the failures reported
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
    pub explain: Option<String>,
    /// `--decode` (`false`) or `--decode-answers` (`true`) and the file.
    pub decode: Option<(PathBuf, bool)>,
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
            explain: None,
            decode: None,
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
    let value = |args: &mut dyn Iterator<Item = String>, flag: &str| {
        args.next().ok_or(format!("{flag} needs a value"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--testee" => o.testee = Some(value(&mut args, "--testee")?),
            "--role" => {
                let r = value(&mut args, "--role")?;
                o.role = Some(
                    Role::parse(&r).ok_or(format!("--role is binding or backend, not `{r}`"))?,
                );
            }
            "--known-failing" => {
                o.known_failing = Some(value(&mut args, "--known-failing")?.into())
            }
            "--filter" => o.filter = Some(value(&mut args, "--filter")?),
            "--exact" => o.exact = true,
            "--dump" => o.dump = Some(value(&mut args, "--dump")?),
            "--explain" => o.explain = Some(value(&mut args, "--explain")?),
            "--decode" => o.decode = Some((value(&mut args, "--decode")?.into(), false)),
            "--decode-answers" => {
                o.decode = Some((value(&mut args, "--decode-answers")?.into(), true))
            }
            "--output" => o.output = Some(value(&mut args, "--output")?.into()),
            "--report" => {
                let format = match value(&mut args, "--report")?.as_str() {
                    "json" => ReportFormat::Json,
                    "junit" => ReportFormat::Junit,
                    other => return Err(format!("--report is json or junit, not `{other}`")),
                };
                o.reports
                    .push((format, value(&mut args, "--report FORMAT")?.into()));
            }
            "--timeout-ms" => {
                let v = value(&mut args, "--timeout-ms")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--timeout-ms takes milliseconds, not `{v}`"))?;
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
            None => {
                return Opened::NotPlayed(format!(
                    "this build has no built-in {role} implementation"
                ));
            }
        },
    };
    match Session::start(testee, role, timeout) {
        Ok(s) if s.plays(role) => Opened::Session(s),
        Ok(s) => Opened::NotPlayed(format!(
            "the testee `{}` does not play the {role} role",
            s.hello().implementation_name
        )),
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
                    Err(NotRun::Unsupported(why)) => {
                        Outcome::CouldNotRun(format!("unsupported: {why}"))
                    }
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
pub fn run_quietly(
    command: Option<&str>,
    cases: &[Case],
    known: &KnownFailing,
    timeout: Duration,
) -> Vec<Record> {
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
    let mut out = eventwire::framing::encode(&testee::handshake_request(case.role).encode_to_vec());
    out.extend(eventwire::framing::encode(&case.request().encode_to_vec()));
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
            return ExitCode::from(EXIT_NO_RUN);
        }
    };
    match run(&options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_NO_RUN)
        }
    }
}

/// The exit status of a run whose only failures are recommended cases (SPEC.md REQ-CONF-3).
pub const EXIT_RECOMMENDED_ONLY: u8 = 3;
/// The exit status when no run could be made.
pub const EXIT_NO_RUN: u8 = 2;

/// Case names closest to `name`, for "did you mean".
fn closest<'c>(cases: &'c [Case], name: &str) -> Vec<&'c str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    let mut scored: Vec<(usize, &str)> = cases
        .iter()
        .map(|c| {
            let tail = c.name.rsplit('/').next().unwrap_or(&c.name);
            let d = distance(&c.name, name)
                .min(distance(tail, last) + usize::from(!c.name.ends_with(last)));
            (
                if c.name.contains(last) && !last.is_empty() {
                    0
                } else {
                    d
                },
                c.name.as_str(),
            )
        })
        .collect();
    scored.sort();
    let limit = (name.len() / 3).max(3);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, n)| n)
        .collect()
}

fn no_case(cases: &[Case], flag: &str, name: &str) -> String {
    let near = closest(cases, name);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            near.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    format!("{flag}: no case is named `{name}`{hint} (`--list` prints every name)")
}

fn find<'c>(cases: &'c [Case], flag: &str, name: &str) -> Result<&'c Case, String> {
    cases
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| no_case(cases, flag, name))
}

/// `--explain CASE`: the case as a reader needs it.
pub fn explain(case: &Case) -> String {
    let mut out = format!("{}\n", case.name);
    out.push_str(&format!(
        "  role:         {}\n  level:        {}\n  from:         {}\n",
        case.role,
        case.level.as_str(),
        case.origin
    ));
    let index = spec_index();
    out.push_str("  requirements:\n");
    for r in &case.requirements {
        let base = r.split('(').next().unwrap_or(r);
        match index.iter().find(|(id, _)| id == base) {
            Some((_, summary)) => out.push_str(&format!("    {r}: {summary}\n")),
            None => out.push_str(&format!("    {r}\n")),
        }
    }
    if !case.features.is_empty() {
        out.push_str(&format!("  features:     {}\n", case.features.join(", ")));
    }
    if !case.doc.is_empty() {
        out.push_str(&format!("  doc:          {}\n", case.doc));
    }
    out.push_str("  sends (the Case request, proto-JSON):\n");
    out.push_str(&format!(
        "    {}\n",
        message_json(
            "eventwire.conformance.v1.TesteeRequest",
            &case.request().encode_to_vec()
        )
    ));
    for (what, ty, bytes) in embedded(case) {
        out.push_str(&format!(
            "  {what}, decoded as {ty}:\n    {}\n",
            message_json(&ty, &bytes)
        ));
    }
    out
}

/// The bytes inside a case's operation that are themselves messages, decoded for `--explain`.
fn embedded(case: &Case) -> Vec<(String, String, Vec<u8>)> {
    use eventwire_schema::testee_pb::case::Op;
    let mut out = Vec::new();
    match &case.op {
        Op::Decode(d) => out.push(("data".into(), d.message_type.clone(), d.data.clone())),
        Op::RoundTrip(d) => out.push(("data".into(), d.message_type.clone(), d.data.clone())),
        Op::InterpretResponse(r) => out.push((
            "response".into(),
            "eventwire.v1.FFIResponse".into(),
            r.response.clone(),
        )),
        Op::RouteNotifications(r) => {
            for (i, n) in r.notifications.iter().enumerate() {
                out.push((
                    format!("notification {i}"),
                    "eventwire.v1.SubscribeObject".into(),
                    n.clone(),
                ));
            }
        }
        Op::Dispatch(d) => {
            for (i, step) in d.steps.iter().enumerate() {
                out.push((
                    format!("step {i} request"),
                    "eventwire.v1.FFIRequest".into(),
                    step.request.clone(),
                ));
                if let Ok(r) = eventwire_schema::pb::FfiRequest::decode(step.request.as_slice()) {
                    if let Some(input) = eventwire_schema::tables()
                        .event(&r.event)
                        .and_then(|e| e.input.as_ref())
                    {
                        out.push((
                            format!("step {i} payload"),
                            input.full_name().to_owned(),
                            r.payload,
                        ));
                    }
                }
            }
        }
        Op::Stream(s) => {
            for (i, frame) in s.frames.iter().enumerate() {
                out.push((
                    format!("frame {i}"),
                    "eventwire.v1.StreamFrame".into(),
                    frame.clone(),
                ));
            }
        }
        Op::StreamClient(s) => {
            for (i, frame) in s.handshake_answer.iter().enumerate() {
                out.push((
                    format!("handshake answer {i}"),
                    "eventwire.v1.StreamFrame".into(),
                    frame.clone(),
                ));
            }
            for (i, frame) in s.frames.iter().enumerate() {
                out.push((
                    format!("frame {i}"),
                    "eventwire.v1.StreamFrame".into(),
                    frame.clone(),
                ));
            }
        }
        Op::Encode(_) | Op::BuildRequest(_) => {}
    }
    out
}

/// `bytes` as proto-JSON of `ty`, or why they are not.
fn message_json(ty: &str, bytes: &[u8]) -> String {
    match crate::json::message_type(ty) {
        None => format!("(no message type {ty}) {}", hex::encode(bytes)),
        Some(desc) => match prost_reflect::DynamicMessage::decode(desc, bytes) {
            Ok(m) => crate::json::to_string(&m),
            Err(e) => format!("(not a valid {ty}: {e}) bytes {}", hex::encode(bytes)),
        },
    }
}

/// SPEC.md's requirement index: (id, summary).
fn spec_index() -> Vec<(String, String)> {
    include_str!("../SPEC.md")
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() >= 5 && cells[1].starts_with("REQ-"))
                .then(|| (cells[1].to_owned(), format!("[{}] {}", cells[2], cells[3])))
        })
        .collect()
}

/// `--decode FILE`: each frame as proto-JSON, one per line.
pub fn decode_frames(bytes: &[u8], answers: bool) -> Result<String, String> {
    let ty = if answers {
        "eventwire.conformance.v1.TesteeResponse"
    } else {
        "eventwire.conformance.v1.TesteeRequest"
    };
    let mut input = bytes;
    let mut out = String::new();
    let mut n = 0;
    while let Some(frame) =
        framing::read_frame(&mut input).map_err(|e| format!("frame {n}: {e}"))?
    {
        out.push_str(&format!("{}\n", message_json(ty, &frame)));
        n += 1;
    }
    if n == 0 {
        return Err("the file holds no frame".into());
    }
    Ok(out)
}

/// One line of the per-case listing: `ok`, `FAILED`, ... in the summary's words.
fn word(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => "ok".into(),
        Outcome::Failed(_) => "FAILED".into(),
        Outcome::Skipped(why) => format!("skipped ({why})"),
        Outcome::ExpectedFailure(_) => "expected failure".into(),
        Outcome::UnexpectedPass => "FAILED (unexpected pass)".into(),
        Outcome::CouldNotRun(_) => "COULD NOT RUN".into(),
    }
}

fn letter(outcome: &Outcome) -> char {
    match outcome {
        Outcome::Passed => '.',
        Outcome::Failed(_) | Outcome::UnexpectedPass => 'F',
        Outcome::Skipped(_) => 's',
        Outcome::ExpectedFailure(_) => 'x',
        Outcome::CouldNotRun(_) => 'E',
    }
}

/// Runs the suite as `options` say, printing as it goes.
pub fn run(o: &Options) -> Result<ExitCode, String> {
    let cases = catalog::all()?;
    if let Some((path, answers)) = &o.decode {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        print!(
            "{}",
            decode_frames(&bytes, *answers).map_err(|e| format!("{}: {e}", path.display()))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &o.explain {
        print!("{}", explain(find(&cases, "--explain", name)?));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &o.dump {
        let bytes = dump(find(&cases, "--dump", name)?);
        match &o.output {
            Some(path) => std::fs::write(path, &bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            None => std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| e.to_string())?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let chosen: Vec<Case> = cases.iter().filter(|c| selected(o, c)).cloned().collect();
    if chosen.is_empty() {
        return Err(match (&o.filter, o.exact) {
            (Some(f), true) => no_case(&cases, "--exact", f),
            (Some(f), false) => format!(
                "--filter `{f}` selects no case{} (`--list` prints every name)",
                o.role
                    .map(|r| format!(" of the {r} role"))
                    .unwrap_or_default()
            ),
            (None, _) => "no case is selected".into(),
        });
    }
    if o.list {
        for c in &chosen {
            println!("{}", c.name);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Reports are checked before anything runs: a long run must not end in "cannot write".
    for (_, path) in &o.reports {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| format!("--report {}: cannot write: {e}", path.display()))?;
    }
    let (known, known_text) = match &o.known_failing {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--known-failing {}: cannot read: {e}", path.display()))?;
            (KnownFailing::parse(&text), Some(text))
        }
        None => (KnownFailing::default(), None),
    };
    let total = chosen.len();
    let filtered_out = cases.len() - total;
    println!(
        "running {total} cases{}",
        if filtered_out > 0 {
            format!(" ({filtered_out} not selected)")
        } else {
            String::new()
        }
    );

    let mut records: Vec<Record> = Vec::new();
    let mut implementations = Vec::new();
    let mut no_run: Option<String> = None;
    for role in Role::ALL {
        let mine: Vec<&Case> = chosen.iter().filter(|c| c.role == role).collect();
        if mine.is_empty() {
            continue;
        }
        let mut opened = open(o.testee.as_deref(), role, o.timeout);
        match &opened {
            Opened::Session(s) => {
                implementations.push(report::Implementation::from_hello(role, s.hello()))
            }
            Opened::NotPlayed(why) if o.role == Some(role) => return Err(why.clone()),
            Opened::NotPlayed(why) => println!("note: the {role} cases are skipped: {why}"),
            Opened::Failed(why) => {
                // One message for one cause, not one per case.
                let message = format!("the {role} testee could not start: {why}");
                eprintln!(
                    "error: {message}\nnone of the {} {role} cases was run",
                    mine.len()
                );
                for case in &mine {
                    records.push(run_one(&mut opened, case, &known));
                }
                no_run = Some(message);
                continue;
            }
        }
        let mut column = 0;
        for case in mine {
            let record = run_one(&mut opened, case, &known);
            if o.quiet {
                print!("{}", letter(&record.outcome));
                column += 1;
                if column == 88 {
                    println!();
                    column = 0;
                }
            } else {
                println!("test [{role}] {} ... {}", case.name, word(&record.outcome));
            }
            let _ = std::io::stdout().flush();
            records.push(record);
        }
        if o.quiet && column > 0 {
            println!();
        }
    }
    let by_name = |name: &str| chosen.iter().find(|c| c.name == name);
    let failing: Vec<&Record> = records
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Failed(_) | Outcome::CouldNotRun(_) | Outcome::UnexpectedPass
            )
        })
        .collect();
    if no_run.is_none() && !failing.is_empty() {
        println!("\nfailures:");
        for r in &failing {
            let origin = by_name(&r.name)
                .map(|c| format!("\n  ({}; {})", c.origin, c.requirements.join(", ")))
                .unwrap_or_default();
            println!(
                "\n---- {} ({}) ----\n{}{origin}",
                r.name,
                r.outcome.label(),
                r.outcome.message().unwrap_or("")
            );
        }
    }
    if no_run.is_none() {
        if let Some(path) = &o.known_failing {
            let verdicts: Vec<(String, Verdict)> = records
                .iter()
                .map(|r| {
                    let v = match r.outcome {
                        Outcome::Passed | Outcome::UnexpectedPass => Verdict::Passed,
                        Outcome::Failed(_)
                        | Outcome::CouldNotRun(_)
                        | Outcome::ExpectedFailure(_) => Verdict::NotPassed,
                        Outcome::Skipped(_) => Verdict::Unknown,
                    };
                    (r.name.clone(), v)
                })
                .collect();
            let edit = known.edit(cases.iter().map(|c| c.name.as_str()), &verdicts);
            if !edit.is_empty() {
                println!("\n{}", edit.render(&path.display().to_string()));
            }
        } else if !failing.is_empty() {
            println!(
                "\nto accept these failures for now, list them in a file and pass --known-failing FILE:"
            );
            for r in &failing {
                println!("+ {}", r.name);
            }
        }
    }
    let header = report::Testee {
        command: o
            .testee
            .clone()
            .unwrap_or_else(|| "built-in reference".into()),
        implementation: implementations,
        known_failing: o.known_failing.as_ref().map(|p| {
            (
                p.display().to_string(),
                known_text.clone().unwrap_or_default(),
            )
        }),
        selection: o.filter.clone(),
    };
    for (format, path) in &o.reports {
        let text = match format {
            ReportFormat::Json => report::json(&header, &records),
            ReportFormat::Junit => report::junit(&records),
        };
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let summary = Summary::of(&records);
    println!("\n{}", summary.line());
    if let Some(message) = no_run {
        return Err(message);
    }
    let code = summary.exit_code();
    if code == EXIT_RECOMMENDED_ONLY {
        println!(
            "only recommended cases failed: this does not prevent a claim of conformance (SPEC.md REQ-CONF-3); exit status {code}"
        );
    }
    Ok(ExitCode::from(code))
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
