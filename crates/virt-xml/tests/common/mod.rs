//! What the corpus tests of this crate share.

use std::path::PathBuf;

/// The corpus root: `$VIRT_CORPUS`, else `../shared/corpus` beside the
/// workspace.
pub fn corpus_root() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus"
        )),
    }
}
