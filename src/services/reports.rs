//! 半年、年度总结：每区、每部门的数字。Half-year and yearly reports.
//!
//! Everything is read from case rows, tips, records, measures, notices and
//! the audit log of the period; the figures are computed here in Rust so
//! both backends give the same numbers.
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    audit_log, case_records, cases, relay_tickets, relays, supervision_notices, tips,
};
use crate::db::{DbConnection, DbError};
use crate::domain::case_state::CaseStatus;
use crate::domain::errors::FieldErrors;
use crate::domain::tip_status::Origin;
use crate::jurisdiction::Pack;
use crate::services::lists;
use crate::services::workflow::local_day;

/// `2019H1`, `2019H2` or `2019`: the first and last day.
pub fn parse_period(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (year, half) = match s.len() {
        4 => (s.parse::<i32>().ok()?, None),
        6 => (s[..4].parse::<i32>().ok()?, Some(&s[4..])),
        _ => return None,
    };
    let d = |m, day| NaiveDate::from_ymd_opt(year, m, day);
    match half {
        None => Some((d(1, 1)?, d(12, 31)?)),
        Some("H1") => Some((d(1, 1)?, d(6, 30)?)),
        Some("H2") => Some((d(7, 1)?, d(12, 31)?)),
        _ => None,
    }
}

/// The median and the 90th percentile (nearest rank) of days.
pub fn median_p90(mut v: Vec<f64>) -> (Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    (Some(median), Some(v[rank - 1]))
}

/// One row of the report: a district or a bureau. A figure counts for the
/// case's current district and lead bureau unless it says otherwise; "in
/// the period" means between China-time midnights (UTC+8).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Row {
    pub key: String,
    pub name: String,
    /// Tips received in the period through the public form or JSON API.
    pub tips_form: i64,
    /// … relayed by the 12345 hotline: tickets of channel `hotline`, and
    /// Open311 requests of a relay registered with `--source hotline`.
    pub tips_12345: i64,
    /// … relayed by the provincial platform (`platform`, likewise).
    pub tips_province: i64,
    /// … relayed by the national platform (`national`, likewise).
    pub tips_national: i64,
    /// Dispatches in the period, a re-dispatch after a return counting
    /// again; in the bureau table, for the bureau the case was sent to.
    pub dispatched: i64,
    /// Returns in the period; in the bureau table, for the bureau that
    /// returned the case (not the one it went to next).
    pub returned: i64,
    /// Returns the dispatcher accepted in the period (the case went to
    /// another bureau), for the bureau that returned it.
    pub returns_accepted: i64,
    /// 改派 in the period — an accepted return or a direct move — for the
    /// bureau the case was taken from.
    pub redispatched: i64,
    /// Findings recorded in the period, by kind.
    pub substantiated: i64,
    pub partly: i64,
    pub unsubstantiated: i64,
    pub unverifiable: i64,
    /// (substantiated + partly) / findings, to four places, or none
    /// without findings.
    pub substantiated_rate: Option<f64>,
    /// Days (to two places) from a case's first tip to its first dispatch,
    /// over the cases first dispatched in the period.
    pub dispatch_days_median: Option<f64>,
    pub dispatch_days_p90: Option<f64>,
    /// Days from a case's first dispatch (even one before the period) to
    /// its finding, over the findings recorded in the period.
    pub verify_days_median: Option<f64>,
    pub verify_days_p90: Option<f64>,
    /// Overdue notices (督办) the daily job wrote in the period: one per
    /// case, step and due date. Notices sent by hand are not counted.
    pub overdue: i64,
    /// Cases on the yellow list when the period ends: their standing then,
    /// so a past period's report does not change later.
    pub yellow: i64,
    /// Cases on the red list when the period ends.
    pub red: i64,
    /// Closure and licence-revocation orders (关停) in the period; not
    /// cases closed (办结).
    pub closures: i64,
    /// 响应率 (rates.toml): of the cases opened in the period — leaving
    /// out those merged away, and those not yet dispatched whose dispatch
    /// limit falls after the period — the share first dispatched by the
    /// pack's dispatch limit (working days from the day opened).
    pub responded_in_time: i64,
    pub response_base: i64,
    pub response_rate: Option<f64>,
    /// 解决率: of the same cases — leaving out open ones whose handling
    /// limit (dispatch + verification limits) falls after the period — the
    /// share closed (办结) by that limit.
    pub resolved_in_time: i64,
    pub resolution_base: i64,
    pub resolution_rate: Option<f64>,
    /// 满意率: ratings given in the period, (满意 + 基本满意) / rated.
    pub rated: i64,
    pub rated_satisfied: i64,
    pub satisfaction_rate: Option<f64>,
    /// Cases reopened for 二次办理 in the period.
    pub reopened: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CapacityRow {
    pub industry: String,
    pub industry_name: String,
    pub unit: String,
    pub enterprises: i64,
    pub capacity: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub district: Option<String>,
    pub by_district: Vec<Row>,
    pub by_bureau: Vec<Row>,
    /// Both tables summed (key `total`): what the city sends the province.
    /// Medians and rates are over every case, not sums of the rows.
    pub total: Row,
    pub capacity: Vec<CapacityRow>,
    /// Tips per month (`YYYY-MM`) for the trend chart.
    pub tips_per_month: Vec<(String, i64)>,
    /// Cases opened by the end of the period, by their status then.
    pub cases_by_status: Vec<(String, i64)>,
    /// Overdue notices per (district, bureau), for the heat map.
    pub overdue_matrix: Vec<(String, String, i64)>,
}

