//! test driver.
#![warn(missing_docs)]
