//! Runs `extract::analyze` off the async executor, a bounded number at a time.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::ApiError;

/// Decoding and analysing images is CPU-bound and memory-hungry: at most
/// `max_concurrent` analyses run at once (each on a blocking thread), the
/// rest wait their turn instead of oversubscribing the cores.
#[derive(Debug, Clone)]
pub struct Analyzer {
    permits: Arc<Semaphore>,
    limits: extract::Limits,
}

impl Analyzer {
    pub fn new(max_concurrent: usize, limits: extract::Limits) -> Self {
        Analyzer {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            limits,
        }
    }

    /// One analysis per available core.
    pub fn per_core(limits: extract::Limits) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, limits)
    }

    /// The input limits every analysis is held to.
    pub fn limits(&self) -> extract::Limits {
        self.limits
    }

    /// Analyses `bytes` with `options` (a cheap clone of `Bytes` moves to the
    /// blocking thread).
    pub async fn analyze(
        &self,
        bytes: Bytes,
        options: extract::Options,
    ) -> Result<extract::Analysis, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || extract::analyze(&bytes, &options))
            .await
            .map_err(|join| ApiError::internal(anyhow::anyhow!("analysis task failed: {join}")))?
            .map_err(ApiError::from)
    }
}
