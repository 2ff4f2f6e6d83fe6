//! The cookie-date algorithm of RFC 6265 §5.1.1, which reads every date format servers have
//! used in `Expires` (RFC 1123, Netscape's `01-Jan-1970`, asctime) the way browsers do.

use time::{Date, Month, PrimitiveDateTime, Time};

/// Parses a cookie date into unix seconds, exactly as RFC 6265 §5.1.1 describes.
///
/// The string is split into tokens at delimiter bytes; the first token that looks like a time,
/// a day of month, a month and a year (tried in that order) provides that field, in any order.
/// Two-digit years 70–99 mean 19xx and 0–69 mean 20xx. Returns `None` when a field is missing
/// or out of range, or when the date does not exist (for example 30 February).
pub fn parse_cookie_date(s: &str) -> Option<i64> {
    let mut fields = Fields::default();
    for token in s
        .as_bytes()
        .split(|&b| is_delimiter(b))
        .filter(|t| !t.is_empty())
    {
        fields.absorb(token);
    }
    fields.to_unix()
}

/// The date fields found so far; each is taken from the first token that matches it.
#[derive(Default)]
struct Fields {
    time: Option<(u32, u32, u32)>,
    day: Option<u32>,
    month: Option<Month>,
    year: Option<u32>,
}

impl Fields {
    fn absorb(&mut self, token: &[u8]) {
        if self.time.is_none()
            && let Some(hms) = hms_time(token)
        {
            self.time = Some(hms);
        } else if self.day.is_none()
            && let Some((day, _)) = digits(token, 1, 2)
        {
            self.day = Some(day);
        } else if self.month.is_none()
            && let Some(month) = month(token)
        {
            self.month = Some(month);
        } else if self.year.is_none()
            && let Some((year, _)) = digits(token, 2, 4)
        {
            self.year = Some(year);
        }
    }

    fn to_unix(&self) -> Option<i64> {
        let (hour, minute, second) = self.time?;
        let day = self.day?;
        let year = match self.year? {
            y @ 70..=99 => y + 1900,
            y @ 0..=69 => y + 2000,
            y => y,
        };
        if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let date = Date::from_calendar_date(
            i32::try_from(year).ok()?,
            self.month?,
            u8::try_from(day).ok()?,
        )
        .ok()?;
        let time = Time::from_hms(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )
        .ok()?;
        Some(
            PrimitiveDateTime::new(date, time)
                .assume_utc()
                .unix_timestamp(),
        )
    }
}

/// `delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E`.
fn is_delimiter(b: u8) -> bool {
    matches!(b, 0x09 | 0x20..=0x2F | 0x3B..=0x40 | 0x5B..=0x60 | 0x7B..=0x7E)
}

/// Reads `min*max DIGIT` at the start of `token`, which must be followed by a non-digit or the
/// end; returns the number and the rest of the token.
fn digits(token: &[u8], min: usize, max: usize) -> Option<(u32, &[u8])> {
    let n = token.iter().take_while(|b| b.is_ascii_digit()).count();
    if n < min || n > max {
        return None;
    }
    let value = token[..n]
        .iter()
        .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
    Some((value, &token[n..]))
}

/// `hms-time = time-field ":" time-field ":" time-field`, then optionally a non-digit and
/// anything.
fn hms_time(token: &[u8]) -> Option<(u32, u32, u32)> {
    let (hour, rest) = digits(token, 1, 2)?;
    let (minute, rest) = digits(rest.strip_prefix(b":")?, 1, 2)?;
    let (second, _) = digits(rest.strip_prefix(b":")?, 1, 2)?;
    Some((hour, minute, second))
}

