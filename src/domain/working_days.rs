//! The working-day calendar: Monday to Friday, minus the public holidays,
//! plus the weekend days worked instead (调休上班日). The days themselves are
//! policy and live in each pack's `workdays.toml`; this is the arithmetic.
use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Parse one entry of a pack's day list: `2019-02-04` or `2019-02-04..2019-02-10`
/// (both ends included).
pub fn parse_days(spec: &str) -> Result<Vec<NaiveDate>, String> {
    let day = |s: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
    };
    match spec.split_once("..") {
        None => Ok(vec![day(spec)?]),
        Some((a, b)) => {
            let (from, to) = (day(a)?, day(b)?);
            if to < from {
                return Err(format!("range `{spec}` ends before it starts"));
            }
            if (to - from).num_days() > 31 {
                return Err(format!("range `{spec}` is longer than a month"));
            }
            Ok(from.iter_days().take_while(|d| *d <= to).collect())
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    covered: BTreeSet<i32>,
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl WorkCalendar {
    /// A calendar covering `year` with these holidays and make-up working days.
    pub fn add_year(
        &mut self,
        year: i32,
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) {
        self.covered.insert(year);
        self.holidays.extend(holidays);
        self.workdays.extend(workdays);
    }

    /// Whether the year's official notice is in the calendar. Outside it,
    /// only weekends are days off, and callers should say the date is an estimate.
    pub fn covers(&self, year: i32) -> bool {
        self.covered.contains(&year)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !is_weekend(d) && !self.holidays.contains(&d)
    }

    /// The `n`th working day after `from` (`from` itself does not count, as a
    /// limit runs from the day after the work order arrives). `n = 0` is `from`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days from `from` to `to`: those after `from` up to and
    /// including `to`, negative when `to` is earlier (the days it is past).
    /// Bounded to ten years either way, so a mistyped date cannot spin.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let b = b.min(a + Duration::days(3660));
        let mut n = 0;
        let mut d = a;
        while d < b {
            d += Duration::days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        sign * n
    }

    /// Whether every day from `from` to `to` lies in covered years.
    pub fn covers_span(&self, from: NaiveDate, to: NaiveDate) -> bool {
        (from.year()..=to.year()).all(|y| self.covers(y))
    }

    /// The years from `today` to `horizon_days` later that the calendar
    /// lacks: deadlines in them skip weekends only, not the holidays.
    pub fn missing_years(&self, today: NaiveDate, horizon_days: i64) -> Vec<i32> {
        let until = today + chrono::Duration::days(horizon_days);
        (today.year()..=until.year())
            .filter(|y| !self.covers(*y))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_without_its_notice_is_named_before_it_starts() {
        let mut c = WorkCalendar::default();
        c.add_year(2026, [], []);
        assert!(c.missing_years(d("2026-06-01"), 60).is_empty());
        assert_eq!(c.missing_years(d("2026-12-01"), 60), [2027]);
        assert_eq!(c.missing_years(d("2027-03-01"), 60), [2027]);
    }

    #[test]
    fn days_left_count_working_days_and_go_negative_when_past() {
        let mut c = WorkCalendar::default();
        // 2026-10-01..07 National Day, 2026-10-10 (Saturday) a make-up day.
        c.add_year(
            2026,
            (1..=7).map(|n| d(&format!("2026-10-0{n}"))),
            [d("2026-10-10")],
        );
        assert_eq!(c.working_days_between(d("2026-09-30"), d("2026-09-30")), 0);
        assert_eq!(c.working_days_between(d("2026-09-30"), d("2026-10-09")), 2);
        assert_eq!(c.working_days_between(d("2026-09-30"), d("2026-10-10")), 3);
        assert_eq!(c.working_days_between(d("2026-10-12"), d("2026-10-09")), -2);
        assert_eq!(c.working_days_between(d("2026-12-07"), d("2026-12-04")), -1);
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal2019() -> WorkCalendar {
        let mut c = WorkCalendar::default();
        let hol = ["2019-10-01..2019-10-07", "2019-02-04..2019-02-10"]
            .iter()
            .flat_map(|s| parse_days(s).unwrap());
        c.add_year(
            2019,
            hol,
            [d("2019-09-29"), d("2019-10-12"), d("2019-02-02")],
        );
        c
    }

    #[test]
    fn ranges_include_both_ends() {
        assert_eq!(parse_days("2019-10-01..2019-10-07").unwrap().len(), 7);
        assert_eq!(parse_days("2019-10-01").unwrap(), vec![d("2019-10-01")]);
        assert!(parse_days("2019-10-07..2019-10-01").is_err());
        assert!(parse_days("2019-13-01").is_err());
    }

    #[test]
    fn national_day_week_and_its_make_up_days() {
        let c = cal2019();
        // Friday 27 Sep 2019 + 1 working day: Sunday 29 Sep is worked (调休).
        assert_eq!(c.add_working_days(d("2019-09-27"), 1), d("2019-09-29"));
        // Then 30 Sep, then the holiday week, then Tuesday 8 Oct.
        assert_eq!(c.add_working_days(d("2019-09-27"), 2), d("2019-09-30"));
        assert_eq!(c.add_working_days(d("2019-09-27"), 3), d("2019-10-08"));
        // Saturday 12 Oct is worked too.
        assert!(c.is_working_day(d("2019-10-12")));
        assert!(!c.is_working_day(d("2019-10-13")));
        // 15 working days from Monday 30 Sep 2019: 8–11 Oct (4), 12 Oct (5),
        // 14–18 Oct (10), 21–25 Oct (15).
        assert_eq!(c.add_working_days(d("2019-09-30"), 15), d("2019-10-25"));
    }

    #[test]
    fn uncovered_years_count_weekdays_only() {
        let c = cal2019();
        assert!(!c.covers(2031));
        // Friday 3 Jan 2031 + 1 → Monday 6 Jan.
        assert_eq!(c.add_working_days(d("2031-01-03"), 1), d("2031-01-06"));
        assert!(!c.covers_span(d("2019-12-01"), d("2020-01-10")));
    }
}
