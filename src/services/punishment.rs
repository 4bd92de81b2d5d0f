//! 联合惩戒与信用修复。Joint punishment and credit repair.
//!
//! The daily job only *proposes* (a case whose exit deadline passed without
//! an accepted exit); a dispatcher applies it with the pack's measures, or
//! rejects it. An active record ends early by credit repair (reason and
//! approver) or by itself on its end date. Every change is audited.
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::db::punishments::{self as pdb, Decision, NewProposal, PunishmentRow};
use crate::db::{DbConnection, DbError, audit};
use crate::domain::errors::FieldErrors;
use crate::domain::lists::csv_document;
use crate::domain::role::Role;
use crate::jurisdiction::Pack;
use crate::services::lists::legal_basis;
use crate::services::workflow::local_day;

/// The states of a record: `proposed` → `active` → `repaired` | `expired`,
/// or `proposed` → `rejected`.
pub const STATUSES: [&str; 5] = ["proposed", "active", "repaired", "expired", "rejected"];

#[derive(Debug, thiserror::Error)]
pub enum PunishmentError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("conflict: status {0}")]
    Conflict(String),
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PunishmentError {
    fn from(e: diesel::result::Error) -> Self {
        PunishmentError::Db(DbError::Query(e))
    }
}

/// What the daily punishment check did.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct PunishmentJob {
    pub proposed: usize,
    pub expired: usize,
}

/// [`run_daily_in`] in its own write transaction.
pub fn run_daily(
    db: &crate::db::Db,
    pack: &Pack,
    now: NaiveDateTime,
) -> Result<PunishmentJob, DbError> {
    db.write_tx(|conn| run_daily_in(conn, pack, now))
}

/// The daily check, as of `now` (same clock as `supervision::run_overdue`):
/// propose a record for each missed exit deadline, end records whose end
/// date has come.
pub fn run_daily_in(
    conn: &mut DbConnection,
    pack: &Pack,
    now: NaiveDateTime,
) -> Result<PunishmentJob, DbError> {
    let today = local_day(now);
    let mut out = PunishmentJob::default();
    for (case_id, ent_id, code, bureau, dims, due) in pdb::missed_exits(conn, today)? {
        let by_code = match &code {
            Some(c) => crate::db::enterprises::id_and_name_by_code(conn, c)?,
            None => None,
        };
        let by_id = match ent_id {
            Some(id) => crate::db::enterprises::name_and_code(conn, id)?,
            None => None,
        };
        let (eid, name, code) = match (by_code, by_id) {
            (Some((id, n)), _) => (Some(id), n, code.clone()),
            (None, Some((n, c))) => (ent_id, n, code.clone().or(Some(c))),
            (None, None) => (
                None,
                code.as_deref()
                    .map(|c| format!("统一社会信用代码 {c}"))
                    .unwrap_or_else(|| format!("案件 #{case_id} 所涉企业")),
                code.clone(),
            ),
        };
        let basis = legal_basis(pack, &crate::db::key_list(&dims), None);
        let id = pdb::insert_proposal(
            conn,
            &NewProposal {
                case_id,
                enterprise_id: eid,
                credit_code: code.as_deref(),
                enterprise_name: &name,
                legal_basis: &basis,
                issuing_bureau: bureau.as_deref(),
                missed_due_on: due,
                at: now,
            },
        )?;
        audit::append(
            conn,
            "job:punishment",
            "punishment.proposed",
            &format!("case:{case_id}"),
            &serde_json::json!({"punishment_id": id, "missed_due_on": due, "today": today})
                .to_string(),
            now,
        )?;
        out.proposed += 1;
    }
    for (id, case_id) in pdb::due_to_expire(conn, today)? {
        if pdb::end(conn, id, "expired", today, "期满自动解除", None, now)? {
            audit::append(
                conn,
                "job:punishment",
                "punishment.expired",
                &format!("case:{case_id}"),
                &serde_json::json!({"punishment_id": id, "ended_on": today}).to_string(),
                now,
            )?;
            out.expired += 1;
        }
    }
    Ok(out)
}

/// `POST /api/v1/punishments/{id}/apply`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// Keys of the pack's `[[measure]]` list.
    pub measures: Vec<String>,
    #[serde(deserialize_with = "crate::domain::day::required")]
    pub starts_on: NaiveDate,
    /// Within the record's publication term (its regime by `starts_on`, its
    /// tier by the measures); the shortest when absent.
    #[serde(default, deserialize_with = "crate::domain::day::optional")]
    pub ends_on: Option<NaiveDate>,
    /// Required when `ends_on` is later than the default (the minimum).
    #[serde(default)]
    pub term_reason: Option<String>,
    /// A pack bureau key; the case's lead bureau when absent.
    pub issuing_bureau: Option<String>,
    /// Added to the measures' own bases.
    pub legal_basis: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    pub reason: String,
}

