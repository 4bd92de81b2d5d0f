//! A calendar day as people and clients write it: `YYYY-MM-DD`, a year of
//! four digits between 1900 and 2100. chrono alone would take
//! `+200000-01-01` or `-0001-01-01`, which no inspection, deadline or
//! incident ever had, and which break sorting, exports and reports.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};

pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayError {
    Format,
    OutOfRange,
}

impl DayError {
    pub fn zh(self) -> &'static str {
        match self {
            DayError::Format => "日期格式应为 YYYY-MM-DD",
            DayError::OutOfRange => "日期须在1900年至2100年之间",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            DayError::Format => "the date must be written YYYY-MM-DD",
            DayError::OutOfRange => "the date must lie between 1900 and 2100",
        }
    }
}

/// Parse `YYYY-MM-DD` strictly (surrounding spaces allowed).
pub fn parse(s: &str) -> Result<NaiveDate, DayError> {
    let s = s.trim();
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(DayError::Format);
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| DayError::Format)?;
    if (FIRST_YEAR..=LAST_YEAR).contains(&day.year()) {
        Ok(day)
    } else {
        Err(DayError::OutOfRange)
    }
}

/// `#[serde(deserialize_with = "day::required")]` for a `NaiveDate` field.
pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    parse(&s).map_err(|e| serde::de::Error::custom(format!("{} ({})", e.en(), e.zh())))
}

/// `#[serde(default, deserialize_with = "day::optional")]` for an
/// `Option<NaiveDate>` field; null or an empty string is none.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => parse(&s)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("{} ({})", e.en(), e.zh()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_four_digit_years_in_range() {
        assert_eq!(
            parse(" 2026-12-02 "),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap())
        );
        assert_eq!(parse("1900-01-01").map(|d| d.year()), Ok(1900));
        assert_eq!(parse("2100-12-31").map(|d| d.year()), Ok(2100));
        assert_eq!(parse("+200000-01-01"), Err(DayError::Format));
        assert_eq!(parse("-0001-01-01"), Err(DayError::Format));
        assert_eq!(parse("0001-01-01"), Err(DayError::OutOfRange));
        assert_eq!(parse("2101-01-01"), Err(DayError::OutOfRange));
        assert_eq!(parse("2026-02-30"), Err(DayError::Format));
        assert_eq!(parse("２０２６-01-01"), Err(DayError::Format));
        assert_eq!(parse("2026-1-1"), Err(DayError::Format));
    }
}
