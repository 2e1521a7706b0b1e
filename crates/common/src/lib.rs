//! Shared by both APIs and the CLI: typed configuration, request signing,
//! error codes.

pub mod config;
pub mod cors;
pub mod process;
pub mod signing;

pub use config::{Config, ConfigError, Credentials, StorageLocation};
