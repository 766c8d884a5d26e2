//! The URI registry: which driver opens which URI.

use crate::driver::Driver;
use crate::error::Result;
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

static DRIVERS: RwLock<Vec<DriverEntry>> = RwLock::new(Vec::new());

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
