//! Typed values from the text of an expression: numbers, byte sizes with
//! units, aspect ratios, dates (absolute or relative to now) and Booleans.
//! Each parser answers `None` for text it cannot read; the caller turns that
//! into an error naming the field and position.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// One value a condition compares with, typed for binding.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Decimal(f64),
}

/// A stretch of time `[start, end)` in unix seconds: what a date names. A
/// day is the whole day (UTC), a date-time one second, a relative time the
/// second it falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    pub start: i64,
    pub end: i64,
}

const KIB: f64 = 1024.0;

pub fn integer(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// A finite decimal number (`0.5`, `3`, `-1e2`).
pub fn decimal(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && !text.contains(['i', 'I', 'n', 'N']))
}

/// Bytes: a number with an optional unit `b`, `k`/`kb`, `m`/`mb`, `g`/`gb`
/// (any case; binary multiples, as file managers count): `1mb` = 1,048,576.
pub fn bytes(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let multiplier = match unit {
        "" | "b" => 1.0,
        "k" | "kb" => KIB,
        "m" | "mb" => KIB * KIB,
        "g" | "gb" => KIB * KIB * KIB,
        _ => return None,
    };
    if number.is_empty() {
        return None;
    }
    if !number.contains('.') && multiplier == 1.0 {
        return number.parse().ok();
    }
    let value = number.parse::<f64>().ok()? * multiplier;
    // Past i64 (or not a number) is no byte count.
    (value.is_finite() && value < 9.0e18).then(|| value.round() as i64)
}

/// `16:9` (or `16/9`) or a decimal ratio; positive.
pub fn aspect_ratio(text: &str) -> Option<f64> {
    let ratio = match text.split_once([':', '/']) {
        Some((w, h)) => {
            let (w, h) = (decimal(w)?, decimal(h)?);
            if h == 0.0 {
                return None;
            }
            w / h
        }
        None => decimal(text)?,
    };
    (ratio > 0.0).then_some(ratio)
}

/// `true` or `false` (any case).
pub fn boolean(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A date: `2025-01-31` (that day, UTC), `2025-01-31T10:00:00Z` (RFC 3339;
/// without an offset, UTC), Unix seconds (`1515911870`, that second), or a
/// time ago: a whole number and `h` (hours), `d` (days), `w` (weeks), `m`
/// (months of 30 days) or `y` (years of 365 days).
pub fn date(text: &str, now: DateTime<Utc>) -> Option<TimeSpan> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let start: i64 = text.parse().ok()?;
        // Past chrono's range is no date (and keeps `end` from overflowing).
        DateTime::from_timestamp(start, 0)?;
        return Some(TimeSpan {
            start,
            end: start + 1,
        });
    }
    if let Some(ago) = relative(text) {
        let at = now.checked_sub_signed(ago)?.timestamp();
        return Some(TimeSpan {
            start: at,
            end: at + 1,
        });
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
        return Some(TimeSpan {
            start,
            end: start + 86_400,
        });
    }
    let instant = DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .map(|t| t.and_utc().timestamp())
        })
        .ok()?;
    Some(TimeSpan {
        start: instant,
        end: instant + 1,
    })
}

/// Whether `text` is a relative time (which `:` cannot match).
pub fn is_relative_date(text: &str) -> bool {
    relative(text).is_some()
}

fn relative(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let count: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    if count < 0 {
        return None;
    }
    let hours = match unit {
        'h' => 1,
        'd' => 24,
        'w' => 24 * 7,
        'm' => 24 * 30,
        'y' => 24 * 365,
        _ => return None,
    };
    Duration::try_hours(count.checked_mul(hours)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_take_binary_units_in_any_case() {
        assert_eq!(bytes("1024"), Some(1024));
        assert_eq!(bytes("2kb"), Some(2048));
        assert_eq!(bytes("1MB"), Some(1_048_576));
        assert_eq!(bytes("1m"), Some(1_048_576));
        assert_eq!(bytes("1.5k"), Some(1536));
        assert_eq!(bytes("1gb"), Some(1 << 30));
        for bad in ["", "mb", "1tb", "1 mb", "-1", "1e3", "99999999999gb"] {
            assert_eq!(bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_days_instants_or_times_ago() {
        let now = DateTime::parse_from_rfc3339("2025-06-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let day = date("2025-01-01", now).unwrap();
        assert_eq!((day.start, day.end - day.start), (1_735_689_600, 86_400));
        assert_eq!(
            date("2025-01-01T00:00:10Z", now).unwrap().start,
            1_735_689_610
        );
        assert_eq!(
            date("2025-01-01T00:00:10", now).unwrap().start,
            1_735_689_610
        );
        assert_eq!(date("1d", now).unwrap().start, now.timestamp() - 86_400);
        assert_eq!(
            date("2w", now).unwrap().start,
            now.timestamp() - 14 * 86_400
        );
        assert_eq!(
            date("1m", now).unwrap().start,
            now.timestamp() - 30 * 86_400
        );
        assert_eq!(
            date("1y", now).unwrap().start,
            now.timestamp() - 365 * 86_400
        );
        assert_eq!(date("3h", now).unwrap().start, now.timestamp() - 3 * 3600);
        let unix = date("1515911870", now).unwrap();
        assert_eq!((unix.start, unix.end), (1_515_911_870, 1_515_911_871));
        assert_eq!(date("99999999999999999999", now), None);
        assert_eq!(date("9223372036854775807", now), None);
        for bad in ["", "d", "1x", "-1d", "2025-13-01", "yesterday", "1.5d"] {
            assert_eq!(date(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn ratios_and_numbers() {
        assert_eq!(aspect_ratio("16:9"), Some(16.0 / 9.0));
        assert_eq!(aspect_ratio("1.5"), Some(1.5));
        assert_eq!(aspect_ratio("4/3"), Some(4.0 / 3.0));
        assert_eq!(aspect_ratio("1:0"), None);
        assert_eq!(aspect_ratio("-1"), None);
        assert_eq!(decimal("NaN"), None);
        assert_eq!(decimal("inf"), None);
        assert_eq!(boolean("TRUE"), Some(true));
        assert_eq!(boolean("1"), None);
    }
}
