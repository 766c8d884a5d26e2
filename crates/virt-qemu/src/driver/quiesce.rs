//! The guest agent's part in a live external snapshot (`--quiesce`): as
//! libvirt's QEMU driver, the guest's file systems are frozen through
//! qemu-ga before the disks move to their overlays and thawed after, and
//! the agent's absence is told apart as libvirt tells it: not configured
//! (no agent channel in the definition), not connected (the guest has
//! not opened its end of the channel), not answering.

use super::*;
use crate::agent::{self, Agent};
use virt_xml::{CharSource, CharTarget};

/// The agent channel of `def`: the QEMU id of its character device and,
/// when QEMU serves it as a unix socket, that socket's path.
pub(super) fn agent_channel(def: &DomainDef) -> QemuResult<Option<(String, Option<String>)>> {
    let channels = def.devices.chardevs.iter().filter(|c| c.kind == "channel");
    for (i, c) in channels.enumerate() {
        let target = c.part::<CharTarget>()?.unwrap_or_default();
        if target.target_type.as_deref() == Some("virtio")
            && target.name.as_deref() == Some(agent::CHANNEL_NAME)
        {
            let path = match c.dev_type.as_deref() {
                Some("unix") => c.part::<CharSource>()?.and_then(|s| s.path),
                _ => None,
            };
            return Ok(Some((argv::chardev_id("channel", i as u32), path)));
        }
    }
    Ok(None)
}

impl QemuDriver {
    /// A session with the running guest's agent (`def` is its live
    /// definition), or libvirt's reason why there is none
    /// (qemuDomainAgentAvailable): whether the guest has opened its end
    /// of the channel is QEMU's `frontend-open` of the channel's
    /// character device, what libvirt follows through VSERPORT_CHANGE.
    pub(super) fn guest_agent(&self, d: &Opened, def: &DomainDef) -> QemuResult<Agent> {
        if d.obs.state != DomainState::Running {
            return Err(QemuError::NotRunning);
        }
        let Some((chardev, path)) = agent_channel(def)? else {
            return Err(QemuError::ArgumentUnsupported(
                "QEMU guest agent is not configured".into(),
            ));
        };
        let not_connected =
            || QemuError::AgentUnresponsive("QEMU guest agent is not connected".into());
        let path = path.ok_or_else(not_connected)?;
        let open = {
            let mut mon = Self::monitor_session(d.runtime()?)?;
            let chardevs = mon.execute("query-chardev", None)?;
            chardevs.as_array().is_some_and(|list| {
                list.iter().any(|c| {
                    c.get("label").and_then(Value::as_str) == Some(chardev.as_str())
                        && c.get("frontend-open").and_then(Value::as_bool) == Some(true)
                })
            })
        };
        if !open {
            return Err(not_connected());
        }
        Agent::connect(Path::new(&path))
    }
}
