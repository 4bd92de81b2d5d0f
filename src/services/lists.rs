//! 公开名单：黄牌、红牌、年度退出名单，由案件记录查询得出。
//! The public lists, derived by query from case measures and records.
//!
//! Only routing, measure and exit fields are read: no tip, receipt or
//! contact column is ever selected, so no reporter data can reach a list.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

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
#[derive(Debug, Clone, Serialize, PartialEq)]
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

/// The routing of a case the lists need.
#[derive(Debug, Clone, Queryable)]
struct CaseInfo {
    id: i64,
    district: Option<String>,
    industry: Option<String>,
    dimensions: String,
    lead_bureau: Option<String>,
    enterprise_id: Option<i64>,
    credit_code: Option<String>,
}

type MeasureFact = (
    i64,
    String,
    Option<String>,
    NaiveDate,
    NaiveDate,
    NaiveDateTime,
);
type RecordFact = (i64, String, String, NaiveDateTime);

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

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// The list of `kind`, filtered, ordered by date then case.
pub fn list(
    conn: &mut DbConnection,
    pack: &Pack,
    kind: ListKind,
    filter: &ListFilter,
) -> Result<Vec<ListEntry>, DbError> {
    Ok(filter.apply(pack, &list_until(conn, pack, kind, None)?))
}

impl ListFilter {
    /// The entries of a whole list that pass: district and industry by key,
    /// name or code (an unknown one matches nothing), and the year the entry
    /// dates from.
    pub fn apply(&self, pack: &Pack, entries: &[ListEntry]) -> Vec<ListEntry> {
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
        entries
            .iter()
            .filter(|e| district.is_none_or(|d| e.district.as_deref() == d))
            .filter(|e| industry.is_none_or(|i| e.industry.as_deref() == i))
            .filter(|e| self.year.is_none_or(|y| e.since.year() == y))
            .cloned()
            .collect()
    }
}

/// The whole list as it stood just before `until` (UTC): only measures and
/// records written before then count. `None` is now.
pub fn list_until(
    conn: &mut DbConnection,
    pack: &Pack,
    kind: ListKind,
    until: Option<NaiveDateTime>,
) -> Result<Vec<ListEntry>, DbError> {
    // No bound: a day no row reaches (four-digit, so SQLite's text
    // timestamps compare right).
    let until = until.unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap().into());
    let (measures, records): (Vec<MeasureFact>, Vec<RecordFact>) = match kind {
        ListKind::Exit => (
            Vec::new(),
            case_records::table
                .filter(case_records::kind.eq("exit"))
                .filter(case_records::created_at.lt(until))
                .select((
                    case_records::case_id,
                    case_records::kind,
                    case_records::detail,
                    case_records::created_at,
                ))
                .order(case_records::id.asc())
                .load(conn)?,
        ),
        _ => (
            case_measures::table
                .filter(case_measures::measure.eq_any(["rectify", "close", "revoke_licence"]))
                .filter(case_measures::created_at.lt(until))
                .select((
                    case_measures::case_id,
                    case_measures::measure,
                    case_measures::rule_key,
                    case_measures::ordered_on,
                    case_measures::due_on,
                    case_measures::created_at,
                ))
                .load(conn)?,
            case_records::table
                .filter(case_records::kind.eq("reinspection"))
                .filter(case_records::created_at.lt(until))
                .select((
                    case_records::case_id,
                    case_records::kind,
                    case_records::detail,
                    case_records::created_at,
                ))
                .load(conn)?,
        ),
    };
    let mut ids: Vec<i64> = measures
        .iter()
        .map(|m| m.0)
        .chain(records.iter().map(|r| r.0))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut infos: HashMap<i64, CaseInfo> = HashMap::new();
    for chunk in ids.chunks(5000) {
        let rows: Vec<CaseInfo> = cases::table
            .select((
                cases::id,
                cases::district,
                cases::industry,
                cases::dimensions,
                cases::lead_bureau,
                cases::enterprise_id,
                cases::enterprise_credit_code,
            ))
            .filter(cases::id.eq_any(chunk.to_vec()))
            .load(conn)?;
        infos.extend(rows.into_iter().map(|c| (c.id, c)));
    }
    let names = enterprise_names(conn, infos.values())?;

    let mut out = Vec::new();
    match kind {
        ListKind::Exit => {
            for (case_id, _, detail, at) in records {
                let Some(info) = infos.get(&case_id) else {
                    continue;
                };
                let day = local_day(at);
                let v: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
                let Some(mut e) = entry(pack, info, &names, kind, day, "exit_accepted", None, None)
                else {
                    continue;
                };
                e.equipment = v["equipment"].as_str().map(str::to_string);
                e.capacity = v["capacity"].as_f64();
                e.unit = v["unit"].as_str().map(str::to_string);
                out.push(e);
            }
        }
        _ => {
            // Events of each case in the order they were recorded.
            let mut events: HashMap<i64, Vec<(NaiveDateTime, Event, Option<String>)>> =
                HashMap::new();
            for (case_id, measure, rule, on, due_on, at) in measures {
                events.entry(case_id).or_default().push((
                    at,
                    Event::Ordered {
                        measure,
                        on,
                        due_on,
                    },
                    rule,
                ));
            }
            for (case_id, _, detail, at) in records {
                let v: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
                let on = v["inspected_on"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| local_day(at));
                let passed = v["passed"].as_bool().unwrap_or(false);
                events.entry(case_id).or_default().push((
                    at,
                    Event::Reinspected { passed, on },
                    None,
                ));
            }
            for (case_id, mut evs) in events {
                let Some(info) = infos.get(&case_id) else {
                    continue;
                };
                evs.sort_by_key(|e| e.0);
                let seq: Vec<Event> = evs.iter().map(|e| e.1.clone()).collect();
                let Some(s) = lists::standing(&seq) else {
                    continue;
                };
                if s.list != kind {
                    continue;
                }
                let rule = evs.iter().rev().find_map(|(_, ev, rule)| match ev {
                    Event::Ordered { measure, .. } if *measure == s.measure => rule.clone(),
                    _ => None,
                });
                if let Some(e) = entry(
                    pack,
                    info,
                    &names,
                    kind,
                    s.since,
                    &s.measure,
                    s.due_on,
                    rule.as_deref(),
                ) {
                    out.push(e);
                }
            }
        }
    }
    out.sort_by_key(|e| (e.since, e.case_id));
    Ok(out)
}

