//! The one layer every call passes before a driver sees it: the read-only
//! refusal and the argument checks libvirt's library makes in its public
//! functions. [`crate::Connect`] calls drivers only through it, and so does
//! the daemon's dispatch of remote calls, so neither can skip a check.
//!
//! Generated from [`crate::for_each_driver_method!`]: a `write` entry is
//! refused on a read-only connection with libvirt's text, and an entry's
//! `check` runs before the driver is asked.

use crate::driver::Driver;
use crate::error::{Error, Result};

/// A driver seen through the checks of libvirt's public functions.
#[derive(Clone, Copy)]
pub struct Checked<'a> {
    driver: &'a dyn Driver,
    read_only: bool,
    api: Option<&'a str>,
}

impl<'a> Checked<'a> {
    /// `driver` as a connection that is read-only or not sees it.
    pub fn new(driver: &'a dyn Driver, read_only: bool) -> Self {
        Checked {
            driver,
            read_only,
            api: None,
        }
    }

    /// Name the public function the next call stands for, when it is not
    /// the table's (`virDomainDestroy` for `domain_destroy` with no flags):
    /// refusals and checks name it as libvirt does.
    pub fn as_api(self, api: &'a str) -> Self {
        Checked {
            api: Some(api),
            ..self
        }
    }

    /// True when changes are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The driver behind the checks, for what the table does not hold
    /// (its type name).
    pub fn driver(&self) -> &'a dyn Driver {
        self.driver
    }

    /// The hypervisor type name (`virConnectGetType`).
    pub fn type_name(&self) -> &'a str {
        self.driver.type_name()
    }

    /// A driver's error as the caller sees it: a call standing for another
    /// public function (`api`) is "not supported" under that function's
    /// name, and a decline is plain "not supported". Given the error by
    /// value and not `self`, so that neither the answer nor this value
    /// needs a place in memory of its own on the way of a successful call.
    #[cold]
    fn settled(api: Option<&str>, e: Error) -> Error {
        match api {
            Some(public) if e.is_declined() => Error::no_support(public),
            _ => e.settled(),
        }
    }
}

/// Refuse a `write` entry on a read-only connection.
macro_rules! refuse_read_only {
    (write, $self:ident, $api:ident) => {
        if $self.read_only {
            return Err(Error::read_only($api));
        }
    };
    (read, $self:ident, $api:ident) => {};
}

/// Run an entry's argument check, if it names one.
macro_rules! run_check {
    ($api:ident; $($arg:ident),*; ) => {};
    ($api:ident; $($arg:ident),*; $check:ident) => {
        checks::$check($api $(, $arg)*)?;
    };
}

macro_rules! checked_methods {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        impl Checked<'_> {
            $(
                $(#[$m])*
                // Inlined into its caller (a `Connect` or handle method, the
                // daemon's dispatch), the driver's answer passed on as it
                // came, only an error touched: the checks cost a call nothing
                // beyond a flag test when they pass.
                #[inline]
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    // Read entries without a check do not use the name.
                    #[allow(unused_variables)]
                    let api = self.api.unwrap_or(stringify!($api));
                    refuse_read_only!($kind, self, api);
                    run_check!(api; $($arg),*; $($check)?);
                    self.driver.$name($($arg),*).map_err(|e| Self::settled(self.api, e))
                }
            )*
        }
    };
}

crate::for_each_driver_method!(checked_methods);

/// The argument checks of libvirt's public functions, named in the table.
/// Each takes the public function's name and the call's arguments.
mod checks {
    use crate::error::{Error, ErrorCode, ErrorDomain, Result};
    use crate::types::*;

    /// libvirt's refusal of a zero memory size.
    pub fn memory_not_zero(api: &str, _dom: &DomainRef, kib: u64, _flags: u32) -> Result<()> {
        if kib == 0 {
            return Err(Error::invalid_arg(
                api,
                "memory",
                format!("memory in {api} must not be zero"),
            ));
        }
        Ok(())
    }