#[derive(Default)]
struct Acc {
    row: Row,
    dispatch_days: Vec<f64>,
    verify_days: Vec<f64>,
}

struct CaseRef {
    district: String,
    bureau: String,
    industry: String,
    dimensions: Vec<String>,
    created_at: NaiveDateTime,
}

/// A row's figures from what was counted: the rate and the day statistics.
fn finish_row(name: String, key: String, mut a: Acc) -> Row {
    let r = &mut a.row;
    let findings = r.substantiated + r.partly + r.unsubstantiated + r.unverifiable;
    r.substantiated_rate = share(r.substantiated + r.partly, findings);
    r.response_rate = share(r.responded_in_time, r.response_base);
    r.resolution_rate = share(r.resolved_in_time, r.resolution_base);
    r.satisfaction_rate = share(r.rated_satisfied, r.rated);
    (r.dispatch_days_median, r.dispatch_days_p90) = median_p90(a.dispatch_days);
    (r.verify_days_median, r.verify_days_p90) = median_p90(a.verify_days);
    r.name = name;
    r.key = key;
    a.row
}

/// `part / whole` to four places, or none of nothing.
fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10000.0).round() / 10000.0)
}

fn days(a: NaiveDateTime, b: NaiveDateTime) -> f64 {
    ((b - a).num_seconds() as f64 / 86400.0 * 100.0).round() / 100.0
}

/// The status an audited case action left case `id` in, if it moved it: a
/// workflow action records `to`; a merge closes the case merged away.
fn status_after(action: &str, detail: &serde_json::Value, id: i64) -> Option<CaseStatus> {
    match action {
        "case.merge" => (detail["from"].as_i64() == Some(id)).then_some(CaseStatus::Closed),
        _ => detail["to"].as_str().and_then(CaseStatus::parse),
    }
}

fn case_id_of(subject: &str) -> Option<i64> {
    subject.strip_prefix("case:")?.parse().ok()
}

type CaseFact = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    NaiveDateTime,
);
type TipFact = (
    i64,
    Option<i64>,
    String,
    NaiveDateTime,
    Option<String>,
    Option<String>,
);

/// A report asked for: a period that parses and, if any, a district of
/// the pack (by key, name or code), made into its key.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub district: Option<String>,
}

impl ReportRequest {
    pub fn parse(
        pack: &Pack,
        period: &str,
        district: Option<&str>,
    ) -> Result<ReportRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let period = period.trim();
        let dates = parse_period(period);
        if dates.is_none() {
            errors.add(
                "period",
                "报告期须为 2019H1、2019H2 或 2019 的形式",
                "period must be like 2019H1, 2019H2 or 2019",
            );
        }
        let district = match district.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => match pack.resolve_district(d) {
                Some(x) => Some(x.key.clone()),
                None => {
                    errors.add(
                        "district",
                        "本方案没有这个区",
                        "no such district in this jurisdiction's pack",
                    );
                    None
                }
            },
        };
        match dates {
            Some((from, to)) if errors.is_empty() => Ok(ReportRequest {
                period: period.to_string(),
                from,
                to,
                district,
            }),
            _ => Err(errors),
        }
    }
}

