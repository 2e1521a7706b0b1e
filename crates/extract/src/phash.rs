//! 64-bit perceptual hash (`phash`): 16 lowercase hex digits, compared by Hamming distance.

use std::fmt;
use std::str::FromStr;

use image::DynamicImage;
use image_hasher::{BitOrder, FilterType, HashAlg, HasherConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 64-bit DCT perceptual hash. Two images are near-duplicates when the
/// [`distance`](Phash::distance) between their hashes is small (about 10 or less).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phash(u64);

impl Phash {
    /// Hashes `image` as displayed.
    ///
    /// The classic pHash (Krawetz; Python `imagehash.phash`): grayscale, shrink,
    /// 2-D DCT, keep the lowest 8x8 frequencies, one bit per coefficient above
    /// their median, most significant bit first. `image_hasher` does the work; the
    /// config below is the one that separates same-source from different-source
    /// pairs at least as well as `imagehash` on the shared pHash benchmark (see
    /// `tests/phash_auc.rs`).
    pub fn of(image: &DynamicImage) -> Phash {
        let hasher = HasherConfig::new()
            .hash_size(8, 8)
            .hash_alg(HashAlg::Median)
            .preproc_dct()
            .resize_filter(FilterType::Lanczos3)
            .bit_order(BitOrder::MsbFirst)
            .to_hasher();
        let hash = hasher.hash_image(image);
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(hash.as_bytes());
        Phash(u64::from_be_bytes(bytes))
    }

    /// Number of differing bits, 0 (same picture) to 64.
    pub fn distance(self, other: Phash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// The hash as an integer (first hex digit = most significant).
    pub fn to_u64(self) -> u64 {
        self.0
    }

    pub fn from_u64(value: u64) -> Phash {
        Phash(value)
    }
}

impl fmt::Display for Phash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A `phash` string that is not 16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a phash is 16 hexadecimal digits, got {0:?}")]
pub struct ParsePhashError(String);

impl FromStr for Phash {
    type Err = ParsePhashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParsePhashError(s.to_owned()));
        }
        u64::from_str_radix(s, 16)
            .map(Phash)
            .map_err(|_| ParsePhashError(s.to_owned()))
    }
}

impl Serialize for Phash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Phash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_keeps_leading_zeros() {
        let hash: Phash = "00c926d5c28b6c67".parse().unwrap();
        assert_eq!(hash.to_string(), "00c926d5c28b6c67");
        assert_eq!(
            serde_json::to_string(&hash).unwrap(),
            "\"00c926d5c28b6c67\""
        );
    }

    #[test]
    fn rejects_what_is_not_sixteen_hex_digits() {
        for bad in [
            "",
            "d8c926d5c28b6c6",
            "d8c926d5c28b6c677",
            "g8c926d5c28b6c67",
            "+8c926d5c28b6c6",
        ] {
            assert!(bad.parse::<Phash>().is_err(), "{bad}");
        }
    }

    #[test]
    fn distance_counts_differing_bits() {
        let a = Phash::from_u64(0b1011);
        assert_eq!(a.distance(Phash::from_u64(0b0001)), 2);
        assert_eq!(a.distance(a), 0);
        assert_eq!(Phash::from_u64(0).distance(Phash::from_u64(u64::MAX)), 64);
    }
}
