//! `include/eventwire.h` is the header the library is built with (REQ-TRANS-CABI-1): it is what
//! cbindgen generates from the crate today, and it declares exactly the functions, types and
//! codes of the normative header in SPEC.md section 13.2.

use std::{fs, path::PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn checked_in_header_is_current() {
    let path = crate_dir().join("include/eventwire.h");
    let generated = generate();
    if std::env::var_os("EVENTWIRE_UPDATE_HEADER").is_some() {
        fs::write(&path, &generated).expect("write header");
    }
    let checked_in = fs::read_to_string(&path).expect("include/eventwire.h exists");
    assert!(
        checked_in == generated,
        "include/eventwire.h is out of date; regenerate it with \
         EVENTWIRE_UPDATE_HEADER=1 cargo test -p eventwire-ffi --test header"
    );
}

/// Collapses whitespace and drops comments, so declarations compare by their tokens.
fn normalise(c: &str) -> String {
    let mut text = String::new();
    let mut rest = c;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let text: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let spaced = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace(',', " , ")
        .replace(';', " ; ")
        .replace('*', " * ");
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The declarations of the C block of SPEC.md section 13.2, one per `;` or `#define` line.
fn spec_declarations() -> Vec<String> {
    let spec = fs::read_to_string(crate_dir().join("../../SPEC.md")).expect("SPEC.md");
    let section = &spec[spec.find("### 13.2 C ABI").expect("section 13.2")..];
    let block = &section[section.find("```c").expect("C block") + 4..];
    let block = &block[..block.find("```").expect("end of C block")];
    let mut declarations = Vec::new();
    for line in block.lines().filter(|l| l.starts_with("#define")) {
        declarations.push(normalise(line));
    }
    let code: String = block
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for statement in normalise(&code)
        .split(" ;")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        declarations.push(format!("{statement} ;"));
    }
    declarations
}

#[test]
fn header_declares_exactly_what_the_spec_declares() {
    let header = fs::read_to_string(crate_dir().join("include/eventwire.h")).expect("header");
    let normalised = normalise(&header);
    let declarations = spec_declarations();
    assert_eq!(
        declarations
            .iter()
            .filter(|d| d.starts_with("#define"))
            .count(),
        8,
        "{declarations:#?}"
    );
    assert_eq!(
        declarations
            .iter()
            .filter(|d| d.contains("eventwire_") && d.contains('('))
            .count(),
        11
    );
    for declaration in &declarations {
        assert!(
            normalised.contains(declaration.as_str()),
            "header lacks `{declaration}`\nheader: {normalised}"
        );
    }
    // Nothing beyond the specified functions is exported.
    let header_functions = normalised.matches(" eventwire_").count();
    let spec_functions = declarations
        .iter()
        .map(|d| d.matches(" eventwire_").count())
        .sum::<usize>();
    assert_eq!(header_functions, spec_functions, "header: {normalised}");
}
