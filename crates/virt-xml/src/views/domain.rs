//! Typed views of the domain-wide parts libvirt reads outside the
//! devices: `<blkiotune>`, `<resource>`, `<vcpus>`, `<perf>`,
//! `<keywrap>`, `<launchSecurity>`, `<defaultiothread>`,
//! `<on_lockfailure>`, `<genid>`, and the `<os>` children of containers
//! and direct boots (`<init>`, `<initenv>`, `<dtb>`, `<acpi>`, firmware
//! features). Values libvirt checks are refused with its words; the
//! checks of values against each other stay in `validate`.

use super::{put_text, text_of, View};
use crate::error::XmlError;
use crate::model::Element;
use crate::views::{child_views, set_child_views, NonNegInt};

flat_view! {
    /// `<on_lockfailure>`: what to do when a lock manager loses the
    /// guest's locks.
    OnLockFailure = "on_lockfailure" {
        action: String = "#text" ["default", "poweroff", "restart", "pause", "ignore"]
            unknown "unknown on_lockfailure action: {}",
    }
}

flat_view! {
    /// `<genid>`: the VM generation ID (empty: libvirt generates one; a
    /// malformed one is refused by the parser's own checks).
    Genid = "genid" { id: String = "#text" }
}

flat_view! {
    /// `<defaultiothread>`: the thread pool of the I/O the guest's
    /// other I/O threads do not take.
    DefaultIoThread = "defaultiothread" {
        thread_pool_min: NonNegInt = "thread_pool_min",
        thread_pool_max: NonNegInt = "thread_pool_max",
    }
}

flat_view! {
    /// `<resource><fibrechannel appid=...>`: the application id tagged on
    /// the guest's Fibre Channel traffic.
    FibreChannel = "fibrechannel" { appid: String = "appid" }
}

/// `<resource>`: the guest's place in the host's resource partitions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resource {
    /// `<partition>`: the cgroup partition path.
    pub partition: Option<String>,
    /// `<fibrechannel>`.
    pub fibrechannel: Option<FibreChannel>,
}

impl View for Resource {
    const TAG: &'static str = "resource";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(Resource {
            partition: text_of(el, "partition"),
            fibrechannel: child_views(el)?.into_iter().next(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        put_text(el, "partition", self.partition.as_deref());
        super::set_child_view(el, self.fibrechannel.as_ref());
    }
}

flat_view! {
    /// A `<vcpus><vcpu>`: one vCPU's state and hotplug order.
    VcpuState = "vcpu" {
        id: u32 = "id" required,
        enabled: String = "enabled" ["yes", "no"] required,
        hotpluggable: String = "hotpluggable" ["yes", "no"],
        order: u32 = "order",
    }
}

/// `<vcpus>`: the state of each vCPU.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vcpus {
    /// The `<vcpu>`s in order.
    pub vcpus: Vec<VcpuState>,
}

impl View for Vcpus {
    const TAG: &'static str = "vcpus";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(Vcpus {
            vcpus: child_views(el)?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        set_child_views(el, &self.vcpus);
    }
}

flat_view! {
    /// A `<perf><event>`: one perf event counted for the guest.
    PerfEvent = "event" {
        name: String = "name" [
            "cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references",
            "cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
            "stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles",
            "cpu_clock", "task_clock", "page_faults", "context_switches", "cpu_migrations",
            "page_faults_min", "page_faults_maj", "alignment_faults", "emulation_faults"
        ] required,
        enabled: String = "enabled" ["yes", "no"] required,
    }
}

/// `<perf>`: the perf events counted for the guest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Perf {
    /// The `<event>`s in order.
    pub events: Vec<PerfEvent>,
}

impl View for Perf {
    const TAG: &'static str = "perf";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let events: Vec<PerfEvent> = child_views(el)?;
        for (i, e) in events.iter().enumerate() {
            if events[..i].iter().any(|p| p.name == e.name) {
                return Err(XmlError::Invalid(format!(
                    "perf event '{}' was already specified",
                    e.name
                )));
            }
        }
        Ok(Perf { events })
    }
    fn write_to(&self, el: &mut Element) {
        set_child_views(el, &self.events);
    }
}

