//! What `GET /metrics` reports, in Prometheus' text format:
//!
//! - `assay_http_requests_total` and `assay_http_requests_duration_seconds`
//!   (labels `endpoint`, `method`, `status`): every request, labelled by the
//!   route pattern it matched (`/v1_1/{cloud}/{resource_type}/upload`), never
//!   the raw path, so the number of series stays bounded; unknown paths share
//!   the endpoint `UNMATCHED`;
//! - `assay_extraction_seconds` (label `analysis`: decode, metadata, colors,
//!   phash, faces, ocr): time spent in each stage of each analysis;
//! - `assay_admin_rate_limit_rejections_total`: Admin API calls refused (420).
//!
//! Each [`Metrics`] owns its registry (no process-global one), so apps in the
//! same process, as the end-to-end tests run them, count separately. Each
//! replica reports its own numbers; Prometheus sums them.
//!
//! The HTTP side is actix-web-prom's middleware: it reads the matched pattern
//! from actix's router and serves the endpoint; the other metrics are
//! registered on its registry.

use std::fmt;

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{HistogramOpts, HistogramVec, IntCounter, Opts};

/// Where the metrics are served, on every API's port.
pub const METRICS_PATH: &str = "/metrics";
const NAMESPACE: &str = "assay";
/// The endpoint label of requests no route matched.
const UNMATCHED_ENDPOINT: &str = "UNMATCHED";
/// Analyses range from a millisecond (metadata) to tens of seconds (OCR of a
/// large scan).
const EXTRACTION_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// The metrics of one app. Cheap to clone: every clone updates the same series.
#[derive(Clone)]
pub struct Metrics {
    http: PrometheusMetrics,
    extraction_seconds: HistogramVec,
    rate_limit_rejections: IntCounter,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry holding every metric, at zero.
    pub fn new() -> Self {
        // Registration fails only for a duplicate or malformed name; these are
        // fixed, distinct and registered once on a new registry.
        const FIXED_NAMES: &str = "metric names are fixed and distinct";
        let http = PrometheusMetricsBuilder::new(NAMESPACE)
            .endpoint(METRICS_PATH)
            .mask_unmatched_patterns(UNMATCHED_ENDPOINT)
            .build()
            .expect(FIXED_NAMES);
        let extraction_seconds = HistogramVec::new(
            HistogramOpts::new(
                "extraction_seconds",
                "Time spent in each stage of an image analysis",
            )
            .namespace(NAMESPACE)
            .buckets(EXTRACTION_BUCKETS.to_vec()),
            &["analysis"],
        )
        .expect(FIXED_NAMES);
        let rate_limit_rejections = IntCounter::with_opts(
            Opts::new(
                "admin_rate_limit_rejections_total",
                "Admin API calls refused with 420 because the key's hourly budget was spent",
            )
            .namespace(NAMESPACE),
        )
        .expect(FIXED_NAMES);
        http.registry
            .register(Box::new(extraction_seconds.clone()))
            .expect(FIXED_NAMES);
        http.registry
            .register(Box::new(rate_limit_rejections.clone()))
            .expect(FIXED_NAMES);
        Metrics {
            http,
            extraction_seconds,
            rate_limit_rejections,
        }
    }

    /// The middleware that counts and times every request and answers
    /// `GET /metrics`; wrap each app in it once.
    pub fn http_middleware(&self) -> PrometheusMetrics {
        self.http.clone()
    }

    /// Records each stage of one analysis.
    pub fn record_extraction(&self, timings: &extract::StageTimings) {
        for (stage, duration) in timings.iter() {
            self.extraction_seconds
                .with_label_values(&[stage.name()])
                .observe(duration.as_secs_f64());
        }
    }

    pub fn count_rate_limit_rejection(&self) {
        self.rate_limit_rejections.inc();
    }
}
