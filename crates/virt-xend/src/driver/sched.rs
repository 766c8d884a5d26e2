//! The credit scheduler's parameters, which xend kept per domain.

use super::*;

/// The parameters of Xen's credit scheduler, as libvirt named them
/// (`VIR_DOMAIN_SCHEDULER_WEIGHT`, `VIR_DOMAIN_SCHEDULER_CAP`).
const CREDIT_PARAMS: [(&str, TypedKind); 2] =
    [("cap", TypedKind::UInt), ("weight", TypedKind::UInt)];

/// The node's scheduler as xend names it in `node/xen_scheduler`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// The credit scheduler: `weight` and `cap`.
    Credit,
    /// The SEDF scheduler: libvirt counted six parameters but never read
    /// or set them through xend.
    Sedf,
}

impl Scheduler {
    /// The name and parameter count `virDomainGetSchedulerType` gives.
    pub fn name_and_count(self) -> (&'static str, u32) {
        match self {
            Scheduler::Credit => ("credit", 2),
            Scheduler::Sedf => ("sedf", 6),
        }
    }
}

/// libvirt's refusal of SEDF parameters (its message's spelling kept).
fn sedf_unsupported() -> Error {
    Error::with(
        ErrorCode::ConfigUnsupported,
        ErrorDomain::Xend,
        "SEDF schedular parameters not supported",
    )
}

/// A credit parameter read from the description as libvirt did: the
/// entry must be there; its number is C's `strtol` result stored in an
/// `unsigned int`.
fn credit_value<'a>(desc: &'a Sexpr, key: &str) -> Result<&'a str> {
    desc.node(&format!("domain/{key}"))
        .ok_or_else(|| xend_internal(&format!("domain information incomplete, missing {key}")))
}

impl XendDriver {
    /// The node's scheduler from `/xend/node/`, refused before xend
    /// 3.1.0 as libvirt did.
    fn scheduler(&self) -> Result<Scheduler> {
        if self.config_format < SCHEDULER_CONFIG_FORMAT {
            return Err(
                XendError::OperationInvalid("unsupported in xendConfigVersion < 4".into()).into(),
            );
        }
        let node = self.node()?;
        match node.node("node/xen_scheduler") {
            None => Err(xend_internal(
                "node information incomplete, missing scheduler name",
            )),
            Some("credit") => Ok(Scheduler::Credit),
            Some("sedf") => Ok(Scheduler::Sedf),
            Some(_) => Err(xend_internal("Unknown scheduler")),
        }
    }

    /// The scheduler's name and parameter count.
    pub(super) fn scheduler_type(&self, dom: &DomainRef) -> Result<(String, u32)> {
        self.describe(dom)?;
        let (name, count) = self.scheduler()?.name_and_count();
        Ok((name.to_string(), count))
    }

    /// The credit scheduler's weight and cap.
    pub(super) fn scheduler_params(&self, dom: &DomainRef, flags: u32) -> Result<Vec<TypedParam>> {
        // libvirt's Xen driver took no flags; the string flag the library
        // adds on its own is let through, as libvirt never passed it to a
        // driver that did not claim string parameters.
        Error::check_flags(
            ErrorDomain::Xen,
            flags,
            typed_param_flags::STRING_OKAY,
            "xenUnifiedDomainGetSchedulerParametersFlags",
        )?;
        let desc = self.describe(dom)?;
        if self.scheduler()? == Scheduler::Sedf {
            return Err(sedf_unsupported());
        }
        let weight = credit_value(&desc, "cpu_weight")?;
        let cap = credit_value(&desc, "cpu_cap")?;
        // C stored strtol's long in an unsigned int: truncation intended.
        let uint = |v: &str| TypedValue::UInt(c_atol(v) as u32);
        Ok(vec![
            TypedParam {
                field: "weight".into(),
                value: uint(weight),
            },
            TypedParam {
                field: "cap".into(),
                value: uint(cap),
            },
        ])
    }

    /// Change the weight and cap; the one not given keeps its value.
    pub(super) fn set_scheduler_params(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        self.may_change(
            flags,
            0,
            "xenUnifiedDomainSetSchedulerParametersFlags",
            "virDomainSetSchedulerParameters",
        )?;
        validate_typed_params(params, &CREDIT_PARAMS)?;
        let desc = self.describe(dom)?;
        if self.scheduler()? == Scheduler::Sedf {
            return Err(sedf_unsupported());
        }
        let given = |name: &str| {
            params
                .iter()
                .find_map(|p| match (&p.value, p.field == name) {
                    (TypedValue::UInt(v), true) => Some(v.to_string()),
                    _ => None,
                })
        };
        // xend wanted both; the one not given keeps its current text.
        let weight = match given("weight") {
            Some(w) => w,
            None => credit_value(&desc, "cpu_weight")?.to_string(),
        };
        let cap = match given("cap") {
            Some(c) => c,
            None => credit_value(&desc, "cpu_cap")?.to_string(),
        };
        self.op(
            "virDomainSetSchedulerParameters",
            &dom.name,
            &[
                ("op", "domain_sched_credit_set"),
                ("weight", &weight),
                ("cap", &cap),
            ],
        )?;
        Ok(())
    }
}