flat_view! {
    /// A `<keywrap><cipher>`: whether the guest's s390 key wrapping with
    /// this cipher is on.
    KeywrapCipher = "cipher" {
        name: String = "name" ["aes", "dea"] required,
        state: String = "state" ["on", "off"] required,
    }
}

/// `<keywrap>`: s390 cryptographic key wrapping.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keywrap {
    /// The `<cipher>`s in order, one per name.
    pub ciphers: Vec<KeywrapCipher>,
}

impl View for Keywrap {
    const TAG: &'static str = "keywrap";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let ciphers: Vec<KeywrapCipher> = child_views(el)?;
        for (i, c) in ciphers.iter().enumerate() {
            if ciphers[..i].iter().any(|p| p.name == c.name) {
                return Err(XmlError::Internal(format!(
                    "A domain definition can have no more than one cipher node with name {}",
                    c.name
                )));
            }
        }
        Ok(Keywrap { ciphers })
    }
    fn write_to(&self, el: &mut Element) {
        set_child_views(el, &self.ciphers);
    }
}

/// `<launchSecurity>`: memory encryption of the guest (AMD SEV, s390
/// protected virtualization). The SEV numbers are checked where libvirt
/// reads them, for `type='sev'` only (`validate`), so they are kept as
/// written here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LaunchSecurity {
    /// `type=`: sev, s390-pv.
    pub security_type: String,
    /// `kernelHashes=yes|no` (SEV).
    pub kernel_hashes: Option<String>,
    /// `<cbitpos>`: the C-bit position in page table entries.
    pub cbitpos: Option<String>,
    /// `<reducedPhysBits>`: the physical address bits encryption takes.
    pub reduced_phys_bits: Option<String>,
    /// `<policy>`: the SEV policy, a hexadecimal number.
    pub policy: Option<String>,
    /// `<handle>`.
    pub handle: Option<String>,
    /// `<dhCert>`: the guest owner's Diffie-Hellman key, base64.
    pub dh_cert: Option<String>,
    /// `<session>`: the session blob, base64.
    pub session: Option<String>,
}

flat_view! {
    /// The attributes of `<launchSecurity>`, as libvirt reads them.
    LaunchSecurityType = "launchSecurity" {
        security_type: String = "type" ["sev", "s390-pv"] required,
        kernel_hashes: String = "kernelHashes" ["yes", "no"],
    }
}

/// The children of `<launchSecurity>` that hold a value, in its order.
const LAUNCH_SECURITY_VALUES: [&str; 6] = [
    "cbitpos",
    "reducedPhysBits",
    "policy",
    "handle",
    "dhCert",
    "session",
];

impl View for LaunchSecurity {
    const TAG: &'static str = "launchSecurity";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let t = LaunchSecurityType::from_element(el)?;
        let [cbitpos, reduced_phys_bits, policy, handle, dh_cert, session] =
            LAUNCH_SECURITY_VALUES.map(|n| text_of(el, n));
        Ok(LaunchSecurity {
            security_type: t.security_type,
            kernel_hashes: t.kernel_hashes,
            cbitpos,
            reduced_phys_bits,
            policy,
            handle,
            dh_cert,
            session,
        })
    }
    fn write_to(&self, el: &mut Element) {
        LaunchSecurityType {
            security_type: self.security_type.clone(),
            kernel_hashes: self.kernel_hashes.clone(),
        }
        .write_to(el);
        let values = [
            &self.cbitpos,
            &self.reduced_phys_bits,
            &self.policy,
            &self.handle,
            &self.dh_cert,
            &self.session,
        ];
        for (name, value) in LAUNCH_SECURITY_VALUES.iter().zip(values) {
            put_text(el, name, value.as_deref());
        }
    }
    fn check(el: &Element) -> Result<(), XmlError> {
        LaunchSecurityType::check(el)
    }
}

/// A number the way `virStrToLong_ui`/`_ull` read it: spaces before, a
/// sign, digits, nothing after; a negative number wraps around, as C's
/// `strtoul` makes it (`-1` is the largest value).
pub(crate) fn c_unsigned(text: &str, max: u64) -> Option<u64> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    match (neg, n) {
        (false, n) if n <= max => Some(n),
        (true, 0) => Some(0),
        (true, n) if n <= max => Some(max - n + 1),
        _ => None,
    }
}

