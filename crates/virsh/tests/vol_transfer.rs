//! `vol-upload` and `vol-download` through our virsh on
//! `qemu:///embed?root=DIR` (the storage driver in-process, its state in a
//! private directory): the bytes arrive whole, `--sparse` keeps holes on
//! both sides (allocated blocks checked), windows are exact, and failures
//! print virsh's two error lines and leave no file behind.
#![cfg(feature = "qemu")]

use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

struct Root(PathBuf);

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

mod common;
use common::embed_virsh as virsh;

fn allocated(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.blocks() * 512).unwrap_or(0)
}

#[test]
fn upload_and_download_keep_bytes_and_holes() {
    let root = Root(std::env::temp_dir().join(format!("vsv-{}", std::process::id())));
    let r = &root.0;
    let _ = std::fs::remove_dir_all(r);
    std::fs::create_dir_all(r).expect("root");
    let run = |line: &str| {
        let (out, err, ok) = virsh(r, line);
        assert!(ok, "`{line}` failed: {err}");
        out
    };
    run(&format!(
        "pool-define-as images dir --target {}; pool-build images; pool-start images; vol-create-as images v.img 64M --allocation 0",
        r.join("images").display()
    ));
    // A 64 MiB file: 1 MiB of data at 40 MiB, the rest holes.
    let src = r.join("src.img");
    let mut f = std::fs::File::create(&src).expect("src");
    f.seek(SeekFrom::Start(40 << 20)).expect("seek");
    f.write_all(&vec![0xa5; 1 << 20]).expect("write");
    f.set_len(64 << 20).expect("len");
    drop(f);
    let vol = r.join("images/v.img");
    assert_eq!(
        run(&format!(
            "vol-upload v.img {} --pool images --sparse",
            src.display()
        )),
        ""
    );
    assert_eq!(std::fs::read(&vol).ok(), std::fs::read(&src).ok());
    assert!(
        allocated(&vol) < 4 << 20,
        "{} bytes allocated",
        allocated(&vol)
    );
    let back = r.join("back.img");
    // An existing file is truncated and rewritten.
    std::fs::write(&back, vec![1u8; 600 << 10]).expect("old file");
    run(&format!(
        "vol-download v.img {} --pool images --sparse",
        back.display()
    ));
    assert_eq!(std::fs::read(&back).ok(), std::fs::read(&src).ok());
    assert!(
        allocated(&back) < 4 << 20,
        "{} bytes allocated",
        allocated(&back)
    );
    let part = r.join("part.img");
    run(&format!(
        "vol-download v.img {} --pool images --offset {} --length 10",
        part.display(),
        (40 << 20) - 5
    ));
    assert_eq!(
        std::fs::read(&part).ok(),
        Some([0, 0, 0, 0, 0, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5].to_vec())
    );
    // Plain upload of a window: only those bytes change.
    let small = r.join("small");
    std::fs::write(&small, b"hello").expect("small");
    run(&format!(
        "vol-upload v.img {} --pool images --offset 7",
        small.display()
    ));
    let v = std::fs::read(&vol).expect("vol");
    assert_eq!(&v[..14], b"\0\0\0\0\0\0\0hello\0\0");
    // A start past the volume's end is libvirt 9.0's empty read, not an
    // error; only a start lseek cannot take (beyond i64) is refused.
    let past = r.join("past.img");
    let (_, err, ok) = virsh(
        r,
        &format!(
            "vol-download v.img {} --pool images --offset {}",
            past.display(),
            1u64 << 40
        ),
    );
    assert!(ok, "{err}");
    assert_eq!(std::fs::metadata(&past).map(|m| m.len()).ok(), Some(0));
    // Failures: virsh's line, the library's line, no file left.
    let gone = r.join("gone.img");
    let (_, err, ok) = virsh(
        r,
        &format!(
            "vol-download v.img {} --pool images --offset {}",
            gone.display(),
            1u64 << 63
        ),
    );
    assert!(!ok);
    assert!(
        err.starts_with("error: cannot download from volume v.img\nerror: Unable to seek"),
        "{err}"
    );
    assert!(!gone.exists(), "a failed download left its file");
    let (_, err, ok) = virsh(
        r,
        &format!(
            "vol-upload v.img {} --pool images --length 2",
            small.display()
        ),
    );
    assert!(!ok);
    // In-process, the extra byte is refused by the send itself.
    assert!(
        err.starts_with(
            "error: cannot send data to volume v.img\nerror: operation failed: stream data beyond"
        ),
        "{err}"
    );
    let (_, err, ok) = virsh(r, "vol-upload v.img /nonexistent/file --pool images");
    assert_eq!(
        (err.as_str(), ok),
        ("error: cannot read /nonexistent/file\n", false)
    );
    let (_, err, ok) = virsh(
        r,
        &format!(
            "vol-upload v.img {} --pool images --offset -1",
            small.display()
        ),
    );
    assert_eq!(
        (err.as_str(), ok),
        (
            "error: Numeric value '-1' for <offset> option is malformed or out of range\n",
            false
        )
    );
    let (_, err, ok) = virsh(
        r,
        &format!("vol-upload nope.img {} --pool images", small.display()),
    );
    assert!(
        !ok && err.starts_with("error: failed to get vol 'nope.img'"),
        "{err}"
    );
}
