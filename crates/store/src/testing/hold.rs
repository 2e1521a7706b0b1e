//! [`Hold`]: a point where code under test stops until the test lets it go,
//! so a test can commit a write at exactly the moment a race needs.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

/// A gate passed by the code under test (`hold.pass().await`). While armed,
/// each pass stops, reports that it arrived ([`Hold::arrived`]) and waits
/// for [`Hold::release`]; unarmed passes go straight through.
#[derive(Debug)]
pub struct Hold {
    /// How many of the next passes stop.
    armed: AtomicUsize,
    arrivals: Semaphore,
    releases: Semaphore,
}

impl Default for Hold {
    fn default() -> Hold {
        Hold::new()
    }
}

impl Hold {
    pub fn new() -> Hold {
        Hold {
            armed: AtomicUsize::new(0),
            arrivals: Semaphore::new(0),
            releases: Semaphore::new(0),
        }
    }

    /// Makes the next `passes` passes stop.
    pub fn arm(&self, passes: usize) {
        self.armed.fetch_add(passes, Ordering::SeqCst);
    }

    /// Called by the code under test at the held point.
    pub async fn pass(&self) {
        let stops = self
            .armed
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if stops {
            self.arrivals.add_permits(1);
            if let Ok(permit) = self.releases.acquire().await {
                permit.forget();
            }
        }
    }

    /// Waits until a stopping pass has arrived (one arrival per call).
    pub async fn arrived(&self) {
        if let Ok(permit) = self.arrivals.acquire().await {
            permit.forget();
        }
    }

    /// Lets one stopped pass go on.
    pub fn release(&self) {
        self.releases.add_permits(1);
    }
}