    /// `virDomainGetCPUStats`: the total is one "CPU" (-1) and the
    /// figures asked must fit libvirt's buffer.
    pub fn cpu_stats_range(
        api: &str,
        _dom: &DomainRef,
        nparams: u32,
        start_cpu: i32,
        ncpus: u32,
        _flags: u32,
    ) -> Result<()> {
        if start_cpu == -1 {
            if ncpus != 1 {
                return Err(Error::invalid_arg(
                    api,
                    "start_cpu",
                    "ncpus must be 1 when start_cpu is -1",
                ));
            }
        } else if start_cpu < 0 {
            return Err(Error::invalid_arg(
                api,
                "start_cpu",
                format!("start_cpu in {api} must be zero or greater"),
            ));
        }
        if ncpus == 0 && nparams != 0 {
            // libvirt's caller passes no buffer when it counts CPUs.
            return Err(Error::invalid_arg(
                api,
                "params",
                format!("params in {api} must be NULL"),
            ));
        }
        if nparams != 0 && ncpus > u32::MAX / nparams {
            return Err(Error::with(
                ErrorCode::Overflow,
                ErrorDomain::of_function(api),
                format!("input too large: {nparams} * {ncpus}"),
            ));
        }
        Ok(())
    }

    /// `virDomainSetMemoryStatsPeriod`: a period of zero or more seconds.
    pub fn period_not_negative(
        api: &str,
        _dom: &DomainRef,
        period: i32,
        _flags: u32,
    ) -> Result<()> {
        if period < 0 {
            return Err(Error::invalid_arg(
                api,
                "period",
                format!("period in {api} must be zero or greater"),
            ));
        }
        Ok(())
    }

    /// Calls that read one definition: live or config, not both.
    fn one_definition(api: &str, flags: u32) -> Result<()> {
        Error::check_exclusive(
            flags,
            (affect::LIVE, "VIR_DOMAIN_AFFECT_LIVE"),
            (affect::CONFIG, "VIR_DOMAIN_AFFECT_CONFIG"),
            api,
        )
    }

    /// `virDomainGetVcpusFlags`.
    pub fn vcpus_one_definition(api: &str, _dom: &DomainRef, flags: u32) -> Result<()> {
        one_definition(api, flags)
    }

    /// `virDomainGetSchedulerParametersFlags`.
    pub fn params_one_definition(api: &str, _dom: &DomainRef, flags: u32) -> Result<()> {
        one_definition(api, flags)
    }

    /// Save and restore: running or paused afterwards, not both.
    fn run_or_pause(api: &str, flags: u32) -> Result<()> {
        Error::check_exclusive(
            flags,
            (save_flags::RUNNING, "VIR_DOMAIN_SAVE_RUNNING"),
            (save_flags::PAUSED, "VIR_DOMAIN_SAVE_PAUSED"),
            api,
        )
    }

    /// `virDomainSaveFlags`.
    pub fn save_modes(api: &str, _dom: &DomainRef, _path: &str, flags: u32) -> Result<()> {
        run_or_pause(api, flags)
    }

    /// `virDomainManagedSave`.
    pub fn managed_save_modes(api: &str, _dom: &DomainRef, flags: u32) -> Result<()> {
        run_or_pause(api, flags)
    }

    /// `virDomainSaveFlags` with a replacement definition.
    pub fn save_xml_modes(api: &str, _d: &DomainRef, _p: &str, _x: &str, flags: u32) -> Result<()> {
        run_or_pause(api, flags)
    }

    /// `virDomainRestoreFlags`.
    pub fn restore_modes(api: &str, _path: &str, flags: u32) -> Result<()> {
        run_or_pause(api, flags)
    }

    /// `virDomainRestoreFlags` with a replacement definition.
    pub fn restore_xml_modes(api: &str, _path: &str, _dxml: &str, flags: u32) -> Result<()> {
        run_or_pause(api, flags)
    }