/// `month = ( "jan" / … / "dec" ) *OCTET`, case-insensitive.
fn month(token: &[u8]) -> Option<Month> {
    const NAMES: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let prefix = token.get(..3)?;
    let index = NAMES
        .iter()
        .position(|name| prefix.eq_ignore_ascii_case(&name[..]))?;
    Month::try_from(u8::try_from(index + 1).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_cookie_date;

    #[test]
    fn accepts_the_formats_servers_send() {
        let cases = [
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            ("Thu, 01 Jan 1970 00:00:01 GMT", 1),
            ("Thursday, 01-Jan-1970 00:00:01 GMT", 1),
            ("Thu Jan  1 00:00:00 1970", 0),
            ("Tue, 01 Dec 2026 09:29:15 GMT", 1_796_117_355),
            ("01 Jan 70 00:00:00 GMT", 0),
            ("Wed, 09 Jun 2021 10:18:14 GMT", 1_623_233_894),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_cookie_date(input), Some(expected), "{input}");
        }
    }

    #[test]
    fn tokens_may_come_in_any_order_and_case() {
        assert_eq!(parse_cookie_date("1970 00:00:00 JANUARY 01"), Some(0));
        assert_eq!(parse_cookie_date("00:00:00 1 jan 1970"), Some(0));
        assert_eq!(parse_cookie_date("1-jAn-1970,0:0:0"), Some(0));
        // Trailing non-digits after a field are allowed by the grammar.
        assert_eq!(parse_cookie_date("01st Jan 1970AD 00:00:00GMT"), Some(0));
    }

    #[test]
    fn two_digit_years_pivot_at_70() {
        assert_eq!(
            parse_cookie_date("01 Jan 69 00:00:00"),
            parse_cookie_date("01 Jan 2069 00:00:00")
        );
        assert_eq!(
            parse_cookie_date("01 Jan 99 00:00:00"),
            parse_cookie_date("01 Jan 1999 00:00:00")
        );
        assert_eq!(
            parse_cookie_date("01 Jan 00 00:00:00"),
            parse_cookie_date("01 Jan 2000 00:00:00")
        );
    }

    #[test]
    fn first_matching_token_wins() {
        // "12" is taken as the day, so "13" becomes the year and "1970" is ignored.
        assert_eq!(
            parse_cookie_date("12 13 Jan 1970 00:00:00"),
            parse_cookie_date("12 Jan 2013 00:00:00")
        );
    }

    #[test]
    fn rejects_garbage_and_invalid_dates() {
        let cases = [
            "",
            "garbage",
            "0",
            "-1",
            "Thu, 01 Jan 1970",                // no time
            "01 1970 00:00:00",                // no month
            "Jan 1970 00:00:00",               // no day
            "01 Jan 00:00:00",                 // no year
            "Thu, 32 Jan 1970 00:00:00 GMT",   // day out of range
            "Thu, 00 Jan 1970 00:00:00 GMT",   // day out of range
            "Thu, 30 Feb 2020 00:00:00 GMT",   // no such date
            "Thu, 01 Jan 1600 00:00:00 GMT",   // before 1601
            "Thu, 01 Jan 1970 24:00:00 GMT",   // hour
            "Thu, 01 Jan 1970 00:60:00 GMT",   // minute
            "Thu, 01 Jan 1970 00:00:60 GMT",   // second
            "Thu, 01 Jan 1970 000:00:00 GMT",  // three-digit time field
            "Thu, 001 Jan 19700 00:00:00 GMT", // too many digits for day and year
            "Thu, 01 Foo 1970 00:00:00 GMT",   // unknown month
            "Thu, 01 Jan 1970 00:00 GMT",      // two-part time
        ];
        for input in cases {
            assert_eq!(parse_cookie_date(input), None, "{input:?}");
        }
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        assert!(parse_cookie_date("29 Feb 2024 00:00:00").is_some());
        assert!(parse_cookie_date("29 Feb 2023 00:00:00").is_none());
        assert!(parse_cookie_date("29 Feb 2100 00:00:00").is_none());
    }

    #[test]
    fn non_ascii_bytes_do_not_panic() {
        assert_eq!(parse_cookie_date("Thü, 01 Jän 1970 00:00:00"), None);
        assert_eq!(parse_cookie_date("01 Jan 1970 00:00:00 \u{1F600}"), Some(0));
    }
}
