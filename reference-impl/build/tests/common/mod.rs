//! Shared by the tests that write an application's files into a temporary directory.

use std::{fs, path::Path};

/// Writes each `(relative path, text)` below `dir`, creating directories as needed.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a file has a parent")).unwrap();
        fs::write(path, text).unwrap();
    }
}
