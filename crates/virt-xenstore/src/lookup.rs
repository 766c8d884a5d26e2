//! What libvirt's Xen driver reads from xenstore about domains, and the
//! few things it writes, as functions over a [`Client`].
//!
//! Layout (libxl, Xen 4.x): `/local/domain/<id>/` holds `name`, `vm` (the
//! domain's `/vm/<uuid>` path), `memory/target` (KiB), `cpu/<n>/`,
//! `console/tty`, `console/vnc-port` and `control/shutdown`; `<vm>/uuid`
//! and `<vm>/image/ostype` sit under the vm path; network backends under
//! `/local/domain/0/backend/vif/<id>/<n>/mac`. A missing node means "not
//! known", never an error.

use std::io::{Read, Write};
use std::str::FromStr;

use uuid::Uuid;

use crate::client::{Client, Tx};
use crate::error::XsError;
use crate::Result;

/// Where running domains are listed.
pub const DOMAIN_ROOT: &str = "/local/domain";

/// The home path of a domain.
pub fn domain_path(id: u32) -> String {
    format!("{DOMAIN_ROOT}/{id}")
}

fn read_opt<S: Read + Write>(c: &mut Client<S>, path: &str) -> Result<Option<String>> {
    c.try_read(Tx::NONE, path)
}

fn parse_opt<S: Read + Write, T: FromStr>(
    c: &mut Client<S>,
    path: &str,
    expected: &'static str,
) -> Result<Option<T>> {
    match read_opt(c, path)? {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| XsError::BadValue {
            path: path.to_string(),
            value: v,
            expected,
        }),
    }
}

