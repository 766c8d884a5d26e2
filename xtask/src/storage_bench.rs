//! `cargo xtask storage-bench`: the storage work of issue 13 timed on
//! virt-proxy and libvirtd 9.0 in one run, both driven by Debian's virsh
//! over their unix sockets, alternating, medians of several runs:
//!
//! - `vol-create-as` + `vol-delete` of a 1 GiB qcow2 volume (qemu-img on
//!   both sides) and of a sparse 1 GiB raw volume, one virsh process each;
//! - `vol-upload --sparse` of a 1 GiB file holding 4 MiB of data.
//!
//! Each daemon gets a dir pool in a temp dir of its own; libvirtd is
//! started with only its QEMU and storage drivers, as the daemon bench
//! starts it (a private mount namespace, sockets in a temp dir).

use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::daemon::{start_libvirtd, start_virt_proxy, temp_dir, Daemon};
use crate::qemu_daemon_bench::{median, virsh};

/// The steps timed, with their virsh command lines (`{src}`: the source).
const STEPS: &[(&str, &str)] = &[
    (
        "vol-create + vol-delete, 1 GiB qcow2",
        "vol-create-as bench q.qcow2 1G --format qcow2; vol-delete q.qcow2 --pool bench",
    ),
    (
        "vol-create + vol-delete, 1 GiB sparse raw",
        "vol-create-as bench r.img 1G --allocation 0; vol-delete r.img --pool bench",
    ),
    (
        "vol-upload --sparse, 1 GiB file (4 MiB data)",
        "vol-upload up.img {src} --pool bench --sparse",
    ),
];

/// A 1 GiB sparse file with 1 MiB of data at four places.
fn sparse_source(path: &Path) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    for at in [0u64, 256 << 20, 512 << 20, (1 << 30) - (1 << 20)] {
        f.seek(SeekFrom::Start(at))?;
        f.write_all(&vec![0x5a; 1 << 20])?;
    }
    f.set_len(1 << 30)
}

/// A dir pool `bench` with a 1 GiB raw volume `up.img` on `d`; the
/// pool's directory.
fn prepare(d: &Daemon) -> Result<std::path::PathBuf, String> {
    let images = d.dir.join("images");
    virsh(
        &d.uri,
        &[&format!(
            "pool-define-as bench dir --target {}; pool-build bench; pool-start bench; \
             vol-create-as bench up.img 1G --allocation 0",
            images.display()
        )],
    )?;
    Ok(images)
}

fn cleanup(d: &Daemon) {
    let _ = virsh(
        &d.uri,
        &["vol-delete up.img --pool bench; pool-destroy bench; pool-delete bench; pool-undefine bench"],
    );
}

/// Run the storage benchmark; 0 when both daemons ran every step.
pub fn run(args: &[String]) -> i32 {
    let runs = if args.iter().any(|a| a == "--quick") {
        3
    } else {
        7
    };
    if !Path::new("/usr/bin/virsh").exists() {
        eprintln!("xtask: Debian's virsh is needed (apt-get install libvirt-clients)");
        return 1;
    }
    let bin = match crate::daemon_bench::build_virt_proxy() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("xtask: building virt-proxy failed: {e}");
            return 1;
        }
    };
    let Some(src_dir) = temp_dir("storage-src") else {
        return 1;
    };
    let src = src_dir.join("sparse.img");
    if let Err(e) = sparse_source(&src) {
        eprintln!("xtask: {}: {e}", src.display());
        return 1;
    }
    let mut daemons: Vec<Daemon> = Vec::new();
    match start_virt_proxy(&bin, "qemu+unix:///session") {
        Some(d) => daemons.push(d),
        None => {
            eprintln!("xtask: virt-proxy did not start");
            return 1;
        }
    }
    match start_libvirtd(
        &["libvirt_driver_qemu.so", "libvirt_driver_storage.so"],
        false,
        "qemu+unix:///system",
    ) {
        Ok(d) => daemons.push(d),
        Err(e) => eprintln!("xtask: libvirtd could not be started ({e}): its column is n/a"),
    }
    let mut pools = Vec::new();
    for d in &daemons {
        match prepare(d) {
            Ok(p) => pools.push(p),
            Err(e) => {
                eprintln!("xtask: {}: {e}", d.label);
                pools.push(std::path::PathBuf::new());
            }
        }
    }
    let src_text = src.display().to_string();
    let mut times = vec![vec![Vec::new(); daemons.len()]; STEPS.len()];
    let mut failed = false;
    for _ in 0..runs {
        for (s, (_, line)) in STEPS.iter().enumerate() {
            let line = line.replace("{src}", &src_text);
            for (i, d) in daemons.iter().enumerate() {
                match virsh(&d.uri, &[&line]) {
                    Ok(ms) => times[s][i].push(ms),
                    Err(e) => {
                        eprintln!("xtask: {}: {e}", d.label);
                        failed = true;
                    }
                }
            }
        }
    }
    println!(
        "\n{:<46} {:>12} {:>14} {:>14}",
        "storage benchmark (virsh process, median)", "virt-proxy", "libvirtd 9.0", "ratio"
    );
    for (s, (what, _)) in STEPS.iter().enumerate() {
        let ours = median(times[s][0].clone());
        let theirs = times[s].get(1).and_then(|t| median(t.clone()));
        let cell = |v: Option<f64>| v.map_or("n/a".into(), |m| format!("{m:.1} ms"));
        let ratio = match (ours, theirs) {
            (Some(o), Some(t)) => format!("{:.1}x faster", t / o),
            _ => "n/a".into(),
        };
        println!(
            "{what:<46} {:>12} {:>14} {ratio:>14}",
            cell(ours),
            cell(theirs)
        );
    }
    for (d, p) in daemons.iter().zip(&pools) {
        let vol = p.join("up.img");
        let alloc = std::fs::metadata(&vol)
            .map(|m| m.blocks() * 512)
            .unwrap_or(0);
        let same = std::fs::read(&vol).ok() == std::fs::read(&src).ok();
        println!(
            "{}: uploaded volume {} MiB allocated, {}",
            d.label,
            alloc >> 20,
            if same {
                "same bytes as the source"
            } else {
                "DIFFERENT from the source"
            }
        );
        failed |= !same;
    }
    for d in daemons {
        cleanup(&d);
        d.stop();
    }
    let _ = std::fs::remove_dir_all(&src_dir);
    i32::from(failed)
}
