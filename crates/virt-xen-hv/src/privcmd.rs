//! The two kernel devices behind hypercalls: `/dev/xen/privcmd` (the
//! `IOCTL_PRIVCMD_HYPERCALL` ioctl) and `/dev/xen/hypercall` (memory Xen may
//! read and write while it serves a hypercall). Every `unsafe` block of the
//! crate is in this file.

use std::fs::{File, OpenOptions};
use std::io;
use std::mem::{align_of, size_of};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use virt_core::error::io_error_text;

use crate::abi::{Plain, PrivcmdHypercall, IOCTL_PRIVCMD_HYPERCALL};
use crate::error::HvError;

/// An open `/dev/xen/privcmd`.
#[derive(Debug)]
pub(crate) struct Privcmd {
    file: File,
    path: PathBuf,
}

impl Privcmd {
    /// Open the device. A read-only connection opens it read-only: the
    /// hypercall ioctl does not need write access to the file.
    pub(crate) fn open(path: &Path, read_only: bool) -> Result<Self, HvError> {
        let file = OpenOptions::new()
            .read(true)
            .write(!read_only)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(|source| HvError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Privcmd {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The device's path, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Make hypercall `op`. The arguments that are addresses must point into
    /// `buf`, which the `&mut` keeps from being read or written by anyone
    /// else while Xen uses it. Returns the hypercall's non-negative result;
    /// a negative one comes back as the errno Xen gave.
    pub(crate) fn hypercall(
        &self,
        _buf: &mut HypercallBuffer,
        op: u64,
        arg: [u64; 5],
    ) -> io::Result<i64> {
        let mut call = PrivcmdHypercall { op, arg };
        // SAFETY: the fd is an open privcmd device (or a file whose driver
        // refuses the request number with an error), and `call` is a live,
        // correctly laid out privcmd_hypercall_t that the kernel reads for
        // the duration of the call. Memory the arguments point to is the
        // caller's hypercall buffer, borrowed mutably for this call.
        let rc = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                IOCTL_PRIVCMD_HYPERCALL as _,
                &mut call as *mut PrivcmdHypercall,
            )
        };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(i64::from(rc))
        }
    }
}

/// Where hypercall argument memory comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BufferSource {
    /// Pages mapped from `/dev/xen/hypercall`, as libxencall uses: the
    /// kernel keeps them in place, so Xen never finds them missing.
    HypercallDevice,
    /// Page-aligned anonymous memory, locked and kept out of forks, used
    /// when `/dev/xen/hypercall` cannot be opened (kernels before 4.18 lack
    /// it). Locked pages are not swapped out, but the kernel may still
    /// migrate them, in which case a hypercall fails with EFAULT; the
    /// reason says why the device was not used.
    LockedAnonymous {
        /// Why `/dev/xen/hypercall` was not used.
        reason: String,
    },
}

