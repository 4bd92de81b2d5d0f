//! 公开名单：黄牌、红牌、年度退出名单，由案件记录查询得出。
//! The public lists, derived by query from case measures and records.
//!
//! Only routing, measure and exit fields are read: no tip, receipt or
//! contact column is ever selected, so no reporter data can reach a list.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::measures::{MeasureRow, RecordRow};
use crate::db::schema::{case_measures, case_records, cases, enterprises};
use crate::db::{DbConnection, DbError};
use crate::domain::lists::{self, Event, ListKind};
use crate::jurisdiction::Pack;
use crate::services::workflow::local_day;

/// Filters of `GET /api/v1/public/lists/{kind}` (keys or names).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListFilter {
    pub district: Option<String>,
    pub industry: Option<String>,
    pub year: Option<i32>,
}

/// One public entry. Exit fields are set on the exit list only.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ListEntry {
    pub list: ListKind,
    pub enterprise_name: String,
    pub credit_code: Option<String>,
    pub district: Option<String>,
    pub district_name: Option<String>,
    pub industry: Option<String>,
    pub industry_name: Option<String>,
    /// The day the enterprise joined the list (the exit's acceptance day).
    pub since: NaiveDate,
    pub year: i32,
    pub measure: String,
    pub measure_name: String,
    pub due_on: Option<NaiveDate>,
    pub bureau: Option<String>,
    pub bureau_name: Option<String>,
    pub legal_basis: String,
    pub case_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equipment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// The CSV columns, Chinese first (the field names are in docs/outcomes.md).
pub const CSV_HEADER: [&str; 16] = [
    "名单 list",
    "企业名称 enterprise_name",
    "统一社会信用代码 credit_code",
    "区 district",
    "行业 industry",
    "列入日期 since",
    "年度 year",
    "措施 measure",
    "整改期限 due_on",
    "责任部门 bureau",
    "依据 legal_basis",
    "案件编号 case_id",
    "设备 equipment",
    "产能 capacity",
    "单位 unit",
    "措施代码 measure_key",
];

impl ListEntry {
    pub fn csv_row(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.list.label_zh().to_string(),
            self.enterprise_name.clone(),
            o(&self.credit_code),
            o(&self.district_name),
            o(&self.industry_name),
            self.since.to_string(),
            self.year.to_string(),
            self.measure_name.clone(),
            self.due_on.map(|d| d.to_string()).unwrap_or_default(),
            o(&self.bureau_name),
            self.legal_basis.clone(),
            self.case_id.to_string(),
            o(&self.equipment),
            self.capacity.map(|c| c.to_string()).unwrap_or_default(),
            o(&self.unit),
            self.measure.clone(),
        ]
    }
}

/// A case's routing and the registry names of its enterprise, as the lists
/// need them: read in the same query as the measure or record (a join, not
/// an `IN` list of thousands of ids).
#[derive(Debug, Clone, Queryable)]
struct CaseInfo {
    id: i64,
    district: Option<String>,
    industry: Option<String>,
    dimensions: String,
    lead_bureau: Option<String>,
    /// The credit code confirmed at dispatch, and its registry name.
    credit_code: Option<String>,
    code_name: Option<String>,
    /// The registry (name, credit code) of the intake match.
    matched: Option<(String, String)>,
}

type MeasureFact = (String, Option<String>, NaiveDate, NaiveDate, NaiveDateTime);

/// The legal basis of a measure: the pack rule its due date came from, else
/// the pack's deadline rule for the case's dimension, else the dimension.
pub fn legal_basis(pack: &Pack, dims: &[String], rule_key: Option<&str>) -> String {
    if let Some(d) = rule_key.and_then(|k| pack.deadlines.iter().find(|d| d.key == k)) {
        return d.citation.clone();
    }
    for dim in dims {
        if let Some(d) = pack
            .deadlines
            .iter()
            .find(|d| d.step.is_none() && d.dimension.as_deref() == Some(dim.as_str()))
        {
            return d.citation.clone();
        }
    }
    dims.iter()
        .find_map(|d| pack.dimension(d))
        .map(|d| d.citation.clone())
        .unwrap_or_else(|| pack.meta.source.clone())
}

/// The list of `kind`, filtered, ordered by date then case.
pub fn list(
    conn: &mut DbConnection,
    pack: &Pack,
    kind: ListKind,
    filter: &ListFilter,
) -> Result<Vec<ListEntry>, DbError> {
    let all = list_until(conn, pack, kind, None)?;
    Ok(filter.apply(pack, &all).into_iter().cloned().collect())
}

impl ListFilter {
    /// The positions of the entries of a whole list that pass: district and
    /// industry by key, name or code (an unknown one matches nothing), and
    /// the year the entry dates from.
    pub fn positions(&self, pack: &Pack, entries: &[ListEntry]) -> Vec<usize> {
        let district = self
            .district
            .as_deref()
            .map(|d| pack.resolve_district(d).map(|x| x.key.as_str()));
        let industry = self
            .industry
            .as_deref()
            .map(|i| pack.resolve_industry(i).map(|x| x.key.as_str()));
        if matches!(district, Some(None)) || matches!(industry, Some(None)) {
            return Vec::new();
        }
        (0..entries.len())
            .filter(|&i| {
                let e = &entries[i];
                district.is_none_or(|d| e.district.as_deref() == d)
                    && industry.is_none_or(|k| e.industry.as_deref() == k)
                    && self.year.is_none_or(|y| e.since.year() == y)
            })
            .collect()
    }

