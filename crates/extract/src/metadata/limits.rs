//! The bound on what one file's `media_metadata` may hold. A packet of
//! 500,000 XMP attributes would otherwise become 500,000 keys, stored and
//! returned with every admin read (issue 14). Real files stay far below:
//! the richest corpus photos carry a few hundred tags and tens of kilobytes.

use super::MediaMetadata;

/// Most keys the map keeps.
pub const MAX_KEYS: usize = 2_000;
/// Most bytes (keys plus values) the map keeps.
pub const MAX_BYTES: usize = 256 * 1024;
/// Longest single value kept in full; longer ones are cut at a character
/// boundary (a multi-kilobyte text block is not a fact about the image).
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// The tags in name order, within [`MAX_KEYS`] and [`MAX_BYTES`]: tags past
/// either bound are dropped whole, long values cut to [`MAX_VALUE_BYTES`].
pub(crate) fn bounded(tags: impl Iterator<Item = (String, String)>) -> MediaMetadata {
    let mut map = MediaMetadata::new();
    let mut bytes = 0;
    for (name, mut value) in tags {
        if map.len() == MAX_KEYS {
            break;
        }
        if value.len() > MAX_VALUE_BYTES {
            let mut cut = MAX_VALUE_BYTES;
            while !value.is_char_boundary(cut) {
                cut -= 1;
            }
            value.truncate(cut);
        }
        let size = name.len() + value.len();
        if bytes + size > MAX_BYTES {
            continue;
        }
        bytes += size;
        map.insert(name, value);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_bytes_and_long_values_are_bounded() {
        let many = (0..MAX_KEYS + 10).map(|i| (format!("Tag{i:06}"), "v".to_string()));
        let map = bounded(many);
        assert_eq!(map.len(), MAX_KEYS);
        assert!(map.contains_key("Tag000000"));

        let long = "é".repeat(MAX_VALUE_BYTES);
        let map = bounded(std::iter::once(("Long".to_string(), long)));
        assert!(map["Long"].len() <= MAX_VALUE_BYTES);

        let big = (0..100).map(|i| (format!("Big{i:03}"), "x".repeat(MAX_VALUE_BYTES)));
        let map = bounded(big);
        let total: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total <= MAX_BYTES && !map.is_empty());
    }
}
