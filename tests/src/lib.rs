//! Shared helpers for the end-to-end tests.
#![warn(missing_docs)]

use virt_core::{Connect, DomainInfo, DomainState, Result};

/// Register every driver these tests use (idempotent).
pub fn register_drivers() {
    virt_test::register();
}

/// Everything a caller can observe about one domain without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSnapshot {
    /// Name.
    pub name: String,
    /// UUID, dashed.
    pub uuid: String,
    /// Id while running.
    pub id: Option<u32>,
    /// `info()`, with the CPU time zeroed (it moves on its own).
    pub info: DomainInfo,
    /// State and reason.
    pub state: (DomainState, i32),
    /// Live XML.
    pub xml: String,
    /// Persistent XML.
    pub inactive_xml: String,
    /// Autostart flag.
    pub autostart: bool,
    /// Persistent flag.
    pub persistent: bool,
    /// Online vCPUs as the live or config definition says.
    pub vcpus: u32,
}

/// Observe every domain of a connection, in listing order.
pub fn snapshot(conn: &Connect) -> Result<Vec<DomainSnapshot>> {
    let mut out = Vec::new();
    for d in conn.list_all_domains(0)? {
        let mut info = d.info()?;
        info.cpu_time = 0;
        out.push(DomainSnapshot {
            name: d.name().to_string(),
            uuid: d.uuid_string(),
            id: d.id(),
            info,
            state: d.state()?,
            xml: d.xml_desc(0)?,
            inactive_xml: d.xml_desc(virt_core::xml_flags::INACTIVE)?,
            autostart: d.autostart()?,
            persistent: d.is_persistent()?,
            vcpus: d.vcpus_flags(virt_core::affect::CURRENT)?,
        });
    }
    Ok(out)
}

/// A path in the temporary directory unique to this process and call.
pub fn temp_path(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "virt-tests-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}
