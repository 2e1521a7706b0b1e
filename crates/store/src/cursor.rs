//! The one `next_cursor` codec of every paged listing (assets, tags,
//! presets, Search, near-duplicates): a position serialised as JSON, then
//! URL-safe base64, so that clients hold an opaque token. Each listing
//! decides what its position holds and checks, once decoded, that the
//! position belongs to the query it is offered to.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::StoreError;

/// Longer than any position this crate writes: a longer text is not ours
/// and is refused before it is decoded.
const MAX_CURSOR_CHARS: usize = 4096;

/// The opaque cursor text for `position`.
pub(crate) fn encode<T: Serialize>(position: &T) -> String {
    // Positions are strings and numbers only: serialising cannot fail.
    let json = serde_json::to_vec(position).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// The position a cursor of [`encode`] holds, or `None` for any text that is
/// not one (too long, not base64, not the position's JSON).
pub(crate) fn decode<T: DeserializeOwned>(cursor: &str) -> Option<T> {
    if cursor.len() > MAX_CURSOR_CHARS {
        return None;
    }
    let json = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    serde_json::from_slice(&json).ok()
}

/// [`decode`] for the listings whose refusal is the store's
/// [`StoreError::InvalidCursor`] (every one but Search, which has its own).
pub(crate) fn position<T: DeserializeOwned>(cursor: &str) -> Result<T, StoreError> {
    decode(cursor).ok_or(StoreError::InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip() {
        let position = (1_700_000_000_i64, 42_i64);
        assert_eq!(decode::<(i64, i64)>(&encode(&position)), Some(position));
        let name = "folder/ä name".to_owned();
        assert_eq!(decode::<String>(&encode(&name)), Some(name));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "%%%", "AAAA", &encode(&"text")] {
            assert_eq!(decode::<(i64, i64)>(bad), None, "{bad:?}");
        }
        // A well-formed position past the length any listing writes.
        let too_long = encode(&"a".repeat(MAX_CURSOR_CHARS));
        assert_eq!(decode::<String>(&too_long), None);
        // The right JSON shape, or nothing: a string where numbers belong.
        assert_eq!(decode::<(i64, i64)>(&encode(&("1", "2"))), None);
    }
}
