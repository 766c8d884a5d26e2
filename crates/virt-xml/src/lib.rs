//! libvirt domain XML.
#![warn(missing_docs)]
