//! Parsing and checking single values: dates, datetimes, booleans, lists, ids.

use chrono::NaiveDate;

fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// `YYYY-MM-DD`, calendar-checked.
pub(crate) fn canonical_date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i32::try_from(digits(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(y, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// A date in a format SIS exports use instead of `YYYY-MM-DD`.
pub(crate) fn lenient_date(v: &str) -> Option<NaiveDate> {
    if v.is_empty() {
        return None;
    }
    if let Some(d) = canonical_date(v) {
        return Some(d);
    }
    for fmt in [
        "%m/%d/%Y",
        // Only when month-first is impossible (`15/06/2023`): see `dates.rs`.
        "%d/%m/%Y",
        "%Y/%m/%d",
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(v, fmt) {
            return Some(d);
        }
    }
    None
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, milliseconds).
pub(crate) fn canonical_datetime(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 24 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'.' || b[23] != b'Z' {
        return false;
    }
    canonical_date(&v[..10]).is_some()
        && digits(&b[11..13]).is_some_and(|h| h < 24)
        && digits(&b[14..16]).is_some_and(|m| m < 60)
        && digits(&b[17..19]).is_some_and(|s| s < 61)
        && digits(&b[20..23]).is_some()
}

/// A datetime in another common shape (no milliseconds, no `Z`, a space, a date
/// alone), read as UTC (an offset is applied; a time
/// without one is taken as UTC; a date alone is midnight).
pub(crate) fn read_datetime(v: &str) -> Option<chrono::NaiveDateTime> {
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(d.naive_utc());
    }
    [
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(v, f).ok())
    .or_else(|| lenient_date(v).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

/// `YYYY`.
pub(crate) fn year(v: &str) -> bool {
    v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit())
}

/// A boolean: `Some((value, canonical))`.
pub(crate) fn boolean(v: &str) -> Option<(bool, bool)> {
    match v {
        "true" => Some((true, true)),
        "false" => Some((false, true)),
        _ if v.eq_ignore_ascii_case("true") || v == "1" || v.eq_ignore_ascii_case("yes") => Some((true, false)),
        _ if v.eq_ignore_ascii_case("false") || v == "0" || v.eq_ignore_ascii_case("no") => Some((false, false)),
        _ => None,
    }
}

/// The bytes a sourcedId may hold: `A-Z a-z 0-9 . / @ _ -`.
const ID_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation)]
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'.' | b'/' | b'@' | b'_' | b'-');
        b += 1;
    }
    t
};

/// Whether a sourcedId uses the characters and length consumers accept.
pub(crate) fn good_sourced_id(v: &str) -> bool {
    v.len() <= 255 && v.bytes().fold(true, |ok, b| ok & ID_BYTES[usize::from(b)])
}

/// The items of a comma-separated list, trimmed, without empty ones; and whether the
/// list was written cleanly (no empty items, no spaces around commas).
pub(crate) fn list(v: &str) -> (impl Iterator<Item = &str>, bool) {
    let clean = !v.split(',').any(|i| i.is_empty() || i.trim().len() != i.len());
    (v.split(',').map(str::trim).filter(|s| !s.is_empty()), clean)
}

/// `{type:id}`.
pub(crate) fn user_id(v: &str) -> bool {
    v.len() >= 5
        && v.starts_with('{')
        && v.ends_with('}')
        && v[1..v.len() - 1]
            .split_once(':')
            .is_some_and(|(t, i)| !t.is_empty() && !i.is_empty())
}

/// The items of a `userIds` list: `{a:1},{b:2}` splits between the braces.
pub(crate) fn user_ids(v: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in v.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(v[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(v[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_datetimes() {
        assert!(canonical_date("2026-02-28").is_some());
        assert!(canonical_date("2026-02-30").is_none());
        assert!(canonical_date("2026-2-28").is_none());
        assert_eq!(lenient_date("8/27/2018"), NaiveDate::from_ymd_opt(2018, 8, 27));
        assert_eq!(lenient_date("15/06/2023"), NaiveDate::from_ymd_opt(2023, 6, 15));
        assert_eq!(
            lenient_date("06/07/2023"),
            NaiveDate::from_ymd_opt(2023, 6, 7),
            "month-first when either"
        );
        assert!(canonical_datetime("2026-11-01T12:00:00.000Z"));
        assert!(!canonical_datetime("2026-11-01T12:00:00Z"));
        assert!(read_datetime("2026-11-01T12:00:00Z").is_some());
        assert!(read_datetime("2017-05-06 08:01:05").is_some());
        assert!(read_datetime("yesterday").is_none());
        assert_eq!(
            read_datetime("2026-11-01T14:00:00+02:00").map(|d| d.to_string()),
            Some("2026-11-01 12:00:00".into())
        );
    }

    #[test]
    fn lists_ids_and_booleans() {
        let (items, clean) = list("a, b,,c");
        assert_eq!(items.collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(!clean);
        assert!(list("a,b").1);
        assert_eq!(user_ids("{LDAP:12},{LTI:15}"), ["{LDAP:12}", "{LTI:15}"]);
        assert!(user_id("{LDAP:12}") && !user_id("LDAP:12") && !user_id("{:1}"));
        assert!(good_sourced_id("a-1.b@c/d_e") && !good_sourced_id("a b") && !good_sourced_id(&"x".repeat(256)));
        assert_eq!(boolean("TRUE"), Some((true, false)));
        assert_eq!(boolean("maybe"), None);
    }
}
