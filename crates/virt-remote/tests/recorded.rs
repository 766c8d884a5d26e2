//! The bytes of a real session (virsh 9.0 and libvirtd 9.0, `list --all`
//! on test:///default): our daemon's Session answers each recorded call
//! with exactly the bytes libvirtd sent. A test binary of its own, so the
//! process's test:///default node is untouched by other tests.

#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

use std::path::PathBuf;

use virt_remote::packet::decode_packet;
use virt_remote::server::Session;

fn baselines() -> PathBuf {
    match std::env::var_os("VIRT_CORPUS") {
        Some(c) => PathBuf::from(c).join("../baselines"),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/baselines"
        )),
    }
}

/// The messages of list-all.hex, in order, as (client to server, bytes).
fn recorded(text: &str) -> Vec<(bool, Vec<u8>)> {
    let mut out: Vec<(bool, Vec<u8>)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# msg ") {
            out.push((rest.contains("C->S"), Vec::new()));
        } else if !line.starts_with('#') && line.len() > 10 {
            let hex = line.get(10..58).unwrap_or(&line[10..]);
            let last = out.last_mut().unwrap();
            for b in hex.split_whitespace() {
                last.1.push(u8::from_str_radix(b, 16).unwrap());
            }
        }
    }
    out
}

#[test]
fn our_daemon_answers_a_real_virsh_session_byte_for_byte() {
    let path = baselines().join("list-all.hex");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!(
            "skipped: no {} (a recorded libvirtd session)",
            path.display()
        );
        return;
    };
    virt_test::register();
    let msgs = recorded(&text);
    assert!(
        msgs.len() >= 2 && msgs.len() % 2 == 0,
        "{} messages",
        msgs.len()
    );
    let mut s = Session::new(false);
    for pair in msgs.chunks(2) {
        let ((true, call), (false, want)) = (&pair[0], &pair[1]) else {
            panic!("calls and replies do not alternate");
        };
        let (h, body) = decode_packet(call).unwrap();
        let got = s.handle(&h, body).unwrap();
        assert_eq!(&got, want, "reply to {h:?}");
    }
    assert!(s.is_closed());
}
