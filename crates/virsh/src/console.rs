//! `console`: the guest's serial console on this terminal, as virsh 9.0
//! runs it: the terminal in raw mode, everything typed sent to the guest,
//! everything the guest writes printed, until the escape key (`^]`).

use crate::cmd::Cmd;
use crate::ctl::{CmdResult, Ctl, BY_ANY};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::termios::{isatty, tcgetattr, tcsetattr, OptionalActions};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use virt_core::{console_flags, DomainState, Stream};

/// virsh's default escape key, Ctrl + ].
const ESCAPE: u8 = 0x1d;

/// `console`.
pub fn console(ctl: &mut Ctl, cmd: &Cmd) -> CmdResult {
    let d = ctl.lookup_domain(cmd, BY_ANY)?;
    let devname = ctl.opt_str(cmd, "devname")?.map(str::to_string);
    let mut flags = 0;
    if cmd.has("force") {
        flags |= console_flags::FORCE;
    }
    if cmd.has("safe") {
        flags |= console_flags::SAFE;
    }
    match d.state() {
        Err(_) => return Err(ctl.fail_msg("Unable to get domain status")),
        Ok((DomainState::Shutoff, _)) => return Err(ctl.fail_msg("The domain is not running")),
        Ok(_) => {}
    }
    let stdin = std::io::stdin();
    if !isatty(stdin.as_fd()) {
        return Err(ctl.fail_msg("Cannot run interactive console without a controlling TTY"));
    }
    ctl.print_extra(&format!("Connected to domain '{}'\n", d.name()));
    ctl.print_extra("Escape character is ^] (Ctrl + ])\n");
    ctl.flush();
    // Raw terminal: keys reach the guest as typed, the escape key included.
    let saved = tcgetattr(stdin.as_fd()).ok();
    if let Some(t) = &saved {
        let mut raw = t.clone();
        raw.make_raw();
        let _ = tcsetattr(stdin.as_fd(), OptionalActions::Flush, &raw);
    }
    let restore = || {
        if let Some(t) = &saved {
            let _ = tcsetattr(std::io::stdin().as_fd(), OptionalActions::Flush, t);
        }
    };
    let stream = match ctl.conn().and_then(|c| Ok(c.new_stream(0)?)) {
        Ok(s) => s,
        Err(e) => {
            restore();
            return Err(e);
        }
    };
    if let Err(e) = d.open_console(devname.as_deref(), &stream, flags) {
        restore();
        return Err(e.into());
    }
    relay(&stream);
    restore();
    Ok(())
}

/// Copy the guest's output to stdout in one thread and stdin to the guest
/// in this one, until the escape key or the end of the console.
fn relay(stream: &Stream) {
    let ended = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut buf = [0u8; 4096];
            let mut out = std::io::stdout();
            while let Ok(n) = stream.recv(&mut buf) {
                if n == 0 || out.write_all(&buf[..n]).and_then(|()| out.flush()).is_err() {
                    break;
                }
            }
            ended.store(true, Ordering::SeqCst);
        });
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut buf = [0u8; 1024];
        let tick = Timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        while !ended.load(Ordering::SeqCst) {
            let mut fds = [PollFd::new(&input, PollFlags::IN)];
            match poll(&mut fds, Some(&tick)) {
                Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                Ok(_) => {}
                Err(_) => break,
            }
            let n = match input.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let typed = &buf[..n];
            let (keys, escaped) = match typed.iter().position(|&b| b == ESCAPE) {
                Some(at) => (&typed[..at], true),
                None => (typed, false),
            };
            if !keys.is_empty() && stream.send(keys).is_err() {
                break;
            }
            if escaped {
                break;
            }
        }
        // Wakes the reader when it waits for the guest.
        let _ = stream.abort();
    });
}
