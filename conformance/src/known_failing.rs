//! The known-failing list: the cases an implementation does not pass yet.
//!
//! One pattern per line; `#` starts a comment. A pattern is matched against a case name part by
//! part (parts are separated by `/`): `*` matches exactly one part, `**` any number of parts
//! (none included), anything else matches that part literally. A listed case that fails is an
//! *expected failure*; a listed case that passes fails the run, so the list only ever shrinks.

use std::collections::BTreeSet;

/// A parsed known-failing list.
#[derive(Debug, Clone, Default)]
pub struct KnownFailing {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    pattern: String,
}

fn matches(pattern: &[&str], name: &[&str]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => (0..=name.len()).any(|skip| matches(rest, &name[skip..])),
        (Some((p, prest)), Some((n, nrest))) => (*p == "*" || p == n) && matches(prest, nrest),
        _ => false,
    }
}

/// How a case ended, as far as the list is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Failed or could not run.
    NotPassed,
    /// Skipped or not selected: says nothing about the list.
    Unknown,
}

/// The edit that makes the list match a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    /// Patterns to delete, with their line numbers.
    pub remove: Vec<(usize, String)>,
    /// Case names to add.
    pub add: Vec<String>,
    /// Patterns that match no case of the suite at all, with their line numbers.
    pub unused: Vec<(usize, String)>,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty() && self.unused.is_empty()
    }

    /// The edit as a patch-like listing of lines to remove (`-`) and add (`+`).
    pub fn render(&self, file: &str) -> String {
        let mut out = format!("known-failing list {file}:\n");
        for (line, p) in &self.unused {
            out.push_str(&format!("- {p}    # line {line}: matches no case\n"));
        }
        for (line, p) in &self.remove {
            out.push_str(&format!("- {p}    # line {line}\n"));
        }
        for name in &self.add {
            out.push_str(&format!("+ {name}\n"));
        }
        out
    }
}

impl KnownFailing {
    pub fn parse(text: &str) -> KnownFailing {
        let entries = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let l = l.split('#').next().unwrap_or("").trim();
                (!l.is_empty()).then(|| Entry {
                    line: i + 1,
                    pattern: l.to_owned(),
                })
            })
            .collect();
        KnownFailing { entries }
    }

    /// Whether `name` is listed.
    pub fn lists(&self, name: &str) -> bool {
        let name: Vec<&str> = name.split('/').collect();
        self.entries
            .iter()
            .any(|e| matches(&e.pattern.split('/').collect::<Vec<_>>(), &name))
    }

    /// The edit that makes the list describe `results` exactly. `all_names` is every case of
    /// the suite, to find patterns that match nothing.
    pub fn edit<'a>(
        &self,
        all_names: impl IntoIterator<Item = &'a str>,
        results: &[(String, Verdict)],
    ) -> Edit {
        let all: Vec<Vec<&str>> = all_names
            .into_iter()
            .map(|n| n.split('/').collect())
            .collect();
        let mut edit = Edit::default();
        let mut readd = BTreeSet::new();
        for e in &self.entries {
            let pattern: Vec<&str> = e.pattern.split('/').collect();
            if !all.iter().any(|n| matches(&pattern, n)) {
                edit.unused.push((e.line, e.pattern.clone()));
                continue;
            }
            let covered: Vec<&(String, Verdict)> = results
                .iter()
                .filter(|(n, _)| matches(&pattern, &n.split('/').collect::<Vec<_>>()))
                .collect();
            if covered.iter().any(|(_, v)| *v == Verdict::Passed) {
                edit.remove.push((e.line, e.pattern.clone()));
                for (n, v) in covered {
                    if *v != Verdict::Passed {
                        readd.insert(n.clone());
                    }
                }
            }
        }
        for (n, v) in results {
            if *v == Verdict::NotPassed && !self.lists(n) {
                readd.insert(n.clone());
            }
        }
        // A case still covered by a kept pattern needs no line of its own.
        let kept: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                !edit.remove.iter().any(|(l, _)| *l == e.line)
                    && !edit.unused.iter().any(|(l, _)| *l == e.line)
            })
            .collect();
        edit.add = readd
            .into_iter()
            .filter(|n| {
                let parts: Vec<&str> = n.split('/').collect();
                !kept
                    .iter()
                    .any(|e| matches(&e.pattern.split('/').collect::<Vec<_>>(), &parts))
            })
            .collect();
        edit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_one_part_and_double_star_any_number() {
        let k = KnownFailing::parse(
            "required/*/x\nrecommended/**\n# comment\n  \nrequired/decode/a # trailing",
        );
        assert!(k.lists("required/encode/x"));
        assert!(!k.lists("required/encode/deep/x"));
        assert!(!k.lists("required/encode/y"));
        assert!(k.lists("recommended/a/b/c"));
        assert!(k.lists("required/decode/a"));
        assert!(!k.lists("required/decode/ab"));
        assert!(matches(&["a", "**", "b"], &["a", "b"]));
        assert!(matches(&["a", "**", "b"], &["a", "x", "y", "b"]));
        assert!(!matches(&["a", "*", "b"], &["a", "b"]));
    }

    #[test]
    fn the_edit_removes_passing_entries_adds_new_failures_and_reports_unused() {
        let k = KnownFailing::parse("required/a/*\nrequired/b/one\nrequired/zzz/none\n");
        let all = [
            "required/a/1",
            "required/a/2",
            "required/b/one",
            "required/c/x",
        ];
        let results = vec![
            ("required/a/1".to_owned(), Verdict::Passed),
            ("required/a/2".to_owned(), Verdict::NotPassed),
            ("required/b/one".to_owned(), Verdict::NotPassed),
            ("required/c/x".to_owned(), Verdict::NotPassed),
        ];
        let edit = k.edit(all, &results);
        assert_eq!(edit.unused, vec![(3, "required/zzz/none".to_owned())]);
        assert_eq!(edit.remove, vec![(1, "required/a/*".to_owned())]);
        assert_eq!(
            edit.add,
            vec!["required/a/2".to_owned(), "required/c/x".to_owned()]
        );
        let clean = KnownFailing::parse("required/b/one").edit(all, &results[2..3]);
        assert!(clean.is_empty());
    }
}
