//! The Python module's figures: the same loops (`PY_LOOPS`) run by the
//! same interpreter, once with virt-rs's `libvirt` (a release wheel built
//! with maturin) and once with python3-libvirt, in one run.

use crate::{ops_row, Row, PY_LOOPS, SYSTEM_PYTHON};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Build the release wheel and unpack it; the directory to put on
/// PYTHONPATH, or why not.
fn build_module() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = root.join("target/virt-python");
    let wheels = work.join("release-wheels");
    let _ = std::fs::remove_dir_all(&wheels);
    let maturin_ok = |c: &mut Command| {
        c.arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut maturin = if maturin_ok(&mut Command::new("maturin")) {
        Command::new("maturin")
    } else if maturin_ok(Command::new("python3").args(["-m", "maturin"])) {
        let mut c = Command::new("python3");
        c.args(["-m", "maturin"]);
        c
    } else {
        return Err("maturin not found (pip install maturin==1.9.6)".into());
    };
    let st = maturin
        .args(["build", "--release", "--quiet", "--out"])
        .arg(&wheels)
        .arg("--manifest-path")
        .arg(root.join("crates/virt-python/Cargo.toml"))
        .env("CARGO_TARGET_DIR", work.join("cargo"))
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() {
        return Err(format!("maturin build exited with {st}"));
    }
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("maturin wrote no wheel")?;
    let site = work.join("release-site");
    let _ = std::fs::remove_dir_all(&site);
    let st = Command::new(SYSTEM_PYTHON)
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&wheel)
        .arg(&site)
        .status()
        .map_err(|e| e.to_string())?;
    st.success()
        .then_some(site)
        .ok_or_else(|| "cannot unpack the wheel".into())
}

/// Ops per second of `PY_LOOPS` in `mode`, with `site` first on the path
/// (virt-rs's module) or without it (python3-libvirt).
fn loops(site: Option<&Path>, mode: &str, n: u32) -> Option<f64> {
    let mut c = Command::new(SYSTEM_PYTHON);
    c.env_remove("PYTHONPATH");
    if let Some(s) = site {
        c.env("PYTHONPATH", s);
    }
    let out = c
        .arg("-c")
        .arg(PY_LOOPS)
        .args([mode, &n.to_string()])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The rows for `lookupByName + info()` and `defineXML + undefine` through
/// Python; `theirs` says whether python3-libvirt is there to compare with.
pub(crate) fn rows(quick: bool, theirs: bool) -> Vec<Row> {
    let site = match build_module() {
        Ok(s) => s,
        Err(e) => {
            println!("(the Python module's figures skipped: {e})");
            return Vec::new();
        }
    };
    let scale = if quick { 1 } else { 4 };
    let li = 50_000 * scale;
    let du = 5_000 * scale;
    vec![
        ops_row(
            "Python lookupByName + info()",
            loops(Some(&site), "lookupinfo", li),
            theirs.then(|| loops(None, "lookupinfo", li / 4)).flatten(),
            ">= 3x python3-libvirt",
        ),
        ops_row(
            "Python defineXML + undefine()",
            loops(Some(&site), "defundef", du),
            theirs.then(|| loops(None, "defundef", du / 10)).flatten(),
            ">= 10x python3-libvirt",
        ),
    ]
}
