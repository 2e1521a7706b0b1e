//! Runs `extract::analyze` off the async executor, a bounded number at a time.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::metrics::Metrics;
use crate::ApiError;

/// Decoding and analysing images is CPU-bound and memory-hungry: at most
/// `max_concurrent` analyses run at once (each on a blocking thread), the
/// rest wait their turn instead of oversubscribing the cores. Every analysis
/// reports its stage timings to `metrics`.
#[derive(Debug, Clone)]
pub struct Analyzer {
    permits: Arc<Semaphore>,
    limits: extract::Limits,
    metrics: Metrics,
}

impl Analyzer {
    pub fn new(max_concurrent: usize, limits: extract::Limits, metrics: Metrics) -> Self {
        Analyzer {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            limits,
            metrics,
        }
    }

    /// One analysis per available core.
    pub fn per_core(limits: extract::Limits, metrics: Metrics) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, limits, metrics)
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
        let analysis = tokio::task::spawn_blocking(move || extract::analyze(&bytes, &options))
            .await
            .map_err(|join| {
                ApiError::internal(anyhow::anyhow!("analysis task failed: {join}"))
            })??;
        self.metrics.record_extraction(&analysis.timings);
        Ok(analysis)
    }
}
