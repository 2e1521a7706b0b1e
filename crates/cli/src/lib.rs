//! Library side of the `assay` binary: what the end-to-end tests run too.

pub mod migrate;
pub mod serve;