/// A `<blkiotune><device>`: the I/O limits of one host block device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlkioDevice {
    /// `<path>`: the host device.
    pub path: String,
    /// `<weight>`.
    pub weight: Option<u32>,
    /// `<read_bytes_sec>`.
    pub read_bytes_sec: Option<u64>,
    /// `<write_bytes_sec>`.
    pub write_bytes_sec: Option<u64>,
    /// `<read_iops_sec>`.
    pub read_iops_sec: Option<u32>,
    /// `<write_iops_sec>`.
    pub write_iops_sec: Option<u32>,
}

/// The number children of a blkio device: element, libvirt's name for it
/// in its error, and the largest value.
const BLKIO_LIMITS: [(&str, &str, u64); 5] = [
    ("weight", "weight", u32::MAX as u64),
    ("read_bytes_sec", "read bytes sec", u64::MAX),
    ("write_bytes_sec", "write bytes sec", u64::MAX),
    ("read_iops_sec", "read iops sec", u32::MAX as u64),
    ("write_iops_sec", "write iops sec", u32::MAX as u64),
];

impl View for BlkioDevice {
    const TAG: &'static str = "device";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        // libvirt reads `string(./path)` first, then each number in turn.
        let Some(path) = text_of(el, "path").filter(|p| !p.is_empty()) else {
            return Err(XmlError::Unsupported("missing per-device path".into()));
        };
        let mut numbers = [None; 5];
        for ((name, what, max), slot) in BLKIO_LIMITS.iter().zip(numbers.iter_mut()) {
            let Some(text) = text_of(el, name).filter(|t| !t.is_empty()) else {
                continue;
            };
            *slot =
                Some(c_unsigned(&text, *max).ok_or_else(|| {
                    XmlError::Unsupported(format!("could not parse {what} {text}"))
                })?);
        }
        let [weight, read_bytes_sec, write_bytes_sec, read_iops_sec, write_iops_sec] = numbers;
        let small = |n: Option<u64>| n.and_then(|n| u32::try_from(n).ok());
        Ok(BlkioDevice {
            path,
            weight: small(weight),
            read_bytes_sec,
            write_bytes_sec,
            read_iops_sec: small(read_iops_sec),
            write_iops_sec: small(write_iops_sec),
        })
    }
    fn write_to(&self, el: &mut Element) {
        if text_of(el, "path").as_deref() != Some(self.path.as_str()) {
            put_text(el, "path", Some(&self.path));
        }
        let values = [
            self.weight.map(u64::from),
            self.read_bytes_sec,
            self.write_bytes_sec,
            self.read_iops_sec.map(u64::from),
            self.write_iops_sec.map(u64::from),
        ];
        for ((name, _, max), value) in BLKIO_LIMITS.iter().zip(values) {
            // Keep the written spelling ("-1", " 5") when it reads the same.
            let old = text_of(el, name).and_then(|t| c_unsigned(&t, *max));
            if old != value {
                put_text(el, name, value.map(|v| v.to_string()).as_deref());
            }
        }
    }
}

/// `<blkiotune>`: the guest's block I/O weights and limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blkiotune {
    /// `<weight>`, as written: libvirt ignores one it cannot read.
    pub weight: Option<String>,
    /// The `<device>`s in order.
    pub devices: Vec<BlkioDevice>,
}

