//! The in-memory test hypervisor, after libvirt's `test` driver.
//!
//! - `test:///default`: a built-in node (i686, 16 CPUs, 3 GiB) with one
//!   running domain `test`, network `default` and pool `default-pool`. All
//!   connections to it in one process share one node, which starts afresh
//!   once the last of them closes.
//! - `test:///ABS/PATH.xml`: a node described by a file in libvirt's
//!   test-driver format (`<node>` with `<cpu>`, `<memory>`, and domains,
//!   networks and pools inline or as `file=` references). Its domains run
//!   with ids 1..N in file order. Each connection gets its own node.
//!
//! Call [`register`] once so that `virt_core::Connect::open` serves `test:`
//! URIs.
#![warn(missing_docs)]

mod checkpoints;
mod devstats;
mod domains;
mod driver;
pub mod error;
mod host;
pub mod image;
mod moments;
mod networks;
mod node;
mod save;
mod snapshots;
mod storage;
mod vcpus;

#[cfg(test)]
mod tests;

pub use driver::TestConnection;
pub use error::TestError;

use node::Node;
use std::sync::{Arc, Mutex, Weak};
use virt_core::{Driver, DriverEntry, Result, Uri};

/// The default URI of this driver.
pub const DEFAULT_URI: &str = "test:///default";

/// The shared node behind `test:///default`, alive while a connection holds
/// it.
static DEFAULT_NODE: Mutex<Weak<Node>> = Mutex::new(Weak::new());

/// Register the test driver with virt-core's URI registry.
pub fn register() {
    virt_core::register_driver(DriverEntry {
        name: "test",
        default_uri: Some(DEFAULT_URI),
        open,
    });
}

/// Open a connection to a test node, or decline a URI that is not ours.
/// Read-only connections are refused changes by virt-core.
pub fn open(uri: &Uri, _read_only: bool) -> Option<Result<Box<dyn Driver>>> {
    if uri.driver != "test" || !uri.is_local() {
        return None;
    }
    Some(open_path(&uri.path).map(|c| Box::new(c) as Box<dyn Driver>))
}

/// Open the node at a `test:` URI path: "/default" or an absolute node file.
pub fn open_path(path: &str) -> Result<TestConnection> {
    if path == "/default" {
        return Ok(TestConnection::new(default_node()?));
    }
    if path.is_empty() || path == "/" || !path.starts_with('/') {
        return Err(
            TestError::BadUri("testOpen: supply a path or use test:///default".into()).into(),
        );
    }
    let node = Node::from_file(path)?;
    node.authenticate()?;
    Ok(TestConnection::new(Arc::new(node)))
}

fn default_node() -> Result<Arc<Node>> {
    let mut slot = DEFAULT_NODE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(node) = slot.upgrade() {
        return Ok(node);
    }
    let node = Arc::new(Node::builtin()?);
    *slot = Arc::downgrade(&node);
    Ok(node)
}
