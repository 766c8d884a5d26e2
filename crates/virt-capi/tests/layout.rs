//! Our headers against Debian's libvirt-dev 9.0 headers: every constant we
//! define has libvirt's value, every struct has libvirt's size and field
//! offsets, and every function we declare has libvirt's prototype. One C
//! program, generated from our headers, is compiled against each set of
//! headers and the two outputs compared; the prototypes are redeclared
//! after Debian's header, where any difference is a compile error.

mod common;

use common::*;
use std::fmt::Write as _;
use std::process::Command;
use virt_capi::install::include_dir;

fn our_headers() -> String {
    ["libvirt.h", "virterror.h"]
        .iter()
        .map(|h| {
            let p = include_dir().join("libvirt").join(h);
            std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names of enumerators and of object-like numeric macros.
fn constants(h: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in h.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("#define ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = &rest[name.len()..];
            // Function-like macros and the include guard are not values.
            if !after.starts_with('(') && !after.trim().is_empty() && name.starts_with("VIR")
                || name == "LIBVIR_VERSION_NUMBER"
            {
                out.push(name);
            }
        } else if line.starts_with("    VIR_") && t.contains('=') {
            out.push(t.split([' ', '=']).next().unwrap_or_default().to_string());
        }
    }
    out
}

/// The identifier `s` ends with.
fn last_ident(s: &str) -> String {
    let start = s
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    s[start..].to_string()
}

/// Each struct's tag and its field names, in order.
fn structs(h: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    let mut in_union = false;
    for line in h.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("struct _") {
            if let Some(tag) = rest.strip_suffix(" {") {
                cur = Some((format!("_{tag}"), Vec::new()));
            }
            continue;
        }
        let Some((_, fields)) = cur.as_mut() else {
            continue;
        };
        if t.starts_with("union {") {
            in_union = true;
        } else if in_union {
            if let Some(name) = t.strip_prefix("} ").and_then(|r| r.strip_suffix(';')) {
                fields.push(name.to_string());
                in_union = false;
            }
        } else if t == "};" {
            out.extend(cur.take());
        } else if let Some(decl) = t.split(';').next().filter(|_| t.contains(';')) {
            fields.push(last_ident(decl.split('[').next().unwrap_or(decl)));
        }
    }
    out
}

/// Function prototypes, one per entry, whitespace-joined.
fn prototypes(h: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::new();
    for line in h.lines() {
        let starts = !acc.is_empty()
            || (line.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && line.contains('(')
                && !line.starts_with("typedef")
                && !line.starts_with("extern")
                && !line.starts_with("struct"));
        if !starts {
            continue;
        }
        acc.push(' ');
        acc.push_str(line.trim());
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut acc).trim().to_string());
        }
    }
    out
}

fn probe_program(h: &str) -> String {
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <libvirt/libvirt.h>\n#include <libvirt/virterror.h>\nint main(void) {\n",
    );
    for name in constants(h) {
        let _ = writeln!(c, "    printf(\"{name} %lld\\n\", (long long)({name}));");
    }
    for (tag, fields) in structs(h) {
        let _ = writeln!(
            c,
            "    printf(\"sizeof {tag} %zu\\n\", sizeof(struct {tag}));"
        );
        for f in fields {
            let _ = writeln!(
                c,
                "    printf(\"field {tag}.{f} at %zu size %zu\\n\", offsetof(struct {tag}, {f}), sizeof(((struct {tag} *)0)->{f}));"
            );
        }
    }
    c.push_str("    return 0;\n}\n");
    c
}

