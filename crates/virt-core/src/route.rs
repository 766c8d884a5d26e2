//! Forwarding generated from the driver table: a shared driver is itself
//! a driver (`Arc<D>`), and [`Routed`] puts a routing policy in front of
//! one, so a stack member can leave calls to the next member without a
//! hand-written forwarder per call; `delegate!` writes
//! the Driver methods a backend answers with a method of its own.

use std::sync::Arc;

use crate::driver::{Driver, Method};
use crate::error::{Error, Result};

/// A routing policy for a driver in a [`crate::DriverStack`].
pub trait Route: Send + Sync {
    /// True when `method` goes to the wrapped driver; false declines it,
    /// and the stack asks its next member.
    fn routes(&self, method: Method) -> bool {
        let _ = method;
        true
    }

    /// The wrapped driver's error as the stack is to see it (a policy may
    /// turn "not found here" into a decline when a later member may know).
    fn settle(&self, method: Method, error: Error) -> Error {
        let _ = method;
        error
    }
}

/// `driver` behind the policy `route`: every call of the table is
/// forwarded, declined or settled as the policy says.
pub struct Routed<D, R> {
    /// The driver calls go to.
    pub driver: D,
    /// The policy.
    pub route: R,
}

macro_rules! forwarding {
    ($(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        /// A shared driver serves as the driver itself.
        impl<D: Driver + ?Sized> Driver for Arc<D> {
            fn type_name(&self) -> &str {
                (**self).type_name()
            }
            fn event_buses(&self) -> Vec<crate::events::EventBus> {
                (**self).event_buses()
            }
            $(
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    (**self).$name($($arg),*)
                }
            )*
        }

        impl<D: Driver, R: Route> Driver for Routed<D, R> {
            fn type_name(&self) -> &str {
                self.driver.type_name()
            }
            fn event_buses(&self) -> Vec<crate::events::EventBus> {
                self.driver.event_buses()
            }
            $(
                fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    if !self.route.routes(Method::$name) {
                        $(let _ = $arg;)*
                        return Err(Error::declined(stringify!($api)));
                    }
                    self.driver
                        .$name($($arg),*)
                        .map_err(|e| self.route.settle(Method::$name, e))
                }
            )*
        }
    };
}

crate::for_each_driver_method!(forwarding);

/// Writes `delegate!`: one arm per call of the table,
/// each spelling the call's signature once, here.
macro_rules! delegate_table {
    ($d:tt $(
        $(#[$m:meta])*
        [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
        fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;
    )*) => {
        /// Driver methods a backend answers with a method of its own,
        /// their signatures taken from the driver table instead of copied
        /// into every backend. Inside `impl Driver for X`,
        ///
        /// ```text
        /// virt_core::delegate! {
        ///     domain_lookup_by_name => lookup_name,
        ///     interface_undefine => ifaces_mut().undefine,
        /// }
        /// ```
        ///
        /// writes `fn domain_lookup_by_name(&self, name: &str) ->
        /// Result<DomainRef>` as `Ok(self.lookup_name(name)?)`, and the
        /// second as `Ok(self.ifaces_mut().undefine(iface)?)`: the
        /// arguments in the table's order, the backend's error made
        /// libvirt's by its `From` (the identity for a backend answering
        /// in virt-core's error already, hence the allowed
        /// `needless_question_mark`).
        #[macro_export]
        macro_rules! delegate {
            () => {};
            $(
                ($name => $d via:ident () . $d target:ident $d(, $d($d rest:tt)*)?) => {
                    #[allow(clippy::needless_question_mark)]
                    fn $name(&self $(, $arg: $ty)*) -> $crate::Result<$ret> {
                        Ok(self.$d via().$d target($($arg),*)?)
                    }
                    $crate::delegate!($d($d($d rest)*)?);
                };
                ($name => $d target:ident $d(, $d($d rest:tt)*)?) => {
                    #[allow(clippy::needless_question_mark)]
                    fn $name(&self $(, $arg: $ty)*) -> $crate::Result<$ret> {
                        Ok(self.$d target($($arg),*)?)
                    }
                    $crate::delegate!($d($d($d rest)*)?);
                };
            )*
        }
    };
}

crate::for_each_driver_method!(delegate_table($));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ErrorDomain};
    use crate::types::*;
    use crate::DriverStack;

    struct Knows;
    impl Driver for Knows {
        fn type_name(&self) -> &str {
            "Knows"
        }
        fn version(&self) -> Result<u64> {
            Ok(7)
        }
        fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
            Err(Error::no_domain_name(ErrorDomain::Xen, name))
        }
    }

    struct Later;
    impl Driver for Later {
        fn type_name(&self) -> &str {
            "Later"
        }
        fn version(&self) -> Result<u64> {
            Ok(9)
        }
        fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
            Ok(DomainRef {
                name: name.into(),
                uuid: Uuid::nil(),
                id: None,
            })
        }
    }

    /// Leaves the version to later members, and its misses too.
    struct Defer;
    impl Route for Defer {
        fn routes(&self, m: Method) -> bool {
            m != Method::version
        }
        fn settle(&self, m: Method, e: Error) -> Error {
            if e.code == ErrorCode::NoDomain {
                Error::declined(m.api())
            } else {
                e
            }
        }
    }

    #[test]
    fn a_policy_declines_and_settles() {
        let shared = Arc::new(Knows);
        assert_eq!(shared.version().unwrap(), 7);
        let plain = DriverStack::new(vec![Box::new(shared.clone()), Box::new(Later)]);
        assert_eq!(plain.version().unwrap(), 7);
        assert_eq!(
            plain.domain_lookup_by_name("x").unwrap_err().code,
            ErrorCode::NoDomain
        );
        let routed = DriverStack::new(vec![
            Box::new(Routed {
                driver: shared,
                route: Defer,
            }),
            Box::new(Later),
        ]);
        assert_eq!(routed.type_name(), "Knows");
        assert_eq!(routed.version().unwrap(), 9);
        assert_eq!(routed.domain_lookup_by_name("x").unwrap().name, "x");
    }
}