/// The report for `[from, to]` (China days), optionally one district.
pub fn build(conn: &mut DbConnection, pack: &Pack, ask: &ReportRequest) -> Result<Report, DbError> {
    let (from, to, period) = (ask.from, ask.to, ask.period.as_str());
    // Instants in UTC for China-day bounds.
    let start = (from.and_hms_opt(0, 0, 0).unwrap()) - chrono::Duration::hours(8);
    let end = (to.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap()) - chrono::Duration::hours(8);
    let district = ask.district.clone();

    let case_rows: Vec<CaseFact> = cases::table
        .select((
            cases::id,
            cases::district,
            cases::lead_bureau,
            cases::industry,
            cases::dimensions,
            cases::created_at,
        ))
        .load(conn)?;
    let mut cases_by_id = BTreeMap::new();
    for (id, d, b, i, dims, created_at) in case_rows {
        let d = d.unwrap_or_default();
        if district.as_ref().is_some_and(|x| *x != d) {
            continue;
        }
        cases_by_id.insert(
            id,
            CaseRef {
                district: d,
                bureau: b.unwrap_or_default(),
                industry: i.unwrap_or_default(),
                dimensions: crate::db::key_list(&dims),
                created_at,
            },
        );
    }
    let mut by_d: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_b: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    // Count in a district row and a bureau row (usually the case's own),
    // and once in the total.
    let mut both = |district: &str, bureau: &str, f: &mut dyn FnMut(&mut Acc)| {
        f(by_d.entry(district.to_string()).or_default());
        f(by_b.entry(bureau.to_string()).or_default());
        f(&mut total);
    };

    // Tips by source, by the case's district and bureau.
    let tip_rows: Vec<TipFact> = tips::table
        .left_join(relay_tickets::table)
        .left_join(relays::table.on(relays::id.nullable().eq(relay_tickets::relay_id.nullable())))
        .filter(tips::received_at.ge(start).and(tips::received_at.lt(end)))
        .select((
            tips::id,
            tips::case_id,
            tips::source,
            tips::received_at,
            relay_tickets::channel.nullable(),
            relays::source.nullable(),
        ))
        .load(conn)?;
    // Every month of the period, zero where no tip came: a chart that skips
    // quiet months misleads.
    let mut per_month: BTreeMap<String, i64> =
        months_of(from, to).into_iter().map(|m| (m, 0)).collect();
    for (_, case_id, source, at, channel, relay_source) in tip_rows {
        let Some(c) = case_id.and_then(|id| cases_by_id.get(&id)) else {
            continue;
        };
        *per_month
            .entry(local_day(at).format("%Y-%m").to_string())
            .or_default() += 1;
        let origin = Origin::of(&source, channel.as_deref(), relay_source.as_deref());
        both(&c.district, &c.bureau, &mut |a| match origin {
            Origin::Web => a.row.tips_form += 1,
            Origin::Hotline => a.row.tips_12345 += 1,
            Origin::Province => a.row.tips_province += 1,
            Origin::National => a.row.tips_national += 1,
        });
    }

    // Dispatches, returns, findings, closures and each case's status from
    // the audit log. Earlier entries are read too: a case's first dispatch,
    // the bureau it was last sent to and its status may come from before
    // the period.
    let audit: Vec<(String, String, NaiveDateTime, String)> = audit_log::table
        .filter(audit_log::at.lt(end).and(audit_log::action.like("case.%")))
        .order(audit_log::id.asc())
        .select((
            audit_log::action,
            audit_log::subject,
            audit_log::at,
            audit_log::detail,
        ))
        .load(conn)?;
    let mut first_dispatch: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
    // The lead bureau of each case's latest dispatch, whose return it is.
    let mut sent_to: BTreeMap<i64, String> = BTreeMap::new();
    let mut status_then: BTreeMap<i64, &'static str> = BTreeMap::new();
    // When each case was first closed (办结), and the cases merged away.
    let mut first_close: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
    let mut merged_away: std::collections::BTreeSet<i64> = Default::default();
    for (action, subject, at, detail) in &audit {
        let Some(id) = case_id_of(subject) else {
            continue;
        };
        let Some(c) = cases_by_id.get(&id) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
        if let Some(s) = status_after(action, &v, id) {
            status_then.insert(id, s.as_str());
            if s == CaseStatus::Closed {
                first_close.entry(id).or_insert(*at);
                if action == "case.merge" {
                    merged_away.insert(id);
                }
            }
        }
        let in_period = *at >= start;
        match action.as_str() {
            "case.dispatch" => {
                let bureau = v["after"]["lead_bureau"].as_str().unwrap_or(&c.bureau);
                sent_to.insert(id, bureau.to_string());
                if in_period {
                    both(&c.district, bureau, &mut |a| a.row.dispatched += 1);
                    if let Some(by) = v["return_accepted_from"].as_str() {
                        both(&c.district, by, &mut |a| {
                            a.row.returns_accepted += 1;
                            a.row.redispatched += 1;
                        });
                    }
                }
                if let std::collections::btree_map::Entry::Vacant(e) = first_dispatch.entry(id) {
                    e.insert(*at);
                    if in_period {
                        let d = days(c.created_at, *at);
                        both(&c.district, &c.bureau, &mut |a| a.dispatch_days.push(d));
                    }
                }
            }
            "case.redispatch" => {
                if let Some(b) = v["lead_bureau"].as_str() {
                    sent_to.insert(id, b.to_string());
                }
                if in_period {
                    let from = v["from_bureau"].as_str().unwrap_or(&c.bureau);
                    both(&c.district, from, &mut |a| a.row.redispatched += 1);
                }
            }
            _ if !in_period => {}
            "case.return" => {
                let bureau = sent_to.get(&id).unwrap_or(&c.bureau);
                both(&c.district, bureau, &mut |a| a.row.returned += 1)
            }
            "case.verify" => {
                let f = v["finding"].as_str().unwrap_or("");
                both(&c.district, &c.bureau, &mut |a| match f {
                    "substantiated" => a.row.substantiated += 1,
                    "partly" => a.row.partly += 1,
                    "unsubstantiated" => a.row.unsubstantiated += 1,
                    _ => a.row.unverifiable += 1,
                });
                if let Some(d0) = first_dispatch.get(&id) {
                    let d = days(*d0, *at);
                    both(&c.district, &c.bureau, &mut |a| a.verify_days.push(d));
                }
            }
            "case.reopen" => both(&c.district, &c.bureau, &mut |a| a.row.reopened += 1),
            "case.order" => {
                if matches!(v["measure"].as_str(), Some("close" | "revoke_licence")) {
                    both(&c.district, &c.bureau, &mut |a| a.row.closures += 1);
                }
            }
            _ => {}
        }
    }

    // 响应率 and 解决率 over the cases opened in the period, as of its end.
    for (id, c) in &cases_by_id {
        let opened = local_day(c.created_at);
        if opened < from || opened > to || merged_away.contains(id) {
            continue;
        }
        let limit = crate::services::workflow::step_due(pack, "dispatch", &c.dimensions, opened);
        if let Some(due) = limit {
            match first_dispatch.get(id).map(|t| local_day(*t)) {
                Some(day) => both(&c.district, &c.bureau, &mut |a| {
                    a.row.response_base += 1;
                    a.row.responded_in_time += i64::from(day <= due);
                }),
                None if due < to => both(&c.district, &c.bureau, &mut |a| a.row.response_base += 1),
                None => {}
            }
        }
        let limit = crate::services::intake::first_answer_due(pack, &c.dimensions, opened);
        if let Some(due) = limit {
            match first_close.get(id).map(|t| local_day(*t)) {
                Some(day) => both(&c.district, &c.bureau, &mut |a| {
                    a.row.resolution_base += 1;
                    a.row.resolved_in_time += i64::from(day <= due);
                }),
                None if due < to => {
                    both(&c.district, &c.bureau, &mut |a| a.row.resolution_base += 1)
                }
                None => {}
            }
        }
    }

    // 满意率: ratings given in the period, by the rated case.
    for (case_id, rating) in crate::db::ratings::rated_in(conn, start, end)? {
        if let Some(c) = cases_by_id.get(&case_id) {
            let satisfied =
                crate::domain::rating::Rating::parse(&rating).is_some_and(|r| r.is_satisfied());
            both(&c.district, &c.bureau, &mut |a| {
                a.row.rated += 1;
                a.row.rated_satisfied += i64::from(satisfied);
            });
        }
    }

    // Overdue notices in the period.
    let notices: Vec<i64> = supervision_notices::table
        .filter(
            supervision_notices::kind
                .eq("overdue")
                .and(supervision_notices::created_at.ge(start))
                .and(supervision_notices::created_at.lt(end)),
        )
        .select(supervision_notices::case_id)
        .load(conn)?;
    let mut matrix: BTreeMap<(String, String), i64> = BTreeMap::new();
    for id in notices {
        if let Some(c) = cases_by_id.get(&id) {
            both(&c.district, &c.bureau, &mut |a| a.row.overdue += 1);
            *matrix
                .entry((c.district.clone(), c.bureau.clone()))
                .or_default() += 1;
        }
    }

    // Enterprises on the lists at the end of the period: their standing
    // then, not now, so a past period's report does not change later.
    let standing = lists::yellow_red_until(conn, pack, Some(end))?;
    for (entries, yellow) in [(standing.yellow, true), (standing.red, false)] {
        for e in entries {
            if let Some(c) = cases_by_id.get(&e.case_id) {
                both(&c.district, &c.bureau, &mut |a| {
                    if yellow {
                        a.row.yellow += 1
                    } else {
                        a.row.red += 1
                    }
                });
            }
        }
    }

    // Capacity exited per industry and unit.
    let exits: Vec<(i64, String)> = case_records::table
        .filter(
            case_records::kind
                .eq("exit")
                .and(case_records::created_at.ge(start))
                .and(case_records::created_at.lt(end)),
        )
        .select((case_records::case_id, case_records::detail))
        .load(conn)?;
    let mut cap: BTreeMap<(String, String), (i64, f64)> = BTreeMap::new();
    for (id, detail) in exits {
        let Some(c) = cases_by_id.get(&id) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
        let unit = v["unit"].as_str().unwrap_or("").to_string();
        let e = cap.entry((c.industry.clone(), unit)).or_default();
        e.0 += 1;
        e.1 += v["capacity"].as_f64().unwrap_or(0.0);
    }

    let mut status: BTreeMap<String, i64> = BTreeMap::new();
    for (id, c) in &cases_by_id {
        if local_day(c.created_at) <= to {
            let s = status_then.get(id).unwrap_or(&"received");
            *status.entry(s.to_string()).or_default() += 1;
        }
    }
    let finish = |m: BTreeMap<String, Acc>, name: &dyn Fn(&str) -> String| -> Vec<Row> {
        m.into_iter()
            .map(|(k, a)| finish_row(name(&k), k, a))
            .collect()
    };
    let by_district = finish(by_d, &|k| {
        pack.district(k)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| "未定区".into())
    });
    let by_bureau = finish(by_b, &|k| {
        pack.bureau(k)
            .map(|b| b.name.clone())
            .unwrap_or_else(|| "未派单".into())
    });
    Ok(Report {
        period: period.to_string(),
        from,
        to,
        district,
        by_district,
        by_bureau,
        total: finish_row("合计".into(), "total".into(), total),
        capacity: cap
            .into_iter()
            .map(|((industry, unit), (n, c))| CapacityRow {
                industry_name: pack
                    .industry(&industry)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
                industry,
                unit,
                enterprises: n,
                capacity: (c * 1000.0).round() / 1000.0,
            })
            .collect(),
        tips_per_month: per_month.into_iter().collect(),
        cases_by_status: status.into_iter().collect(),
        overdue_matrix: matrix.into_iter().map(|((d, b), n)| (d, b, n)).collect(),
    })
}

