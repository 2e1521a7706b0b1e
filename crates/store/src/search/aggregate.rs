//! `aggregate`: counts of the matching assets per value of a field (format,
//! resource_type, type) or per range of a number (bytes, pixels), each over
//! every match, not just the page returned.
//!
//! A range field without ranges of its own gets the default buckets below;
//! Cloudinary's custom aggregations (`{"type": "bytes", "ranges": [...]}`)
//! map to [`AggregateRequest::Ranges`] with the caller's ranges.

use std::str::FromStr;

use super::error::SearchError;

/// One requested aggregation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateRequest {
    /// How many matches have each value.
    Values(ValuesField),
    /// How many matches fall in each range (an asset counts in every range
    /// it falls in).
    Ranges {
        field: RangeField,
        ranges: Vec<AggregateRange>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValuesField {
    Format,
    ResourceType,
    DeliveryType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeField {
    Bytes,
    /// width x height; only images are counted, as Cloudinary does.
    Pixels,
}

/// A named range `[from, to)`; an absent end is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRange {
    pub key: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The counts of one aggregation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregation {
    /// The aggregated field's wire name (`format`, `type`, `bytes`, ...).
    pub field: &'static str,
    /// Values: most frequent first (ties by value). Ranges: in the order
    /// requested, empty ones included.
    pub buckets: Vec<AggregateBucket>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateBucket {
    pub key: String,
    pub count: u64,
}

/// Most ranges in one custom aggregation (each is one more count).
pub const MAX_AGGREGATE_RANGES: usize = 50;
/// Longest range key, in characters.
pub const MAX_RANGE_KEY_CHARS: usize = 128;

const KIB: i64 = 1024;
const MIB: i64 = 1024 * KIB;

impl ValuesField {
    pub fn name(self) -> &'static str {
        match self {
            ValuesField::Format => "format",
            ValuesField::ResourceType => "resource_type",
            ValuesField::DeliveryType => "type",
        }
    }

    /// The column grouped by.
    pub(crate) fn column(self) -> &'static str {
        match self {
            ValuesField::Format => "format",
            ValuesField::ResourceType => "resource_type",
            ValuesField::DeliveryType => "delivery_type",
        }
    }
}

impl RangeField {
    pub fn name(self) -> &'static str {
        match self {
            RangeField::Bytes => "bytes",
            RangeField::Pixels => "pixels",
        }
    }

    /// The number ranged over.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            RangeField::Bytes => "bytes",
            RangeField::Pixels => "(width * height)",
        }
    }

    /// Which assets count at all.
    pub(crate) fn only(self) -> Option<&'static str> {
        match self {
            RangeField::Bytes => None,
            RangeField::Pixels => Some("resource_type = 'image'"),
        }
    }

    /// The buckets used when the request names none: `tiny`, `small`,
    /// `medium`, `large`, `huge`. Bytes: under 50 KiB, 250 KiB, 1 MiB, 5 MiB,
    /// and above. Pixels: under 0.1, 1, 4 and 12 megapixels, and above.
    pub fn default_ranges(self) -> Vec<AggregateRange> {
        let limits: [i64; 4] = match self {
            RangeField::Bytes => [50 * KIB, 250 * KIB, MIB, 5 * MIB],
            RangeField::Pixels => [100_000, 1_000_000, 4_000_000, 12_000_000],
        };
        let names = ["tiny", "small", "medium", "large", "huge"];
        names
            .iter()
            .enumerate()
            .map(|(i, name)| AggregateRange {
                key: (*name).to_string(),
                from: i.checked_sub(1).map(|previous| limits[previous]),
                to: limits.get(i).copied(),
            })
            .collect()
    }
}

impl AggregateRequest {
    /// A range aggregation with the caller's ranges (see
    /// [`AggregateRequest::check`]).
    pub fn ranges(
        field: RangeField,
        ranges: Vec<AggregateRange>,
    ) -> Result<AggregateRequest, SearchError> {
        let request = AggregateRequest::Ranges { field, ranges };
        request.check()?;
        Ok(request)
    }

