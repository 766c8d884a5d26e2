//! Files as stream ends that keep holes: what a storage driver's volume
//! and virsh's local file both are in an upload or download.
//!
//! [`FileSource`] finds a file's holes with `SEEK_DATA`/`SEEK_HOLE` and
//! yields them as [`Piece::Hole`] when asked to be sparse, so they never
//! travel as zeroes; [`FileSink`] turns holes back into holes: punched out
//! where the file had data, left unwritten (the file extended) where it
//! ends, zeroes written only where the file system cannot punch (a block
//! device).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use crate::stream::{no_holes, Piece, StreamSink, StreamSource};

/// `lseek(fd, SEEK_DATA/SEEK_HOLE)`, which std's `Seek` lacks.
fn seek_to(f: &File, to: rustix::fs::SeekFrom) -> std::io::Result<u64> {
    Ok(rustix::fs::seek(f, to)?)
}

/// The size of a file or block device: where seeking to its end lands.
pub fn size_of(f: &mut File) -> std::io::Result<u64> {
    f.seek(SeekFrom::End(0))
}

/// What a file end of a stream holds, source or sink: the file, its
/// name and error domain for errors, where it is, and whether holes stay
/// holes.
struct OpenFile {
    file: File,
    path: PathBuf,
    domain: ErrorDomain,
    pos: u64,
    sparse: bool,
}

impl OpenFile {
    fn new(file: File, path: &Path, domain: ErrorDomain, pos: u64, sparse: bool) -> Self {
        OpenFile {
            file,
            path: path.to_path_buf(),
            domain,
            pos,
            sparse,
        }
    }

    /// A system error of `what` on this file ("unable to read").
    fn fail(&self, what: &str, e: std::io::Error) -> Error {
        Error::system(self.domain, format!("{what} '{}'", self.path.display()), &e)
    }
}

/// A file read as a stream's source, from `pos` to `end`.
pub struct FileSource {
    f: OpenFile,
    end: u64,
}

impl FileSource {
    /// Read `file` (named `path` in errors, reported from `domain`) from
    /// `start` to `end`; holes are yielded as holes when `sparse`.
    pub fn new(
        file: File,
        path: &Path,
        domain: ErrorDomain,
        start: u64,
        end: u64,
        sparse: bool,
    ) -> Self {
        FileSource {
            f: OpenFile::new(file, path, domain, start, sparse),
            end,
        }
    }

    /// Where the data at or after `pos` starts: `pos` itself in data,
    /// `end` when only a hole follows. Files whose holes the kernel cannot
    /// tell (block devices, some file systems) are all data.
    fn next_data(&self) -> u64 {
        match seek_to(&self.f.file, rustix::fs::SeekFrom::Data(self.f.pos)) {
            Ok(d) => d.min(self.end),
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) => self.end,
            Err(_) => self.f.pos,
        }
    }

    /// Where the data at `pos` ends.
    fn data_end(&self) -> u64 {
        seek_to(&self.f.file, rustix::fs::SeekFrom::Hole(self.f.pos))
            .map(|h| h.min(self.end))
            .unwrap_or(self.end)
    }
}