    /// Core dumps: crash, live and reset exclude each other, in libvirt's
    /// order.
    pub fn dump_modes(api: &str, _dom: &DomainRef, _path: &str, flags: u32) -> Result<()> {
        use dump_flags::{CRASH, LIVE, RESET};
        let (crash, live, reset) = (
            (CRASH, "VIR_DUMP_CRASH"),
            (LIVE, "VIR_DUMP_LIVE"),
            (RESET, "VIR_DUMP_RESET"),
        );
        Error::check_exclusive(flags, crash, live, api)?;
        Error::check_exclusive(flags, crash, reset, api)?;
        Error::check_exclusive(flags, live, reset, api)
    }

    /// `virStorageVolResize`: a zero capacity means something only as a
    /// delta or a shrink.
    pub fn resize_capacity(
        _api: &str,
        _vol: &StorageVolRef,
        capacity: u64,
        flags: u32,
    ) -> Result<()> {
        use vol_resize_flags::{DELTA, SHRINK};
        if capacity == 0 && flags & (DELTA | SHRINK) == 0 {
            return Err(Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::Storage,
                "capacity parameter cannot be zero without 'delta' or 'shrink' flags set",
            ));
        }
        Ok(())
    }

    /// `virStorageVolWipePattern`: an algorithm libvirt knows.
    pub fn wipe_algorithm(
        _api: &str,
        _vol: &StorageVolRef,
        algorithm: u32,
        _flags: u32,
    ) -> Result<()> {
        if algorithm >= vol_wipe_algorithm::LAST {
            return Err(Error::with(
                ErrorCode::InvalidArg,
                ErrorDomain::Storage,
                format!("wiping algorithm {algorithm} is not supported"),
            ));
        }
        Ok(())
    }

    /// A checkpoint call's refusal of its arguments, reported as
    /// libvirt-domain-checkpoint.c reports it (its own error domain).
    fn checkpoint_arg(mut e: Error) -> Error {
        e.domain = ErrorDomain::DomainCheckpoint;
        e
    }

    /// `virDomainCheckpointCreateXML`: `REDEFINE` excludes `QUIESCE`, and
    /// `REDEFINE_VALIDATE` needs `REDEFINE`.
    pub fn checkpoint_create_modes(
        api: &str,
        _dom: &DomainRef,
        _xml: &str,
        flags: u32,
    ) -> Result<()> {
        use checkpoint_create_flags::{QUIESCE, REDEFINE, REDEFINE_VALIDATE};
        let redefine = (REDEFINE, "VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE");
        Error::check_exclusive(
            flags,
            redefine,
            (QUIESCE, "VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE"),
            api,
        )
        .map_err(checkpoint_arg)?;
        if flags & REDEFINE_VALIDATE != 0 && flags & REDEFINE == 0 {
            return Err(checkpoint_arg(Error::flags_arg(
                api,
                "Flag 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE' is required by flag \
                 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE'",
            )));
        }
        Ok(())
    }

    /// `virDomainCheckpointDelete`: the checkpoint with its children, or
    /// its children only, not both.
    pub fn checkpoint_delete_modes(
        api: &str,
        _chk: &DomainCheckpointRef,
        flags: u32,
    ) -> Result<()> {
        use checkpoint_delete_flags::{CHILDREN, CHILDREN_ONLY};
        Error::check_exclusive(
            flags,
            (CHILDREN, "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN"),
            (CHILDREN_ONLY, "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY"),
            api,
        )
        .map_err(checkpoint_arg)
    }

    /// Core dumps in a format: a format libvirt knows, then the modes.
    pub fn dump_format_and_modes(
        api: &str,
        dom: &DomainRef,
        path: &str,
        format: u32,
        flags: u32,
    ) -> Result<()> {
        if format >= dump_format::LAST {
            return Err(Error::invalid_arg(
                api,
                "dumpformat",
                format!("dumpformat '{format}' is not supported"),
            ));
        }
        dump_modes(api, dom, path, flags)
    }
}
