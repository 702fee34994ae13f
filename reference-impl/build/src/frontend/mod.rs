//! Front ends for the schema: TypeScript and Dart event layers generated from one [`Model`].
//!
//! Each generator is a pure function from the model and its [`Params`] to a list of
//! [`GeneratedFile`]s, relative to an output directory the caller owns. The message classes
//! themselves come from each language's standard protobuf generator (`protoc-gen-es` for
//! TypeScript, `protoc-gen-dart` for Dart); the files generated here import them under the names
//! those generators give them, and import the Eventwire runtime by package name.
//!
//! Every generated file starts with a header naming the generator, its version, its parameters
//! and its sources, as protobuf-es does, so a reader can tell how to regenerate it.

pub mod dart;
pub mod model;
pub mod ts;

pub use model::Model;

/// One generated file: its path relative to the output directory, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Who generates, for the header of every file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generator {
    /// e.g. `eventwire-tools` or `eventwire-build`.
    pub name: String,
    pub version: String,
}

impl Generator {
    /// eventwire-build itself, at this crate's version.
    pub fn eventwire_build() -> Generator {
        Generator {
            name: "eventwire-build".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// What a generator is asked for, beyond the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub generator: Generator,
    /// The package the generated code imports the runtime from: `@eventwire/client` for
    /// TypeScript, `eventwire` for Dart (`package:eventwire/eventwire.dart`).
    pub runtime: String,
}

impl Params {
    /// The published runtime packages' names for `lang` (`ts` or `dart`).
    pub fn new(generator: Generator, lang: &str) -> Params {
        let runtime = if lang == "dart" {
            "eventwire"
        } else {
            "@eventwire/client"
        };
        Params {
            generator,
            runtime: runtime.to_owned(),
        }
    }
}

/// Writes `files` under `dir`, leaving unchanged files untouched; returns the paths written.
pub fn write_files(dir: &std::path::Path, files: &[GeneratedFile]) -> std::io::Result<Vec<String>> {
    let mut written = Vec::new();
    for file in files {
        let path = dir.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.contents)?;
        written.push(file.path.clone());
    }
    Ok(written)
}

/// Lines of generated code; a blank line is `line("")`.
#[derive(Default)]
pub(crate) struct Lines {
    out: String,
}

impl Lines {
    pub(crate) fn line(&mut self, s: impl AsRef<str>) -> &mut Self {
        let s = s.as_ref();
        if !s.is_empty() {
            self.out.push_str(s);
        }
        self.out.push('\n');
        self
    }

    pub(crate) fn blank(&mut self) -> &mut Self {
        self.line("")
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// `snake_case` / `kebab-case` / `dotted.name` -> `PascalCase`.
pub(crate) fn pascal(s: &str) -> String {
    s.split(['_', '-', '.', '/'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// `SignIn` -> `signIn`, `URLPreview` -> `urlPreview`, `UI` -> `ui`.
pub(crate) fn lower_camel(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let upper_run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    // In `URLPreview` the run is `URLP`, and its last letter starts the next word.
    let lower = if upper_run > 1 && upper_run < chars.len() {
        upper_run - 1
    } else {
        upper_run.max(1)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lower {
                c.to_ascii_lowercase()
            } else {
                *c
            }
        })
        .collect()
}

/// `TODO_NOT_FOUND` -> `todoNotFound`.
pub(crate) fn screaming_to_camel(name: &str) -> String {
    let mut out = String::new();
    for (i, part) in name.split('_').filter(|p| !p.is_empty()).enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut c = lower.chars();
            if let Some(first) = c.next() {
                out.extend(first.to_uppercase());
                out.extend(c);
            }
        }
    }
    out
}

/// The paragraphs of a doc comment, wrapped by the caller's prefix (` * ` or `/// `).
pub(crate) fn doc_lines(paragraphs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for p in paragraphs
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(p.lines().map(|l| l.trim_end().to_owned()));
    }
    out
}

/// The header lines every generated file starts with (without comment markers).
pub(crate) fn header_lines(
    params: &Params,
    lang: &str,
    tables: &[String],
    protos: &[String],
) -> Vec<String> {
    let g = &params.generator;
    let mut lines = vec![format!(
        "@generated by {} v{} (codegen {lang}) with parameter \"runtime={}\"",
        g.name, g.version, params.runtime
    )];
    if !tables.is_empty() {
        lines.push(format!(
            "@generated from table{} {}",
            if tables.len() == 1 { "" } else { "s" },
            tables.join(", ")
        ));
    }
    if !protos.is_empty() {
        lines.push(format!(
            "@generated from file{} {}",
            if protos.len() == 1 { "" } else { "s" },
            protos.join(", ")
        ));
    }
    lines.push("DO NOT EDIT: regenerate with the same command instead.".into());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(pascal("document_store"), "DocumentStore");
        assert_eq!(lower_camel("SignIn"), "signIn");
        assert_eq!(lower_camel("URLPreview"), "urlPreview");
        assert_eq!(lower_camel("UI"), "ui");
        assert_eq!(screaming_to_camel("TODO_NOT_FOUND"), "todoNotFound");
        assert_eq!(screaming_to_camel("INTERNAL"), "internal");
    }
}