/// `POST /api/v1/punishments/{id}/repair` (信用修复).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepairBody {
    pub reason: String,
    /// Who approved the repair (name and office), as on the approval.
    pub approver: String,
}

fn may_decide(role: Role) -> Result<(), PunishmentError> {
    match role {
        Role::Admin | Role::Dispatcher => Ok(()),
        _ => Err(PunishmentError::Forbidden),
    }
}

fn field(name: &str, zh: &str, en: &str) -> PunishmentError {
    let mut f = FieldErrors::default();
    f.add(name, zh, en);
    PunishmentError::Invalid(f)
}

fn required(name: &str, v: &str) -> Result<String, PunishmentError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 2000 || v.chars().any(char::is_control) {
        return Err(field(
            name,
            "须为1至2000个字",
            "must be 1 to 2,000 characters",
        ));
    }
    Ok(v.to_string())
}

fn current(conn: &mut DbConnection, id: i64) -> Result<PunishmentRow, PunishmentError> {
    pdb::get(conn, id)?.ok_or(PunishmentError::NotFound)
}

/// The dimensions of the record's case: a safety case is public longer.
fn case_dimensions(conn: &mut DbConnection, case_id: i64) -> Result<Vec<String>, PunishmentError> {
    let dims = crate::db::cases::dimensions_of(conn, case_id)?;
    Ok(crate::db::key_list(&dims))
}

fn months_after(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

pub fn apply(
    conn: &mut DbConnection,
    pack: &Pack,
    role: Role,
    actor: &str,
    id: i64,
    b: &ApplyBody,
    now: NaiveDateTime,
) -> Result<PunishmentRow, PunishmentError> {
    may_decide(role)?;
    let row = current(conn, id)?;
    if row.status != "proposed" {
        return Err(PunishmentError::Conflict(row.status));
    }
    let mut e = FieldErrors::default();
    let mut keys: Vec<&str> = Vec::new();
    let mut bases: Vec<String> = Vec::new();
    for k in &b.measures {
        match pack.punishments.iter().find(|m| m.key == *k) {
            Some(m) if !keys.contains(&m.key.as_str()) => {
                keys.push(&m.key);
                if !bases.contains(&m.legal_basis) {
                    bases.push(m.legal_basis.clone());
                }
            }
            Some(_) => {}
            None => e.add(
                "measures",
                "不在本地方案的惩戒措施清单中",
                "not a measure of the pack",
            ),
        }
    }
    if keys.is_empty() {
        e.add(
            "measures",
            "至少选择一项惩戒措施",
            "choose at least one measure",
        );
    }
    // The publication term: the regime of the decision date, the most
    // severe tier of the measures (Order 36), or one term (Order 58, longer
    // for safety).
    let dims = case_dimensions(conn, row.case_id)?;
    let measure_keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let term = pack.term_for(b.starts_on, &measure_keys, &dims);
    let mut ends_on = b.starts_on;
    let mut reason: Option<String> = None;
    match &term {
        None if !keys.is_empty() => e.add(
            "starts_on",
            "该决定日期没有适用的公示期规定",
            "no publication-term regime of the pack covers this decision date",
        ),
        None => {}
        Some(t) => {
            let (min, max) = (t.min_months, t.max_months);
            let default = months_after(b.starts_on, t.default_months());
            ends_on = b.ends_on.unwrap_or(default);
            if ends_on < months_after(b.starts_on, min) || ends_on > months_after(b.starts_on, max)
            {
                e.add(
                    "ends_on",
                    &format!("公示期须为{min}至{max}个月"),
                    &format!("the record is public for {min} to {max} months"),
                );
            } else if ends_on > default {
                match b
                    .term_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    Some(r) => reason = Some(required("term_reason", r)?),
                    None => e.add(
                        "term_reason",
                        &format!("结束日期晚于{default}（最短公示期）时须说明理由"),
                        &format!("an end later than {default} (the minimum term) needs a reason"),
                    ),
                }
            }
        }
    }
    let bureau = b
        .issuing_bureau
        .clone()
        .or(row.issuing_bureau.clone())
        .unwrap_or_default();
    if pack.bureau(&bureau).is_none() {
        e.add("issuing_bureau", "不认识的部门", "unknown bureau");
    }
    if let Some(extra) = b
        .legal_basis
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        bases.insert(0, required("legal_basis", extra)?);
    }
    if !e.is_empty() {
        return Err(PunishmentError::Invalid(e));
    }
    let Some(term) = term else {
        return Err(field(
            "starts_on",
            "没有适用的公示期规定",
            "no publication term",
        ));
    };
    let measures = keys.join(",");
    let basis = bases.join("; ");
    let ok = pdb::apply(
        conn,
        id,
        &Decision {
            measures: &measures,
            legal_basis: &basis,
            issuing_bureau: &bureau,
            starts_on: b.starts_on,
            ends_on,
            regime: &term.regime,
            tier: term.tier.as_deref(),
            min_months: term.min_months as i32,
            max_months: term.max_months as i32,
            term_reason: reason.as_deref(),
            by: actor,
            at: now,
        },
    )?;
    if !ok {
        return Err(PunishmentError::Conflict(current(conn, id)?.status));
    }
    audit::append(
        conn,
        actor,
        "punishment.applied",
        &format!("case:{}", row.case_id),
        &serde_json::json!({"punishment_id": id, "measures": keys, "starts_on": b.starts_on,
            "ends_on": ends_on, "issuing_bureau": bureau, "legal_basis": basis,
            "credit_regime": term.regime, "credit_tier": term.tier,
            "term_min_months": term.min_months, "term_max_months": term.max_months,
            "term_reason": reason})
        .to_string(),
        now,
    )?;
    current(conn, id)
}