impl View for Blkiotune {
    const TAG: &'static str = "blkiotune";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        // (A path given twice is refused by libvirt's validation, after
        // the rest is read: validate::check_blkio_paths.)
        let devices: Vec<BlkioDevice> = child_views(el)?;
        Ok(Blkiotune {
            weight: text_of(el, "weight"),
            devices,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put_text(el, "weight", self.weight.as_deref());
        set_child_views(el, &self.devices);
    }
}

flat_view! {
    /// `<os><init>`: a container's init program.
    OsInit = "init" { path: String = "#text" }
}

flat_view! {
    /// `<os><initarg>`: one argument of a container's init.
    OsInitArg = "initarg" { value: String = "#text" }
}

flat_view! {
    /// `<os><initenv name=...>`: one environment variable of a
    /// container's init.
    OsInitEnv = "initenv" { name: String = "name", value: String = "#text" }
}

flat_view! {
    /// `<os><initdir>`: a container init's working directory.
    OsInitDir = "initdir" { path: String = "#text" }
}

flat_view! {
    /// `<os><inituser>`: the user a container's init runs as.
    OsInitUser = "inituser" { user: String = "#text" }
}

flat_view! {
    /// `<os><initgroup>`: the group a container's init runs as.
    OsInitGroup = "initgroup" { group: String = "#text" }
}

flat_view! {
    /// `<os><dtb>`: the device tree blob a directly booted kernel gets.
    OsDtb = "dtb" { path: String = "#text" }
}

flat_view! {
    /// An `<os><acpi><table>`: an ACPI table given to the guest.
    AcpiTable = "table" { table_type: String = "type", path: String = "#text" }
}

/// `<os><acpi>`: extra ACPI tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsAcpi {
    /// The `<table>`s in order.
    pub tables: Vec<AcpiTable>,
}

impl View for OsAcpi {
    const TAG: &'static str = "acpi";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(OsAcpi {
            tables: child_views(el)?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        set_child_views(el, &self.tables);
    }
}

flat_view! {
    /// An `<os><firmware><feature>`: a firmware property autoselection
    /// must (or must not) find.
    FirmwareFeature = "feature" { enabled: String = "enabled", name: String = "name" }
}

/// `<os><firmware>`: what firmware autoselection looks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsFirmware {
    /// The `<feature>`s in order.
    pub features: Vec<FirmwareFeature>,
}

impl View for OsFirmware {
    const TAG: &'static str = "firmware";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(OsFirmware {
            features: child_views(el)?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        set_child_views(el, &self.features);
    }
}

flat_view! {
    /// The attributes of `<os>`: `firmware=` asks for autoselection (its
    /// value is checked where libvirt reads it, `validate`).
    OsOptions = "os" { firmware: String = "firmware" }
}

flat_view! {
    /// A device's `<acpi index=...>`: the index the guest's ACPI gives it.
    DeviceAcpi = "acpi" { index: u32 = "index" }
}

flat_view! {
    /// `<iommu model=...>`: the guest's IOMMU.
    Iommu = "iommu" {
        model: String = "model" ["intel", "smmuv3", "virtio"] required,
    }
}

flat_view! {
    /// An IOMMU's `<driver>`: its features.
    IommuDriver = "driver" {
        intremap: String = "intremap" ["on", "off"],
        caching_mode: String = "caching_mode" ["on", "off"],
        eim: String = "eim" ["on", "off"],
        iotlb: String = "iotlb" ["on", "off"],
        aw_bits: u32 = "aw_bits",
    }
}

flat_view! {
    /// The virtio options of a device's `<driver>` (vsock, memballoon).
    VirtioOptions = "driver" {
        iommu: String = "iommu" ["on", "off"],
        ats: String = "ats" ["on", "off"],
        packed: String = "packed" ["on", "off"],
        page_per_vq: String = "page_per_vq" ["on", "off"],
    }
}

flat_view! {
    /// `<vsock model=...>`: the guest's virtio socket device.
    Vsock = "vsock" {
        model: String = "model"
            ["default", "virtio", "virtio-transitional", "virtio-non-transitional"],
    }
}

