//! The time as the services see it. Everything that depends on the wall
//! clock (the admin API's hourly windows) reads it here, so tests can move
//! time forward instead of sleeping.

use std::fmt;

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock: what production runs on.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
