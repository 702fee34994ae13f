//! The breaking-change corpus (`tools/tests/breaking/mutations/*.yaml`): each mutation edits a copy
//! of a base schema (`tools/tests/breaking/base/`, an application importing `schema/proto`) and
//! states its verdict by SPEC.md section 16 and the rule ids it expects. One trial per mutation
//! runs the checker on it and, for the mutations that touch only `.proto` files, `buf breaking`
//! (categories WIRE and WIRE_JSON, local inputs only) as an independent opinion: the test asserts
//! that buf says what the mutation's `buf` field says, and a `buf_note` explains every mutation
//! where that differs from the verdict (docs/evolving-a-schema.md lists them too).
//!
//! buf comes from npm (`tools/package.json`; `make test` runs `npm ci` there first). Without it the
//! buf half is skipped with a message and the trial `breaking::buf-is-installed` is reported as
//! ignored, unless `EVENTWIRE_REQUIRE_BUF=1` or `CI` is set (as `make test` does): then every
//! proto-only trial fails. `EVENTWIRE_BUF` names another buf binary.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
};

use eventwire_tools::breaking::{
    Snapshot, compare,
    rules::{self, Severity},
    source::{Inputs, ProtoRoot},
};
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

const BASE: &str = "tools/tests/breaking/base";
const MUTATIONS: &str = "tools/tests/breaking/mutations";
const DOC: &str = "docs/evolving-a-schema.md";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository root exists")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mutation {
    name: String,
    /// Why SPEC.md gives this verdict, in one or two sentences.
    why: String,
    /// The section and requirement the verdict rests on.
    spec: String,
    verdict: Verdict,
    /// Every rule id the checker must report (errors and warnings), no more.
    rules: Vec<String>,
    /// What `buf breaking` (WIRE + WIRE_JSON) says; present exactly for proto-only mutations.
    buf: Option<Verdict>,
    /// Why buf disagrees with the verdict; present exactly when it does.
    buf_note: Option<String>,
    edits: Vec<Edit>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    Compatible,
    Breaking,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    /// A proto import name (`acme/notes/v1/notes.proto`, `eventwire/v1/errors.proto`) or a table
    /// file name (`notes.yaml`).
    file: String,
    replace: Option<String>,
    with: Option<String>,
    /// Creates a new table file with this text.
    create: Option<String>,
}

impl Mutation {
    fn proto_only(&self) -> bool {
        self.edits.iter().all(|e| e.file.ends_with(".proto"))
    }
}

fn base_inputs() -> Inputs {
    let repo = repo();
    let mut inputs = Inputs::from_dirs(
        "base",
        &repo,
        &[PathBuf::from(BASE).join("proto")],
        &PathBuf::from(BASE).join("events"),
    )
    .expect("the base schema reads");
    inputs
        .protos
        .push(ProtoRoot::read(&repo, Path::new("schema/proto")).expect("schema/proto reads"));
    inputs
}

fn apply(base: &Inputs, m: &Mutation) -> Result<Inputs, String> {
    let mut out = base.clone();
    out.label = m.name.clone();
    for e in &m.edits {
        if let Some(text) = &e.create {
            out.tables
                .push((format!("{BASE}/events/{}", e.file), text.clone()));
            continue;
        }
        let (Some(from), Some(to)) = (&e.replace, &e.with) else {
            return Err(format!(
                "{}: an edit needs `replace` and `with`, or `create`",
                e.file
            ));
        };
        let slot: &mut String = if e.file.ends_with(".proto") {
            out.protos
                .iter_mut()
                .find_map(|r| r.files.get_mut(&e.file))
                .ok_or_else(|| format!("no proto file `{}`", e.file))?
        } else {
            out.tables
                .iter_mut()
                .find(|(p, _)| p.ends_with(&format!("/{}", e.file)))
                .map(|(_, t)| t)
                .ok_or_else(|| format!("no table file `{}`", e.file))?
        };
        match slot.matches(from.as_str()).count() {
            1 => *slot = slot.replacen(from.as_str(), to, 1),
            n => {
                return Err(format!(
                    "{}: the text to replace occurs {n} times, not once:\n{from}",
                    e.file
                ));
            }
        }
    }
    Ok(out)
}

