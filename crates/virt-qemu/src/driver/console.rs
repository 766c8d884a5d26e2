//! Console discovery: the pty paths QEMU chose, put into the live
//! definition.

use super::*;

/// Put the pty paths QEMU chose into the live definition.
pub(super) fn record_pty_paths(def: &mut DomainDef, chardevs: &Value) {
    let Some(list) = chardevs.as_array() else {
        return;
    };
    let path_of = |label: &str| {
        list.iter()
            .find(|c| c.get("label").and_then(Value::as_str) == Some(label))
            .and_then(|c| c.get("filename").and_then(Value::as_str))
            .and_then(|f| f.strip_prefix("pty:"))
            .map(str::to_string)
    };
    for c in &mut def.devices.chardevs {
        if c.dev_type.as_deref() != Some("pty") {
            continue;
        }
        let port = c
            .extra
            .iter()
            .find(|e| e.name == "target")
            .and_then(|t| t.attr("port"))
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        let kind = if c.kind == "console" {
            "serial"
        } else {
            c.kind.as_str()
        };
        if let Some(p) = path_of(&argv::chardev_id(kind, port)) {
            c.tty = Some(p.clone());
            c.extra.retain(|e| e.name != "source");
            c.extra
                .insert(0, Element::new("source").with_attr("path", p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pty_paths_land_in_live_xml() {
        let mut def = virt_xml::parse_domain(
            "<domain type='qemu'><name>p</name><memory>1024</memory>\
             <os><type>hvm</type></os><devices><serial type='pty'><target port='0'/></serial>\
             <console type='pty'><target type='serial' port='0'/></console></devices></domain>",
        )
        .expect("xml");
        record_pty_paths(
            &mut def,
            &json!([{"label": "charserial0", "filename": "pty:/dev/pts/7"}, {"label": "charmonitor", "filename": "unix:x"}]),
        );
        assert!(def
            .devices
            .chardevs
            .iter()
            .all(|c| c.tty.as_deref() == Some("/dev/pts/7")));
    }
}
