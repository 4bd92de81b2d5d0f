//! 报送提醒：the next due date of each report in the pack's calendar
//! (总结阶段), for the reminders on the dispatcher's dashboard.
use chrono::{Datelike, NaiveDate};

use crate::jurisdiction::{ReportCovers, ReportDue};

/// One report coming due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub key: String,
    pub from: String,
    pub to: String,
    pub content: String,
    pub citation: String,
    /// The year the report is about (the plan year).
    pub plan_year: i32,
    pub due: NaiveDate,
    pub days_left: i64,
    /// The report period it covers, from the entry: `2026H1`, `2026H2` or
    /// `2026`.
    pub period: String,
}

/// The due date of `r` for plan year `year` (29 February falls back to 28).
pub fn due_in(r: &ReportDue, year: i32) -> Option<NaiveDate> {
    let (m, d) = r.due.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    let y = year + i32::from(r.year_offset);
    NaiveDate::from_ymd_opt(y, m, d).or_else(|| NaiveDate::from_ymd_opt(y, m, d - 1))
}

/// Reports whose next due date (today included) is within their reminder
/// window, soonest first.
pub fn upcoming(calendar: &[ReportDue], today: NaiveDate) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = calendar
        .iter()
        .filter_map(|r| {
            // A due date next January may belong to last year's plan year.
            let (plan_year, due) = [today.year() - 1, today.year(), today.year() + 1]
                .into_iter()
                .filter_map(|y| due_in(r, y).map(|d| (y, d)))
                .find(|(_, d)| *d >= today)?;
            let days_left = (due - today).num_days();
            if days_left > i64::from(r.remind_days) {
                return None;
            }
            let period = match r.covers {
                ReportCovers::H1 => format!("{plan_year}H1"),
                ReportCovers::H2 => format!("{plan_year}H2"),
                ReportCovers::Year => plan_year.to_string(),
            };
            Some(Reminder {
                key: r.key.clone(),
                from: r.from.clone(),
                to: r.to.clone(),
                content: r.content.clone(),
                citation: r.citation.clone(),
                plan_year,
                due,
                days_left,
                period,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.due, &a.key).cmp(&(b.due, &b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(key: &str, mmdd: &str, offset: u8) -> ReportDue {
        let h1 = offset == 0 && mmdd < "07";
        ReportDue {
            covers: if h1 {
                ReportCovers::H1
            } else {
                ReportCovers::Year
            },
            key: key.into(),
            from: "各区".into(),
            to: "市工业和信息化局".into(),
            content: "年度总结".into(),
            due: mmdd.into(),
            year_offset: offset,
            remind_days: 30,
            citation: String::new(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shenzhen_year_end_and_january() {
        let cal = [
            due("bureau_lists", "06-30", 0),
            due("district_year_summary", "12-31", 0),
            due("city_year_summary", "01-15", 1),
        ];
        // Early December: only the district summary is within 30 days.
        let r = upcoming(&cal, day("2026-12-05"));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].key, "district_year_summary");
        assert_eq!((r[0].due, r[0].days_left), (day("2026-12-31"), 26));
        assert_eq!(r[0].period, "2026");
        // 20 December: both year-end reports; the city's is about 2026.
        let r = upcoming(&cal, day("2026-12-20"));
        let keys: Vec<_> = r.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, ["district_year_summary", "city_year_summary"]);
        assert_eq!((r[1].plan_year, r[1].due), (2026, day("2027-01-15")));
        // On the due date itself it is still shown, with 0 days left.
        let r = upcoming(&cal, day("2027-01-15"));
        assert_eq!(
            (r[0].key.as_str(), r[0].days_left),
            ("city_year_summary", 0)
        );
        // The day after, nothing is due within 30 days.
        assert!(upcoming(&cal, day("2027-01-16")).is_empty());
        // June: the half-year lists, period H1.
        let r = upcoming(&cal, day("2026-06-10"));
        assert_eq!(
            (r[0].key.as_str(), r[0].period.as_str()),
            ("bureau_lists", "2026H1")
        );
    }

    #[test]
    fn window_comes_from_the_entry() {
        let mut d = due("x", "06-15", 0);
        d.remind_days = 5;
        assert!(upcoming(std::slice::from_ref(&d), day("2026-06-09")).is_empty());
        assert_eq!(
            upcoming(std::slice::from_ref(&d), day("2026-06-10")).len(),
            1
        );
    }

    #[test]
    fn period_comes_from_the_entry() {
        let mut d = due("bureau_feedback_h2", "11-30", 0);
        d.covers = ReportCovers::H2;
        let r = upcoming(std::slice::from_ref(&d), day("2026-11-20"));
        assert_eq!(r[0].period, "2026H2");
        d.covers = ReportCovers::H1;
        let r = upcoming(std::slice::from_ref(&d), day("2026-11-20"));
        assert_eq!(r[0].period, "2026H1");
    }

    #[test]
    fn leap_day_falls_back() {
        let d = due("x", "02-29", 0);
        assert_eq!(due_in(&d, 2027), Some(day("2027-02-28")));
        assert_eq!(due_in(&d, 2028), Some(day("2028-02-29")));
    }
}