/// The buf binary, or why there is none.
fn find_buf() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("EVENTWIRE_BUF") {
        return Ok(PathBuf::from(p));
    }
    for p in [
        "tools/node_modules/.bin/buf",
        "bindings/ts/node_modules/.bin/buf",
    ] {
        let p = repo().join(p);
        if p.exists() {
            return Ok(p);
        }
    }
    Err(
        "buf is not installed: run `npm ci` in tools/ (`make test` does), or set EVENTWIRE_BUF"
            .to_owned(),
    )
}

fn buf_required() -> bool {
    std::env::var("EVENTWIRE_REQUIRE_BUF").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// Writes every proto file of `inputs` into one buf module at `dir`.
fn write_module(inputs: &Inputs, dir: &Path) {
    for r in &inputs.protos {
        for (name, text) in &r.files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            if !p.exists() {
                std::fs::write(&p, text).unwrap();
            }
        }
    }
    std::fs::write(
        dir.join("buf.yaml"),
        "version: v2\nbreaking:\n  use: [WIRE, WIRE_JSON]\n",
    )
    .unwrap();
}

/// `buf breaking new --against old`, offline: the verdict and buf's rule ids.
fn buf_breaking(buf: &Path, old: &Inputs, new: &Inputs) -> Result<(Verdict, Vec<String>), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    write_module(old, &tmp.path().join("old"));
    write_module(new, &tmp.path().join("new"));
    let out = Command::new(buf)
        .current_dir(tmp.path())
        .env("BUF_CACHE_DIR", tmp.path().join("cache"))
        .args([
            "breaking",
            "new",
            "--against",
            "old",
            "--error-format",
            "json",
        ])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", buf.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ids: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["type"].as_str().map(str::to_owned))
        .collect();
    match out.status.code() {
        Some(0) => Ok((Verdict::Compatible, ids)),
        Some(100) => Ok((Verdict::Breaking, ids)),
        _ => Err(format!(
            "buf failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

fn run(
    base: &Inputs,
    base_snap: &Snapshot,
    m: &Mutation,
    buf: &Result<PathBuf, String>,
) -> Result<(), Failed> {
    let new_inputs = apply(base, m)?;
    let new = Snapshot::build(&new_inputs)
        .map_err(|e| format!("the mutated schema does not build:\n{e}"))?;
    let findings = compare(base_snap, &new, "base");
    let shown = findings
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n");
    let got = if findings.iter().any(|f| f.rule.severity == Severity::Error) {
        Verdict::Breaking
    } else {
        Verdict::Compatible
    };
    if got != m.verdict {
        return Err(format!(
            "checker says {got:?}, SPEC.md says {:?} ({}):\n{shown}",
            m.verdict, m.spec
        )
        .into());
    }
    let got_rules: BTreeSet<&str> = findings.iter().map(|f| f.rule.id).collect();
    let want_rules: BTreeSet<&str> = m.rules.iter().map(String::as_str).collect();
    if got_rules != want_rules {
        return Err(
            format!("rules reported {got_rules:?}, expected {want_rules:?}:\n{shown}").into(),
        );
    }
    // Every finding names a location in the newer revision and one in the older, as file:line.
    for f in &findings {
        for at in [&f.new_at, &f.old_at] {
            let line = at
                .rsplit_once(':')
                .and_then(|(_, l)| l.parse::<usize>().ok());
            if line.is_none() {
                return Err(format!("finding without file:line: {f}").into());
            }
        }
    }
    if m.proto_only() {
        let buf = match buf {
            Ok(b) => b,
            Err(why) if buf_required() => {
                return Err(format!("{why} (EVENTWIRE_REQUIRE_BUF or CI is set)").into());
            }
            Err(_) => return Ok(()),
        };
        let (buf_says, ids) = buf_breaking(buf, base, &new_inputs)?;
        let expected = m.buf.expect("checked by the corpus trial");
        if buf_says != expected {
            return Err(format!(
                "buf breaking says {buf_says:?} {ids:?}; the mutation records {expected:?}"
            )
            .into());
        }
    }
    Ok(())
}

fn load_corpus() -> Result<Vec<Mutation>, String> {
    let dir = repo().join(MUTATIONS);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
        let m: Mutation =
            serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        if p.file_stem().unwrap().to_string_lossy() != m.name {
            return Err(format!(
                "{}: name `{}` is not the file name",
                p.display(),
                m.name
            ));
        }
        out.push(m);
    }
    Ok(out)
}

/// The corpus is well formed, large enough, covers every rule, and its buf disagreements are
/// explained here and in the docs.
fn check_corpus(corpus: &[Arc<Mutation>]) -> Result<(), Failed> {
    let mut problems = Vec::new();
    if corpus.len() < 40 {
        problems.push(format!(
            "{} mutations; the corpus needs at least 40",
            corpus.len()
        ));
    }
    let doc = std::fs::read_to_string(repo().join(DOC)).unwrap_or_default();
    if !doc.contains(&format!("({} today;", corpus.len())) {
        problems.push(format!(
            "{DOC}: say how many mutations the corpus holds: \"({} today;\"",
            corpus.len()
        ));
    }
    for m in corpus {
        if m.why.trim().is_empty() || !m.spec.starts_with("16.") {
            problems.push(format!("{}: say why, and cite SPEC.md section 16", m.name));
        }
        for r in &m.rules {
            if rules::by_id(r).is_none() {
                problems.push(format!("{}: `{r}` is not a rule id", m.name));
            }
        }
        match (m.proto_only(), m.buf) {
            (true, None) => problems.push(format!(
                "{}: proto-only, so it must record what buf says (`buf:`)",
                m.name
            )),
            (false, Some(_)) => problems.push(format!(
                "{}: touches tables, where buf has no opinion; drop `buf:`",
                m.name
            )),
            _ => {}
        }
        let disagrees = m.buf.is_some_and(|b| b != m.verdict);
        if disagrees && m.verdict != Verdict::Breaking {
            // The docs say every disagreement is SPEC.md being stricter than buf.
            problems.push(format!("{}: buf is stricter than SPEC.md here; {DOC} says that never happens, so update it", m.name));
        }
        match (&m.buf_note, disagrees) {
            (None, true) => problems.push(format!(
                "{}: buf disagrees with the verdict; explain it in `buf_note`",
                m.name
            )),
            (Some(_), false) => {
                problems.push(format!("{}: `buf_note` without a disagreement", m.name))
            }
            _ => {}
        }
    }
    let covered: BTreeSet<&str> = corpus
        .iter()
        .flat_map(|m| m.rules.iter().map(String::as_str))
        .collect();
    for r in rules::ALL {
        if !covered.contains(r.id) {
            problems.push(format!("rule {} fires in no mutation", r.id));
        }
    }
    let table = disagreements(corpus);
    match block(&doc, "buf-disagreements") {
        Some(have) if have == table => {}
        _ if std::env::var("EVENTWIRE_BLESS_DOCS").is_ok_and(|v| v == "1") => {
            let (start, end) = block_span(&doc, "buf-disagreements").ok_or(format!("{DOC}: no buf-disagreements block"))?;
            let text = format!("{}{table}{}", &doc[..start], &doc[end..]);
            std::fs::write(repo().join(DOC), text).map_err(|e| e.to_string())?;
        }
        _ => problems.push(format!(
            "{DOC}: the buf-disagreements block is not the corpus's (rerun with EVENTWIRE_BLESS_DOCS=1 to rewrite it); expected:\n{table}"
        )),
    }
    let names: BTreeSet<&str> = corpus.iter().map(|m| m.name.as_str()).collect();
    if names.len() != corpus.len() {
        problems.push("mutation names are not unique".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The Markdown table of the mutations where buf's verdict is not SPEC.md's.
fn disagreements(corpus: &[Arc<Mutation>]) -> String {
    let word = |v: Verdict| match v {
        Verdict::Compatible => "compatible",
        Verdict::Breaking => "breaking",
    };
    let mut s = String::from("| mutation | SPEC.md | buf | why |\n|---|---|---|---|\n");
    for m in corpus {
        if let (Some(b), Some(note)) = (m.buf, &m.buf_note) {
            s.push_str(&format!(
                "| `{}` | {} ({}) | {} | {} |\n",
                m.name,
                word(m.verdict),
                m.spec,
                word(b),
                note.replace('|', "\\|").replace('\n', " ")
            ));
        }
    }
    s
}

/// The byte span of the text between `<!-- tag: ... -->\n` and `<!-- /tag -->`.
fn block_span(doc: &str, tag: &str) -> Option<(usize, usize)> {
    let open = doc.find(&format!("<!-- {tag}:"))?;
    let start = open + doc[open..].find('\n')? + 1;
    let end = start + doc[start..].find(&format!("<!-- /{tag} -->"))?;
    Some((start, end))
}

fn block<'a>(doc: &'a str, tag: &str) -> Option<&'a str> {
    block_span(doc, tag).map(|(a, b)| &doc[a..b])
}

fn main() {
    let args = Arguments::from_args();
    let corpus = load_corpus();
    let base = Arc::new(base_inputs());
    let base_snap = Arc::new(Snapshot::build(&base).expect("the base schema builds"));
    let buf = Arc::new(find_buf());
    if let Err(why) = buf.as_ref() {
        if !buf_required() {
            eprintln!(
                "breaking: {why}; the buf comparison is SKIPPED (set EVENTWIRE_REQUIRE_BUF=1 to make this fail)"
            );
        }
    }
    let mut trials = Vec::new();
    {
        let base_snap = base_snap.clone();
        trials.push(Trial::test("breaking::base-is-clean", move || {
            let findings = compare(&base_snap, &base_snap, "base");
            if !findings.is_empty() {
                return Err(format!("the base schema against itself: {findings:?}").into());
            }
            if base_snap.events.len() < 6
                || base_snap.notifications.len() < 3
                || !base_snap.messages.contains_key("acme.notes.v1.NotePB")
            {
                return Err("the base schema lost its events, notifications or messages".into());
            }
            Ok(())
        }));
    }
    {
        let buf = buf.clone();
        let missing = buf.is_err() && !buf_required();
        trials.push(
            Trial::test("breaking::buf-is-installed", move || match buf.as_ref() {
                Ok(b) => {
                    let out = Command::new(b)
                        .arg("--version")
                        .output()
                        .map_err(|e| format!("{}: {e}", b.display()))?;
                    if out.status.success() {
                        Ok(())
                    } else {
                        Err(format!("{} --version failed", b.display()).into())
                    }
                }
                Err(why) => Err(why.clone().into()),
            })
            .with_ignored_flag(missing),
        );
    }
    match corpus {
        Err(e) => trials.push(Trial::test("breaking::corpus", move || {
            Err(e.clone().into())
        })),
        Ok(corpus) => {
            let corpus: Vec<Arc<Mutation>> = corpus.into_iter().map(Arc::new).collect();
            let all: Vec<Arc<Mutation>> = corpus.clone();
            trials.push(Trial::test("breaking::corpus", move || check_corpus(&all)));
            for m in corpus {
                let (base, base_snap, buf) = (base.clone(), base_snap.clone(), buf.clone());
                trials.push(Trial::test(format!("breaking::{}", m.name), move || {
                    run(&base, &base_snap, &m, &buf)
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
