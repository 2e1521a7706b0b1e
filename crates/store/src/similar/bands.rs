//! Multi-index hashing (Norouzi, Punjani & Fleet, "Fast Search in Hamming
//! Space with Multi-Index Hashing", CVPR 2012): which band values a search
//! must look up so that it finds *every* hash within the distance asked for.
//!
//! The 64-bit hash is cut into [`BANDS`] bands of 16 bits, band 0 being the
//! most significant (hex digits 1-4, as the `phash_band0` column holds them).
//! Write the search distance as `d = BANDS * q + a` with `0 <= a < BANDS`.
//! A hash within `d` differs from the query by at most `q` bits in one of the
//! bands `0..=a`, or by at most `q - 1` bits in one of the others: were every
//! band further off, the distance would be at least
//! `(a + 1)(q + 1) + (BANDS - a - 1) q = d + 1`. So looking up every value within
//! those radii of the query's bands misses nothing; the caller then drops the
//! candidates whose whole hash is further than `d`.
//!
//! Why four bands of 16 bits: with a million hashes, a 16-bit band value is
//! shared by ~15 rows, so distance 8 (radius 2 in one band, 1 in three)
//! looks up 188 values and verifies ~2,900 candidates, where one band per
//! distance unit (`d + 1` bands of ~7 bits) would verify ~70,000.

/// Bands per hash.
pub const BANDS: usize = 4;
const BAND_BITS: u32 = 64 / BANDS as u32;

/// Band `index` of `hash` (0 = most significant bits).
pub fn band(hash: u64, index: usize) -> u16 {
    let shift = 64 - BAND_BITS * (index as u32 + 1);
    (hash >> shift) as u16
}

/// For each band, how far (in bits) a band value may be from the query's for
/// an exact search within `max_distance`; `None` when the band need not be
/// looked up at all.
pub fn band_radii(max_distance: u32) -> [Option<u32>; BANDS] {
    let bands = BANDS as u32;
    let (q, a) = (max_distance / bands, max_distance % bands);
    std::array::from_fn(|index| {
        if index as u32 <= a {
            Some(q)
        } else {
            q.checked_sub(1)
        }
    })
}

/// Every 16-bit value within `radius` bits of `value`, `value` first.
pub fn values_within(value: u16, radius: u32) -> Vec<u16> {
    let mut values = vec![value];
    values.extend((0..=u16::MAX).filter(|&v| v != value && (v ^ value).count_ones() <= radius));
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_the_hex_digits_four_by_four() {
        let hash = 0xffc9_26d5_c28b_6c67;
        let bands: Vec<String> = (0..BANDS)
            .map(|i| format!("{:04x}", band(hash, i)))
            .collect();
        assert_eq!(bands, ["ffc9", "26d5", "c28b", "6c67"]);
    }

    #[test]
    fn radii_spread_the_distance_over_the_bands() {
        assert_eq!(band_radii(0), [Some(0), None, None, None]);
        assert_eq!(band_radii(3), [Some(0); 4]);
        assert_eq!(band_radii(8), [Some(2), Some(1), Some(1), Some(1)]);
        assert_eq!(band_radii(14), [Some(3), Some(3), Some(3), Some(2)]);
    }

    /// The guarantee itself: any hash within `d` of the query has some band
    /// within that band's radius, for hashes at exactly `d` (the hard case)
    /// spread over the bands in every way a small search can reach.
    #[test]
    fn every_hash_within_the_distance_shares_a_band_within_its_radius() {
        let query = 0x0123_4567_89ab_cdef_u64;
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for d in 0..=24u32 {
            let radii = band_radii(d);
            for _ in 0..2_000 {
                let mut flip = 0u64;
                while flip.count_ones() < d {
                    // xorshift: deterministic positions to flip.
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    flip |= 1 << (seed % 64);
                }
                let other = query ^ flip;
                let found = (0..BANDS).any(|i| {
                    radii[i].is_some_and(|r| (band(query, i) ^ band(other, i)).count_ones() <= r)
                });
                assert!(found, "d={d} other={other:016x} missed");
            }
        }
    }

    #[test]
    fn values_within_a_radius_are_the_hamming_ball() {
        assert_eq!(values_within(0xabcd, 0), [0xabcd]);
        let ball = values_within(0, 2);
        assert_eq!(ball.len(), 1 + 16 + 120);
        assert!(ball.iter().all(|v| v.count_ones() <= 2));
    }
}