    /// The entries that pass, as [`ListFilter::positions`] picks them.
    pub fn apply<'a>(&self, pack: &Pack, entries: &'a [ListEntry]) -> Vec<&'a ListEntry> {
        self.positions(pack, entries)
            .into_iter()
            .map(|i| &entries[i])
            .collect()
    }
}

/// The yellow and red lists come from the same measures and re-inspections;
/// the exit list from the accepted exits.
pub struct Lists {
    pub yellow: Vec<ListEntry>,
    pub red: Vec<ListEntry>,
}

/// One list as it stood just before `until` (UTC); `None` is now.
pub fn list_until(
    conn: &mut DbConnection,
    pack: &Pack,
    kind: ListKind,
    until: Option<NaiveDateTime>,
) -> Result<Vec<ListEntry>, DbError> {
    Ok(match kind {
        ListKind::Exit => exit_until(conn, pack, until)?,
        ListKind::Yellow => yellow_red_until(conn, pack, until)?.yellow,
        ListKind::Red => yellow_red_until(conn, pack, until)?.red,
    })
}

/// A bound no row reaches when none is given (four-digit year, so SQLite's
/// text timestamps compare right).
fn bound(until: Option<NaiveDateTime>) -> NaiveDateTime {
    until.unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap().into())
}

/// The columns of [`CaseInfo`], for a query joined to `cases`, the intake
/// match (`enterprises`) and the registry row of the confirmed code.
macro_rules! case_info_columns {
    ($by_code:ident) => {
        (
            cases::id,
            cases::district,
            cases::industry,
            cases::dimensions,
            cases::lead_bureau,
            cases::enterprise_credit_code,
            $by_code.field(enterprises::name).nullable(),
            (enterprises::name, enterprises::credit_code).nullable(),
        )
    };
}

/// `$table` (measures or records) joined to its case, the intake match
/// (`enterprises`) and the registry row of the confirmed code (`$by_code`).
macro_rules! with_case_info {
    ($table:expr, $by_code:ident) => {
        $table
            .inner_join(cases::table.left_join(enterprises::table))
            .left_join(
                $by_code.on($by_code
                    .field(enterprises::credit_code)
                    .nullable()
                    .eq(cases::enterprise_credit_code)),
            )
    };
}

/// The exit list as it stood just before `until`.
pub fn exit_until(
    conn: &mut DbConnection,
    pack: &Pack,
    until: Option<NaiveDateTime>,
) -> Result<Vec<ListEntry>, DbError> {
    let by_code = diesel::alias!(enterprises as by_code);
    let rows: Vec<(String, NaiveDateTime, CaseInfo)> =
        with_case_info!(case_records::table, by_code)
            .filter(case_records::kind.eq("exit"))
            .filter(case_records::created_at.lt(bound(until)))
            .select((
                case_records::detail,
                case_records::created_at,
                case_info_columns!(by_code),
            ))
            .order(case_records::id.asc())
            .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (detail, at, info) in rows {
        let day = local_day(at);
        let Some(mut e) = entry(
            pack,
            &info,
            ListKind::Exit,
            day,
            "exit_accepted",
            None,
            None,
        ) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
        e.equipment = v["equipment"].as_str().map(str::to_string);
        e.capacity = v["capacity"].as_f64();
        e.unit = v["unit"].as_str().map(str::to_string);
        out.push(e);
    }
    out.sort_by_key(|e| (e.since, e.case_id));
    Ok(out)
}