/// A page-aligned region Xen may access during a hypercall.
#[derive(Debug)]
pub(crate) struct HypercallBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer owns its mapping alone (the pointer is never handed
// out beyond borrows of the buffer), so moving it to another thread is as
// safe as moving a Vec; sharing goes through a Mutex.
unsafe impl Send for HypercallBuffer {}

/// Round `len` up to whole pages.
fn page_round(len: usize) -> usize {
    let page = 4096;
    len.max(1).div_ceil(page) * page
}

impl HypercallBuffer {
    /// Map `len` bytes (rounded up to pages) from `/dev/xen/hypercall`.
    pub(crate) fn from_device(device: &File, len: usize) -> io::Result<Self> {
        Self::map(len, libc::MAP_SHARED, device.as_raw_fd())
    }

    /// Lock `len` bytes (rounded up to pages) of fresh anonymous memory.
    pub(crate) fn anonymous(len: usize) -> io::Result<Self> {
        let buf = Self::map(len, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1)?;
        let len = buf.len;
        // SAFETY: the range is exactly the mapping just made and owned by
        // `buf`.
        if unsafe { libc::mlock(buf.ptr.as_ptr().cast(), len) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // A forked child must not share these pages copy-on-write, or the
        // parent's next write would move them under Xen. Failure only
        // weakens that guarantee, so it is not an error.
        // SAFETY: as above, the range is the buffer's own mapping.
        let _ = unsafe { libc::madvise(buf.ptr.as_ptr().cast(), len, libc::MADV_DONTFORK) };
        Ok(buf)
    }

    /// A new read-write mapping of `len` bytes (rounded up to pages) of
    /// `fd` (-1 for none), shared or private as `flags` say.
    fn map(len: usize, flags: libc::c_int, fd: RawFd) -> io::Result<Self> {
        let len = page_round(len);
        // SAFETY: a new mapping with no address hint cannot overlap
        // anything Rust owns; the result is checked against MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                flags,
                fd,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>())
            .ok_or_else(|| io::Error::other("mmap returned address 0"))?;
        Ok(HypercallBuffer { ptr, len })
    }

    /// Its size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The address Xen sees for byte `off` (guest virtual addresses are the
    /// process's own in a PV dom0 and in a PVH/HVM one alike).
    pub(crate) fn addr(&self, off: usize) -> u64 {
        self.ptr.as_ptr() as u64 + off as u64
    }

    fn check(&self, off: usize, len: usize, align: usize) -> Result<(), HvError> {
        let fits = off.checked_add(len).is_some_and(|end| end <= self.len);
        if !fits || off % align != 0 {
            return Err(HvError::Internal(format!(
                "hypercall buffer access {off}+{len} (align {align}) outside its {} bytes",
                self.len
            )));
        }
        Ok(())
    }

    /// Store `value` at byte `off`.
    pub(crate) fn write<T: Plain>(&mut self, off: usize, value: &T) -> Result<(), HvError> {
        self.check(off, size_of::<T>(), align_of::<T>())?;
        // SAFETY: check() proved off..off+size_of::<T>() lies inside the
        // mapping and, the mapping being page-aligned, that the address is
        // aligned for T; `&mut self` rules out other access.
        unsafe { self.ptr.as_ptr().add(off).cast::<T>().write(*value) };
        Ok(())
    }

    /// Load a `T` from byte `off`.
    pub(crate) fn read<T: Plain>(&self, off: usize) -> Result<T, HvError> {
        self.check(off, size_of::<T>(), align_of::<T>())?;
        // SAFETY: bounds and alignment as in write(); T is Plain, so any
        // bytes Xen left there form a valid T.
        Ok(unsafe { self.ptr.as_ptr().add(off).cast::<T>().read() })
    }

    /// The bytes `off..off+len`.
    pub(crate) fn bytes(&self, off: usize, len: usize) -> Result<&[u8], HvError> {
        self.check(off, len, 1)?;
        // SAFETY: the range is inside the mapping (check), the memory is
        // initialised (mmap gives zeroed or device pages), and no hypercall
        // can write it while `self` is borrowed.
        Ok(unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(off), len) })
    }

    /// The bytes `off..off+len`, writable.
    pub(crate) fn bytes_mut(&mut self, off: usize, len: usize) -> Result<&mut [u8], HvError> {
        self.check(off, len, 1)?;
        // SAFETY: as bytes(), and `&mut self` makes the slice unique.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(off), len) })
    }

    /// Zero the bytes `off..off+len`, so no earlier call's data reaches Xen.
    pub(crate) fn zero(&mut self, off: usize, len: usize) -> Result<(), HvError> {
        self.bytes_mut(off, len)?.fill(0);
        Ok(())
    }
}

