//! virt-proxy: the virt-rs daemon. It serves every compiled-in hypervisor
//! driver over libvirt's remote protocol (the codec and the per-connection
//! protocol logic are `virt-remote`'s), on libvirt's own socket paths, so
//! unmodified libvirt clients (virsh, python3-libvirt, virt-manager) drive
//! virt-rs.
//!
//! - [`options`]: the command line.
//! - [`paths`]: where the sockets live (libvirt's paths, or `--listen DIR`).
//! - [`listen`]: the listening sockets, client streams, the pid file.
//! - [`server`]: the accept loop, one thread per client up to a cap, and a
//!   stop that lets calls in flight finish.
//! - [`drivers`]: the drivers compiled in.
//! - [`sys`]: the system calls std lacks (peer credentials, signals, poll).
//! - [`run`]: the daemon's life, from the options to exit.

#![warn(missing_docs)]

pub mod drivers;
pub mod error;
pub mod listen;
pub mod options;
pub mod paths;
pub mod server;
pub mod sys;

pub use error::{ProxyError, Result};
pub use options::Options;

use listen::{Listener, PidFile};
use log::info;
use paths::SocketPlan;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use sys::Wakeup;

/// Run the daemon as `opts` say; returns when it has stopped.
pub fn run(opts: &Options) -> Result<()> {
    sys::tune_heap();
    drivers::register();
    match sys::raise_fd_limit() {
        Ok(n) => log::debug!("open files limit: {n}"),
        Err(e) => log::warn!("cannot raise the open files limit: {e}"),
    }
    let wakeup = Arc::new(Wakeup::new().map_err(|source| ProxyError::System {
        what: "pipe",
        source,
    })?);
    wakeup
        .install_signal_handlers()
        .map_err(|source| ProxyError::System {
            what: "sigaction",
            source,
        })?;
    if opts.stdio {
        return run_stdio(opts.read_only, opts.keepalive, &wakeup);
    }
    let plan = match &opts.listen_dir {
        Some(dir) => SocketPlan::in_dir(dir),
        None => SocketPlan::default_for(
            sys::uid(),
            std::env::var_os("XDG_RUNTIME_DIR")
                .as_deref()
                .map(std::path::Path::new),
            std::env::var_os("HOME")
                .as_deref()
                .map(std::path::Path::new),
        ),
    };
    create_dir(&plan)?;
    let _pid = opts.pid_file.as_deref().map(PidFile::create).transpose()?;
    let mut listeners = vec![Listener::unix(&plan.rw, paths::RW_MODE, false)?];
    if let Some(ro) = &plan.ro {
        listeners.push(Listener::unix(ro, paths::RO_MODE, true)?);
    }
    if let Some(addr) = &opts.listen_tcp {
        listeners.push(Listener::tcp(addr)?);
        log::warn!("TCP clients are not authenticated and may change anything");
    }
    for l in &listeners {
        info!(
            "listening on {}{}",
            l.describe(),
            if l.read_only() { " (read-only)" } else { "" }
        );
    }
    info!("drivers: {}", drivers::names().join(", "));
    server::Server::new(
        listeners,
        wakeup,
        opts.max_clients,
        opts.idle_timeout,
        opts.keepalive,
    )
    .run();
    Ok(())
}

/// The sockets' directory: made when missing, readable by all so the
/// read-only socket (0777) is reachable; the read-write socket's own 0700
/// keeps others out of it.
fn create_dir(plan: &SocketPlan) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if plan.dir.is_dir() {
        return Ok(());
    }
    let mode = if plan.ro.is_some() { 0o755 } else { 0o700 };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(&plan.dir)
        .map_err(|source| ProxyError::Listen {
            path: plan.dir.display().to_string(),
            source,
        })
}

/// Serve one client on stdin/stdout (the far end of `DRIVER+ssh://`). A
/// SIGTERM waits for the call in flight, then ends the process; so does a
/// client that stopped answering keepalive PINGs (a dead ssh peer whose
/// connection nobody closed).
fn run_stdio(read_only: bool, keepalive: server::Keepalive, wakeup: &Arc<Wakeup>) -> Result<()> {
    info!(
        "serving one client on stdin/stdout{}",
        if read_only { " (read-only)" } else { "" }
    );
    let busy = Arc::new(Mutex::new(()));
    // Set before the wake-up: the thread is not `is_finished()` until its
    // closure has returned, so a wake-up alone can be seen too early.
    let done = Arc::new(AtomicBool::new(false));
    let (busy2, wake2, done2) = (busy.clone(), wakeup.clone(), done.clone());
    let hung_up = Arc::new(AtomicBool::new(false));
    let (wake3, hung_up3) = (wakeup.clone(), hung_up.clone());
    let hang_up: server::HangUp = Arc::new(move || {
        hung_up3.store(true, Ordering::Release);
        wake3.wake();
    });
    let client = std::thread::Builder::new()
        .name("client-stdio".into())
        .spawn(move || {
            let transport = server::Transport {
                read_only,
                secure: true,
            };
            server::serve(
                std::io::stdin(),
                std::io::stdout(),
                transport,
                0,
                Some(&busy2),
                // A read of stdin cannot be interrupted: hanging up on a
                // dead peer ends the process instead (see the loop below).
                Some((keepalive, hang_up)),
            );
            done2.store(true, Ordering::Release);
            wake2.wake();
        })
        .map_err(|source| ProxyError::System {
            what: "thread",
            source,
        })?;
    loop {
        sys::poll_readable(&[wakeup.read_fd()], None).map_err(|source| ProxyError::System {
            what: "poll",
            source,
        })?;
        wakeup.drain();
        if done.load(Ordering::Acquire) {
            let _ = client.join();
            return Ok(());
        }
        if hung_up.load(Ordering::Acquire) {
            // The client thread is still blocked reading stdin; ending
            // the process closes it.
            info!("client on stdin/stdout stopped answering; exiting");
            return Ok(());
        }
        if sys::terminating() {
            // The client thread is blocked reading stdin, which nothing
            // can interrupt; once no call is in flight the process ends.
            let _guard = busy.lock().unwrap_or_else(PoisonError::into_inner);
            info!("asked to stop");
            return Ok(());
        }
    }
}
