//! Volume upload and download: a volume's file (or block device) as the
//! driver's end of a stream, holes kept as holes both ways.
//!
//! A download of a sparse stream finds the file's holes with
//! `SEEK_DATA`/`SEEK_HOLE` and yields them as holes, so they never travel
//! as zeroes; an upload turns holes back into holes (punched where the
//! file had data, the file extended where it ends), so a sparse source
//! stays sparse in the pool, as libvirt's stream helpers do.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rustix::fs::{FallocateFlags, SeekFrom as RawSeek};
use virt_core::{Piece, Result, StreamSink, StreamSource};

use crate::error::{StorageError, StorageResult};

fn sys(what: &str, path: &Path, e: std::io::Error) -> StorageError {
    StorageError::system(format!("{what} '{}'", path.display()), e)
}

/// The size of a file or block device: what seeking to its end finds.
fn size_of(f: &mut File, path: &Path) -> StorageResult<u64> {
    f.seek(SeekFrom::End(0))
        .map_err(|e| sys("unable to seek to the end of", path, e))
}

/// The range `offset..offset+length` of a volume of `size` bytes (length
/// 0: to the end), refused when it starts past the end, as libvirt's.
fn range(path: &Path, size: u64, offset: u64, length: u64) -> StorageResult<u64> {
    if offset > size {
        return Err(StorageError::InvalidArg(format!(
            "offset {offset} is past the end of volume '{}' ({size} bytes)",
            path.display()
        )));
    }
    let end = match length {
        0 => size,
        n => offset.checked_add(n).ok_or_else(|| {
            StorageError::InvalidArg(format!("length {n} from offset {offset} overflows"))
        })?,
    };
    Ok(end)
}

/// A volume being read for a download.
pub struct VolumeSource {
    file: File,
    path: PathBuf,
    pos: u64,
    end: u64,
    sparse: bool,
}

impl VolumeSource {
    /// Read `path` from `offset`, `length` bytes (0: to its end); holes
    /// are yielded as holes when `sparse`.
    pub fn open(path: &Path, offset: u64, length: u64, sparse: bool) -> StorageResult<Self> {
        let mut file = File::open(path).map_err(|e| sys("cannot open volume", path, e))?;
        let size = size_of(&mut file, path)?;
        let end = range(path, size, offset, length)?.min(size);
        Ok(VolumeSource {
            file,
            path: path.to_path_buf(),
            pos: offset,
            end,
            sparse,
        })
    }

    /// Where the data at or after `pos` starts: `pos` itself when it is in
    /// data, `end` when only a hole follows. Files whose holes the kernel
    /// cannot tell (block devices, some file systems) are all data.
    fn next_data(&self) -> u64 {
        match rustix::fs::seek(&self.file, RawSeek::Data(self.pos)) {
            Ok(d) => d.min(self.end),
            Err(rustix::io::Errno::NXIO) => self.end,
            Err(_) => self.pos,
        }
    }

    /// Where the data at `pos` ends.
    fn data_end(&self) -> u64 {
        match rustix::fs::seek(&self.file, RawSeek::Hole(self.pos)) {
            Ok(h) => h.min(self.end),
            Err(_) => self.end,
        }
    }

    fn read_piece(&mut self, buf: &mut [u8]) -> StorageResult<Piece> {
        if self.pos >= self.end {
            return Ok(Piece::End);
        }
        let mut until = self.end;
        if self.sparse {
            let data = self.next_data();
            if data > self.pos {
                let hole = data - self.pos;
                self.pos = data;
                return Ok(Piece::Hole(hole));
            }
            until = self.data_end().max(self.pos + 1);
        }
        let want = usize::try_from(until - self.pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        self.file
            .seek(SeekFrom::Start(self.pos))
            .map_err(|e| sys("unable to seek in", &self.path, e))?;
        let n = self
            .file
            .read(&mut buf[..want])
            .map_err(|e| sys("unable to read", &self.path, e))?;
        if n == 0 {
            // The file shrank under us: what is left is the end.
            self.end = self.pos;
            return Ok(Piece::End);
        }
        self.pos += n as u64;
        Ok(Piece::Data(n))
    }
}

impl StreamSource for VolumeSource {
    fn read(&mut self, buf: &mut [u8]) -> Result<Piece> {
        self.read_piece(buf).map_err(Into::into)
    }
}

/// A volume being written by an upload.
pub struct VolumeSink {
    file: File,
    path: PathBuf,
    pos: u64,
    /// Where writing must stop (`None`: anywhere).
    end: Option<u64>,
    sparse: bool,
}

impl VolumeSink {
    /// Write `path` from `offset`, at most `length` bytes (0: no limit);
    /// holes are taken when `sparse`.
    pub fn open(path: &Path, offset: u64, length: u64, sparse: bool) -> StorageResult<Self> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| sys("cannot open volume", path, e))?;
        let size = size_of(&mut file, path)?;
        let end = range(path, size, offset, length)?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| sys("unable to seek in", path, e))?;
        Ok(VolumeSink {
            file,
            path: path.to_path_buf(),
            pos: offset,
            end: (length != 0).then_some(end),
            sparse,
        })
    }

    /// Refuse to go past the requested length.
    fn room_for(&self, n: u64) -> StorageResult<()> {
        match self.end {
            Some(end) if self.pos.saturating_add(n) > end => Err(StorageError::Failed(format!(
                "stream data beyond the requested length of volume '{}'",
                self.path.display()
            ))),
            _ => Ok(()),
        }
    }

    fn write_data(&mut self, data: &[u8]) -> StorageResult<()> {
        self.room_for(data.len() as u64)?;
        self.file
            .write_all(data)
            .map_err(|e| sys("unable to write", &self.path, e))?;
        self.pos += data.len() as u64;
        Ok(())
    }

    /// Make `length` bytes from the current position zeroes without
    /// writing them: punch out what the file holds there, extend it where
    /// it ends.
    fn write_hole(&mut self, length: u64) -> StorageResult<()> {
        self.room_for(length)?;
        let new = self
            .pos
            .checked_add(length)
            .ok_or_else(|| StorageError::InvalidArg(format!("hole of {length} bytes overflows")))?;
        let size = size_of(&mut self.file, &self.path)?;
        if self.pos < size {
            let len = size.min(new) - self.pos;
            let punched = rustix::fs::fallocate(
                &self.file,
                FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
                self.pos,
                len,
            );
            if punched.is_err() {
                // No hole punching here (a block device, an old file
                // system): write the zeroes.
                self.zero_fill(len)?;
            }
        }
        if new > size && self.is_regular() {
            self.file
                .set_len(new)
                .map_err(|e| sys("unable to extend", &self.path, e))?;
        }
        self.pos = new;
        self.file
            .seek(SeekFrom::Start(new))
            .map_err(|e| sys("unable to seek in", &self.path, e))?;
        Ok(())
    }

    fn is_regular(&self) -> bool {
        self.file.metadata().is_ok_and(|m| m.is_file())
    }

    fn zero_fill(&mut self, mut len: u64) -> StorageResult<()> {
        self.file
            .seek(SeekFrom::Start(self.pos))
            .map_err(|e| sys("unable to seek in", &self.path, e))?;
        let zeroes = vec![0u8; 1 << 20];
        while len > 0 {
            let n = len.min(zeroes.len() as u64) as usize;
            self.file
                .write_all(&zeroes[..n])
                .map_err(|e| sys("unable to write", &self.path, e))?;
            len -= n as u64;
        }
        Ok(())
    }
}

