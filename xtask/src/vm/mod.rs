//! What the VM harnesses (`xen-vm`, `lvm-vm`) share: errors that say what
//! to install, running host tools, building workspace binaries through
//! cargo, Debian packages fetched and unpacked ([`debian`]), and
//! initramfs images written as cpio archives ([`initramfs`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub mod debian;
pub mod initramfs;

/// Something that stops the harness, with what to do about it.
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Failure {
    /// A failure with a message.
    pub fn new(msg: impl Into<String>) -> Failure {
        Failure(msg.into())
    }

    /// A file operation on `path` failed.
    pub fn io(path: &Path, e: std::io::Error) -> Failure {
        Failure(format!("{}: {e}", path.display()))
    }
}

/// Find a host program on PATH (and the sbin folders, which a non-root
/// PATH lacks); a clear error naming the Debian package otherwise.
pub fn tool(name: &str, package: &str) -> Result<PathBuf, Failure> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Failure::new(format!(
                "`{name}` not found: install it with `apt-get install {package}`"
            ))
        })
}

/// Run the VM `qemu` (a QEMU command line, arguments given) with its
/// console (stdout and stderr) in the file `serial`, until it powers off;
/// killed once `limit` has passed. The wall time, or why it did not
/// power off.
pub fn run_until_off(mut qemu: Command, serial: &Path, limit: Duration) -> Result<f64, Failure> {
    let log = std::fs::File::create(serial).map_err(|e| Failure::io(serial, e))?;
    let log2 = log.try_clone().map_err(|e| Failure::io(serial, e))?;
    let start = Instant::now();
    let mut child = qemu
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| Failure::new(format!("cannot start QEMU: {e}")))?;
    loop {
        match child.try_wait() {
            Ok(Some(st)) if st.success() => return Ok(start.elapsed().as_secs_f64()),
            Ok(Some(st)) => return Err(Failure::new(format!("QEMU exited with {st}"))),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::new(format!(
                    "the VM did not power off within {} s (killed)",
                    limit.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(Failure::new(format!("waiting for QEMU: {e}"))),
        }
    }
}

/// Run a command, its stdout on success, its stderr in the error.
pub fn run(cmd: &mut Command) -> Result<String, Failure> {
    let out = cmd
        .output()
        .map_err(|e| Failure::new(format!("{cmd:?}: {e}")))?;
    if !out.status.success() {
        return Err(Failure::new(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The workspace root (xtask sits one level below it).
pub fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(workspace());
    c
}

/// An executable cargo built: (package dir name, target name, path).
pub struct Artifact {
    /// The package's directory name.
    pub package: String,
    /// The target's name.
    pub target: String,
    /// The executable.
    pub path: PathBuf,
}

/// Run a cargo build command with `--message-format=json` and collect the
/// executables it reports; cargo's own progress and errors go to stderr.
pub fn cargo_executables(cmd: &mut Command) -> Result<Vec<Artifact>, Failure> {
    let mut child = cmd
        .arg("--message-format=json")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(format!("{cmd:?}: {e}")))?;
    let mut found = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if v["reason"] == "compiler-message" && v["message"]["level"] == "error" {
                if let Some(r) = v["message"]["rendered"].as_str() {
                    eprint!("{r}");
                }
                continue;
            }
            if v["reason"] != "compiler-artifact" {
                continue;
            }
            let Some(exe) = v["executable"].as_str() else {
                continue;
            };
            let package = Path::new(v["manifest_path"].as_str().unwrap_or_default())
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or("?")
                .to_string();
            found.push(Artifact {
                package,
                target: v["target"]["name"].as_str().unwrap_or_default().to_string(),
                path: PathBuf::from(exe),
            });
        }
    }
    let st = child
        .wait()
        .map_err(|e| Failure::new(format!("{cmd:?}: {e}")))?;
    if !st.success() {
        return Err(Failure::new(format!("{cmd:?} failed ({st})")));
    }
    Ok(found)
}

/// Copy an executable without its debug info (most of a debug build's
/// bytes, which a VM would read through 9p or hold in RAM; panics keep
/// their file:line and backtraces their function names without it), or
/// whole where `strip` is missing or fails.
pub fn copy_stripped(from: &Path, to: &Path) -> Result<(), Failure> {
    let stripped = tool("strip", "binutils").ok().is_some_and(|s| {
        Command::new(s)
            .arg("--strip-debug")
            .arg("-o")
            .arg(to)
            .arg(from)
            .status()
            .is_ok_and(|st| st.success())
    });
    if stripped {
        return Ok(());
    }
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| Failure::new(format!("copy {} -> {}: {e}", from.display(), to.display())))
}
