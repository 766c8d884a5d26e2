//! The system calls std does not offer: the peer's credentials, the
//! signal self-pipe, poll, umask and the pid file's lock, through rustix's
//! safe wrappers. The crate's `unsafe` is here, and only where rustix has
//! no wrapper: glibc's heap tuning, the signal handler and its write.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::{FlockOperation, Mode};
use rustix::pipe::PipeFlags;
use rustix::process::Resource;

/// Who is on the other end of a unix socket (`SO_PEERCRED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCred {
    /// The client's process id at connect time.
    pub pid: i32,
    /// Its user id.
    pub uid: u32,
    /// Its group id.
    pub gid: u32,
}

/// The credentials of the process that connected `fd`.
pub fn peer_cred(fd: &impl AsFd) -> io::Result<PeerCred> {
    let cred = rustix::net::sockopt::socket_peercred(fd)?;
    Ok(PeerCred {
        pid: cred.pid.as_raw_nonzero().get(),
        uid: cred.uid.as_raw(),
        gid: cred.gid.as_raw(),
    })
}

/// The real user id of this process.
pub fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// Set the process's umask, returning the previous one. Called while the
/// daemon is still single-threaded, around each socket's bind, so a socket
/// never exists with wider permissions than it is meant to have.
pub fn umask(mask: u32) -> u32 {
    rustix::process::umask(Mode::from_bits_truncate(mask)).bits()
}

/// Take an exclusive, non-blocking lock on a file (`flock`); held until the
/// file is closed.
pub fn lock_file(fd: &impl AsFd) -> io::Result<()> {
    Ok(rustix::fs::flock(
        fd,
        FlockOperation::NonBlockingLockExclusive,
    )?)
}