impl StreamSink for VolumeSink {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.write_data(data).map_err(Into::into)
    }
    fn hole(&mut self, length: u64) -> Result<()> {
        if !self.sparse {
            return Err(virt_core::stream::no_holes());
        }
        self.write_hole(length).map_err(Into::into)
    }
    fn finish(&mut self) -> Result<()> {
        self.file
            .sync_all()
            .map_err(|e| sys("unable to sync", &self.path, e).into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("virt-storage-transfer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// A file with data at 0 and at 8 MiB, 16 MiB long.
    fn sparse_file(path: &Path) {
        let mut f = File::create(path).unwrap();
        f.write_all(&[1u8; 4096]).unwrap();
        f.seek(SeekFrom::Start(8 << 20)).unwrap();
        f.write_all(&[2u8; 4096]).unwrap();
        f.set_len(16 << 20).unwrap();
    }

    fn drain(src: &mut VolumeSource, dst: &mut VolumeSink) -> Vec<String> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut seen = Vec::new();
        loop {
            match src.read(&mut buf).unwrap() {
                Piece::Data(n) => {
                    dst.write(&buf[..n]).unwrap();
                    seen.push("data".to_string());
                }
                Piece::Hole(n) => {
                    dst.hole(n).unwrap();
                    seen.push(format!("hole {n}"));
                }
                Piece::End => break,
            }
        }
        dst.finish().unwrap();
        seen.dedup();
        seen
    }

    #[test]
    fn a_sparse_copy_stays_sparse_and_equal() {
        let (a, b) = (temp("a"), temp("b"));
        sparse_file(&a);
        // The target had data everywhere: the holes must punch it out.
        std::fs::write(&b, vec![7u8; 20 << 20]).unwrap();
        let mut src = VolumeSource::open(&a, 0, 0, true).unwrap();
        let mut dst = VolumeSink::open(&b, 0, 0, true).unwrap();
        let seen = drain(&mut src, &mut dst);
        assert!(seen.iter().any(|s| s.starts_with("hole")), "{seen:?}");
        let (da, db) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(da, db[..da.len()]);
        assert!(db[da.len()..].iter().all(|&x| x == 7), "past the upload");
        let blocks = std::fs::metadata(&b).unwrap().blocks() * 512;
        // The 4 MiB after the upload and two blocks of data, no more.
        assert!(blocks < 5 << 20, "{blocks} bytes allocated");
        // A window of it, not sparse.
        let mut src = VolumeSource::open(&a, 4000, 200, false).unwrap();
        let mut buf = [0u8; 1024];
        assert_eq!(src.read(&mut buf).unwrap(), Piece::Data(200));
        assert_eq!(&buf[..96], &[1u8; 96]);
        assert_eq!(&buf[96..200], &[0u8; 104]);
        assert_eq!(src.read(&mut buf).unwrap(), Piece::End);
    }

    #[test]
    fn limits_are_kept() {
        let a = temp("c");
        std::fs::write(&a, [0u8; 100]).unwrap();
        assert!(VolumeSource::open(&a, 101, 0, false).is_err());
        let mut sink = VolumeSink::open(&a, 90, 5, false).unwrap();
        assert!(sink.write(&[1; 6]).is_err(), "past the length");
        sink.write(&[1; 5]).unwrap();
        assert_eq!(
            sink.hole(1).unwrap_err().code,
            virt_core::ErrorCode::OperationInvalid
        );
        assert_eq!(std::fs::read(&a).unwrap().len(), 100);
    }
}
