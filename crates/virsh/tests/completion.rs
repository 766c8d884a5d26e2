//! TAB completion in the interactive shell, typed into a pseudo-terminal
//! as a user would: a completed command name, option name and object name
//! (domain, network, pool, snapshot, checkpoint) must run the command they
//! complete to. The
//! same keys go to Debian's virsh 9.0 when it is installed, which must
//! run the same commands.
#![cfg(feature = "test")]

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use virt_testkit::tty::OnPty;

/// A virsh shell on a pseudo-terminal.
struct Shell(OnPty);

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

impl Shell {
    fn start(binary: &str, home: &Path) -> Shell {
        let mut cmd = Command::new(binary);
        cmd.args(["-c", "test:///default"])
            .env("TERM", "xterm")
            .env("HOME", home)
            .env("XDG_CACHE_HOME", home)
            .env("XDG_CONFIG_HOME", home);
        let mut shell = Shell(OnPty::spawn(cmd));
        assert!(shell.wait_for("virsh # "), "no prompt from {binary}");
        shell
    }

    fn text(&self) -> String {
        self.0.text()
    }

    fn wait_for(&mut self, needle: &str) -> bool {
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if self.text().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Type `chunks` one after the other, giving the shell time to answer
    /// each TAB; the screen text from then on.
    fn type_keys(&mut self, chunks: &[&str], until: &str) -> String {
        if let Ok(mut s) = self.0.seen.lock() {
            s.clear();
        }
        for c in chunks {
            self.0.master.write_all(c.as_bytes()).expect("type");
            std::thread::sleep(Duration::from_millis(150));
        }
        self.wait_for(until);
        self.text()
    }
}

/// `(keys typed, text the completed command prints)`.
const CASES: &[(&[&str], &str)] = &[
    // The command name.
    (&["domin\t", "test\r"], "Name:           test"),
    // The domain name.
    (&["dominfo t\t", "\r"], "Name:           test"),
    // The option name, then the value by hand.
    (&["dominfo --d\t", "test\r"], "Name:           test"),
    // An empty word offers the options; after the option, the names.
    (&["dominfo \t", "\t", "\r"], "Name:           test"),
    // A network and a pool.
    (&["net-info d\t", "\r"], "Name:           default"),
    (
        &["pool-info default-p\t", "\r"],
        "Name:           default-pool",
    ),
    // After `;`, a new command.
    (&["echo x; dominf\t", "test\r"], "Name:           test"),
    // Snapshot names of the domain on the line, positional or after the
    // option; then checkpoint names (the test driver takes no checkpoint
    // while a snapshot exists).
    (
        &["snapshot-create-as test snap-one\r"],
        "Domain snapshot snap-one created",
    ),
    (
        &["snapshot-info test snap-o\t", "\r"],
        "Name:           snap-one",
    ),
    (
        &["snapshot-dumpxml test --snapshotname snap-o\t", "\r"],
        "<name>snap-one</name>",
    ),
    (
        &["snapshot-delete test --snapshotname snap-o\t", "\r"],
        "Domain snapshot snap-one deleted",
    ),
    (
        &["checkpoint-create-as test ck-one\r"],
        "Domain checkpoint ck-one created",
    ),
    (
        &["checkpoint-info test ck-o\t", "\r"],
        "Name:           ck-one",
    ),
    (
        &["checkpoint-delete test --checkpointname ck-o\t", "\r"],
        "Domain checkpoint ck-one deleted",
    ),
];

fn run_cases(binary: &str) {
    let home = std::env::temp_dir().join(format!("virsh-complete-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let mut shell = Shell::start(binary, &home);
    for (keys, want) in CASES {
        let screen = shell.type_keys(keys, want);
        assert!(
            screen.contains(want),
            "{binary}: typing {keys:?} did not run the completed command:\n{screen}"
        );
    }
    let _ = shell.type_keys(&["quit\r"], "\n");
    drop(shell);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn tab_completes_commands_options_and_names() {
    run_cases(env!("CARGO_BIN_EXE_virsh"));
}

#[test]
fn debian_virsh_completes_the_same_keys() {
    if !Path::new("/usr/bin/virsh").exists() {
        println!(
            "completion: /usr/bin/virsh not installed (apt-get install libvirt-clients); skipped"
        );
        return;
    }
    run_cases("/usr/bin/virsh");
}
