//! `vectors generate`: the catalogue, merged into the existing files without disturbing ids.
//!
//! Rules: a case keeps the id it has (matched by `name`); existing cases keep their order; new
//! cases are appended to their file with the next free id of their kind (above every id ever
//! used, retired ones included); a case that left the catalogue must have its id listed in
//! `RETIRED` and is then dropped, never silently.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::OnceLock,
};

use super::catalogue::{self, Def};
use super::compile::compile;
use super::format::{Case, Kind, VectorFile, make_id, split_id};

/// Merges the catalogue into `existing` (path -> file). Errors list every problem found.
pub fn generate(
    existing: &BTreeMap<String, VectorFile>,
    retired: &[String],
) -> Result<BTreeMap<String, VectorFile>, Vec<String>> {
    // The catalogue is fixed for the life of the process; compile it once.
    static COMPILED: OnceLock<(Vec<Def>, Compiled)> = OnceLock::new();
    let (defs, compiled) = COMPILED.get_or_init(|| {
        let defs = catalogue::all();
        let compiled = compile_all(&defs);
        (defs, compiled)
    });
    merge(defs, compiled, existing, retired)
}

pub fn generate_from(
    defs: &[Def],
    existing: &BTreeMap<String, VectorFile>,
    retired: &[String],
) -> Result<BTreeMap<String, VectorFile>, Vec<String>> {
    merge(defs, &compile_all(defs), existing, retired)
}

/// Name -> (file, case), or the problems found compiling.
type Compiled = Result<BTreeMap<String, (&'static str, Case)>, Vec<String>>;

fn compile_all(defs: &[Def]) -> Compiled {
    let mut problems = Vec::new();
    let mut compiled = BTreeMap::new();
    for def in defs {
        match compile(def) {
            Ok(case) => {
                if compiled
                    .insert(def.name.clone(), (def.file, case))
                    .is_some()
                {
                    problems.push(format!("catalogue: case name `{}` is used twice", def.name));
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(compiled)
    } else {
        Err(problems)
    }
}

fn merge(
    defs: &[Def],
    compiled: &Compiled,
    existing: &BTreeMap<String, VectorFile>,
    retired: &[String],
) -> Result<BTreeMap<String, VectorFile>, Vec<String>> {
    let compiled = compiled.as_ref().map_err(Clone::clone)?;
    let mut problems = Vec::new();
    let retired: BTreeSet<&str> = retired.iter().map(String::as_str).collect();

    let mut next: BTreeMap<&str, u32> = BTreeMap::new();
    let mut bump = |id: &str| {
        if let Some((prefix, n)) = split_id(id) {
            let prefix: &'static str = Kind::ALL
                .iter()
                .map(|k| k.prefix())
                .find(|p| *p == prefix)
                .unwrap_or("?");
            let e = next.entry(prefix).or_insert(1);
            *e = (*e).max(n + 1);
        }
    };
    let mut ids_by_name: BTreeMap<&str, &str> = BTreeMap::new();
    for file in existing.values() {
        for c in &file.cases {
            bump(&c.id);
            ids_by_name.insert(&c.name, &c.id);
        }
    }
    for id in &retired {
        bump(id);
    }

    let descriptions: BTreeMap<&str, &str> = catalogue::file_descriptions().into_iter().collect();
    let mut out: BTreeMap<String, VectorFile> = BTreeMap::new();
    for (path, description) in &descriptions {
        out.insert(
            path.to_string(),
            VectorFile {
                description: description.to_string(),
                cases: Vec::new(),
            },
        );
    }
    for (path, file) in existing {
        if !descriptions.contains_key(path.as_str()) {
            problems.push(format!("{path}: not a vector file of the catalogue (remove it, or add it to catalogue::file_descriptions)"));
        }
        for c in &file.cases {
            let Some((def_file, case)) = compiled.get(c.name.as_str()) else {
                if !retired.contains(c.id.as_str()) {
                    problems.push(format!("{path}: case {} (`{}`) is no longer in the catalogue; list {} in vectors/RETIRED to retire it", c.id, c.name, c.id));
                }
                continue;
            };
            if retired.contains(c.id.as_str()) {
                problems.push(format!(
                    "{path}: case {} is listed in vectors/RETIRED but still in the catalogue",
                    c.id
                ));
                continue;
            }
            if split_id(&c.id).map(|(p, _)| p) != Some(case.kind.prefix()) {
                problems.push(format!(
                    "{path}: case {} (`{}`) is now of kind {}: give the new case a new name",
                    c.id,
                    c.name,
                    case.kind.name()
                ));
                continue;
            }
            let mut case = case.clone();
            case.id = c.id.clone();
            out.entry(def_file.to_string())
                .or_insert_with(|| VectorFile {
                    description: String::new(),
                    cases: Vec::new(),
                })
                .cases
                .push(case);
        }
    }
    // New cases, in catalogue order.
    for def in defs {
        if ids_by_name.contains_key(def.name.as_str()) {
            continue;
        }
        let Some((file, case)) = compiled.get(def.name.as_str()) else {
            continue;
        };
        let n = next.entry(case.kind.prefix()).or_insert(1);
        let mut case = case.clone();
        case.id = make_id(case.kind, *n);
        *n += 1;
        out.get_mut(*file)
            .expect("catalogue file has a description")
            .cases
            .push(case);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