pub fn reject(
    conn: &mut DbConnection,
    role: Role,
    actor: &str,
    id: i64,
    b: &RejectBody,
    now: NaiveDateTime,
) -> Result<PunishmentRow, PunishmentError> {
    may_decide(role)?;
    let reason = required("reason", &b.reason)?;
    let row = current(conn, id)?;
    if !pdb::reject(conn, id, &reason, actor, now)? {
        return Err(PunishmentError::Conflict(row.status));
    }
    audit::append(
        conn,
        actor,
        "punishment.rejected",
        &format!("case:{}", row.case_id),
        &serde_json::json!({"punishment_id": id, "reason": reason}).to_string(),
        now,
    )?;
    current(conn, id)
}

/// Credit repair: end an active record early, once it has been public for
/// the pack's minimum term.
pub fn repair(
    conn: &mut DbConnection,
    pack: &Pack,
    role: Role,
    actor: &str,
    id: i64,
    b: &RepairBody,
    now: NaiveDateTime,
) -> Result<PunishmentRow, PunishmentError> {
    may_decide(role)?;
    let reason = required("reason", &b.reason)?;
    let approver = required("approver", &b.approver)?;
    let row = current(conn, id)?;
    let today = local_day(now);
    if row.status != "active" {
        return Err(PunishmentError::Conflict(row.status));
    }
    // The minimum stored with the decision; a record without one (never
    // after the migration) gets its term again from the pack.
    let min = match row.term_min_months {
        Some(m) => m.max(0) as u32,
        None => row
            .starts_on
            .and_then(|s| {
                pack.term_for(
                    s,
                    &crate::db::key_list(&row.measures),
                    &case_dimensions(conn, row.case_id).unwrap_or_default(),
                )
            })
            .map_or(0, |t| t.min_months),
    };
    let earliest = row.starts_on.map(|s| months_after(s, min));
    if let Some(day) = earliest.filter(|d| today < *d) {
        return Err(field(
            "repair",
            &format!("须公示满{min}个月，{day}起方可信用修复"),
            &format!("credit repair is possible from {day}, after {min} months of publication"),
        ));
    }
    if !pdb::end(conn, id, "repaired", today, &reason, Some(&approver), now)? {
        return Err(PunishmentError::Conflict(row.status));
    }
    audit::append(
        conn,
        actor,
        "punishment.repaired",
        &format!("case:{}", row.case_id),
        &serde_json::json!({"punishment_id": id, "reason": reason, "approver": approver,
            "ended_on": today})
        .to_string(),
        now,
    )?;
    current(conn, id)
}

/// One record as the credit-sharing platform receives it. The field list
/// is documented in docs/outcomes.md; JSON and CSV carry the same fields.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRecord {
    pub record_id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub case_id: i64,
    pub status: String,
    pub measures: Vec<String>,
    pub measure_names: Vec<String>,
    pub legal_basis: String,
    pub issuing_bureau: String,
    pub issuing_bureau_name: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// `minor`, `general`, `serious` (Order 36); empty under Order 58.
    pub credit_tier: String,
    /// 轻微失信 / 一般失信 / 严重失信, or empty.
    pub credit_tier_name: String,
    /// `order58` or `order36`.
    pub credit_regime: String,
    /// The regime's title and dates, e.g. 《信用修复管理办法》（2026年4月1日起）.
    pub credit_regime_name: String,
    pub term_min_months: Option<i32>,
    pub term_max_months: Option<i32>,
    /// Whether the record is published (公示); false for a 轻微 record the
    /// pack does not publish: it is shared, not shown.
    pub published: bool,
    pub term_reason: Option<String>,
}

