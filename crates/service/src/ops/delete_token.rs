//! Delete tokens (`return_delete_token=true`, `delete_by_token`): see
//! `store::delete_tokens` for what a token may delete and for how long.

use store::delete_tokens::{DeleteTokens, Redemption, TokenTarget};
use store::{Asset, DeleteOutcome};

use crate::{ApiError, AppState, Reason};

/// A token that deletes this version of `asset`, once, within 10 minutes.
pub async fn issue_delete_token(state: &AppState, asset: &Asset) -> Result<String, ApiError> {
    let target = TokenTarget {
        asset_id: asset.asset_id.clone(),
        version_id: asset.version_id.clone(),
    };
    Ok(tokens(state)
        .issue(&target, state.clock.now().timestamp())
        .await?)
}

/// Spends `token` and deletes the version it was issued for. An unknown,
/// spent or expired token is a 400 and deletes nothing; so is a token whose
/// version was since overwritten or deleted (it was issued for that upload,
/// not for whatever now has its public_id).
pub async fn delete_by_token(state: &AppState, token: &str) -> Result<(), ApiError> {
    let redemption = tokens(state)
        .redeem(token, state.clock.now().timestamp())
        .await?;
    let target = match redemption {
        Redemption::Valid(target) => target,
        Redemption::Expired => return Err(Reason::TokenExpired.into()),
        Redemption::Unknown => return Err(Reason::InvalidToken.into()),
    };
    match state
        .store
        .delete_by_asset_id(&target.asset_id, Some(&target.version_id))
        .await?
    {
        DeleteOutcome::Deleted => Ok(()),
        DeleteOutcome::NotFound => Err(Reason::TokenUploadGone.into()),
    }
}

fn tokens(state: &AppState) -> DeleteTokens {
    state.store.delete_tokens()
}