impl Drop for HypercallBuffer {
    fn drop(&mut self) {
        // SAFETY: ptr/len are exactly the mapping made in from_device() or
        // anonymous(), unmapped once here (this also unlocks it).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Hypercall memory and the way to get more of it.
#[derive(Debug)]
pub(crate) struct BufferPool {
    device: Option<File>,
    source: BufferSource,
    buf: HypercallBuffer,
}

impl BufferPool {
    /// A pool backed by `/dev/xen/hypercall` at `path`, or by locked
    /// anonymous memory when the device cannot be opened or mapped.
    pub(crate) fn open(path: &Path) -> Result<Self, HvError> {
        let first = 4096;
        let device = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path);
        let reason = match device {
            Ok(device) => match HypercallBuffer::from_device(&device, first) {
                Ok(buf) => {
                    return Ok(BufferPool {
                        device: Some(device),
                        source: BufferSource::HypercallDevice,
                        buf,
                    })
                }
                Err(e) => format!("cannot map {}: {}", path.display(), io_error_text(&e)),
            },
            Err(e) => format!("cannot open {}: {}", path.display(), io_error_text(&e)),
        };
        let buf = HypercallBuffer::anonymous(first).map_err(HvError::Buffer)?;
        Ok(BufferPool {
            device: None,
            source: BufferSource::LockedAnonymous { reason },
            buf,
        })
    }

    /// Where the memory comes from.
    pub(crate) fn source(&self) -> &BufferSource {
        &self.source
    }

    /// The buffer, grown to at least `len` bytes.
    pub(crate) fn get(&mut self, len: usize) -> Result<&mut HypercallBuffer, HvError> {
        if self.buf.len() < len {
            self.buf = match &self.device {
                Some(device) => HypercallBuffer::from_device(device, len),
                None => HypercallBuffer::anonymous(len),
            }
            .map_err(HvError::Buffer)?;
        }
        Ok(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::DomctlMaxMem;

    #[test]
    fn anonymous_buffer_reads_back_and_refuses_out_of_range() {
        let mut b = match HypercallBuffer::anonymous(100) {
            Ok(b) => b,
            // mlock can be refused by RLIMIT_MEMLOCK in some sandboxes.
            Err(e) => return println!("skipped: cannot lock memory here: {e}"),
        };
        assert_eq!(b.len(), 4096);
        assert_eq!(b.addr(0) % 4096, 0);
        let v = DomctlMaxMem { max_memkb: 0x1122 };
        assert!(b.write(8, &v).is_ok());
        assert_eq!(b.read::<DomctlMaxMem>(8).ok(), Some(v));
        assert!(b.write(4092, &v).is_err(), "past the end");
        assert!(b.write(4, &v).is_err(), "misaligned");
        assert!(b.read::<DomctlMaxMem>(usize::MAX - 2).is_err(), "overflow");
        assert!(b.zero(0, 4096).is_ok());
        assert_eq!(
            b.read::<DomctlMaxMem>(8).ok(),
            Some(DomctlMaxMem::default())
        );
    }

    #[test]
    fn pool_falls_back_to_locked_memory_and_says_why() {
        let pool = BufferPool::open(Path::new("/nonexistent/xen/hypercall"));
        let Ok(mut pool) = pool else {
            return println!("skipped: cannot lock memory here");
        };
        match pool.source() {
            BufferSource::LockedAnonymous { reason } => {
                assert!(reason.contains("/nonexistent/xen/hypercall"), "{reason}")
            }
            other => panic!("unexpected source {other:?}"),
        }
        let grown = pool.get(3 * 4096 + 1).map(|b| b.len()).ok();
        assert_eq!(grown, Some(4 * 4096));
    }

    #[test]
    fn hypercall_on_a_non_privcmd_file_is_an_error() {
        let Ok(p) = Privcmd::open(Path::new("/dev/null"), true) else {
            return;
        };
        let Ok(mut b) = HypercallBuffer::anonymous(1) else {
            return;
        };
        let r = p.hypercall(&mut b, crate::abi::HYPERVISOR_XEN_VERSION, [0; 5]);
        assert!(r.is_err());
    }
}
