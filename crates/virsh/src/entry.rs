//! The process entry: virsh starts from C's `main` rather than through the
//! Rust runtime's start (`#![no_main]` in main.rs).
//!
//! Why: before calling `main`, the runtime asks glibc for the main
//! thread's stack bounds (`pthread_getattr_np`, which reads
//! /proc/self/maps and `sscanf`s it line by line) so that a stack overflow
//! can be reported by name rather than as a plain SIGSEGV. That is about
//! 97,000 instructions, a sixth of a whole `virsh -c test:///default list
//! --all`, spent on every run for a message no run should see (libvirt's
//! virsh, a C program, dies of the SIGSEGV too). The rest of what the
//! runtime's start does, and virsh relies on, is done here: the standard
//! descriptors are made valid, SIGPIPE is ignored (a write to a closed pipe
//! fails with EPIPE instead of killing the process), and stdout is flushed
//! at exit.

use std::ffi::{c_char, c_int, CStr};

/// What C's start-up calls: the arguments as the C runtime hands them,
/// the exit status returned through `std::process::exit`, which flushes
/// stdout as a return from a Rust `main` does.
#[no_mangle]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    standard_descriptors_open();
    ignore_sigpipe();
    let args = arguments(argc, argv);
    let status = crate::run(&args);
    std::process::exit(i32::from(status))
}

/// The arguments after the program name. Bytes that are not UTF-8 are
/// replaced (virsh's words are UTF-8; a C virsh would pass them on).
fn arguments(argc: c_int, argv: *const *const c_char) -> Vec<String> {
    let count = usize::try_from(argc).unwrap_or(0);
    if argv.is_null() {
        return Vec::new();
    }
    (1..count)
        .filter_map(|i| {
            // SAFETY: the C runtime passes `argc` pointers in `argv`, each
            // to a NUL-terminated string that lives as long as the process
            // (a null entry, which it never passes before `argc`, is
            // skipped).
            let p = unsafe { *argv.add(i) };
            // SAFETY: as above, `p` is a NUL-terminated string.
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
        })
        .map(|s| s.to_string_lossy().into_owned())
        .collect()
}

/// Open /dev/null on any of descriptors 0, 1 and 2 that is closed, as the
/// Rust runtime does: otherwise the first file virsh opens (a definition
/// read for `define`, a state file) would take that number and printing
/// would write into it.
fn standard_descriptors_open() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll(2) on an array of three pollfd we own, no timeout.
    while unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } == -1 {
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
    for fd in fds {
        if fd.revents & libc::POLLNVAL != 0 {
            // SAFETY: open(2) of a constant NUL-terminated path; the
            // descriptor (the lowest free one, this closed one) is kept
            // for the life of the process on purpose.
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        }
    }
}

/// Ignore SIGPIPE, as the Rust runtime does before `main`.
fn ignore_sigpipe() {
    // SAFETY: signal(2) setting the disposition SIG_IGN (no handler runs).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}