    /// Ranges need at least one range, each with a key of its own and at
    /// least one end, `from` below `to`.
    pub fn check(&self) -> Result<(), SearchError> {
        let AggregateRequest::Ranges { ranges, .. } = self else {
            return Ok(());
        };
        let invalid = |key: &str, reason: &str| SearchError::InvalidAggregateRange {
            key: key.to_string(),
            reason: reason.to_string(),
        };
        if ranges.is_empty() {
            return Err(invalid("", "at least one range is needed"));
        }
        if ranges.len() > MAX_AGGREGATE_RANGES {
            return Err(SearchError::TooMany {
                what: "aggregation ranges",
                max: MAX_AGGREGATE_RANGES,
            });
        }
        for (i, range) in ranges.iter().enumerate() {
            if range.key.is_empty() {
                return Err(invalid("", "every range needs a key"));
            }
            if range.key.chars().count() > MAX_RANGE_KEY_CHARS {
                return Err(SearchError::TooMany {
                    what: "characters in a range key",
                    max: MAX_RANGE_KEY_CHARS,
                });
            }
            // PostgreSQL text cannot hold NUL; no key needs one.
            if range.key.contains('\0') {
                return Err(invalid(&range.key.replace('\0', "\\0"), "NUL character"));
            }
            if ranges[..i].iter().any(|other| other.key == range.key) {
                return Err(invalid(&range.key, "keys must differ"));
            }
            match (range.from, range.to) {
                (None, None) => return Err(invalid(&range.key, "needs from or to")),
                (Some(from), Some(to)) if from >= to => {
                    return Err(invalid(&range.key, "from must be below to"))
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub fn name(&self) -> &'static str {
        match self {
            AggregateRequest::Values(field) => field.name(),
            AggregateRequest::Ranges { field, .. } => field.name(),
        }
    }
}

impl FromStr for AggregateRequest {
    type Err = SearchError;

    /// A wire name: `format`, `resource_type`, `type`, or `bytes`/`pixels`
    /// with the default ranges.
    fn from_str(name: &str) -> Result<AggregateRequest, SearchError> {
        Ok(match name {
            "format" => AggregateRequest::Values(ValuesField::Format),
            "resource_type" => AggregateRequest::Values(ValuesField::ResourceType),
            "type" => AggregateRequest::Values(ValuesField::DeliveryType),
            "bytes" => AggregateRequest::Ranges {
                field: RangeField::Bytes,
                ranges: RangeField::Bytes.default_ranges(),
            },
            "pixels" => AggregateRequest::Ranges {
                field: RangeField::Pixels,
                ranges: RangeField::Pixels.default_ranges(),
            },
            _ => return Err(SearchError::UnknownAggregate(name.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ranges_tile_the_number_line() {
        let ranges = RangeField::Bytes.default_ranges();
        assert_eq!(ranges.len(), 5);
        assert_eq!(ranges[0].from, None);
        assert_eq!(ranges[4].to, None);
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].to, pair[1].from);
        }
    }

    #[test]
    fn names_and_custom_ranges_are_checked() {
        assert_eq!(
            "type".parse::<AggregateRequest>(),
            Ok(AggregateRequest::Values(ValuesField::DeliveryType))
        );
        assert!(matches!(
            "tags".parse::<AggregateRequest>(),
            Err(SearchError::UnknownAggregate(_))
        ));
        let range = |key: &str, from, to| AggregateRange {
            key: key.into(),
            from,
            to,
        };
        assert!(AggregateRequest::ranges(RangeField::Bytes, vec![]).is_err());
        assert!(
            AggregateRequest::ranges(RangeField::Bytes, vec![range("a", Some(5), Some(5))])
                .is_err()
        );
        assert!(AggregateRequest::ranges(RangeField::Bytes, vec![range("a", None, None)]).is_err());
        assert!(AggregateRequest::ranges(
            RangeField::Bytes,
            vec![range("a", None, Some(5)), range("a", Some(5), None)]
        )
        .is_err());
        assert!(AggregateRequest::ranges(
            RangeField::Pixels,
            vec![range("small", None, Some(5)), range("big", Some(5), None)]
        )
        .is_ok());
    }
}
