//! The runtime's modules depend on each other without cycles: each can be read (and changed)
//! knowing only the modules below it. The graph is read from the sources: every `crate::<module>`
//! path outside comments and `#[cfg(test)]` code, including those inside `use crate::{...}`
//! groups. Paths through the crate root's re-exports (`crate::Dispatcher`) are refused, as they
//! would hide an edge.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

/// The top-level module a file belongs to (`pipeline/supervise.rs` is part of `pipeline`).
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The source without comments and without the code after the first `#[cfg(test)]`.
fn code(source: &str) -> String {
    let source = source.split("#[cfg(test)]").next().unwrap();
    source
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `code` names after `crate::`, and the names that are not modules (re-exports).
fn references(code: &str, modules: &BTreeSet<String>) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut found = BTreeSet::new();
    let mut through_root = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::x, b::{y, z}, C}`: the first segment of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        item_start = true;
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && item_start {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                        continue;
                    }
                    if !item.is_empty() {
                        classify(&item, modules, &mut found, &mut through_root);
                        item.clear();
                        item_start = false;
                    }
                }
            }
            if !item.is_empty() {
                classify(&item, modules, &mut found, &mut through_root);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            classify(&name, modules, &mut found, &mut through_root);
        }
    }
    (found, through_root)
}

fn classify(
    name: &str,
    modules: &BTreeSet<String>,
    found: &mut BTreeSet<String>,
    through_root: &mut BTreeSet<String>,
) {
    if modules.contains(name) {
        found.insert(name.to_owned());
    } else if !name.is_empty() && name != "self" {
        through_root.insert(name.to_owned());
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_modules_of_the_runtime_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(f.strip_prefix(&src).unwrap()))
        .filter(|m| m != "lib")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(file.strip_prefix(&src).unwrap());
        if module == "lib" {
            continue;
        }
        let (found, through_root) = references(&code(&fs::read_to_string(file).unwrap()), &modules);
        // `__private` and the macro-generated paths are the crate's public face, not an edge.
        let through_root: Vec<_> = through_root
            .into_iter()
            .filter(|n| n != "__private")
            .collect();
        if !through_root.is_empty() {
            problems.push(format!(
                "{}: names {:?} through the crate root; name the module instead",
                file.display(),
                through_root
            ));
        }
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(found.into_iter().filter(|m| *m != module));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The five modules of the request path are all there and connected (a guard against a
    // parser that finds nothing).
    for (from, to) in [
        ("session", "dispatcher"),
        ("dispatcher", "pipeline"),
        ("pipeline", "registry"),
        ("pipeline", "notify"),
        ("session", "notify"),
    ] {
        assert!(
            graph[from].contains(to),
            "{from} -> {to} not found in {graph:#?}"
        );
    }

    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Result<(), String> {
        match state.get(node) {
            Some(true) => return Ok(()),
            Some(false) => {
                let start = path.iter().position(|n| *n == node).unwrap();
                return Err(format!("cycle: {} -> {node}", path[start..].join(" -> ")));
            }
            None => {}
        }
        state.insert(node, false);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, state, path)?;
        }
        path.pop();
        state.insert(node, true);
        Ok(())
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        visit(node, &graph, &mut state, &mut Vec::new())
            .unwrap_or_else(|e| panic!("{e}\n{graph:#?}"));
    }
}
