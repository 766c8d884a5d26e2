//! Running a program that may never end: its output captured while it
//! runs, and the process killed at a deadline (Debian's virsh hangs now and
//! then at exit, and libvirt 9.0 spins for ever on some documents).

use std::process::Command;

/// What a process printed and how it ended.
pub struct Run {
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
    /// How it ended.
    pub status: RunStatus,
}

/// A process's end: its exit status, or killed past its deadline.
pub enum RunStatus {
    /// It ended by itself.
    Exited(std::process::ExitStatus),
    /// It was still running at the deadline given and was killed.
    Hung(std::time::Duration),
}

impl RunStatus {
    /// It ended by itself, successfully.
    pub fn success(&self) -> bool {
        matches!(self, RunStatus::Exited(s) if s.success())
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunStatus::Exited(s) => write!(f, "{s}"),
            RunStatus::Hung(d) => write!(f, "hung: no end within {} s, killed", d.as_secs()),
        }
    }
}

/// Run `cmd` with its output captured, killing it when it is still
/// running after `deadline` (its output so far is kept).
pub fn run_with_deadline(cmd: &mut Command, deadline: std::time::Duration) -> std::io::Result<Run> {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    // Both pipes are drained while the process runs, so that it never
    // blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut out);
            }
            out
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break RunStatus::Exited(s);
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break RunStatus::Hung(deadline);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    Ok(Run {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process past its deadline is killed and reported hung, with what
    /// it printed before; one that ends in time keeps its status.
    #[test]
    fn a_hung_process_is_killed_at_its_deadline() -> std::io::Result<()> {
        let quick = run_with_deadline(
            Command::new("sh").args(["-c", "echo out; echo err >&2"]),
            std::time::Duration::from_secs(20),
        )?;
        assert!(quick.status.success());
        assert_eq!(
            (quick.stdout.as_slice(), quick.stderr.as_slice()),
            (&b"out\n"[..], &b"err\n"[..])
        );
        let start = std::time::Instant::now();
        let hung = run_with_deadline(
            Command::new("sh").args(["-c", "echo before; exec sleep 30"]),
            std::time::Duration::from_millis(300),
        )?;
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        assert!(!hung.status.success());
        assert!(
            hung.status.to_string().starts_with("hung"),
            "{}",
            hung.status
        );
        assert_eq!(hung.stdout, b"before\n");
        Ok(())
    }
}