/// The yellow and red lists as they stood just before `until`: only
/// measures and records written before then count.
pub fn yellow_red_until(
    conn: &mut DbConnection,
    pack: &Pack,
    until: Option<NaiveDateTime>,
) -> Result<Lists, DbError> {
    let until = bound(until);
    let by_code = diesel::alias!(enterprises as by_code);
    let measures: Vec<(MeasureFact, CaseInfo)> = with_case_info!(case_measures::table, by_code)
        .filter(case_measures::measure.eq_any(lists::LISTING_MEASURES))
        .filter(case_measures::created_at.lt(until))
        .select((
            (
                case_measures::measure,
                case_measures::rule_key,
                case_measures::ordered_on,
                case_measures::due_on,
                case_measures::created_at,
            ),
            case_info_columns!(by_code),
        ))
        .load(conn)?;
    // A re-inspection matters only for a case with one of those measures,
    // whose routing the measure row already brought.
    let records: Vec<(i64, String, NaiveDateTime)> = case_records::table
        .filter(case_records::kind.eq("reinspection"))
        .filter(case_records::created_at.lt(until))
        .select((
            case_records::case_id,
            case_records::detail,
            case_records::created_at,
        ))
        .load(conn)?;

    // Events of each case in the order they were recorded.
    type Timed = (NaiveDateTime, Event, Option<String>);
    let mut cases: HashMap<i64, (CaseInfo, Vec<Timed>)> = HashMap::new();
    for ((measure, rule, on, due_on, at), info) in measures {
        let ev = Event::Ordered {
            measure,
            on,
            due_on,
        };
        cases
            .entry(info.id)
            .or_insert_with(|| (info, Vec::new()))
            .1
            .push((at, ev, rule));
    }
    for (case_id, detail, at) in records {
        let Some((_, evs)) = cases.get_mut(&case_id) else {
            continue;
        };
        evs.push((at, reinspection(&detail, at), None));
    }
    let mut out = Lists {
        yellow: Vec::new(),
        red: Vec::new(),
    };
    for (info, mut evs) in cases.into_values() {
        evs.sort_by_key(|e| e.0);
        let seq: Vec<Event> = evs.iter().map(|e| e.1.clone()).collect();
        let Some(s) = lists::standing(&seq) else {
            continue;
        };
        let rule = evs.iter().rev().find_map(|(_, ev, rule)| match ev {
            Event::Ordered { measure, .. } if *measure == s.measure => rule.clone(),
            _ => None,
        });
        let Some(e) = entry(
            pack,
            &info,
            s.list,
            s.since,
            &s.measure,
            s.due_on,
            rule.as_deref(),
        ) else {
            continue;
        };
        match s.list {
            ListKind::Yellow => out.yellow.push(e),
            ListKind::Red => out.red.push(e),
            ListKind::Exit => {}
        }
    }
    out.yellow.sort_by_key(|e| (e.since, e.case_id));
    out.red.sort_by_key(|e| (e.since, e.case_id));
    Ok(out)
}

/// A re-inspection record as a list event: its detail holds `passed` and
/// `inspected_on` (the day it was written, China time, when missing).
fn reinspection(detail: &str, at: NaiveDateTime) -> Event {
    let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    let on = v["inspected_on"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| local_day(at));
    let passed = v["passed"].as_bool().unwrap_or(false);
    Event::Reinspected { passed, on }
}

/// Where one case stands on the yellow or red list, from its own measures
/// and records (the case page), by the same rule as the public lists.
pub fn case_standing(measures: &[MeasureRow], records: &[RecordRow]) -> Option<lists::Standing> {
    let mut evs: Vec<(NaiveDateTime, Event)> = measures
        .iter()
        .filter(|m| lists::LISTING_MEASURES.contains(&m.measure.as_str()))
        .map(|m| {
            let ev = Event::Ordered {
                measure: m.measure.clone(),
                on: m.ordered_on,
                due_on: m.due_on,
            };
            (m.created_at, ev)
        })
        .collect();
    evs.extend(
        records
            .iter()
            .filter(|r| r.kind == "reinspection")
            .map(|r| (r.created_at, reinspection(&r.detail, r.created_at))),
    );
    evs.sort_by_key(|e| e.0);
    let seq: Vec<Event> = evs.into_iter().map(|e| e.1).collect();
    lists::standing(&seq)
}

fn entry(
    pack: &Pack,
    info: &CaseInfo,
    kind: ListKind,
    since: NaiveDate,
    measure: &str,
    due_on: Option<NaiveDate>,
    rule: Option<&str>,
) -> Option<ListEntry> {
    // The confirmed credit code wins over the intake match; a case with no
    // registry enterprise and no code is not listed (a tip's own wording of
    // a name is the reporter's, not a finding).
    let (name, code) = match (&info.credit_code, &info.code_name, &info.matched) {
        (Some(c), Some(n), _) => (n.clone(), Some(c.clone())),
        (c, _, Some((n, matched))) => (n.clone(), Some(c.clone().unwrap_or(matched.clone()))),
        (Some(c), None, None) => (format!("统一社会信用代码 {c}"), Some(c.clone())),
        (None, _, None) => return None,
    };
    let dims = crate::db::key_list(&info.dimensions);
    Some(ListEntry {
        list: kind,
        enterprise_name: name,
        credit_code: code.filter(|c| !c.is_empty()),
        district: info.district.clone(),
        district_name: info
            .district
            .as_deref()
            .and_then(|d| pack.district(d))
            .map(|d| d.name.clone()),
        industry: info.industry.clone(),
        industry_name: info
            .industry
            .as_deref()
            .and_then(|i| pack.industry(i))
            .map(|i| i.name.clone()),
        since,
        year: since.year(),
        measure: measure.to_string(),
        measure_name: lists::measure_zh(measure).to_string(),
        due_on,
        bureau: info.lead_bureau.clone(),
        bureau_name: info
            .lead_bureau
            .as_deref()
            .and_then(|b| pack.bureau(b))
            .map(|b| b.name.clone()),
        legal_basis: legal_basis(pack, &dims, rule),
        case_id: info.id,
        equipment: None,
        capacity: None,
        unit: None,
    })
}
