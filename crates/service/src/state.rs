//! What every request handler of both APIs shares, built once at start-up.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use common::Config;
use store::Store;

use crate::clock::{Clock, SystemClock};
use crate::metrics::Metrics;
use crate::Analyzer;

/// The application state: configuration, the asset store, the analyzer and
/// the metrics.
/// Cheap to clone; register it once with `web::Data`.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub analyzer: Analyzer,
    /// This app's own registry (see [`crate::metrics`]).
    pub metrics: Metrics,
    /// The wall clock (tests replace it to move time forward).
    pub clock: Arc<dyn Clock>,
    /// Wakes this process's job workers when a request queued work, so they
    /// need not wait for their next poll.
    pub job_wake: Arc<Notify>,
    /// Set once the background tasks of this state started (see
    /// [`AppState::start_once`]).
    background_started: Arc<AtomicBool>,
    /// The resource types whose pHash backfill runs in this process (one at
    /// a time per library: see `ops::similar`).
    pub(crate) phash_backfills: Arc<Mutex<HashSet<String>>>,
}

impl AppState {
    /// Connects the store (running migrations), starts the orphan sweep that
    /// clears what a killed process left behind, and sizes the analyzer.
    /// Every server binary starts here, so every start sweeps.
    pub async fn from_config(config: Config) -> anyhow::Result<Self> {
        let store = Store::from_config(&config).await?;
        // Detached: serving does not wait for it; it logs its own outcome.
        drop(store.spawn_startup_sweep());
        Ok(Self::with_store(config, store))
    }

    /// State around an already open store (tests open theirs on a fresh database).
    pub fn with_store(config: Config, store: Store) -> Self {
        let limits = extract::Limits {
            max_bytes: config.max_upload_bytes,
            max_pixels: config.max_pixels,
            max_ocr_pages: config.ocr_max_pages,
            ..extract::Limits::default()
        };
        let metrics = Metrics::new();
        let analyzer = Analyzer::per_core(config.analysis_memory_bytes, limits, metrics.clone());
        AppState {
            config: Arc::new(config),
            store,
            analyzer,
            metrics,
            clock: Arc::new(SystemClock),
            job_wake: Arc::new(Notify::new()),
            background_started: Arc::new(AtomicBool::new(false)),
            phash_backfills: Arc::default(),
        }
    }

    /// Runs `start` the first time it is called for this state (and its
    /// clones) only: mounting code runs once per HTTP worker thread, the
    /// background tasks it starts must run once per process.
    pub fn start_once(&self, start: impl FnOnce()) {
        if !self.background_started.swap(true, Ordering::SeqCst) {
            start();
        }
    }

    /// The same state on another clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        AppState { clock, ..self }
    }
}
