//! The corpus helpers under the names these tests use (`test_support::corpus`
//! is the one locator every test crate shares).

// Compiled into each test crate that declares it; each uses only some helpers.
#![allow(dead_code, unused_imports)]

pub use test_support::corpus::{
    bytes as read_file, dir as corpus_dir, expected, files_with_prefix,
};
