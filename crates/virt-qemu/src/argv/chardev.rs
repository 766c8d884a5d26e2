//! Character devices on the command line: `-chardev` backends and the
//! serial, console, parallel and channel devices in front of them.

use super::*;
use virt_xml::{CharProtocol, CharSource, CharTarget};

/// The id QEMU knows a character device by: `charserial0`, `charparallel0`,
/// `charchannel0` (channels numbered in the order the definition lists
/// them).
pub fn chardev_id(kind: &str, port: u32) -> String {
    format!("char{kind}{port}")
}

pub(super) fn char_target(c: &CharDev) -> (Option<String>, Option<u32>) {
    let target = c.part::<CharTarget>().ok().flatten().unwrap_or_default();
    (target.target_type, target.port)
}

pub(super) fn chardev_backend(c: &CharDev, id: &str) -> QemuResult<String> {
    let sources = c.parts::<CharSource>()?;
    let src = sources.first().cloned().unwrap_or_default();
    let need = |value: &Option<String>, what: &str| {
        value.clone().ok_or_else(|| {
            unsupported(format!(
                "<{}> of type '{}' without source {what}",
                c.kind,
                c.dev_type.as_deref().unwrap_or("")
            ))
        })
    };
    let text =
        |value: &Option<String>, default: &str| escape_comma(value.as_deref().unwrap_or(default));
    let kind = c.dev_type.as_deref().unwrap_or("pty");
    Ok(match kind {
        "pty" => format!("pty,id={id}"),
        "null" => format!("null,id={id}"),
        "vc" => format!("vc,id={id}"),
        "stdio" => format!("stdio,id={id}"),
        "file" => format!(
            "file,id={id},path={}{}",
            escape_comma(&need(&src.path, "path")?),
            // <source append='on'/> keeps what earlier runs wrote.
            match src.append.as_deref() {
                Some("on") => ",append=on",
                Some("off") => ",append=off",
                _ => "",
            }
        ),
        "pipe" => format!(
            "pipe,id={id},path={}",
            escape_comma(&need(&src.path, "path")?)
        ),
        "dev" => format!(
            "tty,id={id},path={}",
            escape_comma(&need(&src.path, "path")?)
        ),
        "unix" => {
            let server = src.mode.as_deref() == Some("bind");
            format!(
                "socket,id={id},path={}{}",
                escape_comma(&need(&src.path, "path")?),
                if server { ",server=on,wait=off" } else { "" }
            )
        }
        "tcp" => {
            let server = src.mode.as_deref() == Some("bind");
            let protocol = c.part::<CharProtocol>()?.and_then(|p| p.protocol_type);
            let telnet = protocol.as_deref() == Some("telnet");
            format!(
                "socket,id={id},host={},port={}{}{}",
                text(&src.host, "127.0.0.1"),
                escape_comma(&need(&src.service, "service")?),
                if server { ",server=on,wait=off" } else { "" },
                if telnet { ",telnet=on" } else { "" }
            )
        }
        "udp" => {
            let with_mode = |mode: &str| sources.iter().find(|s| s.mode.as_deref() == Some(mode));
            let connect = with_mode("connect")
                .ok_or_else(|| unsupported("udp character device without a connect source"))?;
            let mut s = format!(
                "udp,id={id},host={},port={}",
                text(&connect.host, "127.0.0.1"),
                text(&connect.service, "0")
            );
            if let Some(bind) = with_mode("bind") {
                s.push_str(&format!(
                    ",localaddr={},localport={}",
                    text(&bind.host, "0.0.0.0"),
                    text(&bind.service, "0")
                ));
            }
            s
        }
        t => {
            return Err(unsupported(format!(
                "character device type '{t}' is not supported by this driver"
            )))
        }
    })
}

pub(super) fn chardev_options(chardevs: &[CharDev], b: &mut Builder) -> QemuResult<()> {
    let serial_ports: Vec<u32> = chardevs
        .iter()
        .filter(|c| c.kind == "serial")
        .enumerate()
        .map(|(i, c)| char_target(c).1.unwrap_or(i as u32))
        .collect();
    let mut serial_i = 0u32;
    let mut parallel_i = 0u32;
    let mut channel_i = 0u32;
    for c in chardevs {
        match c.kind.as_str() {
            "serial" => {
                let port = char_target(c).1.unwrap_or(serial_i);
                serial_i += 1;
                let id = chardev_id("serial", port);
                b.push2("-chardev", chardev_backend(c, &id)?);
                b.device(json!({"driver": "isa-serial", "chardev": id, "id": format!("serial{port}"), "index": port}));
            }
            "console" => {
                let (ttype, port) = char_target(c);
                match ttype.as_deref().unwrap_or("serial") {
                    "serial" => {
                        let port = port.unwrap_or(0);
                        if serial_ports.contains(&port) {
                            // The console is the serial port's other name.
                            continue;
                        }
                        let id = chardev_id("serial", port);
                        b.push2("-chardev", chardev_backend(c, &id)?);
                        b.device(json!({"driver": "isa-serial", "chardev": id, "id": format!("serial{port}"), "index": port}));
                    }
                    "virtio" => {
                        let n = port.unwrap_or(0);
                        let id = format!("charconsole{n}");
                        b.push2("-chardev", chardev_backend(c, &id)?);
                        virtio_serial(b);
                        b.device(json!({"driver": "virtconsole", "chardev": id, "id": format!("console{n}")}));
                    }
                    t => return Err(unsupported(format!("console target type '{t}'"))),
                }
            }
            "parallel" => {
                let port = char_target(c).1.unwrap_or(parallel_i);
                parallel_i += 1;
                let id = chardev_id("parallel", port);
                b.push2("-chardev", chardev_backend(c, &id)?);
                b.device(json!({"driver": "isa-parallel", "chardev": id, "id": format!("parallel{port}")}));
            }
            "channel" => {
                let target = c.part::<CharTarget>()?.unwrap_or_default();
                match target.target_type.as_deref() {
                    Some("virtio") => {}
                    t => {
                        return Err(unsupported(format!(
                            "channel target type '{}'",
                            t.unwrap_or("")
                        )))
                    }
                }
                let id = chardev_id("channel", channel_i);
                b.push2("-chardev", chardev_backend(c, &id)?);
                virtio_serial(b);
                // Port 0 of the bus is the console's; channels count from 1.
                let mut port = json!({
                    "driver": "virtserialport",
                    "bus": "virtio-serial0.0",
                    "nr": channel_i + 1,
                    "chardev": id,
                    "id": format!("channel{channel_i}"),
                });
                if let Some(name) = target.name {
                    port["name"] = json!(name);
                }
                b.device(port);
                channel_i += 1;
            }
            k => {
                return Err(unsupported(format!(
                    "<{k}> character devices are not supported by this driver"
                )))
            }
        }
    }
    Ok(())
}

/// The virtio-serial bus virtio consoles and channels plug into, once.
fn virtio_serial(b: &mut Builder) {
    if !b.args.iter().any(|a| a.contains("virtio-serial-pci")) {
        b.device(json!({"driver": "virtio-serial-pci", "id": "virtio-serial0"}));
    }
}
