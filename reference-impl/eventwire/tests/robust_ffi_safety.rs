//! Memory safety at the C boundary, as a reviewable rule: every `unsafe` block and `unsafe impl`
//! in the C ABI crate (`reference-impl/ffi/src`) carries a `// SAFETY:` comment right above it
//! saying why it is sound, and every `unsafe fn` documents its contract in a `# Safety` section.
//! (The same convention as clippy's `undocumented_unsafe_blocks` and `missing_safety_doc`, checked
//! here without needing clippy.)

use std::path::{Path, PathBuf};

/// One `unsafe` without its justification.
#[derive(Debug, PartialEq, Eq)]
struct Finding {
    line: usize,
    what: &'static str,
}

/// Lines of `source` (1-based) holding an `unsafe` block, `unsafe impl` or `unsafe fn` that lacks
/// its comment.
fn undocumented_unsafe(source: &str) -> Vec<Finding> {
    let lines: Vec<&str> = source.lines().collect();
    let mut findings = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = code_part(line);
        if code.trim_start().starts_with("#[") {
            continue; // `#[unsafe(no_mangle)]` is an attribute, not an unsafe operation.
        }
        for (pos, _) in code.match_indices("unsafe") {
            let before = code[..pos].chars().next_back();
            let after = &code[pos + "unsafe".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                || after.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                continue; // part of another identifier, e.g. `unsafe_op`.
            }
            let after = after.trim_start();
            if after.starts_with("fn") || after.starts_with("extern") {
                // `unsafe extern "C" fn(...)` without a name is a function pointer type.
                let signature = after.split_once("fn").map_or("", |(_, rest)| rest.trim_start());
                if signature.starts_with('(') {
                    continue;
                }
                if !doc_has_safety_section(&lines, i) {
                    findings.push(Finding { line: i + 1, what: "unsafe fn without a `# Safety` doc section" });
                }
            } else if after.starts_with('{') || after.starts_with("impl") {
                if !comment_above_has_safety(&lines, i, line) {
                    findings.push(Finding { line: i + 1, what: "unsafe block or impl without a `// SAFETY:` comment" });
                }
            }
        }
    }
    findings
}

/// The line without a trailing `//` comment and without string literals' contents (enough for
/// this crate's code: no `//` inside strings is needed for correctness, only to avoid false hits).
fn code_part(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut prev = '\0';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            if c == '"' && prev != '\\' {
                in_string = false;
                out.push('"');
            }
        } else if c == '"' {
            in_string = true;
            out.push('"');
        } else if c == '/' && chars.peek() == Some(&'/') {
            break;
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// Whether the `//` comment lines directly above line `i` (or a comment at the end of the line
/// itself) include one starting `SAFETY:`.
fn comment_above_has_safety(lines: &[&str], i: usize, line: &str) -> bool {
    if line.contains("// SAFETY:") {
        return true;
    }
    lines[..i]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|l| l.starts_with("//") && !l.starts_with("///"))
        .any(|l| l.starts_with("// SAFETY:"))
}

/// Whether the doc comment above the item starting at line `i` (skipping attributes) has a
/// `# Safety` section.
fn doc_has_safety_section(lines: &[&str], i: usize) -> bool {
    lines[..i]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|l| l.starts_with("///") || l.starts_with("#["))
        .any(|l| l.trim_start_matches('/').trim() == "# Safety")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_unsafe_in_the_c_abi_is_justified() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ffi/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(!files.is_empty(), "no sources under {}", src.display());
    let mut report = Vec::new();
    let mut unsafe_seen = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        unsafe_seen += text.lines().filter(|l| code_part(l).contains("unsafe")).count();
        for f in undocumented_unsafe(&text) {
            report.push(format!("{}:{}: {}", file.display(), f.line, f.what));
        }
    }
    // The crate is the C boundary: if this ever reads 0, the scan is not looking at it.
    assert!(unsafe_seen > 0, "no `unsafe` found under {}", src.display());
    assert!(report.is_empty(), "undocumented unsafe code:\n{}", report.join("\n"));
}

#[test]
fn the_scanner_finds_what_it_must() {
    let missing = "fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";
    assert_eq!(undocumented_unsafe(missing), [Finding { line: 2, what: "unsafe block or impl without a `// SAFETY:` comment" }]);
    let unrelated_comment = "    // reads the byte\n    let b = unsafe { *p };\n";
    assert_eq!(undocumented_unsafe(unrelated_comment).len(), 1);
    let separated = "    // SAFETY: p is valid.\n    let a = 1;\n    let b = unsafe { *p };\n";
    assert_eq!(undocumented_unsafe(separated).len(), 1);
    let fine = "    // SAFETY: p is valid for reads,\n    // as the caller guarantees.\n    let b = unsafe { *p };\n";
    assert!(undocumented_unsafe(fine).is_empty());
    let nested = "    let ok = (unsafe { f() }); // SAFETY: f has no preconditions.\n";
    assert!(undocumented_unsafe(nested).is_empty());
    let impl_missing = "struct P(*mut u8);\nunsafe impl Send for P {}\n";
    assert_eq!(undocumented_unsafe(impl_missing).len(), 1);
    let fn_missing = "/// Reads.\n#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn r(p: *const u8) {}\n";
    assert_eq!(undocumented_unsafe(fn_missing), [Finding { line: 3, what: "unsafe fn without a `# Safety` doc section" }]);
    let fn_fine = "/// Reads.\n///\n/// # Safety\n/// `p` must be valid.\n#[unsafe(no_mangle)]\npub unsafe extern \"C\" fn r(p: *const u8) {}\n";
    assert!(undocumented_unsafe(fn_fine).is_empty());
    let pointer_type = "pub type Cb = Option<unsafe extern \"C\" fn(u64, *const u8)>;\ntype F = unsafe extern \"C\" fn (*const u8);\n";
    assert!(undocumented_unsafe(pointer_type).is_empty());
    let words = "// not unsafe at all\nlet s = \"unsafe { x }\";\n#![deny(unsafe_op_in_unsafe_fn)]\n";
    assert!(undocumented_unsafe(words).is_empty());
}