/// Ids of the running domains, ascending. Entries that are not numbers are
/// skipped (libvirt gave up on them too), and a store without
/// `/local/domain` has no domains.
pub fn domain_ids<S: Read + Write>(c: &mut Client<S>) -> Result<Vec<u32>> {
    let names = match c.directory(Tx::NONE, DOMAIN_ROOT) {
        Ok(n) => n,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut ids: Vec<u32> = names
        .iter()
        .filter_map(|n| {
            let id = n.parse().ok();
            if id.is_none() {
                log::debug!("xenstore: ignoring {DOMAIN_ROOT}/{n}, not a domain id");
            }
            id
        })
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// A domain's name.
pub fn domain_name<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<String>> {
    read_opt(c, &format!("{}/name", domain_path(id)))
}

/// The id of the running domain called `name`.
pub fn domain_by_name<S: Read + Write>(c: &mut Client<S>, name: &str) -> Result<Option<u32>> {
    let ids = domain_ids(c)?;
    let names = c.read_many(Tx::NONE, &child_paths(&ids, "name"))?;
    Ok(ids
        .into_iter()
        .zip(names)
        .find(|(_, n)| n.as_deref() == Some(name))
        .map(|(id, _)| id))
}

/// A domain's `/vm/...` path.
pub fn vm_path<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<String>> {
    read_opt(c, &format!("{}/vm", domain_path(id)))
}

/// A domain's UUID: `<vm>/uuid`, or else the UUID the vm path is named
/// after (`/vm/<uuid>`, libxl may add a `-N` suffix).
pub fn domain_uuid<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<Uuid>> {
    let Some(vm) = vm_path(c, id)? else {
        return Ok(None);
    };
    let text = read_opt(c, &format!("{vm}/uuid"))?;
    uuid_of(&vm, text)
}

/// The UUID of the domain at vm path `vm` whose `<vm>/uuid` reads `text`.
fn uuid_of(vm: &str, text: Option<String>) -> Result<Option<Uuid>> {
    if let Some(text) = text {
        return Uuid::parse_str(text.trim())
            .map(Some)
            .map_err(|_| XsError::BadValue {
                path: format!("{vm}/uuid"),
                value: text,
                expected: "a UUID",
            });
    }
    let tail = vm.rsplit('/').next().unwrap_or_default();
    let candidate = tail.get(..36).unwrap_or(tail);
    Ok(Uuid::parse_str(candidate).ok())
}

/// The UUID a vm path is named after: `/vm/<uuid>`, or `/vm/<uuid>-<n>`
/// as libxl names a second domain with the same UUID.
fn uuid_in_vm_path(vm: &str) -> Option<Uuid> {
    let tail = vm.strip_prefix("/vm/")?;
    let (head, rest) = (tail.get(..36)?, tail.get(36..)?);
    let suffix_ok = rest.is_empty()
        || rest
            .strip_prefix('-')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !suffix_ok {
        return None;
    }
    Uuid::parse_str(head).ok()
}

fn child_paths(ids: &[u32], leaf: &str) -> Vec<String> {
    ids.iter()
        .map(|id| format!("{}/{leaf}", domain_path(*id)))
        .collect()
}

/// A running domain as xenstore names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedDomain {
    /// Domain id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Its UUID, when its vm path gives one (Domain-0 has none).
    pub uuid: Option<Uuid>,
}

/// Every running domain that has a name (one being built or torn down
/// may have none yet or any more: it is left out), in three round trips
/// whatever their number: the ids, then names and vm paths, then UUIDs.
pub fn named_domains<S: Read + Write>(c: &mut Client<S>) -> Result<Vec<NamedDomain>> {
    let ids = domain_ids(c)?;
    let mut paths = child_paths(&ids, "name");
    paths.extend(child_paths(&ids, "vm"));
    let mut values = c.read_many(Tx::NONE, &paths)?;
    let vms = values.split_off(ids.len());
    // Toolstacks name the vm node after the UUID; only the others need
    // their `uuid` entry read (each xenstored request costs, even batched).
    let uuid_paths: Vec<String> = vms
        .iter()
        .flatten()
        .filter(|vm| uuid_in_vm_path(vm).is_none())
        .map(|vm| format!("{vm}/uuid"))
        .collect();
    let mut uuid_texts = c.read_many(Tx::NONE, &uuid_paths)?.into_iter();
    let mut out = Vec::with_capacity(ids.len());
    for ((id, name), vm) in ids.into_iter().zip(values).zip(vms) {
        let uuid = match vm {
            Some(vm) => match uuid_in_vm_path(&vm) {
                Some(u) => Some(u),
                None => uuid_of(&vm, uuid_texts.next().flatten())?,
            },
            None => None,
        };
        if let Some(name) = name {
            out.push(NamedDomain { id, name, uuid });
        }
    }
    Ok(out)
}

/// The id of the running domain with `uuid`.
pub fn domain_by_uuid<S: Read + Write>(c: &mut Client<S>, uuid: &Uuid) -> Result<Option<u32>> {
    Ok(named_domains(c)?
        .into_iter()
        .find(|d| d.uuid.as_ref() == Some(uuid))
        .map(|d| d.id))
}

/// The OS type under the vm path (`linux` for PV, `hvm`).
pub fn os_type<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<String>> {
    let Some(vm) = vm_path(c, id)? else {
        return Ok(None);
    };
    read_opt(c, &format!("{vm}/image/ostype"))
}

/// The pty of the domain's console.
pub fn console_tty<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<String>> {
    read_opt(c, &format!("{}/console/tty", domain_path(id)))
}

/// The TCP port of the domain's VNC display.
pub fn vnc_port<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<u16>> {
    parse_opt(
        c,
        &format!("{}/console/vnc-port", domain_path(id)),
        "a port number",
    )
}

/// The domain's current memory target in KiB.
pub fn memory_target_kib<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<u64>> {
    parse_opt(
        c,
        &format!("{}/memory/target", domain_path(id)),
        "a size in KiB",
    )
}

/// Ask the domain's balloon driver for `kib` KiB.
pub fn set_memory_target_kib<S: Read + Write>(c: &mut Client<S>, id: u32, kib: u64) -> Result<()> {
    c.write(
        Tx::NONE,
        &format!("{}/memory/target", domain_path(id)),
        kib.to_string().as_bytes(),
    )
}

/// The number of virtual CPUs (entries under `cpu/`).
pub fn vcpu_count<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Option<u32>> {
    match c.directory(Tx::NONE, &format!("{}/cpu", domain_path(id))) {
        Ok(cpus) => Ok(Some(cpus.len() as u32)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// MAC addresses of the domain's network interfaces, in device order, from
/// dom0's backend entries.
pub fn interface_macs<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<Vec<String>> {
    let base = format!("{}/backend/vif/{id}", domain_path(0));
    let mut devices: Vec<(u32, String)> = match c.directory(Tx::NONE, &base) {
        Ok(d) => d
            .into_iter()
            .filter_map(|n| n.parse().ok().map(|i| (i, n)))
            .collect(),
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    devices.sort();
    let mut macs = Vec::new();
    for (_, dev) in devices {
        if let Some(mac) = read_opt(c, &format!("{base}/{dev}/mac"))? {
            macs.push(mac);
        }
    }
    Ok(macs)
}

/// What a guest is asked to do through `control/shutdown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownRequest {
    /// Power off ("poweroff", what xl writes; old libvirt wrote the
    /// equivalent "halt").
    Poweroff,
    /// Reboot.
    Reboot,
}

impl ShutdownRequest {
    /// The word written to `control/shutdown`.
    pub fn word(self) -> &'static str {
        match self {
            ShutdownRequest::Poweroff => "poweroff",
            ShutdownRequest::Reboot => "reboot",
        }
    }
}

/// Ask a running guest to shut down or reboot. Domain-0 is refused, as
/// libvirt refused it: it has no guest agent listening there.
pub fn request_shutdown<S: Read + Write>(
    c: &mut Client<S>,
    id: u32,
    request: ShutdownRequest,
) -> Result<()> {
    if id == 0 {
        return Err(XsError::Refused(
            "Domain-0 cannot be shut down or rebooted through xenstore".into(),
        ));
    }
    let home = domain_path(id);
    // Writing under a vanished domain would create a stray tree.
    if read_opt(c, &format!("{home}/name"))?.is_none() {
        return Err(XsError::Daemon {
            kind: crate::MessageType::Read,
            path: home,
            errno: crate::Errno::NotFound,
        });
    }
    c.write(
        Tx::NONE,
        &format!("{home}/control/shutdown"),
        request.word().as_bytes(),
    )
}

/// Remove what the toolstack kept in xenstore about domain `id` once it is
/// gone: its home (`/local/domain/<id>`), its vm node (`/vm/<uuid>`),
/// libxl's `/libxl/<id>`, and the backends domain 0 served it. xl does
/// this when it destroys a domain; a destroy by hypercall alone leaves the
/// tree behind, and the domain would go on being listed by name. All in
/// one transaction, so a reader sees the domain either whole or gone.
/// Domain-0 is refused.
pub fn forget_domain<S: Read + Write>(c: &mut Client<S>, id: u32) -> Result<()> {
    if id == 0 {
        return Err(XsError::Refused(
            "Domain-0's xenstore entries cannot be removed".into(),
        ));
    }
    let home = domain_path(id);
    c.transact(8, |c, tx| {
        let mut doomed = vec![home.clone(), format!("/libxl/{id}")];
        // Only a vm node of the usual shape: a corrupt `vm` entry must not
        // take the whole store (or /vm) with it.
        if let Some(vm) = c.try_read(tx, &format!("{home}/vm"))? {
            if vm.len() > "/vm/".len() && vm.starts_with("/vm/") && !vm[4..].contains('/') {
                doomed.push(vm);
            }
        }
        let backends = format!("{}/backend", domain_path(0));
        let kinds = match c.directory(tx, &backends) {
            Ok(k) => k,
            Err(e) if e.is_not_found() => Vec::new(),
            Err(e) => return Err(e),
        };
        doomed.extend(kinds.iter().map(|k| format!("{backends}/{k}/{id}")));
        doomed.push(format!("{}/device-model/{id}", domain_path(0)));
        for path in &doomed {
            match c.rm(tx, path) {
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
        }
        Ok(())
    })
}

/// What xenstore says about one running domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    /// Domain id.
    pub id: u32,
    /// Name, if written.
    pub name: Option<String>,
    /// UUID, if a vm path gives one (not for Domain-0).
    pub uuid: Option<Uuid>,
    /// Memory target in KiB.
    pub memory_kib: Option<u64>,
    /// Virtual CPUs.
    pub vcpus: Option<u32>,
}

/// Everything [`DomainRecord`] holds for every running domain.
pub fn domains<S: Read + Write>(c: &mut Client<S>) -> Result<Vec<DomainRecord>> {
    let mut out = Vec::new();
    for id in domain_ids(c)? {
        out.push(DomainRecord {
            id,
            name: domain_name(c, id)?,
            uuid: domain_uuid(c, id)?,
            memory_kib: memory_target_kib(c, id)?,
            vcpus: vcpu_count(c, id)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeGuest, FakeXenstored};

    fn uuid(s: &str) -> Uuid {
        Uuid::parse_str(s).unwrap()
    }

    fn populated() -> FakeXenstored {
        FakeXenstored::sample().unwrap()
    }

    #[test]
    fn named_domains_take_the_uuid_from_the_vm_path_or_its_entry() {
        let fake = populated();
        // A toolstack that named the vm node otherwise: its uuid entry counts.
        fake.write("/local/domain/7/name", "odd").unwrap();
        fake.write("/local/domain/7/vm", "/vm/odd-one").unwrap();
        fake.write("/vm/odd-one/uuid", "11111111-2222-3333-4444-555555555555")
            .unwrap();
        // Being built: no name yet, so not listed.
        fake.write("/local/domain/9/vm", "/vm/x").unwrap();
        let mut c = fake.connect().unwrap();
        let named = named_domains(&mut c).unwrap();
        let summary: Vec<(u32, &str, Option<String>)> = named
            .iter()
            .map(|d| (d.id, d.name.as_str(), d.uuid.map(|u| u.to_string())))
            .collect();
        assert_eq!(
            summary,
            [
                (0, "Domain-0", None),
                (
                    3,
                    "debian-pv",
                    Some("4dea22b3-1d52-d8f3-2516-782e98ab3fa0".into())
                ),
                (
                    7,
                    "odd",
                    Some("11111111-2222-3333-4444-555555555555".into())
                ),
                (
                    12,
                    "win-hvm",
                    Some("8a6a5f2e-7b1c-4d3e-9f00-112233445566".into())
                ),
            ]
        );
        for d in &named {
            assert_eq!(domain_uuid(&mut c, d.id).unwrap(), d.uuid, "{}", d.name);
        }
        assert_eq!(domain_by_name(&mut c, "odd").unwrap(), Some(7));
        let u = uuid("11111111-2222-3333-4444-555555555555");
        assert_eq!(domain_by_uuid(&mut c, &u).unwrap(), Some(7));
    }

    #[test]
    fn vm_paths_named_after_uuids() {
        let u = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0";
        assert_eq!(uuid_in_vm_path(&format!("/vm/{u}")), Some(uuid(u)));
        assert_eq!(uuid_in_vm_path(&format!("/vm/{u}-2")), Some(uuid(u)));
        for bad in [
            format!("/vm/{u}-"),
            format!("/vm/{u}x"),
            format!("/vm/{u}/"),
            format!("/other/{u}"),
            "/vm/short".to_string(),
            "/vm/".to_string(),
            format!("/vm/a{}", "\u{e9}".repeat(18)),
        ] {
            assert_eq!(uuid_in_vm_path(&bad), None, "{bad}");
        }
    }

    #[test]
    fn reads_what_libvirt_read() {
        let fake = populated();
        let mut c = fake.connect_read_only().unwrap();
        assert_eq!(domain_ids(&mut c).unwrap(), [0, 3, 12]);
        assert_eq!(domain_name(&mut c, 0).unwrap().as_deref(), Some("Domain-0"));
        assert_eq!(
            domain_name(&mut c, 3).unwrap().as_deref(),
            Some("debian-pv")
        );
        assert_eq!(domain_name(&mut c, 99).unwrap(), None);
        assert_eq!(domain_by_name(&mut c, "win-hvm").unwrap(), Some(12));
        assert_eq!(domain_by_name(&mut c, "nope").unwrap(), None);
        assert_eq!(
            domain_uuid(&mut c, 3).unwrap(),
            Some(uuid("4dea22b3-1d52-d8f3-2516-782e98ab3fa0"))
        );
        assert_eq!(domain_uuid(&mut c, 0).unwrap(), None);
        assert_eq!(
            domain_by_uuid(&mut c, &uuid("8a6a5f2e-7b1c-4d3e-9f00-112233445566")).unwrap(),
            Some(12)
        );
        assert_eq!(os_type(&mut c, 3).unwrap().as_deref(), Some("linux"));
        assert_eq!(os_type(&mut c, 12).unwrap().as_deref(), Some("hvm"));
        assert_eq!(
            console_tty(&mut c, 3).unwrap().as_deref(),
            Some("/dev/pts/3")
        );
        assert_eq!(console_tty(&mut c, 12).unwrap(), None);
        assert_eq!(vnc_port(&mut c, 12).unwrap(), Some(5901));
        assert_eq!(vnc_port(&mut c, 3).unwrap(), None);
        assert_eq!(memory_target_kib(&mut c, 0).unwrap(), Some(4_194_304));
        assert_eq!(memory_target_kib(&mut c, 12).unwrap(), Some(1_048_576));
        assert_eq!(vcpu_count(&mut c, 3).unwrap(), Some(2));
        assert_eq!(vcpu_count(&mut c, 0).unwrap(), None);
        assert_eq!(
            interface_macs(&mut c, 3).unwrap(),
            ["00:16:3e:5d:c7:9e", "00:16:3e:00:00:01"]
        );
        assert!(interface_macs(&mut c, 12).unwrap().is_empty());
        let all = domains(&mut c).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].name.as_deref(), Some("debian-pv"));
        assert_eq!(all[1].vcpus, Some(2));
    }

    #[test]
    fn uuid_falls_back_to_the_vm_path() {
        let fake = populated();
        fake.rm("/vm/4dea22b3-1d52-d8f3-2516-782e98ab3fa0/uuid")
            .unwrap();
        let mut c = fake.connect().unwrap();
        assert_eq!(
            domain_uuid(&mut c, 3).unwrap(),
            Some(uuid("4dea22b3-1d52-d8f3-2516-782e98ab3fa0"))
        );
        fake.write(
            "/local/domain/3/vm",
            "/vm/4dea22b3-1d52-d8f3-2516-782e98ab3fa0-1",
        )
        .unwrap();
        assert_eq!(
            domain_uuid(&mut c, 3).unwrap(),
            Some(uuid("4dea22b3-1d52-d8f3-2516-782e98ab3fa0"))
        );
    }

    #[test]
    fn bad_values_are_errors_not_guesses() {
        let fake = populated();
        fake.write("/local/domain/12/console/vnc-port", "59x1")
            .unwrap();
        fake.write("/vm/4dea22b3-1d52-d8f3-2516-782e98ab3fa0/uuid", "zzz")
            .unwrap();
        fake.write("/local/domain/junk", "").unwrap();
        let mut c = fake.connect().unwrap();
        let err = vnc_port(&mut c, 12).unwrap_err();
        assert!(matches!(err, XsError::BadValue { .. }), "{err}");
        assert!(domain_uuid(&mut c, 3).is_err());
        assert_eq!(domain_ids(&mut c).unwrap(), [0, 3, 12]);
        let e: virt_core::Error = err.into();
        assert_eq!(e.code, virt_core::ErrorCode::OperationFailed);
    }

    #[test]
    fn empty_store_has_no_domains() {
        let fake = FakeXenstored::start().unwrap();
        let mut c = fake.connect().unwrap();
        assert!(domain_ids(&mut c).unwrap().is_empty());
        assert_eq!(domain_by_name(&mut c, "Domain-0").unwrap(), None);
    }

    #[test]
    fn shutdown_and_memory_writes() {
        let fake = populated();
        let mut c = fake.connect().unwrap();
        request_shutdown(&mut c, 3, ShutdownRequest::Poweroff).unwrap();
        assert_eq!(
            fake.read("/local/domain/3/control/shutdown").as_deref(),
            Some(&b"poweroff"[..])
        );
        request_shutdown(&mut c, 12, ShutdownRequest::Reboot).unwrap();
        assert_eq!(
            fake.read("/local/domain/12/control/shutdown").as_deref(),
            Some(&b"reboot"[..])
        );
        let err = request_shutdown(&mut c, 0, ShutdownRequest::Poweroff).unwrap_err();
        let e: virt_core::Error = err.into();
        assert_eq!(e.code, virt_core::ErrorCode::OperationInvalid);
        assert!(request_shutdown(&mut c, 77, ShutdownRequest::Poweroff)
            .unwrap_err()
            .is_not_found());
        assert!(fake.read("/local/domain/77").is_none(), "nothing created");

        set_memory_target_kib(&mut c, 3, 262_144).unwrap();
        assert_eq!(memory_target_kib(&mut c, 3).unwrap(), Some(262_144));

        // The guest itself may read its shutdown node (it owns it)...
        let mut guest = fake.connect_as_domain(3).unwrap();
        assert_eq!(
            guest.read_string(Tx::NONE, "control/shutdown").unwrap(),
            "poweroff"
        );
        // ...but not another guest's home, nor change its own name.
        assert!(guest.read(Tx::NONE, "/local/domain/12/name").is_err());
        assert!(guest.write(Tx::NONE, "name", b"evil").is_err());

        // A read-only connection cannot ask for a shutdown.
        let mut ro = fake.connect_read_only().unwrap();
        let e: virt_core::Error = request_shutdown(&mut ro, 3, ShutdownRequest::Reboot)
            .unwrap_err()
            .into();
        assert_eq!(e.code, virt_core::ErrorCode::OperationDenied);
    }

    #[test]
    fn guest_lifecycle_fires_domain_watches() {
        let fake = FakeXenstored::start().unwrap();
        fake.populate_dom0(1_048_576).unwrap();
        let mut c = fake.connect().unwrap();
        c.watch("@introduceDomain", "intro").unwrap();
        c.watch("@releaseDomain", "release").unwrap();
        // The initial firing of each watch.
        assert_eq!(c.next_event().unwrap().token, "intro");
        assert_eq!(c.next_event().unwrap().token, "release");
        fake.add_guest(&FakeGuest::new(5, "g5", Uuid::from_u128(5)))
            .unwrap();
        let e = c.next_event().unwrap();
        assert_eq!(
            (e.path.as_str(), e.token.as_str()),
            ("@introduceDomain", "intro")
        );
        assert_eq!(domain_ids(&mut c).unwrap(), [0, 5]);
        fake.remove_guest(5).unwrap();
        let e = c.next_event().unwrap();
        assert_eq!(
            (e.path.as_str(), e.token.as_str()),
            ("@releaseDomain", "release")
        );
        assert_eq!(domain_ids(&mut c).unwrap(), [0]);
        assert!(!fake.paths().iter().any(|p| p.contains("/5")));
    }
}
