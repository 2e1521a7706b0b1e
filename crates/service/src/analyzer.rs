//! Runs `extract::analyze` off the async executor, admitted by cores and by
//! memory, and stopped when nobody waits for it any more.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::metrics::Metrics;
use crate::time_limit::REQUEST_TIME_LIMIT;
use crate::ApiError;

/// The unit memory admission counts in.
const MIB: u64 = 1 << 20;
/// The small lane is this fraction of the memory budget...
const SMALL_LANE_SHARE: u32 = 8;
/// ...and holds at least this many small analyses at once.
const SMALL_LANE_SLOTS: u32 = 4;

/// Decoding and analysing images is CPU-bound and memory-hungry. An analysis
/// runs on a blocking thread once it holds two kinds of permit: as many MiB
/// of the memory budget as its header says its decodes will take
/// ([`extract::memory_estimate`]), then one of `max_concurrent` cores (no
/// more analyses than cores).
///
/// Admission is fair to small requests: memory is taken before a core, so an
/// analysis waiting for memory holds no core; and the budget is split in two
/// pools. A small analysis (at most a quarter of the small lane, an eighth
/// of the budget) draws from the small lane only, so it never queues behind
/// large ones waiting for memory; every other analysis draws from the rest,
/// first come first served (one larger than that pool waits for all of it
/// and runs alone). Together they never hold more than the budget.
///
/// The blocking work holds the permits itself, so they are released when the
/// work ends, not when the request does; and the request holds a guard that
/// cancels the work when it is dropped (client gone, request time limit),
/// which the analysis checks between stages. Every analysis reports its stage
/// timings to `metrics`.
#[derive(Debug, Clone)]
pub struct Analyzer {
    cores: Arc<Semaphore>,
    /// The general pool: the budget less the small lane.
    memory: Arc<Semaphore>,
    /// Reserved for small analyses.
    small_lane: Arc<Semaphore>,
    /// Size of the general pool, the most one analysis is weighted.
    general_mib: u32,
    /// Largest weight that counts as small.
    small_max_mib: u32,
    limits: extract::Limits,
    metrics: Metrics,
}

impl Analyzer {
    pub fn new(
        max_concurrent: usize,
        memory_budget_bytes: u64,
        limits: extract::Limits,
        metrics: Metrics,
    ) -> Self {
        let memory_budget_mib = u32::try_from(memory_budget_bytes / MIB)
            .unwrap_or(u32::MAX)
            .clamp(2, Semaphore::MAX_PERMITS as u32);
        let lane_mib = (memory_budget_mib / SMALL_LANE_SHARE).max(1);
        let general_mib = memory_budget_mib - lane_mib;
        Analyzer {
            cores: Arc::new(Semaphore::new(max_concurrent.max(1))),
            memory: Arc::new(Semaphore::new(general_mib as usize)),
            small_lane: Arc::new(Semaphore::new(lane_mib as usize)),
            general_mib,
            small_max_mib: (lane_mib / SMALL_LANE_SLOTS).max(1),
            limits,
            metrics,
        }
    }

    /// One analysis per available core, within `memory_budget_bytes`.
    pub fn per_core(memory_budget_bytes: u64, limits: extract::Limits, metrics: Metrics) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, memory_budget_bytes, limits, metrics)
    }

    /// Analyses `bytes` with `options`, held to this analyzer's input limits
    /// whatever `options.limits` says (a cheap clone of `Bytes` moves to the
    /// blocking thread). A file over a limit is refused before it waits for
    /// admission.
    pub async fn analyze(
        &self,
        bytes: Bytes,
        options: extract::Options,
    ) -> Result<extract::Analysis, ApiError> {
        let cancel = extract::Cancel::with_deadline(REQUEST_TIME_LIMIT);
        self.analyze_until(bytes, options, cancel).await
    }

    /// Refuses now what an analysis would refuse before it starts (a format
    /// it cannot read, a file over the size or pixel limits), reading the
    /// header only: for work queued to run later.
    pub async fn check(&self, bytes: Bytes) -> Result<(), ApiError> {
        let options = extract::Options {
            limits: self.limits,
            ..extract::Options::default()
        };
        blocking(move || extract::memory_estimate(&bytes, &options)).await??;
        Ok(())
    }

    async fn analyze_until(
        &self,
        bytes: Bytes,
        mut options: extract::Options,
        cancel: extract::Cancel,
    ) -> Result<extract::Analysis, ApiError> {
        options.limits = self.limits;
        // Dropping this future (the request ended) stops the work below.
        let _cancel_on_drop = cancel.on_drop();
        let (weight_mib, bytes, options) = {
            let (bytes, options) = (bytes.clone(), options.clone());
            blocking(move || {
                extract::memory_estimate(&bytes, &options)
                    .map(|estimate| (estimate, bytes, options))
            })
            .await?
            .map(|(estimate, bytes, options)| (self.weight_mib(estimate), bytes, options))?
        };
        let permits = self.admit(weight_mib).await?;
        let analysis = blocking(move || {
            let _held_until_the_work_ends = permits;
            extract::analyze_until(&bytes, &options, &cancel)
        })
        .await??;
        self.metrics.record_extraction(&analysis.timings);
        Ok(analysis)
    }

    /// MiB of the budget an analysis estimated at `estimate` bytes takes.
    fn weight_mib(&self, estimate: u64) -> u32 {
        u32::try_from(estimate.div_ceil(MIB))
            .unwrap_or(u32::MAX)
            .clamp(1, self.general_mib)
    }

    /// Waits for `weight_mib` of memory from the pool of its size class,
    /// then for a core (so waiting for memory holds no core).
    async fn admit(&self, weight_mib: u32) -> Result<Admission, ApiError> {
        let pool = if weight_mib <= self.small_max_mib {
            &self.small_lane
        } else {
            &self.memory
        };
        let memory = Arc::clone(pool)
            .acquire_many_owned(weight_mib)
            .await
            .map_err(ApiError::internal)?;
        let core = Arc::clone(&self.cores)
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        Ok(Admission {
            _core: core,
            _memory: memory,
        })
    }
}

