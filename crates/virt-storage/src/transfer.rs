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

/// libvirt's refusal of a start it cannot seek to (`lseek` takes a
/// signed offset): nothing else about the window is checked, as in
/// libvirt's file streams.
fn check_seek(path: &Path, offset: u64) -> StorageResult<()> {
    if i64::try_from(offset).is_err() {
        return Err(StorageError::system(
            format!("Unable to seek {} to {offset}", path.display()),
            std::io::Error::from_raw_os_error(libc::EINVAL),
        ));
    }
    Ok(())
}

/// The volume at `path` read for a download: `length` bytes from `offset`
/// (0: to its end), holes yielded as holes when `sparse`. A window past
/// the end is empty, as libvirt's read at end of file.
pub fn source(path: &Path, offset: u64, length: u64, sparse: bool) -> StorageResult<FileSource> {
    check_seek(path, offset)?;
    let mut file = File::open(path).map_err(|e| sys("cannot open volume", path, e))?;
    let size = size_of(&mut file).map_err(|e| sys("unable to seek in", path, e))?;
    let end = match length {
        0 => size,
        n => offset.saturating_add(n).min(size),
    };
    Ok(FileSource::new(
        file,
        path,
        ErrorDomain::Storage,
        offset,
        end.max(offset),
        sparse,
    ))
}

/// The volume at `path` written by an upload: from `offset`, at most
/// `length` bytes (0: no limit), holes taken when `sparse`. As libvirt
/// 9.0 does, a start past the volume's end is taken: a file volume grows
/// to hold the data, a block device refuses the write when it comes.
pub fn sink(path: &Path, offset: u64, length: u64, sparse: bool) -> StorageResult<FileSink> {
    check_seek(path, offset)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| sys("cannot open volume", path, e))?;
    FileSink::new(
        file,
        path,
        ErrorDomain::Storage,
        offset,
        (length != 0).then(|| offset.saturating_add(length)),
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
        let dir = virt_testkit::TempDir::new("storage-window");
        let a = dir.path().join("v");
        std::fs::write(&a, [5u8; 100]).unwrap();
        // Past the end: an empty download, an upload that grows the file.
        let mut s = source(&a, 101, 0, false).unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(s.read(&mut buf).unwrap(), Piece::End);
        let mut w = sink(&a, 104, u64::MAX, false).unwrap();
        w.write(&[3; 2]).unwrap();
        w.finish().unwrap();
        let grown = std::fs::read(&a).unwrap();
        assert_eq!(grown.len(), 106);
        assert_eq!(grown[100..], [0, 0, 0, 0, 3, 3]);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&a)
            .unwrap()
            .set_len(100)
            .unwrap();
        // An offset lseek cannot take: libvirt's system error.
        let e: virt_core::Error = sink(&a, 1 << 63, 0, false).err().unwrap().into();
        assert_eq!(e.code, ErrorCode::SystemError);
        assert!(e.message.starts_with("Unable to seek "), "{}", e.message);
        assert!(source(&a, u64::MAX, 1, false).is_err());
        let mut s = source(&a, 90, 0, false).unwrap();
        assert_eq!(s.read(&mut buf).unwrap(), Piece::Data(10));
        assert_eq!(s.read(&mut buf).unwrap(), Piece::End);
        let mut w = sink(&a, 90, 5, false).unwrap();
        assert!(w.write(&[1; 6]).is_err(), "past the length");
        w.write(&[1; 5]).unwrap();
        assert_eq!(
            std::fs::read(&a).unwrap()[88..],
            [5, 5, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5]
        );
    }
}
