//! The lock file: the facts of every released revision of a schema, so that a change is checked
//! against each of them, not only against the previous one (a field removed in one release and
//! re-added with another type in the next passes two pairwise checks and still breaks the first).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::snapshot::Snapshot;

/// The lock file's format; bumped only if the format changes incompatibly.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// What this file is, for a reader who finds it in a repository.
    pub about: String,
    pub format: u32,
    /// Released revisions, oldest first.
    pub versions: Vec<Version>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    pub version: String,
    pub schema: Snapshot,
}

pub const ABOUT: &str = "Eventwire schema lock: the facts of every released revision of this schema. \
    `eventwire-tools schema breaking` checks the schema against each; \
    `eventwire-tools schema lock --update --version <v>` records a release. Do not edit by hand.";

impl Lock {
    pub fn new() -> Lock {
        Lock {
            about: ABOUT.to_owned(),
            format: FORMAT,
            versions: Vec::new(),
        }
    }

    pub fn read(path: &Path) -> Result<Lock, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Lock::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Lock, String> {
        let lock: Lock = serde_json::from_str(text)
            .map_err(|e| format!("{}:{}: not a schema lock: {e}", e.line(), e.column()))?;
        if lock.format != FORMAT {
            return Err(format!(
                "lock format {} is not the format this tool reads ({FORMAT})",
                lock.format
            ));
        }
        Ok(lock)
    }

    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a lock serializes");
        s.push('\n');
        s
    }

    /// Records `schema` as release `version`. A version already recorded keeps its facts, except
    /// the newest one, which is replaced (re-locking a release that is being prepared). Returns
    /// whether anything changed.
    pub fn record(&mut self, version: &str, schema: Snapshot) -> Result<bool, String> {
        match self.versions.iter().position(|v| v.version == version) {
            Some(i) if self.versions[i].schema == schema => Ok(false),
            Some(i) if i + 1 == self.versions.len() => {
                self.versions[i].schema = schema;
                Ok(true)
            }
            Some(_) => Err(format!(
                "version `{version}` is recorded already and is not the newest: released facts are never rewritten"
            )),
            None => {
                self.versions.push(Version {
                    version: version.to_owned(),
                    schema,
                });
                Ok(true)
            }
        }
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}