impl StreamSource for FileSource {
    fn read(&mut self, buf: &mut [u8]) -> Result<Piece> {
        if self.f.pos >= self.end {
            return Ok(Piece::End);
        }
        let mut until = self.end;
        if self.f.sparse {
            let data = self.next_data();
            if data > self.f.pos {
                let hole = data - self.f.pos;
                self.f.pos = data;
                return Ok(Piece::Hole(hole));
            }
            until = self.data_end().max(self.f.pos + 1);
        }
        let want = usize::try_from(until - self.f.pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        self.f
            .file
            .seek(SeekFrom::Start(self.f.pos))
            .map_err(|e| self.f.fail("unable to seek in", e))?;
        let n = self
            .f
            .file
            .read(&mut buf[..want])
            .map_err(|e| self.f.fail("unable to read", e))?;
        if n == 0 {
            // The file shrank under us: what is left is the end.
            self.end = self.f.pos;
            return Ok(Piece::End);
        }
        self.f.pos += n as u64;
        Ok(Piece::Data(n))
    }
}

/// A file written as a stream's sink, from `pos`, up to `end` if set.
pub struct FileSink {
    f: OpenFile,
    end: Option<u64>,
}

impl FileSink {
    /// Write `file` (named `path` in errors, reported from `domain`) from
    /// `start`, refusing data past `end`; holes are taken when `sparse`.
    pub fn new(
        mut file: File,
        path: &Path,
        domain: ErrorDomain,
        start: u64,
        end: Option<u64>,
        sparse: bool,
    ) -> Result<Self> {
        let seeked = file.seek(SeekFrom::Start(start));
        let f = OpenFile::new(file, path, domain, start, sparse);
        seeked.map_err(|e| f.fail("unable to seek in", e))?;
        Ok(FileSink { f, end })
    }

    /// Refuse to go past the end the caller asked for.
    fn room_for(&self, n: u64) -> Result<()> {
        match self.end {
            Some(end) if self.f.pos.saturating_add(n) > end => Err(Error::with(
                ErrorCode::OperationFailed,
                self.f.domain,
                format!(
                    "stream data beyond the requested length of '{}'",
                    self.f.path.display()
                ),
            )),
            _ => Ok(()),
        }
    }

    fn punch(&self, offset: u64, len: u64) -> std::io::Result<()> {
        use rustix::fs::FallocateFlags;
        let mode = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
        Ok(rustix::fs::fallocate(&self.f.file, mode, offset, len)?)
    }

    fn zero_fill(&mut self, mut len: u64) -> Result<()> {
        self.f
            .file
            .seek(SeekFrom::Start(self.f.pos))
            .map_err(|e| self.f.fail("unable to seek in", e))?;
        let zeroes = vec![0u8; 1 << 20];
        while len > 0 {
            let n = len.min(zeroes.len() as u64) as usize;
            self.f
                .file
                .write_all(&zeroes[..n])
                .map_err(|e| self.f.fail("unable to write", e))?;
            len -= n as u64;
        }
        Ok(())
    }
}

impl StreamSink for FileSink {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.room_for(data.len() as u64)?;
        self.f
            .file
            .write_all(data)
            .map_err(|e| self.f.fail("unable to write", e))?;
        self.f.pos += data.len() as u64;
        Ok(())
    }

