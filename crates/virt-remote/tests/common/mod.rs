//! What the protocol's test files share: a daemon serving Sessions on a
//! socket in a temp dir.

#![allow(dead_code)] // Each test file uses its own part.

use std::io::Write;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use virt_remote::packet::read_packet;
use virt_remote::server::Session;

/// Serve `Session`s on a socket in a temp dir, one thread per client.
pub fn daemon(read_only: bool) -> (PathBuf, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let sock = dir.0.join("sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut session = Session::new(read_only);
                let mut r = conn.try_clone().unwrap();
                while let Ok(Some((h, body))) = read_packet(&mut r) {
                    if let Some(reply) = session.handle(&h, &body) {
                        if conn.write_all(&reply).is_err() {
                            return;
                        }
                    }
                    if session.is_closed() {
                        return;
                    }
                }
            });
        }
    });
    (sock, dir)
}

pub mod tempdir {
    /// A temp dir removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let p = std::env::temp_dir().join(format!(
                "virt-remote-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn uri(sock: &Path) -> String {
    format!("test+unix:///default?socket={}", sock.display())
}
