//! The test driver's saved-state and core-dump files.
//!
//! Layout (all integers little-endian):
//! - 16 bytes magic (`SAVE_MAGIC` or `DUMP_MAGIC`),
//! - u32 format version (1),
//! - u32 domain state number at save time,
//! - u32 length of the domain XML,
//! - the domain XML (UTF-8).
//!
//! Any process can restore a file another one saved: it holds the whole
//! definition, not a reference to in-memory state.

use crate::error::{TestError, TestResult};
use std::io::Write;

/// Magic of a saved-state file.
pub const SAVE_MAGIC: &[u8; 16] = b"VirtRsTestSave\n\0";
/// Magic of a core-dump file.
pub const DUMP_MAGIC: &[u8; 16] = b"VirtRsTestDump\n\0";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 16 + 4 + 4 + 4;

/// What a saved-state file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The domain state number when saved.
    pub state: u32,
    /// The domain XML.
    pub xml: String,
}

/// Encode an image with `magic`.
pub fn encode(magic: &[u8; 16], image: &Image) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + image.xml.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&image.state.to_le_bytes());
    out.extend_from_slice(&(image.xml.len() as u32).to_le_bytes());
    out.extend_from_slice(image.xml.as_bytes());
    out
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(u32::from_le_bytes(a))
}

/// Decode a saved-state image read from `path` (for messages).
pub fn decode(bytes: &[u8], path: &str) -> TestResult<Image> {
    let incomplete = || TestError::Internal(format!("incomplete save header in '{path}'"));
    if bytes.len() < HEADER_LEN {
        return Err(incomplete());
    }
    if bytes.get(..16) != Some(&SAVE_MAGIC[..]) {
        return Err(TestError::Internal(format!(
            "mismatched header magic in '{path}'"
        )));
    }
    let version = u32_at(bytes, 16).ok_or_else(incomplete)?;
    if version != VERSION {
        return Err(TestError::Internal(format!(
            "unsupported save image version {version} in '{path}'"
        )));
    }
    let state = u32_at(bytes, 20).ok_or_else(incomplete)?;
    let len = u32_at(bytes, 24).ok_or_else(incomplete)? as usize;
    let body = bytes
        .get(HEADER_LEN..)
        .filter(|b| b.len() == len)
        .ok_or_else(|| TestError::Internal(format!("incomplete save image in '{path}'")))?;
    let xml = String::from_utf8(body.to_vec())
        .map_err(|_| TestError::Internal(format!("save image in '{path}' is not UTF-8")))?;
    Ok(Image { state, xml })
}

/// Write `data` to `path`, creating or truncating it, and flush it to disk.
/// `what` prefixes the error ("saving domain 'x' to 'p'").
pub fn write_file(path: &str, data: &[u8], what: &str) -> TestResult<()> {
    let mut f = std::fs::File::create(path).map_err(|source| TestError::System {
        what: format!("{what}: open failed"),
        source,
    })?;
    f.write_all(data)
        .and_then(|()| f.sync_all())
        .map_err(|source| TestError::System {
            what: format!("{what}: write failed"),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let img = Image {
            state: 1,
            xml: "<domain/>".into(),
        };
        let b = encode(SAVE_MAGIC, &img);
        assert_eq!(decode(&b, "p").ok(), Some(img));
        assert!(decode(b"garbage", "p").is_err());
        let mut bad = b.clone();
        bad[0] = b'X';
        assert!(decode(&bad, "p").is_err());
        assert!(decode(&b[..b.len() - 1], "p").is_err());
        assert!(decode(
            &encode(
                DUMP_MAGIC,
                &Image {
                    state: 1,
                    xml: String::new()
                }
            ),
            "p"
        )
        .is_err());
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = decode(&bytes, "p");
        }
    }
}
