//! virsh asks for the credentials a driver needs as Debian's virsh 9.0
//! does (libvirt's default authenticator): a test node file with `<auth>`,
//! answers on stdin; stdout, stderr and the exit code must match byte for
//! byte. Skipped with a notice where /usr/bin/virsh is absent.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const REAL_VIRSH: &str = "/usr/bin/virsh";

fn run(prog: &str, uri: &str, stdin: &str) -> (String, String, Option<i32>) {
    let mut child = match Command::new(prog)
        .args(["-c", uri, "list", "--name"])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot run {prog}: {e}"),
    };
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("{prog}: {e}"),
    };
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn credentials_are_asked_as_debian_virsh_asks_them() {
    if !Path::new(REAL_VIRSH).exists() {
        println!(
            "auth_prompt: {REAL_VIRSH} not installed (apt-get install libvirt-clients); skipped"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("virsh-auth-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let node = dir.join("node.xml");
    let written = std::fs::write(
        &node,
        "<node><auth><user password='87539319'>srinivasa</user><user>nopass</user></auth>\
         <domain type='test'><name>guarded</name><memory>8192</memory><os><type>hvm</type></os></domain></node>",
    );
    assert!(written.is_ok(), "{written:?}");
    let uri = format!("test://{}", node.display());
    let ours = env!("CARGO_BIN_EXE_virsh");
    let mut same = 0;
    for answers in [
        "srinivasa\n87539319\n",
        "srinivasa\nwrong\n",
        "nopass\n",
        "stranger\n87539319\n",
        "",
        "srinivasa\n",
    ] {
        let theirs = run(REAL_VIRSH, &uri, answers);
        let mine = run(ours, &uri, answers);
        assert_eq!(mine, theirs, "answers {answers:?}");
        same += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("auth_prompt: {same} answer sets, same output as Debian's virsh");
}
