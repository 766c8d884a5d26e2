//! What the corpus tests of this crate share: how libvirt's test loader
//! read a file and a folder's MANIFEST.tsv (the corpus itself and output
//! differences come from virt-testkit).
// Each test file uses part of this module; the rest is dead code there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One row of a MANIFEST.tsv.
pub struct Case {
    /// The first column: the test (`sexpr2xml`) or direction (`cfg->xml`).
    pub test: String,
    /// The input file.
    pub input: PathBuf,
    /// The file holding the expected output.
    pub expected: PathBuf,
}

impl Case {
    /// The input's file name, for reports.
    pub fn name(&self) -> String {
        self.input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string()
    }
}

/// The rows of `dir`'s MANIFEST.tsv (comments and short rows skipped);
/// `None` when there is no manifest.
pub fn manifest(dir: &Path) -> Option<Vec<Case>> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).ok()?;
    let rows = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| match l.split('\t').collect::<Vec<_>>().as_slice() {
            [test, input, expected, ..] => Some(Case {
                test: test.to_string(),
                input: dir.join(input),
                expected: dir.join(expected),
            }),
            _ => None,
        })
        .collect();
    Some(rows)
}

/// The rows of `dir`'s MANIFEST.tsv for `test`; `None` when there is no
/// manifest.
pub fn manifest_of(dir: &Path, test: &str) -> Option<Vec<Case>> {
    let mut rows = manifest(dir)?;
    rows.retain(|c| c.test == test);
    Some(rows)
}

/// libvirt's test loader: each backslash+newline pair is deleted.
pub fn load(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.replace("\\\n", "")
}