flat_view! {
    /// A vsock's `<cid>`: the guest's context id, or `auto='yes'`.
    VsockCid = "cid" {
        address: std::num::NonZeroU32 = "address",
        auto: String = "auto" ["yes", "no"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(xml: &str) -> Element {
        crate::parse_element(xml).expect("well-formed")
    }

    fn error<T: View + std::fmt::Debug>(xml: &str) -> String {
        T::from_element(&el(xml))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn values_are_refused_with_libvirts_words() {
        // Each text as Debian's virsh 9.0 prints it on define.
        assert_eq!(
            error::<OnLockFailure>("<on_lockfailure>bogus</on_lockfailure>"),
            "unsupported configuration: unknown on_lockfailure action: bogus"
        );
        assert_eq!(
            error::<Keywrap>("<keywrap><cipher name='aes' state='x'/></keywrap>"),
            "XML error: Invalid value for attribute 'state' in element 'cipher': 'x'."
        );
        assert_eq!(
            error::<Keywrap>("<keywrap><cipher name='aes' state='on'/><cipher name='aes' state='off'/></keywrap>"),
            "internal error: A domain definition can have no more than one cipher node with name aes"
        );
        assert_eq!(
            error::<Vcpus>("<vcpus><vcpu id='0'/></vcpus>"),
            "XML error: Missing required attribute 'enabled' in element 'vcpu'"
        );
        assert_eq!(
            error::<Vcpus>("<vcpus><vcpu id='x' enabled='yes'/></vcpus>"),
            "XML error: Invalid value for attribute 'id' in element 'vcpu': 'x'. Expected non-negative integer value"
        );
        assert_eq!(
            error::<Perf>(
                "<perf><event name='cmt' enabled='yes'/><event name='cmt' enabled='no'/></perf>"
            ),
            "XML error: perf event 'cmt' was already specified"
        );
        assert_eq!(
            error::<DefaultIoThread>("<defaultiothread thread_pool_max='-5'/>"),
            "XML error: Invalid value for attribute 'thread_pool_max' in element 'defaultiothread': '-5'. Expected non-negative value"
        );
        assert_eq!(
            error::<DefaultIoThread>("<defaultiothread thread_pool_min='x'/>"),
            "XML error: Invalid value for attribute 'thread_pool_min' in element 'defaultiothread': 'x'. Expected integer value"
        );
        assert_eq!(
            error::<Iommu>("<iommu model='x'/>"),
            "XML error: Invalid value for attribute 'model' in element 'iommu': 'x'."
        );
        assert_eq!(
            error::<VsockCid>("<cid address='x'/>"),
            "XML error: Invalid value for attribute 'address' in element 'cid': 'x'. Expected non-negative integer value"
        );
        // The address before the switch, and not zero.
        assert_eq!(
            error::<VsockCid>("<cid auto='x' address='0'/>"),
            "XML error: Invalid value for attribute 'address' in element 'cid': Zero is not permitted"
        );
        assert_eq!(
            error::<DeviceAcpi>("<acpi index='x'/>"),
            "XML error: Invalid value for attribute 'index' in element 'acpi': 'x'. Expected non-negative integer value"
        );
        assert_eq!(
            error::<LaunchSecurity>("<launchSecurity/>"),
            "XML error: Missing required attribute 'type' in element 'launchSecurity'"
        );
        assert_eq!(
            error::<Blkiotune>("<blkiotune><device><weight>x</weight></device></blkiotune>"),
            "unsupported configuration: missing per-device path"
        );
        assert_eq!(
            error::<Blkiotune>(
                "<blkiotune><device><path>/a</path><read_iops_sec>x</read_iops_sec></device></blkiotune>"
            ),
            "unsupported configuration: could not parse read iops sec x"
        );
    }

    #[test]
    fn views_write_back_in_place() -> Result<(), XmlError> {
        let text = "<blkiotune><weight>x</weight><device><path>/a</path><weight> 5</weight><read_iops_sec>-1</read_iops_sec></device></blkiotune>";
        let original = el(text);
        let mut b = Blkiotune::from_element(&original)?;
        assert_eq!(b.devices[0].read_iops_sec, Some(u32::MAX));
        let mut again = original.clone();
        b.write_to(&mut again);
        assert_eq!(again, original);
        b.devices[0].weight = Some(7);
        b.write_to(&mut again);
        assert_eq!(
            again.to_xml(0),
            "<blkiotune>\n  <weight>x</weight>\n  <device>\n    <path>/a</path>\n    <weight>7</weight>\n    <read_iops_sec>-1</read_iops_sec>\n  </device>\n</blkiotune>\n"
        );
        let mut lock = OnLockFailure::from_element(&el("<on_lockfailure>pause</on_lockfailure>"))?;
        assert_eq!(lock.action.as_deref(), Some("pause"));
        lock.action = Some("ignore".into());
        assert_eq!(
            lock.to_element().to_xml(0),
            "<on_lockfailure>ignore</on_lockfailure>\n"
        );
        Ok(())
    }
}
