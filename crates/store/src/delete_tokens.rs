//! Delete tokens: `return_delete_token=true` on an upload hands the client a
//! token that deletes that upload (the version it created, nothing else)
//! once, within [`DELETE_TOKEN_TTL_SECS`], without any other credential
//! (`POST /v1_1/<cloud>/delete_by_token`).
//!
//! The table keeps only each token's SHA-256, so a database dump holds no
//! usable token. Redeeming deletes the token's row in the same statement that
//! reads it: two concurrent redemptions of one token cannot both succeed, on
//! either database, in one process or across replicas.

use sha2::{Digest, Sha256};

use crate::db::{with_pool, Database};
use crate::StoreError;

/// Cloudinary's validity: 10 minutes from the upload.
pub const DELETE_TOKEN_TTL_SECS: i64 = 600;

/// What a token was issued for: one version of one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenTarget {
    pub asset_id: String,
    pub version_id: String,
}

/// The answer to redeeming a token. Each token redeems at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// Valid: the caller may delete this version (the token is now spent).
    Valid(TokenTarget),
    /// Issued, but past its expiry (now spent as well).
    Expired,
    /// Never issued, or already redeemed.
    Unknown,
}

/// Issues and redeems delete tokens in the asset database.
#[derive(Debug, Clone)]
pub struct DeleteTokens {
    db: Database,
}

impl DeleteTokens {
    pub(crate) fn new(db: Database) -> Self {
        DeleteTokens { db }
    }

    /// A new token for `target`, valid until `now + DELETE_TOKEN_TTL_SECS`
    /// (unix seconds). Tokens already expired are forgotten on the way.
    pub async fn issue(&self, target: &TokenTarget, now: i64) -> Result<String, StoreError> {
        let token = hex::encode(rand::random::<[u8; 32]>());
        with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM delete_tokens WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO delete_tokens (token_sha256, asset_id, version_id, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(digest(&token))
            .bind(&target.asset_id)
            .bind(&target.version_id)
            .bind(now + DELETE_TOKEN_TTL_SECS)
            .execute(pool)
            .await?;
        });
        Ok(token)
    }

    /// Spends `token` at `now` (unix seconds).
    pub async fn redeem(&self, token: &str, now: i64) -> Result<Redemption, StoreError> {
        let row: Option<(String, String, i64)> = with_pool!(&self.db, pool => {
            sqlx::query_as(
                "DELETE FROM delete_tokens WHERE token_sha256 = $1 \
                 RETURNING asset_id, version_id, expires_at",
            )
            .bind(digest(token))
            .fetch_optional(pool)
            .await?
        });
        Ok(match row {
            None => Redemption::Unknown,
            Some((_, _, expires_at)) if now > expires_at => Redemption::Expired,
            Some((asset_id, version_id, _)) => Redemption::Valid(TokenTarget {
                asset_id,
                version_id,
            }),
        })
    }
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};

    const NOW: i64 = 1_700_000_000;

    fn target() -> TokenTarget {
        TokenTarget {
            asset_id: "a".repeat(32),
            version_id: "b".repeat(32),
        }
    }

    async fn tokens(sandbox: &Sandbox) -> DeleteTokens {
        DeleteTokens::new(sandbox.store().await.expect("store").database().clone())
    }

    #[tokio::test]
    async fn a_token_redeems_once_for_its_target() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let tokens = tokens(&sandbox).await;
            let token = tokens.issue(&target(), NOW).await.unwrap();
            assert_eq!(token.len(), 64, "{backend}");
            assert_eq!(
                tokens.redeem(&token, NOW + 1).await.unwrap(),
                Redemption::Valid(target()),
                "{backend}"
            );
            assert_eq!(
                tokens.redeem(&token, NOW + 2).await.unwrap(),
                Redemption::Unknown,
                "{backend}: spent"
            );
            assert_eq!(
                tokens.redeem("not-a-token", NOW).await.unwrap(),
                Redemption::Unknown
            );
        }
    }

    #[tokio::test]
    async fn a_token_expires_after_ten_minutes() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let tokens = tokens(&sandbox).await;
            let on_time = tokens.issue(&target(), NOW).await.unwrap();
            let late = tokens.issue(&target(), NOW).await.unwrap();
            assert_ne!(on_time, late, "every token is new");
            assert!(matches!(
                tokens
                    .redeem(&on_time, NOW + DELETE_TOKEN_TTL_SECS)
                    .await
                    .unwrap(),
                Redemption::Valid(_)
            ));
            assert_eq!(
                tokens
                    .redeem(&late, NOW + DELETE_TOKEN_TTL_SECS + 1)
                    .await
                    .unwrap(),
                Redemption::Expired,
                "{backend}"
            );
        }
    }

    #[tokio::test]
    async fn concurrent_redemptions_succeed_once() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let tokens = tokens(&sandbox).await;
            let token = tokens.issue(&target(), NOW).await.unwrap();
            let attempts: Vec<_> = (0..8)
                .map(|_| {
                    let (tokens, token) = (tokens.clone(), token.clone());
                    tokio::spawn(async move { tokens.redeem(&token, NOW).await.unwrap() })
                })
                .collect();
            let mut valid = 0;
            for attempt in attempts {
                if matches!(attempt.await.unwrap(), Redemption::Valid(_)) {
                    valid += 1;
                }
            }
            assert_eq!(valid, 1, "{backend}");
        }
    }
}
