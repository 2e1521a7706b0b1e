//! What the PostgreSQL benchmarks share: loading a million rows fast.

use sqlx::postgres::{PgPool, PgPoolCopyExt};

/// Streams `rows` (tab-separated lines, each ending in `\n`) into
/// `COPY assets (<columns>) FROM STDIN` in 1 MiB batches, then runs
/// VACUUM ANALYZE, as a settled database would have.
pub async fn copy_assets(pool: &PgPool, columns: &str, rows: impl Iterator<Item = String>) {
    let mut copy = pool
        .copy_in_raw(&format!("COPY assets ({columns}) FROM STDIN"))
        .await
        .expect("COPY");
    let mut batch = String::new();
    for row in rows {
        batch.push_str(&row);
        if batch.len() > 1 << 20 {
            copy.send(std::mem::take(&mut batch).into_bytes())
                .await
                .expect("COPY data");
        }
    }
    copy.send(batch.into_bytes()).await.expect("COPY data");
    copy.finish().await.expect("COPY done");
    sqlx::query("VACUUM ANALYZE assets")
        .execute(pool)
        .await
        .expect("VACUUM ANALYZE");
}
