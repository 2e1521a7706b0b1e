//! Stopping an analysis nobody waits for any more.
//!
//! An analysis runs on a blocking thread that its caller cannot kill: when
//! the request behind it ends (its client hung up, or its time limit passed)
//! the work would go on to the end, holding memory and a core. A [`Cancel`]
//! travels into [`crate::analyze_until`]; the caller sets it (or its deadline
//! passes) and the analysis stops at its next check: between stages, and
//! before every stage that may take long. Each stage is bounded on its own
//! (pixels by the limits, JPEG scans by the pre-scan, faces by the scan
//! size, OCR by its engine deadline), so a stopped analysis ends within one
//! stage's time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ExtractError;

/// A cancellation flag shared between an analysis and its caller, with an
/// optional deadline. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Cancel {
    /// Never stops on its own; only [`Cancel::cancel`] stops it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops by itself once `budget` has passed from now.
    pub fn with_deadline(budget: Duration) -> Self {
        Cancel {
            flag: Arc::default(),
            deadline: Instant::now().checked_add(budget),
        }
    }

    /// Asks the analysis to stop at its next check.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// A guard that cancels when dropped: hold it in the future that awaits
    /// the analysis, and dropping that future (client gone, time limit)
    /// stops the work.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }

    /// True once [`Cancel::cancel`] was called (on this or a clone).
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// `Err` once cancelled or past the deadline.
    pub(crate) fn check(&self) -> Result<(), ExtractError> {
        if self.is_cancelled() {
            return Err(ExtractError::Stopped("the request was cancelled"));
        }
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return Err(ExtractError::Stopped("the analysis deadline passed"));
        }
        Ok(())
    }
}

/// Cancels its [`Cancel`] when dropped.
#[derive(Debug)]
#[must_use = "the analysis is cancelled as soon as the guard is dropped"]
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_flag_lets_work_go_on_and_a_cancelled_one_stops_it() {
        let cancel = Cancel::new();
        assert!(cancel.check().is_ok());
        let shared = cancel.clone();
        shared.cancel();
        assert!(matches!(cancel.check(), Err(ExtractError::Stopped(_))));
    }

    #[test]
    fn a_passed_deadline_stops_the_work() {
        assert!(Cancel::with_deadline(Duration::from_secs(3600))
            .check()
            .is_ok());
        assert!(matches!(
            Cancel::with_deadline(Duration::ZERO).check(),
            Err(ExtractError::Stopped("the analysis deadline passed"))
        ));
    }

    #[test]
    fn dropping_the_guard_cancels() {
        let cancel = Cancel::new();
        drop(cancel.on_drop());
        assert!(cancel.check().is_err());
    }
}