type Names = (HashMap<i64, (String, String)>, HashMap<String, String>);

/// Registry names by enterprise id and by credit code, for cases linked
/// either way (intake matching sets the id, dispatch sets the code).
fn enterprise_names<'a>(
    conn: &mut DbConnection,
    infos: impl Iterator<Item = &'a CaseInfo>,
) -> Result<Names, DbError> {
    let (mut ids, mut codes) = (Vec::new(), Vec::new());
    for i in infos {
        if let Some(id) = i.enterprise_id {
            ids.push(id);
        }
        if let Some(c) = &i.credit_code {
            codes.push(c.clone());
        }
    }
    let mut by_id = HashMap::new();
    for chunk in ids.chunks(5000) {
        let rows: Vec<(i64, String, String)> = enterprises::table
            .filter(enterprises::id.eq_any(chunk.to_vec()))
            .select((enterprises::id, enterprises::name, enterprises::credit_code))
            .load(conn)?;
        by_id.extend(rows.into_iter().map(|(id, n, c)| (id, (n, c))));
    }
    let mut by_code = HashMap::new();
    for chunk in codes.chunks(5000) {
        let rows: Vec<(String, String)> = enterprises::table
            .filter(enterprises::credit_code.eq_any(chunk.to_vec()))
            .select((enterprises::credit_code, enterprises::name))
            .load(conn)?;
        by_code.extend(rows);
    }
    Ok((by_id, by_code))
}

#[allow(clippy::too_many_arguments)]
fn entry(
    pack: &Pack,
    info: &CaseInfo,
    names: &Names,
    kind: ListKind,
    since: NaiveDate,
    measure: &str,
    due_on: Option<NaiveDate>,
    rule: Option<&str>,
) -> Option<ListEntry> {
    // The confirmed credit code wins over the intake match; a case with no
    // registry enterprise and no code is not listed (a tip's own wording of
    // a name is the reporter's, not a finding).
    let (name, code) = match (&info.credit_code, info.enterprise_id) {
        (Some(c), _) if names.1.contains_key(c) => (names.1[c].clone(), Some(c.clone())),
        (_, Some(id)) if names.0.contains_key(&id) => {
            let (n, c) = &names.0[&id];
            (
                n.clone(),
                Some(info.credit_code.clone().unwrap_or(c.clone())),
            )
        }
        (Some(c), _) => (format!("统一社会信用代码 {c}"), Some(c.clone())),
        _ => return None,
    };
    let dims = split(&info.dimensions);
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
