//! Every case of the suite: the suite files and the golden vectors, embedded at build time.

use std::collections::BTreeSet;

use crate::{case::Case, suite, vectors};

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
    let mut seen = BTreeSet::new();
    for c in &cases {
        if !seen.insert(c.name.clone()) {
            return Err(format!("{}: case name `{}` is used twice", c.origin, c.name));
        }
    }
    Ok(cases)
}
