//! The shared real-image corpus (`test_support::corpus`, the one locator every
//! test crate shares). Missing files fail the test loudly.

pub use test_support::corpus::{bytes, dir, expected, path};
