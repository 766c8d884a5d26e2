//! Volume upload and download: a volume's file (or block device) as the
//! driver's end of a stream, holes kept as holes both ways (virt-core's
//! [`virt_core::sparse`] does the file work; this checks the window).

use std::fs::File;
use std::path::Path;

use virt_core::sparse::{size_of, FileSink, FileSource};
use virt_core::ErrorDomain;

use crate::error::{StorageError, StorageResult};

fn sys(what: &str, path: &Path, e: std::io::Error) -> StorageError {
    StorageError::system(format!("{what} '{}'", path.display()), e)
}

/// The end of the window `offset..offset+length` of a volume of `size`
/// bytes (length 0: to the end), refused when it starts past the end.
fn window_end(path: &Path, size: u64, offset: u64, length: u64) -> StorageResult<u64> {
    if offset > size {
        return Err(StorageError::InvalidArg(format!(
            "offset {offset} is past the end of volume '{}' ({size} bytes)",
            path.display()
        )));
    }
    match length {
        0 => Ok(size),
        n => offset.checked_add(n).ok_or_else(|| {
            StorageError::InvalidArg(format!("length {n} from offset {offset} overflows"))
        }),
    }
}

/// The volume at `path` read for a download: `length` bytes from `offset`
/// (0: to its end), holes yielded as holes when `sparse`.
pub fn source(path: &Path, offset: u64, length: u64, sparse: bool) -> StorageResult<FileSource> {
    let mut file = File::open(path).map_err(|e| sys("cannot open volume", path, e))?;
    let size = size_of(&mut file).map_err(|e| sys("unable to seek in", path, e))?;
    let end = window_end(path, size, offset, length)?.min(size);
    Ok(FileSource::new(
        file,
        path,
        ErrorDomain::Storage,
        offset,
        end,
        sparse,
    ))
}

/// The volume at `path` written by an upload: from `offset`, at most
/// `length` bytes (0: no limit), holes taken when `sparse`.
pub fn sink(path: &Path, offset: u64, length: u64, sparse: bool) -> StorageResult<FileSink> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| sys("cannot open volume", path, e))?;
    let size = size_of(&mut file).map_err(|e| sys("unable to seek in", path, e))?;
    let end = window_end(path, size, offset, length)?;
    FileSink::new(
        file,
        path,
        ErrorDomain::Storage,
        offset,
        (length != 0).then_some(end),
        sparse,
    )
    .map_err(|e| StorageError::Internal(e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use virt_core::{ErrorCode, Piece, StreamSink, StreamSource};

    #[test]
    fn the_window_is_checked() {
        let dir = std::env::temp_dir().join(format!("virt-storage-window-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("v");
        std::fs::write(&a, [5u8; 100]).unwrap();
        let e: virt_core::Error = source(&a, 101, 0, false).err().unwrap().into();
        assert_eq!(e.code, ErrorCode::InvalidArg);
        assert!(sink(&a, 1, u64::MAX, false).is_err());
        let mut s = source(&a, 90, 0, false).unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(s.read(&mut buf).unwrap(), Piece::Data(10));
        assert_eq!(s.read(&mut buf).unwrap(), Piece::End);
        let mut w = sink(&a, 90, 5, false).unwrap();
        assert!(w.write(&[1; 6]).is_err(), "past the length");
        w.write(&[1; 5]).unwrap();
        assert_eq!(
            std::fs::read(&a).unwrap()[88..],
            [5, 5, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
