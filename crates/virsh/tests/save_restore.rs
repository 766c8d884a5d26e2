//! A domain saved by one virsh process is restored by another: the save
//! file carries the whole domain (definition and state), not a handle into
//! the first process's memory. A garbage file is refused and changes nothing.

use std::process::Command;

fn virsh(line: &str) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_virsh"))
        .args(["-c", "test:///default", line])
        .env("LC_ALL", "C")
        .output();
    match out {
        Ok(o) => (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.status.code().unwrap_or(-1),
        ),
        Err(e) => panic!("cannot run virsh: {e}"),
    }
}

#[test]
fn save_in_one_process_restore_in_another() {
    let dir = std::env::temp_dir().join(format!("virsh-save-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("temp dir: {e}");
    }
    let img = dir.join("test.img");
    let img = img.to_string_lossy();

    let (out, err, rc) = virsh(&format!("setmem test 1048576; save test {img}"));
    assert_eq!((rc, err.as_str()), (0, ""), "{out}");
    assert!(
        out.contains(&format!("Domain 'test' saved to {img}")),
        "{out}"
    );

    // A fresh process starts with its own built-in "test" running; make
    // room, then restore the saved one.
    let (out, err, rc) = virsh(&format!(
        "undefine test; destroy test; restore {img}; domstate --reason test; dominfo test"
    ));
    assert_eq!((rc, err.as_str()), (0, ""), "{out}");
    assert!(
        out.contains(&format!("Domain restored from {img}")),
        "{out}"
    );
    assert!(out.contains("running (restored)"), "{out}");
    assert!(
        out.contains("Used memory:    1048576 KiB"),
        "the saved memory size comes back: {out}"
    );
    assert!(out.contains("Persistent:     no"), "{out}");

    // Restoring over a running domain of the same name is refused.
    let (_, err, rc) = virsh(&format!("restore {img}"));
    assert_eq!(rc, 1);
    assert!(err.contains("domain 'test' is already active"), "{err}");

    // Garbage is refused, and the node is untouched.
    let junk = dir.join("junk.img");
    if let Err(e) = std::fs::write(&junk, b"not a saved domain") {
        panic!("write: {e}");
    }
    let (out, err, rc) = virsh(&format!(
        "destroy test; restore {}; list --all",
        junk.display()
    ));
    assert_eq!(rc, 0, "the last command (list) succeeded: {err}");
    assert!(
        err.starts_with(&format!(
            "error: Failed to restore domain from {}",
            junk.display()
        )),
        "{err}"
    );
    assert!(out.contains(" -    test   shut off"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
