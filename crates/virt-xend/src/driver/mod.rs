//! [`XendDriver`]: the part of the Xen driver that talks to xend, as
//! libvirt's `xend_internal.c` did: reads through `GET`s of S-expressions,
//! changes through form `POST`s, one connection per request.

mod api;
mod describe;
mod devices;
mod lifecycle;
mod listing;
mod node;
mod sched;
mod vcpus;

pub use describe::{domain_ref, state_of};
pub use sched::Scheduler;
pub use vcpus::cpumap_string;

use describe::{is_active, mib_to_kib, names_of, seconds_to_ns};

use std::time::Duration;

use uuid::Uuid;
use virt_core::{
    affect, dump_flags, list_filter_matches, list_flags, start_flags, typed_param_flags,
    validate_typed_params, xml_flags, CpuMap, DomainInfo, DomainRef, DomainState, Driver, Error,
    ErrorCode, ErrorDomain, ListFacts, NodeInfo, Result, TypedKind, TypedParam, TypedValue,
    VcpuInfo, VcpuState,
};
use virt_xml::{DomainDef, FormatOptions};

use crate::blkdev::disk_device_number;
use crate::endpoint::XendEndpoint;
use crate::http::{XendClient, DEFAULT_TIMEOUT};
use crate::sexpr::{self, c_atol, Sexpr};
use crate::sexpr2xml::{sexpr_to_domain, SexprOptions};
use crate::xml2sexpr::{disk_sexpr, domain_to_sexpr, net_sexpr};
use crate::XendError;

/// The xend configuration format from which xend keeps inactive
/// ("managed") domains: `op=new`, `start`, `delete`, `?state=halted`
/// (Xen 3.0.4 and later).
pub const MANAGED_CONFIG_FORMAT: i64 = 3;

/// The xend configuration format from which libvirt read scheduler
/// parameters through xend (Xen 3.1.0; libvirt's "unsupported in
/// xendConfigVersion < 4").
pub const SCHEDULER_CONFIG_FORMAT: i64 = 4;

/// What libvirt's Xen driver answered for `virConnectGetMaxVcpus`:
/// `MAX_VIRT_CPUS` of Xen 3.x's public x86 header
/// (`xen/include/public/arch-x86/xen.h`, later `XEN_LEGACY_MAX_VCPUS`),
/// the size of the vcpu array in a guest's shared-info page.
pub const MAX_VIRT_CPUS: u32 = 32;

fn xend_internal(message: &str) -> Error {
    Error::with(ErrorCode::InternalError, ErrorDomain::Xend, message)
}

/// A connection to xend.
#[derive(Debug)]
pub struct XendDriver {
    client: XendClient,
    read_only: bool,
    /// `xend_config_format` from `/xend/node/` (1 when xend does not say).
    config_format: i64,
    /// Where a running domain's console tty and VNC port come from
    /// (xenstore, which this crate does not reach; see
    /// [`XendDriver::with_console_lookup`]).
    consoles: Option<ConsoleLookup>,
}

/// Reads a running domain's console tty and VNC port by domain id.
pub type ConsoleLookupFn = dyn Fn(u32) -> SexprOptions + Send + Sync;

struct ConsoleLookup(Box<ConsoleLookupFn>);

impl std::fmt::Debug for ConsoleLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleLookup")
    }
}

/// libvirt's "Domain not found" for a name, numeric id or uuid key.
fn no_domain(key: &str) -> Error {
    match key.parse::<u32>() {
        Ok(id) => Error::no_domain_id(ErrorDomain::Xend, id),
        Err(_) => Error::no_domain_name(ErrorDomain::Xend, key),
    }
}

fn not_running(name: &str) -> Error {
    XendError::OperationInvalid(format!("Domain {name} isn't running.")).into()
}

impl XendDriver {
    /// Fill the console tty and VNC port of running domains' XML from
    /// `lookup` (given the domain id). xend's description lacks both:
    /// libvirt read them from xenstore, which the Xen stack wires in here.
    pub fn with_console_lookup(
        mut self,
        lookup: impl Fn(u32) -> SexprOptions + Send + Sync + 'static,
    ) -> Self {
        self.consoles = Some(ConsoleLookup(Box::new(lookup)));
        self
    }

    /// Connect to the xend at `endpoint` (it must answer `/xend/node/`).
    pub fn open(endpoint: &XendEndpoint, read_only: bool) -> Result<XendDriver> {
        Self::open_with_timeout(endpoint, read_only, DEFAULT_TIMEOUT)
    }

    /// [`XendDriver::open`] with each request bounded by `timeout`.
    pub fn open_with_timeout(
        endpoint: &XendEndpoint,
        read_only: bool,
        timeout: Duration,
    ) -> Result<XendDriver> {
        let client = XendClient::new(endpoint.clone()).with_timeout(timeout);
        let mut d = XendDriver {
            client,
            read_only,
            config_format: 1,
            consoles: None,
        };
        let node = d.node()?;
        d.config_format = node.node("node/xend_config_format").map_or(1, c_atol);
        Ok(d)
    }

    /// The first of [`XendEndpoint::candidates`] that answers.
    pub fn open_default(read_only: bool) -> Result<XendDriver> {
        let mut last = None;
        for e in XendEndpoint::candidates() {
            match Self::open(&e, read_only) {
                Ok(d) => return Ok(d),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| {
            Error::with(virt_core::ErrorCode::NoConnect, ErrorDomain::Xend, "xend")
        }))
    }

    /// `xend_config_format` as xend reported it at open.
    pub fn config_format(&self) -> i64 {
        self.config_format
    }

