//! What the corpus tests share: where the corpus is, how libvirt's test
//! loader read a file, a folder's MANIFEST.tsv, and how outputs differ.
// Each test file uses part of this module; the rest is dead code there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus: `VIRT_CORPUS`, else `../shared/corpus` next to
/// the workspace.
pub fn corpus_root() -> PathBuf {
    std::env::var_os("VIRT_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        },
        PathBuf::from,
    )
}

/// The corpus folder `sub`, or `None` with a notice naming the test
/// (`what`) as skipped when the folder is absent.
pub fn corpus_folder(sub: &str, what: &str) -> Option<PathBuf> {
    let dir = corpus_root().join(sub);
    if !dir.is_dir() {
        println!("{what}: corpus folder {} absent, skipped", dir.display());
        return None;
    }
    Some(dir)
}

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

/// The first differing line of two texts, for the failure list.
pub fn first_difference(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}: got {g:?}, want {w:?}", i + 1);
        }
    }
    format!(
        "lengths differ ({} vs {} lines)",
        got.lines().count(),
        want.lines().count()
    )
}