/// Keep glibc's heap returnable. By default glibc makes a malloc arena per
/// thread that meets contention (up to eight per core), never trims the
/// top of those arenas, and raises its trim and mmap thresholds after each
/// large free, so a burst of clients or of domains would leave the daemon
/// large for good. One arena (the daemon's threads mostly wait on their
/// sockets, and each thread's cache takes most small allocations without
/// the lock) and fixed thresholds keep freed memory returnable by
/// [`trim_heap`]. Call before the first thread starts.
pub fn tune_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets glibc malloc parameters.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Return the heap's free pages to the system (glibc keeps freed memory of
/// its per-thread arenas otherwise, so a burst of clients would leave the
/// daemon large for good).
pub fn trim_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks glibc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Raise the soft limit of open files to the hard limit (each client is
/// one descriptor; the usual soft limit of 1024 would cap the daemon below
/// libvirtd's 5000 clients). Returns the new limit (`u64::MAX`: unlimited).
pub fn raise_fd_limit() -> io::Result<u64> {
    let mut lim = rustix::process::getrlimit(Resource::Nofile);
    if lim.current < lim.maximum {
        lim.current = lim.maximum;
        rustix::process::setrlimit(Resource::Nofile, lim)?;
    }
    Ok(lim.current.unwrap_or(u64::MAX))
}

/// Set by the SIGTERM/SIGINT handler.
static TERMINATE: AtomicBool = AtomicBool::new(false);
/// The write end of the wake-up pipe, for the signal handler (-1: none).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

/// The self-pipe the accept loop sleeps on: the signal handler and every
/// finishing connection write one byte to it, so the loop wakes to stop,
/// to accept again below the client cap, or to restart its idle clock.
pub struct Wakeup {
    read: OwnedFd,
    write: OwnedFd,
}

impl Wakeup {
    /// A new pipe, non-blocking on both ends.
    pub fn new() -> io::Result<Wakeup> {
        let (read, write) = rustix::pipe::pipe_with(PipeFlags::NONBLOCK | PipeFlags::CLOEXEC)?;
        Ok(Wakeup { read, write })
    }

    /// The end to poll.
    pub fn read_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// Wake the sleeper. A full pipe already means "wake up", so a failed
    /// write loses nothing.
    pub fn wake(&self) {
        let _ = rustix::io::write(&self.write, &[1]);
    }

    /// Empty the pipe after a wake-up.
    pub fn drain(&self) {
        let mut buf = [0u8; 256];
        // Non-blocking: stops at EAGAIN.
        while matches!(rustix::io::read(&self.read, &mut buf), Ok(n) if n > 0) {}
    }

    /// Route SIGTERM and SIGINT to this pipe and to [`terminating`];
    /// SIGHUP is ignored (libvirtd reloads on it; there is nothing to
    /// reload).
    pub fn install_signal_handlers(&self) -> io::Result<()> {
        WAKE_FD.store(self.write.as_raw_fd(), Ordering::SeqCst);
        for (sig, handler) in [
            (
                libc::SIGTERM,
                on_terminate as *const () as libc::sighandler_t,
            ),
            (
                libc::SIGINT,
                on_terminate as *const () as libc::sighandler_t,
            ),
            (libc::SIGHUP, libc::SIG_IGN),
        ] {
            // SAFETY: a zeroed sigaction is a valid "no flags, empty mask"
            // value; the handler only touches atomics and write(2), which
            // are async-signal-safe.
            let r = unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = handler;
                sa.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut())
            };
            if r != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

/// The signal handler's wake-up: rustix's write wants a borrowed
/// descriptor, which a handler cannot hold, so this is libc's write(2)
/// (async-signal-safe) on the descriptor the handler was given.
fn wake_fd(fd: RawFd) {
    if fd >= 0 {
        let b = 1u8;
        // SAFETY: writes one byte from a local to a non-blocking pipe.
        unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
    }
}

extern "C" fn on_terminate(_sig: libc::c_int) {
    TERMINATE.store(true, Ordering::SeqCst);
    wake_fd(WAKE_FD.load(Ordering::SeqCst));
}

/// True once SIGTERM or SIGINT arrived.
pub fn terminating() -> bool {
    TERMINATE.load(Ordering::SeqCst)
}

/// Wait until one of `fds` is readable or `timeout` passes (`None`: no
/// limit). Returns which are readable; an interrupted wait returns none.
pub fn poll_readable(fds: &[BorrowedFd<'_>], timeout: Option<Duration>) -> io::Result<Vec<bool>> {
    let mut pfds: Vec<PollFd<'_>> = fds
        .iter()
        .map(|fd| PollFd::from_borrowed_fd(*fd, PollFlags::IN))
        .collect();
    // A wait too long for a timespec is a wait without limit.
    let timeout = timeout.and_then(|t| Timespec::try_from(t).ok());
    match rustix::event::poll(&mut pfds, timeout.as_ref()) {
        Ok(_) => Ok(pfds.iter().map(|p| !p.revents().is_empty()).collect()),
        Err(rustix::io::Errno::INTR) => Ok(vec![false; fds.len()]),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_cred_names_this_process() {
        let (a, _b) = match std::os::unix::net::UnixStream::pair() {
            Ok(p) => p,
            Err(e) => panic!("socketpair: {e}"),
        };
        let c = peer_cred(&a).ok();
        assert_eq!(
            c.map(|c| (c.pid, c.uid)),
            Some((std::process::id() as i32, uid()))
        );
    }

    #[test]
    fn wakeup_wakes_poll_and_drains() {
        let w = match Wakeup::new() {
            Ok(w) => w,
            Err(e) => panic!("pipe: {e}"),
        };
        let idle = poll_readable(&[w.read_fd()], Some(Duration::from_millis(1))).ok();
        assert_eq!(idle, Some(vec![false]));
        w.wake();
        w.wake();
        let woke = poll_readable(&[w.read_fd()], Some(Duration::from_secs(5))).ok();
        assert_eq!(woke, Some(vec![true]));
        w.drain();
        let idle = poll_readable(&[w.read_fd()], Some(Duration::from_millis(1))).ok();
        assert_eq!(idle, Some(vec![false]));
    }
}
