//! Time, in one place: now in UTC (to the microsecond, which both databases
//! store alike), the minute a reporter's times are kept to, the calendar day
//! where the bureaus are, and an injectable clock for jobs and tests.
use std::sync::Mutex;

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Now in UTC, truncated to microseconds so both backends store the same value.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// A time truncated to the minute: what is stored of every time that
/// tells when a reporter acted (tips, their updates and messages, uploads,
/// a new case, a relay ticket), so no record can be lined up with a
/// connection log to the second.
pub fn to_minute(t: NaiveDateTime) -> NaiveDateTime {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

/// The calendar day in China (UTC+8, no daylight saving) of an instant
/// stored in UTC: deadlines are dates where the bureaus are.
pub fn local_day(at: NaiveDateTime) -> NaiveDate {
    (at + Duration::hours(8)).date()
}

/// An instant stored in UTC as people in China read it: Beijing time
/// (UTC+8, no daylight saving), to the minute. Every page shows times so;
/// it is the packs' `time_zone` (`Asia/Shanghai`, the only one the pack
/// checker accepts).
pub fn local_minute(at: impl std::borrow::Borrow<NaiveDateTime>) -> String {
    (*at.borrow() + Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Where "now" comes from, so that a job can run on a set day.
pub trait Clock: Send + Sync {
    fn now(&self) -> NaiveDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        now()
    }
}

/// A clock that only moves when told (tests, `--today` on the CLI).
pub struct FixedClock(Mutex<NaiveDateTime>);

impl FixedClock {
    pub fn new(at: NaiveDateTime) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    pub fn set(&self, at: NaiveDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_and_local_days() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_micro_opt(16, 30, 42, 123_456)
            .unwrap();
        assert_eq!(to_minute(t).to_string(), "2026-12-01 16:30:00");
        assert_eq!(local_day(t).to_string(), "2026-12-02");
        assert_eq!(local_minute(t), "2026-12-02 00:30");
        let c = FixedClock::new(t);
        assert_eq!(c.now(), t);
    }
}