    /// Make `length` bytes from the current position zeroes without
    /// writing them.
    fn hole(&mut self, length: u64) -> Result<()> {
        if !self.f.sparse {
            return Err(no_holes());
        }
        self.room_for(length)?;
        let new = self.f.pos.checked_add(length).ok_or_else(|| {
            Error::with(
                ErrorCode::InvalidArg,
                self.f.domain,
                format!("hole of {length} bytes overflows"),
            )
        })?;
        let size = size_of(&mut self.f.file).map_err(|e| self.f.fail("unable to seek in", e))?;
        if self.f.pos < size {
            let len = size.min(new) - self.f.pos;
            if self.punch(self.f.pos, len).is_err() {
                // No hole punching here (a block device, an old file
                // system): write the zeroes.
                self.zero_fill(len)?;
            }
        }
        if new > size && self.f.file.metadata().is_ok_and(|m| m.is_file()) {
            self.f
                .file
                .set_len(new)
                .map_err(|e| self.f.fail("unable to extend", e))?;
        }
        self.f.pos = new;
        self.f
            .file
            .seek(SeekFrom::Start(new))
            .map_err(|e| self.f.fail("unable to seek in", e))?;
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.f
            .file
            .sync_all()
            .map_err(|e| self.f.fail("unable to sync", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    use virt_testkit::TempDir;

    /// A file with data at 0 and at 8 MiB, 16 MiB long.
    fn sparse_file(path: &Path) {
        let mut f = File::create(path).unwrap();
        f.write_all(&[1u8; 4096]).unwrap();
        f.seek(SeekFrom::Start(8 << 20)).unwrap();
        f.write_all(&[2u8; 4096]).unwrap();
        f.set_len(16 << 20).unwrap();
    }

    fn source(path: &Path, start: u64, end: u64, sparse: bool) -> FileSource {
        let f = File::open(path).unwrap();
        FileSource::new(f, path, ErrorDomain::Storage, start, end, sparse)
    }

    fn sink(path: &Path, start: u64, end: Option<u64>, sparse: bool) -> FileSink {
        let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        FileSink::new(f, path, ErrorDomain::Storage, start, end, sparse).unwrap()
    }

    #[test]
    fn a_sparse_copy_stays_sparse_and_equal() {
        let dir = TempDir::new("core-sparse");
        let temp = |name: &str| dir.path().join(name);
        let (a, b) = (temp("a"), temp("b"));
        sparse_file(&a);
        // The target had data everywhere: the holes must punch it out.
        std::fs::write(&b, vec![7u8; 20 << 20]).unwrap();
        let mut src = source(&a, 0, 16 << 20, true);
        let mut dst = sink(&b, 0, None, true);
        let mut buf = vec![0u8; 64 * 1024];
        let mut holes = 0;
        loop {
            match src.read(&mut buf).unwrap() {
                Piece::Data(n) => dst.write(&buf[..n]).unwrap(),
                Piece::Hole(n) => {
                    holes += n;
                    dst.hole(n).unwrap();
                }
                Piece::End => break,
            }
        }
        dst.finish().unwrap();
        assert!(holes >= (16 << 20) - (2 << 20), "{holes}");
        let (da, db) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(da, db[..da.len()]);
        assert!(db[da.len()..].iter().all(|&x| x == 7), "past the copy");
        // The 4 MiB after the copy and the data, no more.
        let blocks = std::fs::metadata(&b).unwrap().blocks() * 512;
        assert!(blocks < 5 << 20, "{blocks} bytes allocated");
        // A window of it, not sparse: data then zeroes, as bytes.
        let mut src = source(&a, 4000, 4200, false);
        let mut buf = [0u8; 1024];
        assert_eq!(src.read(&mut buf).unwrap(), Piece::Data(200));
        assert_eq!(&buf[..96], &[1u8; 96]);
        assert_eq!(&buf[96..200], &[0u8; 104]);
        assert_eq!(src.read(&mut buf).unwrap(), Piece::End);
        // A hole extends an empty file without writing it.
        let c = temp("c");
        File::create(&c).unwrap();
        let mut s = sink(&c, 0, None, true);
        s.hole(1 << 30).unwrap();
        s.write(b"x").unwrap();
        assert_eq!(std::fs::metadata(&c).unwrap().len(), (1 << 30) + 1);
        assert!(std::fs::metadata(&c).unwrap().blocks() * 512 <= 64 << 10);
    }

    #[test]
    fn limits_are_kept() {
        let dir = TempDir::new("core-sparse-limits");
        let a = dir.path().join("d");
        std::fs::write(&a, [0u8; 100]).unwrap();
        let mut s = sink(&a, 90, Some(95), false);
        assert_eq!(
            s.write(&[1; 6]).unwrap_err().code,
            ErrorCode::OperationFailed
        );
        s.write(&[1; 5]).unwrap();
        assert_eq!(s.hole(1).unwrap_err().code, ErrorCode::OperationInvalid);
        let mut s = sink(&a, 90, None, true);
        assert_eq!(s.hole(u64::MAX).unwrap_err().code, ErrorCode::InvalidArg);
        assert_eq!(std::fs::read(&a).unwrap().len(), 100);
    }
}
