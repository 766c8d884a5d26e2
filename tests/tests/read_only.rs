//! A read-only connection refuses every change with OperationDenied, in the
//! core, and nothing changes: not the domains, not the files on disk.

use virt_core::{affect, Connect, CpuMap, Domain, Error, ErrorCode, TypedParam, TypedValue};
use virt_tests::{register_drivers, snapshot, temp_path};

const NEWDOM: &str = "<domain type='test'><name>rodom</name><memory>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

fn denied<T: std::fmt::Debug>(what: &str, r: virt_core::Result<T>, failures: &mut Vec<String>) {
    match r {
        Err(Error {
            code: ErrorCode::OperationDenied,
            ref message,
            ..
        }) if message.starts_with("operation forbidden: read only access prevents ") => {}
        other => failures.push(format!("{what}: {other:?}")),
    }
}

#[test]
fn read_only_refuses_every_change() {
    register_drivers();
    // A writable connection keeps the shared default node alive and lets
    // the test prepare an inactive domain and a save file.
    let rw = match Connect::open("test:///default") {
        Ok(c) => c,
        Err(e) => panic!("open: {e}"),
    };
    let inactive = rw.define_xml(NEWDOM).expect("define");
    let save_src = temp_path("ro-restore-src");
    let save_src_s = save_src.to_string_lossy().to_string();
    {
        let mut t = rw
            .create_xml(
                &NEWDOM.replace("rodom", "rosaved").replace(
                    "<memory>",
                    "<uuid>0f0e0d0c-0b0a-0908-0706-050403020100</uuid><memory>",
                ),
                0,
            )
            .expect("create");
        t.save(&save_src_s).expect("save");
    }

    let ro = Connect::open_read_only("test:///default").expect("open ro");
    assert!(ro.is_read_only());
    let before = snapshot(&ro).expect("snapshot");
    assert!(before.iter().any(|d| d.name == "test"));

    let mut failures = Vec::new();
    let save_to = temp_path("ro-save");
    let dump_to = temp_path("ro-dump");
    let (sp, dp) = (
        save_to.to_string_lossy().to_string(),
        dump_to.to_string_lossy().to_string(),
    );

    denied(
        "define_xml",
        ro.define_xml(NEWDOM.replace("rodom", "other").as_str()),
        &mut failures,
    );
    denied(
        "define_xml_flags",
        ro.define_xml_flags(NEWDOM, 0),
        &mut failures,
    );
    denied(
        "create_xml",
        ro.create_xml(&NEWDOM.replace("rodom", "other"), 0),
        &mut failures,
    );
    denied("restore", ro.restore(&save_src_s), &mut failures);

    let running = ro.lookup_by_name("test").expect("lookup");
    let off = ro.lookup_by_name("rodom").expect("lookup");
    let map = CpuMap::from_bytes(&[1]);
    let weight = [TypedParam {
        field: "weight".into(),
        value: TypedValue::UInt(10),
    }];
    let disk = "<disk type='file' device='disk'><source file='/x'/><target dev='vdb'/></disk>";
    for d in [running, off] {
        let mut d: Domain = d;
        let n = d.name().to_string();
        let mut check = |what: &str, r: virt_core::Result<()>| {
            denied(&format!("{n}: {what}"), r, &mut failures)
        };
        check("undefine", d.undefine());
        check("undefine_flags", d.undefine_flags(0));
        check("create", d.create());
        check("create_with_flags", d.create_with_flags(0));
        check("shutdown", d.shutdown());
        check("shutdown_flags", d.shutdown_flags(0));
        check("reboot", d.reboot(0));
        check("suspend", d.suspend());
        check("resume", d.resume());
        check("save", d.save(&sp));
        check("core_dump", d.core_dump(&dp, 0));
        check("set_memory", d.set_memory(1024));
        check("set_memory_flags", d.set_memory_flags(1024, affect::CONFIG));
        check("set_max_memory", d.set_max_memory(1024));
        check("set_vcpus", d.set_vcpus(1));
        check("set_vcpus_flags", d.set_vcpus_flags(1, affect::CONFIG));
        check("pin_vcpu", d.pin_vcpu(0, &map));
        check("pin_vcpu_flags", d.pin_vcpu_flags(0, &map, 0));
        check("set_autostart", d.set_autostart(true));
        check("set_scheduler_params", d.set_scheduler_params(&weight, 0));
        check("attach_device", d.attach_device_flags(disk, 0));
        check("detach_device", d.detach_device_flags(disk, 0));
        check("destroy", d.destroy());
        check("destroy_flags", d.destroy_flags(0));
        // The handle keeps its identity after refused calls.
        assert_eq!(ro.lookup_by_name(&n).map(|x| x.id()).ok(), Some(d.id()));
    }
    assert!(
        failures.is_empty(),
        "not refused as read-only:\n{}",
        failures.join("\n")
    );
    assert!(
        !save_to.exists(),
        "save wrote a file on a read-only connection"
    );
    assert!(
        !dump_to.exists(),
        "core dump wrote a file on a read-only connection"
    );

    // The refusal is recorded like any error.
    assert_eq!(
        ro.last_error().map(|e| e.code),
        Some(ErrorCode::OperationDenied)
    );
    assert_eq!(
        virt_core::last_error().map(|e| e.code),
        Some(ErrorCode::OperationDenied)
    );

    let after = snapshot(&ro).expect("snapshot");
    assert_eq!(before, after);
    // Reads still work.
    assert!(ro.node_info().is_ok());
    assert!(ro.lookup_by_name("test").and_then(|d| d.info()).is_ok());

    inactive.undefine().expect("cleanup");
    let _ = std::fs::remove_file(save_src);
}
