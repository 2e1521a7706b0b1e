//! The asset store: one row per asset (sqlx over PostgreSQL or the embedded
//! SQLite default) and its original's bytes in a blob store (a directory or
//! S3-compatible object storage).
//!
//! Start with [`Store::connect`] (or [`Store::from_config`]): it runs the
//! migrations under `migrations/<postgres|sqlite>/`. Then [`Store::ingest`],
//! [`Store::get`], [`Store::update`], [`Store::list`], [`Store::delete`],
//! [`Store::search`].

mod analysis;
mod assets;
pub mod blob;
pub mod chunks;
mod cursor;
pub mod db;
pub mod delete_tokens;
mod error;
pub mod jobs;
pub mod labels;
pub mod metadata_fields;
pub mod model;
pub mod rate_limit;
pub mod search;
pub mod similar;
mod sql;
mod staging;
#[cfg(feature = "testing")]
pub mod testing;
pub mod upload_presets;

pub use analysis::{ColorResults, StoredAnalysis};
pub use assets::{Store, ORPHAN_GRACE};
pub use blob::{BlobKey, BlobStore};
pub use db::Database;
pub use error::{BlobError, StoreError};
pub use model::{
    Asset, AssetKey, AssetUpdate, Coordinates, DeleteOutcome, Ingested, ListQuery, NewAsset,
    OnExisting, Page, Rect, SweepReport, MAX_PAGE_SIZE,
};
pub use search::{SearchError, SearchPage, SearchRequest};
pub use similar::{SimilarAsset, SimilarPage, SimilarQuery, Unhashed};