pub const EXPORT_FIELDS: [&str; 22] = [
    "record_id",
    "credit_code",
    "enterprise_name",
    "case_id",
    "status",
    "measures",
    "measure_names",
    "legal_basis",
    "issuing_bureau",
    "issuing_bureau_name",
    "starts_on",
    "ends_on",
    "ended_on",
    "end_reason",
    "credit_tier",
    "credit_tier_name",
    "credit_regime",
    "credit_regime_name",
    "term_min_months",
    "term_max_months",
    "published",
    "term_reason",
];

/// Records the platform needs: applied ones (active, repaired, expired);
/// proposals and rejections stay internal.
pub use crate::db::punishments::{PunishmentFilter, PunishmentRow as Record};

/// The records a filter selects, newest change first.
pub async fn records(
    db: &crate::db::Db,
    filter: PunishmentFilter,
) -> Result<Vec<PunishmentRow>, super::ServiceError> {
    db.read(move |conn| Ok(pdb::all(conn, &filter)?)).await
}

/// How many records are in one status (the queue's proposals waiting).
pub async fn count(db: &crate::db::Db, status: &'static str) -> Result<i64, super::ServiceError> {
    db.read(move |conn| Ok(pdb::count(conn, status)?)).await
}

/// A record's measure keys (stored comma-joined).
pub fn measure_keys(row: &PunishmentRow) -> Vec<String> {
    crate::db::key_list(&row.measures)
}

pub fn export(pack: &Pack, rows: &[PunishmentRow]) -> Vec<ExportRecord> {
    rows.iter()
        .filter(|r| matches!(r.status.as_str(), "active" | "repaired" | "expired"))
        .map(|r| {
            let measures = crate::db::key_list(&r.measures);
            let bureau = r.issuing_bureau.clone().unwrap_or_default();
            let regime = r
                .credit_regime
                .as_deref()
                .and_then(|k| pack.regimes.iter().find(|g| g.key == k));
            let tier = r
                .credit_tier
                .as_deref()
                .and_then(|t| regime.and_then(|g| g.tier(t)));
            ExportRecord {
                credit_tier: r.credit_tier.clone().unwrap_or_default(),
                credit_tier_name: tier.map(|t| format!("{}失信", t.name)).unwrap_or_default(),
                credit_regime: r.credit_regime.clone().unwrap_or_default(),
                credit_regime_name: regime.map(|g| g.label()).unwrap_or_default(),
                term_min_months: r.term_min_months,
                term_max_months: r.term_max_months,
                published: tier.is_none_or(|t| t.published),
                term_reason: r.term_reason.clone(),
                record_id: r.id,
                credit_code: r.credit_code.clone().unwrap_or_default(),
                enterprise_name: r.enterprise_name.clone(),
                case_id: r.case_id,
                status: r.status.clone(),
                measure_names: measures.iter().map(|k| pack.punishment_name(k)).collect(),
                measures,
                legal_basis: r.legal_basis.clone(),
                issuing_bureau_name: pack
                    .bureau(&bureau)
                    .map(|b| b.name.clone())
                    .unwrap_or_default(),
                issuing_bureau: bureau,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                ended_on: r.ended_on,
                end_reason: r.end_reason.clone(),
            }
        })
        .collect()
}

pub fn export_csv(records: &[ExportRecord]) -> String {
    let d = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    let n = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.record_id.to_string(),
                r.credit_code.clone(),
                r.enterprise_name.clone(),
                r.case_id.to_string(),
                r.status.clone(),
                r.measures.join(";"),
                r.measure_names.join(";"),
                r.legal_basis.clone(),
                r.issuing_bureau.clone(),
                r.issuing_bureau_name.clone(),
                d(r.starts_on),
                d(r.ends_on),
                d(r.ended_on),
                r.end_reason.clone().unwrap_or_default(),
                r.credit_tier.clone(),
                r.credit_tier_name.clone(),
                r.credit_regime.clone(),
                r.credit_regime_name.clone(),
                n(r.term_min_months),
                n(r.term_max_months),
                r.published.to_string(),
                r.term_reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    csv_document(&EXPORT_FIELDS, &rows)
}
