//! Compiles `tests/c/abi_test.c` with the system C compiler against the reference backend's static
//! library (crate eventwire-reference, which links this crate), runs it, and checks that every
//! check in it passed.
//!
//! `CC` selects the compiler (default `cc`); `EVENTWIRE_C_TEST_CFLAGS` adds flags, e.g.
//! `-fsanitize=address -fno-omit-frame-pointer` to run the test under AddressSanitizer.

#![cfg(unix)]

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

const LIBRARY: &str = "libeventwire_reference.a";

/// The static library built alongside this test: in `target/<profile>/deps` next to the test
/// binary, or in `target/<profile>`.
fn static_library() -> PathBuf {
    let exe = env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps directory");
    let candidates = [
        deps.join(LIBRARY),
        deps.parent().map(|p| p.join(LIBRARY)).unwrap_or_default(),
    ];
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return found.clone();
    }
    // Last resort: ask cargo to build it (e.g. when the test binary was copied elsewhere).
    let status = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "-p", "eventwire-reference", "--lib"])
        .status()
        .expect("run cargo build");
    assert!(
        status.success(),
        "cargo build -p eventwire-reference failed"
    );
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{LIBRARY} not found near {}", exe.display()))
}

/// What a C program linking the Rust static library also needs (`rustc --print native-static-libs`).
fn native_libraries() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &["-lSystem", "-lc", "-lm"]
    } else {
        &[
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
        ]
    }
}

fn compile(source: &Path, output: &Path) {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let extra = env::var("EVENTWIRE_C_TEST_CFLAGS").unwrap_or_default();
    let result = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-pthread"])
        .args(extra.split_whitespace())
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg(source)
        .arg(static_library())
        .args(native_libraries())
        .arg("-o")
        .arg(output)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}`: {e}"));
    assert!(
        result.status.success(),
        "compiling {} failed:\n{}",
        source.display(),
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn c_program_drives_the_abi() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/abi_test.c");
    let program = Path::new(env!("CARGO_TARGET_TMPDIR")).join("eventwire_abi_test");
    compile(&source, &program);
    let run = Command::new(&program).output().expect("run the C test");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "C test failed ({}):\n{stdout}\n{stderr}",
        run.status
    );
    let checks: usize = stdout
        .trim()
        .strip_prefix("abi_test: ok (")
        .and_then(|rest| rest.strip_suffix(" checks)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {stdout}"));
    // Fewer checks than the program contains would mean part of it was skipped.
    assert!(checks >= 150, "only {checks} checks ran");
}