fn compile_and_run(
    src: &std::path::Path,
    exe: &std::path::Path,
    include: Option<&std::path::Path>,
) -> String {
    let mut flags = Vec::new();
    if let Some(i) = include {
        flags.push(format!("-I{}", i.display()));
    }
    compile(src, exe, &flags);
    let o = Command::new(exe)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn constants_and_layouts_match_libvirt() {
    if !have_cc() || !std::path::Path::new(DEBIAN_HEADER).exists() {
        println!("skipped: needs cc and Debian's libvirt-dev headers ({DEBIAN_HEADER})");
        return;
    }
    let h = our_headers();
    let dir = Scratch::new("layout");
    let src = dir.join("probe.c");
    std::fs::write(&src, probe_program(&h)).unwrap();
    let ours = compile_and_run(&src, &dir.join("ours"), Some(&include_dir()));
    let theirs = compile_and_run(&src, &dir.join("theirs"), None);
    let diff: Vec<String> = ours
        .lines()
        .zip(theirs.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("ours: {a}\nlibvirt: {b}"))
        .collect();
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    let n = ours.lines().count();
    assert_eq!(n, theirs.lines().count());
    println!("{n} constants, sizes and offsets match libvirt's headers");
    assert!(
        ours.contains("sizeof _virError "),
        "the probe covers virError"
    );
    assert!(
        ours.contains("VIR_ERR_NO_DOMAIN 42"),
        "the probe covers virErrorNumber"
    );
}

#[test]
fn prototypes_match_libvirt() {
    if !have_cc() || !std::path::Path::new(DEBIAN_HEADER).exists() {
        println!("skipped: needs cc and Debian's libvirt-dev headers ({DEBIAN_HEADER})");
        return;
    }
    let protos = prototypes(&our_headers());
    assert!(protos.len() > 100, "found only {} prototypes", protos.len());
    let dir = Scratch::new("protos");
    let src = dir.join("protos.c");
    let mut c = String::from("#include <libvirt/libvirt.h>\n#include <libvirt/virterror.h>\n");
    for p in &protos {
        c.push_str(p);
        c.push('\n');
    }
    std::fs::write(&src, c).unwrap();
    let o = Command::new("cc")
        .args(["-c", "-Werror", "-o"])
        .arg(dir.join("protos.o"))
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cc: {e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    println!("{} prototypes agree with libvirt's", protos.len());
}

/// The names of the functions our headers declare.
fn function_names() -> Vec<String> {
    prototypes(&our_headers())
        .iter()
        .filter_map(|p| p.split('(').next().map(last_ident))
        .collect()
}

#[test]
fn every_declared_function_is_called_by_a_c_test() {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut text = String::new();
    for dir in [base.join("c"), base.join("c_streams")] {
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "c") {
                text +=
                    &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            }
        }
    }
    let called = |n: &str| {
        text.match_indices(n).any(|(i, _)| {
            let after = text[i + n.len()..].chars().next();
            !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let missing: Vec<String> = function_names()
        .into_iter()
        .filter(|n| !called(n))
        .collect();
    assert!(missing.is_empty(), "no C test calls: {missing:?}");
}

#[test]
fn every_declared_function_is_exported() {
    if !have_cc() {
        println!("skipped: needs cc");
        return;
    }
    let names = function_names();
    let dir = Scratch::new("exports");
    let prefix = dir.join("prefix");
    install(&prefix);
    let src = dir.join("all.c");
    let mut c = String::from("#include <stdio.h>\n#include <libvirt/libvirt.h>\n#include <libvirt/virterror.h>\nint main(void) {\n    void *f[] = {\n");
    for n in &names {
        let _ = writeln!(c, "        (void *){n},");
    }
    c.push_str("        (void *)&virConnectAuthPtrDefault,\n    };\n    printf(\"%zu\\n\", sizeof f / sizeof f[0]);\n    return 0;\n}\n");
    std::fs::write(&src, c).unwrap();
    let exe = dir.join("all");
    compile_ours(&prefix, &src, &exe);
    let o = run(Some(&prefix), &exe, &[]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        (names.len() + 1).to_string(),
        "{}",
        show(&o)
    );
}

/// The Rust records the library fills against the C layout of our headers
/// (which the test above holds to libvirt's).
#[test]
fn rust_records_match_the_headers() {
    use std::mem::{offset_of, size_of};
    use virt_capi::records::*;
    use virt_capi::report::virError;
    if !have_cc() {
        println!("skipped: needs cc");
        return;
    }
    let dir = Scratch::new("records");
    let src = dir.join("probe.c");
    std::fs::write(&src, probe_program(&our_headers())).unwrap();
    let c = compile_and_run(&src, &dir.join("probe"), Some(&include_dir()));
    macro_rules! record {
        ($tag:literal, $ty:ty, [$(($cf:literal, $rf:ident)),*]) => {{
            let size = format!("sizeof {} {}", $tag, size_of::<$ty>());
            assert!(c.lines().any(|l| l == size), "{size}");
            $(
                let at = format!("field {}.{} at {} ", $tag, $cf, offset_of!($ty, $rf));
                assert!(c.lines().any(|l| l.starts_with(&at)), "{at}");
            )*
        }};
    }
    record!(
        "_virDomainInfo",
        virDomainInfo,
        [
            ("state", state),
            ("maxMem", max_mem),
            ("memory", memory),
            ("nrVirtCpu", nr_virt_cpu),
            ("cpuTime", cpu_time)
        ]
    );
    record!(
        "_virNodeInfo",
        virNodeInfo,
        [
            ("model", model),
            ("memory", memory),
            ("cpus", cpus),
            ("mhz", mhz),
            ("nodes", nodes),
            ("sockets", sockets),
            ("cores", cores),
            ("threads", threads)
        ]
    );
    record!(
        "_virVcpuInfo",
        virVcpuInfo,
        [
            ("number", number),
            ("state", state),
            ("cpuTime", cpu_time),
            ("cpu", cpu)
        ]
    );
    record!(
        "_virSecurityModel",
        virSecurityModel,
        [("model", model), ("doi", doi)]
    );
    record!(
        "_virSecurityLabel",
        virSecurityLabel,
        [("label", label), ("enforcing", enforcing)]
    );
    record!(
        "_virStoragePoolInfo",
        virStoragePoolInfo,
        [
            ("state", state),
            ("capacity", capacity),
            ("allocation", allocation),
            ("available", available)
        ]
    );
    record!(
        "_virTypedParameter",
        virTypedParameter,
        [("field", field), ("type", kind), ("value", value)]
    );
    record!(
        "_virConnectCredential",
        virConnectCredential,
        [
            ("type", kind),
            ("prompt", prompt),
            ("challenge", challenge),
            ("defresult", defresult),
            ("result", result),
            ("resultlen", resultlen)
        ]
    );
    record!(
        "_virConnectAuth",
        virConnectAuth,
        [
            ("credtype", credtype),
            ("ncredtype", ncredtype),
            ("cb", cb),
            ("cbdata", cbdata)
        ]
    );
    record!(
        "_virError",
        virError,
        [
            ("code", code),
            ("domain", domain),
            ("message", message),
            ("level", level),
            ("conn", conn),
            ("dom", dom),
            ("str1", str1),
            ("str2", str2),
            ("str3", str3),
            ("int1", int1),
            ("int2", int2),
            ("net", net)
        ]
    );
}
