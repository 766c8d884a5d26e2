//! What the corpus tests of this crate share.

pub use virt_testkit::corpus_root;