/// The permits one running analysis holds.
struct Admission {
    _core: OwnedSemaphorePermit,
    _memory: OwnedSemaphorePermit,
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| ApiError::internal(anyhow::anyhow!("analysis task failed: {join}")))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn analyzer(memory_budget_mib: u64) -> Analyzer {
        Analyzer::new(
            4,
            memory_budget_mib * MIB,
            extract::Limits::default(),
            Metrics::new(),
        )
    }

    /// A 3000x2000 PNG: 18 MB decoded in the general decoder, 54 MB estimated.
    fn png() -> Bytes {
        let image = image::RgbImage::from_fn(3000, 2000, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, image::ImageFormat::Png)
            .expect("encodes");
        Bytes::from(bytes.into_inner())
    }

    #[test]
    fn weight_follows_the_estimate_and_never_exceeds_the_general_pool() {
        let analyzer = analyzer(100);
        assert_eq!(analyzer.weight_mib(0), 1);
        assert_eq!(analyzer.weight_mib(10 * MIB + 1), 11);
        // 100 MiB less the small lane's 12.
        assert_eq!(analyzer.weight_mib(10_000 * MIB), 88);
    }

    /// The campaign, on the admission API alone: three large
    /// analyses wait for memory a fourth holds; a small one is admitted at
    /// once (before, the waiting ones held both cores, first come first served).
    #[tokio::test]
    async fn a_small_analysis_is_admitted_while_large_ones_wait_for_memory() {
        use futures_util::FutureExt;

        let analyzer = Analyzer::new(2, 800 * MIB, extract::Limits::default(), Metrics::new());
        let large = analyzer.weight_mib(u64::MAX);
        let running = analyzer.admit(large).now_or_never().expect("free").unwrap();
        let mut waiting: Vec<_> = (0..3).map(|_| Box::pin(analyzer.admit(large))).collect();
        for admission in &mut waiting {
            assert!(
                admission.as_mut().now_or_never().is_none(),
                "no memory left"
            );
        }
        let small = analyzer.admit(1).now_or_never();
        assert!(
            matches!(small, Some(Ok(_))),
            "the small one waited behind the large ones"
        );
        drop(small);
        // The large ones still run one after the other, in arrival order.
        drop(running);
        let first = waiting.remove(0).now_or_never();
        assert!(matches!(first, Some(Ok(_))), "the oldest goes next");
        assert!(waiting[0].as_mut().now_or_never().is_none());
    }

    #[tokio::test]
    async fn a_waiting_large_analysis_holds_no_core() {
        use futures_util::FutureExt;

        let analyzer = Analyzer::new(1, 800 * MIB, extract::Limits::default(), Metrics::new());
        let large = analyzer.weight_mib(u64::MAX);
        let running = analyzer.admit(large).now_or_never().unwrap().unwrap();
        let mut waiting = Box::pin(analyzer.admit(large));
        assert!(waiting.as_mut().now_or_never().is_none());
        drop(running);
        assert!(matches!(waiting.now_or_never(), Some(Ok(_))));
        assert_eq!(analyzer.cores.available_permits(), 1, "returned on drop");
    }

    #[tokio::test]
    async fn an_analysis_waits_while_another_holds_the_memory_it_needs() {
        let analyzer = analyzer(100);
        let bytes = png();
        let options = extract::Options::of(extract::AnalysisKind::Colors);
        // Another analysis holds 60 of the general 88 MiB: this one (~55 MiB) waits.
        let held = Arc::clone(&analyzer.memory)
            .acquire_many_owned(60)
            .await
            .unwrap();
        let waiting = analyzer.analyze(bytes.clone(), options.clone());
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(500), &mut waiting)
                .await
                .is_err(),
            "admitted although the memory is taken"
        );
        drop(held);
        let analysis = tokio::time::timeout(Duration::from_secs(60), waiting)
            .await
            .expect("admitted once the memory is free")
            .expect("analyses");
        assert_eq!((analysis.width, analysis.height), (3000, 2000));
        assert_eq!(analyzer.memory.available_permits(), 88, "permits returned");
    }

    #[tokio::test]
    async fn a_request_that_ends_cancels_its_analysis_which_frees_its_permits() {
        let analyzer = analyzer(1000);
        let options = extract::Options::of(
            extract::AnalysisKind::Colors
                | extract::AnalysisKind::Phash
                | extract::AnalysisKind::Faces,
        );
        let cancel = extract::Cancel::new();
        // The request is dropped while its analysis runs.
        let request = analyzer.analyze_until(png(), options, cancel.clone());
        let _ = tokio::time::timeout(Duration::from_millis(30), request).await;
        assert!(
            cancel.is_cancelled(),
            "dropping the request cancels the work"
        );
        // The work stops at its next check and gives everything back.
        let freed = async {
            while analyzer.memory.available_permits() < analyzer.general_mib as usize
                || analyzer.small_lane.available_permits() < 125
                || analyzer.cores.available_permits() < 4
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), freed)
            .await
            .expect("the stopped analysis released its permits");
    }
}
