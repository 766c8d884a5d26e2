//! The URI registry: which driver opens which URI.

use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::uri::Uri;
use std::sync::RwLock;

/// Opens a connection for a URI, or declines (`None`) when the URI is not
/// for this driver.
pub type DriverOpener = fn(uri: &Uri, read_only: bool) -> Option<Result<Box<dyn Driver>>>;

/// A registered driver.
#[derive(Clone, Copy)]
pub struct DriverEntry {
    /// Name for messages ("test", "qemu").
    pub name: &'static str,
    /// The URI used when the caller gives none and no environment variable
    /// names one.
    pub default_uri: Option<&'static str>,
    /// The opener.
    pub open: DriverOpener,
}

/// What to try when the driver that took a URI cannot open it: given the
/// URI, whether read-only access was asked, and that driver's error;
/// `None` when it does not apply. The remote driver sets one: a user who
/// may not use the hypervisor reaches it read-only through the system
/// daemon's read-only socket, as libvirt_proxy once gave users Xen.
pub type FallbackOpener =
    fn(uri: &Uri, read_only: bool, failed: &Error) -> Option<Result<Box<dyn Driver>>>;

static DRIVERS: RwLock<Vec<DriverEntry>> = RwLock::new(Vec::new());
static FALLBACK: RwLock<Option<FallbackOpener>> = RwLock::new(None);

/// Set the opener tried after a driver's own open failed (the last one
/// set wins).
pub fn set_fallback(f: FallbackOpener) {
    if let Ok(mut slot) = FALLBACK.write() {
        *slot = Some(f);
    }
}

/// The fallback opener, if one is set.
pub fn fallback() -> Option<FallbackOpener> {
    FALLBACK.read().ok().and_then(|f| *f)
}

/// Register a driver. Registering the same name twice keeps the first.
pub fn register_driver(entry: DriverEntry) {
    if let Ok(mut list) = DRIVERS.write() {
        if !list.iter().any(|e| e.name == entry.name) {
            list.push(entry);
        }
    }
}

/// The registered drivers, in registration order.
pub fn drivers() -> Vec<DriverEntry> {
    DRIVERS.read().map(|l| l.clone()).unwrap_or_default()
}