/// The months from `from` to `to` (inclusive), as `YYYY-MM`.
fn months_of(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Chinese headers of the row tables (CSV and XLSX), in field order.
pub const ROW_HEADERS: [&str; 28] = [
    "代码",
    "名称",
    "网页举报",
    "12345热线",
    "省平台转办",
    "国家平台转办",
    "派单数",
    "退回数",
    "同意退单数",
    "改派数",
    "属实",
    "部分属实",
    "不属实",
    "无法核实",
    "属实率",
    "派单天数中位数",
    "派单天数P90",
    "核查天数中位数",
    "核查天数P90",
    "逾期督办数",
    "黄牌企业",
    "红牌企业",
    "关停数",
    "响应率",
    "解决率",
    "评价数",
    "满意率",
    "二次办理数",
];

pub const CAPACITY_HEADERS: [&str; 5] = ["行业代码", "行业", "单位", "企业数", "退出产能"];

/// A row's cells as figures (CSV): the rate as a fraction, days unrounded.
pub fn row_cells(r: &Row) -> Vec<String> {
    let plain = |v: f64| v.to_string();
    cells(r, &plain, &plain)
}

/// A row's cells for a person (the staff page): the rate in per cent, days
/// to one decimal.
pub fn row_cells_readable(r: &Row) -> Vec<String> {
    cells(r, &|v| format!("{:.1}%", v * 100.0), &|v| format!("{v:.1}"))
}

fn cells(r: &Row, rate: &dyn Fn(f64) -> String, days: &dyn Fn(f64) -> String) -> Vec<String> {
    let rate = |v: Option<f64>| v.map(rate).unwrap_or_default();
    let o = |v: Option<f64>| v.map(days).unwrap_or_default();
    vec![
        r.key.clone(),
        r.name.clone(),
        r.tips_form.to_string(),
        r.tips_12345.to_string(),
        r.tips_province.to_string(),
        r.tips_national.to_string(),
        r.dispatched.to_string(),
        r.returned.to_string(),
        r.returns_accepted.to_string(),
        r.redispatched.to_string(),
        r.substantiated.to_string(),
        r.partly.to_string(),
        r.unsubstantiated.to_string(),
        r.unverifiable.to_string(),
        rate(r.substantiated_rate),
        o(r.dispatch_days_median),
        o(r.dispatch_days_p90),
        o(r.verify_days_median),
        o(r.verify_days_p90),
        r.overdue.to_string(),
        r.yellow.to_string(),
        r.red.to_string(),
        r.closures.to_string(),
        rate(r.response_rate),
        rate(r.resolution_rate),
        r.rated.to_string(),
        rate(r.satisfaction_rate),
        r.reopened.to_string(),
    ]
}

/// The CSV: the district table, the bureau table and the capacity table,
/// separated by a titled blank line (UTF-8 with BOM).
pub fn to_csv(r: &Report) -> String {
    let rows = |v: &[Row]| v.iter().map(row_cells).collect::<Vec<_>>();
    let with_total: Vec<Row> = r.by_district.iter().chain([&r.total]).cloned().collect();
    let mut out = crate::domain::lists::csv_document(&ROW_HEADERS, &rows(&with_total));
    out.push_str("\r\n按部门\r\n");
    out.push_str(
        crate::domain::lists::csv_document(&ROW_HEADERS, &rows(&r.by_bureau))
            .trim_start_matches('\u{feff}'),
    );
    out.push_str("\r\n退出产能\r\n");
    let cap: Vec<Vec<String>> = r
        .capacity
        .iter()
        .map(|c| {
            vec![
                c.industry.clone(),
                c.industry_name.clone(),
                c.unit.clone(),
                c.enterprises.to_string(),
                c.capacity.to_string(),
            ]
        })
        .collect();
    out.push_str(
        crate::domain::lists::csv_document(&CAPACITY_HEADERS, &cap).trim_start_matches('\u{feff}'),
    );
    out
}

pub fn year_of(r: &Report) -> i32 {
    r.from.year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_follows_workflow_actions_and_merges() {
        let to = |s: &str| json!({"from": "dispatched", "to": s});
        assert_eq!(
            status_after("case.accept", &to("verifying"), 7),
            Some(CaseStatus::Verifying)
        );
        // Entries that move nothing: a question, a split, a contact read.
        assert_eq!(
            status_after("case.question", &json!({"body": "?"}), 7),
            None
        );
        let split = json!({"from": 7, "new_case": 9, "tip": 3});
        assert_eq!(status_after("case.split", &split, 7), None);
        // A merge closes the case merged away, not the one it went into.
        let merge = json!({"from": 7, "into": 8, "tips": [1, 2]});
        assert_eq!(
            status_after("case.merge", &merge, 7),
            Some(CaseStatus::Closed)
        );
        assert_eq!(status_after("case.merge", &merge, 8), None);
        assert_eq!(status_after("case.order", &to("nonsense"), 7), None);
    }

    #[test]
    fn people_read_a_rate_in_per_cent_and_days_to_one_decimal() {
        let r = Row {
            substantiated_rate: Some(0.6667),
            dispatch_days_median: Some(2.25),
            ..Row::default()
        };
        let (figures, readable) = (row_cells(&r), row_cells_readable(&r));
        let col = |h: &str| ROW_HEADERS.iter().position(|x| *x == h).unwrap();
        let (rate, days) = (col("属实率"), col("派单天数中位数"));
        assert_eq!((&figures[rate][..], &figures[days][..]), ("0.6667", "2.25"));
        assert_eq!((&readable[rate][..], &readable[days][..]), ("66.7%", "2.2"));
        assert_eq!(readable[col("派单天数P90")], "", "no figure, no cell");
        assert_eq!(figures.len(), ROW_HEADERS.len());
    }
}