    /// Where this connection talks to xend.
    pub fn endpoint(&self) -> &XendEndpoint {
        self.client.endpoint()
    }

    fn get_sexpr(&self, path: &str) -> std::result::Result<Sexpr, XendError> {
        let body = self.client.get(path)?;
        sexpr::parse_lenient(&body)
    }

    fn node(&self) -> Result<Sexpr> {
        Ok(self.get_sexpr("/xend/node/")?)
    }

    /// xend's description of the domain named (or numbered) `key`.
    fn describe_key(&self, key: &str) -> Result<Sexpr> {
        // A key that cannot go on the request line names no domain.
        if key.is_empty() || key.contains(['/', '?', '&', '#']) {
            return Err(no_domain(key));
        }
        match self.get_sexpr(&format!("/xend/domain/{key}?detail=1")) {
            Ok(d) if d.key() == Some("domain") => Ok(d),
            Ok(_) => Err(no_domain(key)),
            Err(XendError::NoDomain(_)) | Err(XendError::InvalidArg(_)) => Err(no_domain(key)),
            Err(e) => Err(e.into()),
        }
    }

    fn describe(&self, dom: &DomainRef) -> Result<Sexpr> {
        self.describe_key(&dom.name)
    }

    fn active_names(&self) -> Result<Vec<String>> {
        Ok(names_of(&self.get_sexpr("/xend/domain")?))
    }

    fn inactive_names(&self) -> Result<Vec<String>> {
        if self.config_format < MANAGED_CONFIG_FORMAT {
            // xend before 3.0.4 kept no inactive domains.
            return Ok(Vec::new());
        }
        Ok(names_of(&self.get_sexpr("/xend/domain?state=halted")?))
    }

    fn refuse_read_only(&self, function: &str) -> Result<()> {
        if self.read_only {
            return Err(Error::read_only(function));
        }
        Ok(())
    }

    /// What every changing call checks first, in libvirt's order: the
    /// flags it knows (the error names the Xen driver's `entry` point),
    /// then a read-only connection (named by the API `function`).
    fn may_change(&self, flags: u32, allowed: u32, entry: &str, function: &str) -> Result<()> {
        Error::check_flags(ErrorDomain::Xen, flags, allowed, entry)?;
        self.refuse_read_only(function)
    }

    /// [`XendDriver::op`] on a domain that must be running.
    fn op_running(&self, function: &str, dom: &DomainRef, pairs: &[(&str, &str)]) -> Result<()> {
        self.running(dom)?;
        self.op(function, &dom.name, pairs)?;
        Ok(())
    }

    /// `POST /xend/domain/<name>` (or `/xend/domain/` for an empty name)
    /// with the form `pairs`.
    fn op(&self, function: &str, name: &str, pairs: &[(&str, &str)]) -> Result<Vec<u8>> {
        self.refuse_read_only(function)?;
        if name.contains(['/', '?', '&', '#']) {
            return Err(no_domain(name));
        }
        Ok(self.client.post(&format!("/xend/domain/{name}"), pairs)?)
    }

    /// The current description of a domain that must be running.
    fn running(&self, dom: &DomainRef) -> Result<Sexpr> {
        let desc = self.describe(dom)?;
        if !is_active(&desc) {
            return Err(not_running(&dom.name));
        }
        Ok(desc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(text: &str) -> Sexpr {
        sexpr::parse(text.as_bytes()).expect("test sexpr")
    }

    #[test]
    fn state_flags_are_read_in_libvirts_order() {
        for (flags, want) in [
            ("r-----", DomainState::Running),
            ("rb----", DomainState::Blocked),
            ("-bp---", DomainState::Paused),
            ("--pd--", DomainState::Shutoff),
            ("---sd-", DomainState::Shutdown),
            ("r---sc", DomainState::Crashed),
            ("------", DomainState::NoState),
        ] {
            let d = desc(&format!("(domain (domid 3)(name x)(state {flags}))"));
            assert_eq!(state_of(&d), want, "{flags}");
        }
        // Inactive: no id (xend 3.0.3 and later give no state for them).
        assert_eq!(state_of(&desc("(domain (name x))")), DomainState::Shutoff);
        assert_eq!(
            state_of(&desc("(domain (domid -1)(name x)(state r-----))")),
            DomainState::Shutoff
        );
        assert_eq!(
            state_of(&desc("(domain (domid 2)(name x)(status 2))")),
            DomainState::NoState
        );
        assert_eq!(
            state_of(&desc("(domain (domid 2)(name x)(status 0))")),
            DomainState::Shutoff
        );
    }

    #[test]
    fn refs_and_cpumaps() {
        let r = domain_ref(&desc(
            "(domain (domid 6)(name 'pv')(uuid 596a5d2171f48fb2e068e2386a5c413e))",
        ))
        .expect("ref");
        assert_eq!((r.name.as_str(), r.id), ("pv", Some(6)));
        assert_eq!(r.uuid.to_string(), "596a5d21-71f4-8fb2-e068-e2386a5c413e");
        assert!(domain_ref(&desc("(domain (domid 6))")).is_err());
        let mut map = CpuMap::new(16);
        for c in [0, 2, 3, 9] {
            map.set(c);
        }
        assert_eq!(cpumap_string(&map).as_deref(), Some("[0,2,3,9]"));
        assert_eq!(cpumap_string(&CpuMap::new(8)), None);
        assert_eq!(seconds_to_ns(Some("17.253230349")), 17_253_230_349);
        assert_eq!(seconds_to_ns(Some("nan")), 0);
        assert_eq!(seconds_to_ns(Some("-3")), 0);
        assert_eq!(seconds_to_ns(Some("1e300")), u64::MAX);
    }
}
