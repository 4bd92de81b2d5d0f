//! The case workflow: one transaction per action. The state machine is in
//! `domain::case_state`; this module checks who acts, validates what the
//! action carries against the pack, writes it, audits it and tells the
//! reporter (see [`publish_status`]).
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::db::cases::{self as case_db, CaseRow};
use crate::db::measures::{self, CaseChange, NewMeasure};
use crate::db::{DbConnection, DbError, audit, tips};
use crate::domain::case_state::{self, Action, CaseStatus, Facts, Finding, Measure, Party};
use crate::domain::credit_code::CreditCode;
use crate::domain::deadline;
use crate::domain::errors::FieldErrors;
use crate::domain::role::{Role, Scope};
use crate::domain::tip_status::TipStatus;
use crate::jurisdiction::Pack;
use crate::state::AppState;

/// Who acts: the part of a session the workflow needs.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: String,
    pub role: Role,
    pub bureau: Option<String>,
    pub scope: Scope,
}

impl Who {
    /// What this person is to the case.
    pub fn party(&self, case: &CaseRow) -> Party {
        match self.role {
            Role::Admin => Party::Admin,
            Role::Dispatcher => Party::Dispatcher,
            Role::District => Party::District,
            Role::Bureau if self.bureau.is_some() && case.lead_bureau == self.bureau => {
                Party::LeadBureau
            }
            Role::Bureau => Party::CoBureau,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("conflict")]
    Conflict {
        status: CaseStatus,
        allowed: Vec<Action>,
    },
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A service's refusal as the workflow reports it (a conflict's reason
/// has no field here: callers that know the field map it first).
impl From<super::ServiceError> for WorkflowError {
    fn from(e: super::ServiceError) -> Self {
        use super::ServiceError as S;
        match e {
            S::NotFound => WorkflowError::NotFound,
            S::Forbidden => WorkflowError::Forbidden,
            S::Invalid(f) => WorkflowError::Invalid(f),
            S::Db(e) => WorkflowError::Db(e),
            _ => WorkflowError::Db(DbError::Canceled),
        }
    }
}

impl From<diesel::result::Error> for WorkflowError {
    fn from(e: diesel::result::Error) -> Self {
        WorkflowError::Db(DbError::Query(e))
    }
}

fn invalid(field: &str, zh: &str, en: &str) -> WorkflowError {
    let mut f = FieldErrors::default();
    f.add(field, zh, en);
    WorkflowError::Invalid(f)
}

// ---- bodies (the JSON contract; fixed names are those of issue 6) ----

/// `dispatch`: the dispatcher confirms or changes the routing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    pub lead_bureau: String,
    #[serde(default)]
    pub co_bureaus: Vec<String>,
    pub district: String,
    pub enterprise_credit_code: Option<String>,
    /// Dimension keys; the case's current ones when absent.
    pub dimensions: Option<Vec<String>>,
    /// Industry key or Chinese name; unchanged when absent.
    pub industry: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    pub reason: String,
    /// `not_ours` (不属于本部门职责), `incomplete` (信息不全), `duplicate`
    /// (重复) or `other` (其他).
    pub category: String,
}

/// `reject-return`: the dispatcher's reason, for the bureau.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectReturnBody {
    pub reason: String,
}

/// `redispatch` (改派): the new lead bureau and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedispatchBody {
    pub lead_bureau: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// `substantiated`, `partly`, `unsubstantiated` or `unverifiable`.
    pub finding: String,
    #[serde(default, deserialize_with = "crate::domain::day::optional")]
    pub inspected_on: Option<NaiveDate>,
    #[serde(default)]
    pub inspectors: Vec<String>,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// `rectify`, `suspend`, `close`, `revoke_licence`, `dismantle` or `seal`.
    pub measure: String,
    /// Needed for `seal` (the dismantling deadline) and for a rectification
    /// the pack gives no months for; otherwise the pack decides.
    #[serde(default, deserialize_with = "crate::domain::day::optional")]
    pub due_on: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    pub months: u32,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReinspectBody {
    pub passed: bool,
    #[serde(default, deserialize_with = "crate::domain::day::optional")]
    pub inspected_on: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptExitBody {
    pub equipment: String,
    pub capacity: f64,
    pub unit: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    pub public_note: String,
}

/// `reopen` (二次办理): what the reporter and the relay are told, and
/// why, in one public text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    pub public_note: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    pub body: String,
}

#[derive(Debug, Clone)]
pub enum Command {
    Dispatch(DispatchBody),
    Accept(NoteBody),
    Return(ReturnBody),
    Verify(VerifyBody),
    Order(OrderBody),
    Extend(ExtendBody),
    Reinspect(ReinspectBody),
    AcceptExit(AcceptExitBody),
    Close(CloseBody),
    Question(QuestionBody),
    Reopen(ReopenBody),
    RejectReturn(RejectReturnBody),
    Redispatch(RedispatchBody),
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Dispatch(_) => Action::Dispatch,
            Command::Accept(_) => Action::Accept,
            Command::Return(_) => Action::Return,
            Command::Verify(_) => Action::Verify,
            Command::Order(_) => Action::Order,
            Command::Extend(_) => Action::Extend,
            Command::Reinspect(_) => Action::Reinspect,
            Command::AcceptExit(_) => Action::AcceptExit,
            Command::Close(_) => Action::Close,
            Command::Question(_) => Action::Question,
            Command::Reopen(_) => Action::Reopen,
            Command::RejectReturn(_) => Action::RejectReturn,
            Command::Redispatch(_) => Action::Redispatch,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub id: i64,
    pub action: Action,
    pub status: CaseStatus,
    /// What may follow.
    pub allowed: Vec<Action>,
    /// The due date of the measure ordered or extended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<i64>,
}

pub use crate::clock::local_day;

const TEXT_MAX: usize = 5000;

fn text(field: &str, value: &str, required: bool) -> Result<String, WorkflowError> {
    let v = value.trim();
    let n = v.chars().count();
    if (required && n == 0) || n > TEXT_MAX {
        return Err(invalid(
            field,
            "须为1至5000个字",
            "must be 1 to 5,000 characters",
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(invalid(
            field,
            "含有不允许的控制字符",
            "contains control characters",
        ));
    }
    Ok(v.to_string())
}

fn opt_text(field: &str, value: &Option<String>) -> Result<Option<String>, WorkflowError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, true).map(Some),
    }
}

/// Whether the case has an open rectification order (what `extend` extends).
fn open_rectification(conn: &mut DbConnection, case_id: i64) -> Result<bool, WorkflowError> {
    Ok(measures::measures_of(conn, case_id)?
        .iter()
        .any(|m| m.is_open && m.measure == Measure::Rectify.as_str()))
}

/// The facts the state machine needs about a case.
fn facts(conn: &mut DbConnection, case: &CaseRow) -> Result<Facts, WorkflowError> {
    Ok(Facts {
        finding: case.finding.as_deref().and_then(Finding::parse),
        open_rectification: open_rectification(conn, case.id)?,
        passed: false,
    })
}

/// The due date of a working-day step limit from the pack, if it has one.
pub fn step_due(
    pack: &Pack,
    step: &str,
    dimensions: &[String],
    from: NaiveDate,
) -> Option<NaiveDate> {
    let d = pack.step_deadline(step, dimensions)?;
    Some(
        pack.work_calendar()
            .add_working_days(from, d.working_days.unwrap_or(0)),
    )
}

/// The step a case waits on after measures change: the earliest open measure
/// with a real deadline (an immediate suspension is checked by re-inspection,
/// not by a date).
fn measure_step(conn: &mut DbConnection, case_id: i64) -> Result<Option<NaiveDate>, WorkflowError> {
    Ok(measures::measures_of(conn, case_id)?
        .iter()
        .filter(|m| m.is_open && m.due_on > m.ordered_on)
        .map(|m| m.due_on)
        .min())
}

/// Write the reporter-visible status of every tip of the case, and queue the
/// relay call-back of each relayed tip in the same transaction. This is the
/// one place a case's public progress is written.
pub fn publish_status(
    conn: &mut DbConnection,
    case_id: i64,
    status: TipStatus,
    note: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), diesel::result::Error> {
    for tip_id in measures::tip_ids(conn, case_id)? {
        crate::services::outbox::record_status_change(conn, tip_id, status, note, at)?;
    }
    Ok(())
}

/// Take one action on a case, as `who`, at `now`.
pub async fn act(
    state: &AppState,
    who: Who,
    case_id: i64,
    cmd: Command,
    now: NaiveDateTime,
) -> Result<Outcome, WorkflowError> {
    let pack = state.pack.clone();
    state
        .db
        .write(move |conn| apply(conn, &pack, &who, case_id, cmd, now))
        .await
}

/// [`act`] inside the caller's transaction.
pub fn apply(
    conn: &mut DbConnection,
    pack: &Pack,
    who: &Who,
    case_id: i64,
    cmd: Command,
    now: NaiveDateTime,
) -> Result<Outcome, WorkflowError> {
    let case = case_db::get(conn, &who.scope, case_id)?.ok_or(WorkflowError::NotFound)?;
    let from = case.status;
    let action = cmd.action();
    let mut f = facts(conn, &case)?;
    if let Command::Reinspect(b) = &cmd {
        f.passed = b.passed;
    }
    let Some(to) = case_state::next(from, action, f) else {
        return Err(WorkflowError::Conflict {
            status: from,
            allowed: case_state::allowed(from, f),
        });
    };
    if !action.allowed_for(who.party(&case)) {
        return Err(WorkflowError::Forbidden);
    }
    let today = local_day(now);
    let dims = crate::db::key_list(&case.dimensions);
    let subject = format!("case:{case_id}");
    let mut change = CaseChange::default();
    let mut due_out = None;
    let mut measure_id = None;
    let mut public_note: Option<String> = None;
    // A change of handler the reporter and the relay must hear of even when
    // the status stays (改派 from dispatched to dispatched).
    let mut announce = false;
    let bureau_name = |k: &str| {
        pack.bureau(k)
            .map_or_else(|| k.to_string(), |b| b.name.clone())
    };
    let detail: serde_json::Value;

    match &cmd {
        Command::Dispatch(b) => {
            let r = check_dispatch(pack, b, &dims, case.industry.as_deref())?;
            // A return is decided, not bounced: accepting it means another
            // bureau (改派); sending it back is `reject-return`.
            let returned_by = (from == CaseStatus::Returned)
                .then(|| case.lead_bureau.clone())
                .flatten();
            if returned_by.as_deref() == Some(r.lead_bureau.as_str()) {
                return Err(invalid(
                    "lead_bureau",
                    "退单须审核：同意退单请改派其他部门；不同意请用“驳回退单”写明理由",
                    "a return is decided: dispatch to another bureau to accept it, or reject it with a reason",
                ));
            }
            if returned_by.is_some() {
                public_note = Some(format!("本案改由{}办理。", bureau_name(&r.lead_bureau)));
            }
            let co = case_db::co_bureaus_column(&r.co_bureaus);
            let dims_col = r.dimensions.join(",");
            measures::set_routing(
                conn,
                case_id,
                &measures::Routing {
                    lead_bureau: &r.lead_bureau,
                    co_bureaus: &co,
                    district: &r.district,
                    industry: r.industry.as_deref(),
                    dimensions: &dims_col,
                    enterprise_credit_code: r.credit_code.as_deref(),
                },
            )?;
            let before = serde_json::json!({
                "lead_bureau": case.lead_bureau, "co_bureaus": crate::db::key_list(&case.co_bureaus),
                "district": case.district, "industry": case.industry, "dimensions": dims,
                "enterprise_credit_code": case.enterprise_credit_code,
            });
            detail = serde_json::json!({
                "before": before,
                "after": {"lead_bureau": r.lead_bureau, "co_bureaus": r.co_bureaus, "district": r.district,
                          "industry": r.industry, "dimensions": r.dimensions,
                          "enterprise_credit_code": r.credit_code},
                "note": opt_text("note", &b.note)?,
                "return_accepted_from": returned_by,
            });
            audit::append(
                conn,
                &who.actor,
                "case.routing",
                &subject,
                &detail.to_string(),
                now,
            )?;
            let due = step_due(pack, "verify", &r.dimensions, today);
            change.due_step = Some(due.map(|_| "verify"));
            change.due_on = Some(due);
            change.returned_reason = Some(None);
        }
        Command::Accept(b) => {
            detail = serde_json::json!({"note": opt_text("note", &b.note)?});
        }
        Command::Return(b) => {
            let reason = text("reason", &b.reason, true)?;
            let category = case_state::ReturnCategory::parse(&b.category).ok_or_else(|| {
                invalid(
                    "category",
                    "退单类别须为 not_ours（不属于本部门职责）、incomplete（信息不全）、duplicate（重复）或 other（其他）",
                    "category must be not_ours, incomplete, duplicate or other",
                )
            })?;
            let due = step_due(pack, "dispatch", &dims, today);
            change.due_step = Some(due.map(|_| "dispatch"));
            change.due_on = Some(due);
            detail = serde_json::json!({"reason": reason, "category": category.as_str(),
                "bureau": case.lead_bureau});
            measures::add_record(
                conn,
                case_id,
                "return",
                &detail.to_string(),
                &who.actor,
                now,
            )?;
            change.returned_reason = Some(Some(b.reason.trim()));
        }
        Command::RejectReturn(b) => {
            let reason = text("reason", &b.reason, true)?;
            let due = step_due(pack, "verify", &dims, today);
            change.due_step = Some(due.map(|_| "verify"));
            change.due_on = Some(due);
            change.returned_reason = Some(None);
            let bureau = case.lead_bureau.clone().unwrap_or_default();
            detail = serde_json::json!({"reason": reason, "bureau": bureau, "due_on": due});
            measures::add_record(
                conn,
                case_id,
                "return_rejected",
                &detail.to_string(),
                &who.actor,
                now,
            )?;
            public_note = Some(format!("本案继续由{}办理。", bureau_name(&bureau)));
        }
        Command::Redispatch(b) => {
            let reason = text("reason", &b.reason, true)?;
            if pack.bureau(&b.lead_bureau).is_none() {
                return Err(invalid("lead_bureau", "不认识的部门", "unknown bureau"));
            }
            let before = case.lead_bureau.clone().unwrap_or_default();
            if before == b.lead_bureau {
                return Err(invalid(
                    "lead_bureau",
                    "改派须选择另一个部门",
                    "redispatch to another bureau",
                ));
            }
            // The new lead no longer co-handles.
            let co: Vec<String> = crate::db::key_list(&case.co_bureaus)
                .into_iter()
                .filter(|k| *k != b.lead_bureau)
                .collect();
            measures::set_lead(
                conn,
                case_id,
                &b.lead_bureau,
                &case_db::co_bureaus_column(&co),
            )?;
            let due = step_due(pack, "verify", &dims, today);
            change.due_step = Some(due.map(|_| "verify"));
            change.due_on = Some(due);
            detail = serde_json::json!({"reason": reason, "from_bureau": before,
                "lead_bureau": b.lead_bureau, "due_on": due});
            public_note = Some(format!("本案改由{}办理。", bureau_name(&b.lead_bureau)));
            announce = true;
        }
        Command::Verify(b) => {
            let (finding, inspected_on, inspectors, evidence) = check_finding(b, today)?;
            detail = serde_json::json!({
                "finding": finding.as_str(), "inspected_on": inspected_on,
                "inspectors": inspectors, "evidence": evidence,
            });
            measures::add_record(
                conn,
                case_id,
                "finding",
                &detail.to_string(),
                &who.actor,
                now,
            )?;
            change.finding = Some(finding.as_str());
            change.due_step = Some(finding.calls_for_measures().then_some("measure"));
            change.due_on = Some(None);
        }
        Command::Order(b) => {
            let measure = Measure::parse(&b.measure).ok_or_else(|| {
                invalid(
                    "measure",
                    "措施须为 rectify、suspend、close、revoke_licence、dismantle 或 seal",
                    "measure must be rectify, suspend, close, revoke_licence, dismantle or seal",
                )
            })?;
            if b.due_on.is_some_and(|d| d <= today) {
                return Err(invalid(
                    "due_on",
                    "期限须晚于今天",
                    "due_on must be after today",
                ));
            }
            let (due, rule_key) = match measure {
                Measure::Rectify => match (pack.rectify_rule(&dims), b.due_on) {
                    (Some(rule), _) => (deadline::rectify_due(&rule, today), Some(rule.key)),
                    (None, Some(d)) => (d, None),
                    (None, None) => {
                        return Err(invalid(
                            "due_on",
                            "本案的问题在本地方案中没有整改月数，请填写整改期限",
                            "the pack sets no months for this case's dimensions: give due_on",
                        ));
                    }
                },
                Measure::Seal => match b.due_on {
                    Some(d) => (d, None),
                    None => {
                        return Err(invalid(
                            "due_on",
                            "封存须写明拆除期限",
                            "sealing needs the dismantling deadline due_on",
                        ));
                    }
                },
                // Suspension, closure, revocation and dismantling take effect
                // at once (立即); re-inspection checks them.
                _ => (b.due_on.unwrap_or(today), None),
            };
            let note = opt_text("note", &b.note)?.unwrap_or_default();
            let id = measures::insert_measure(
                conn,
                &NewMeasure {
                    case_id,
                    measure: measure.as_str(),
                    rule_key: rule_key.as_deref(),
                    ordered_on: today,
                    due_on: due,
                    note: &note,
                    created_by: &who.actor,
                    at: now,
                },
            )?;
            measure_id = Some(id);
            due_out = Some(due);
            detail = serde_json::json!({"measure": measure.as_str(), "measure_id": id,
                "ordered_on": today, "due_on": due, "rule": rule_key, "note": note});
            let step = measure_step(conn, case_id)?;
            change.due_step = Some(Some("measure"));
            change.due_on = Some(step);
        }
        Command::Extend(b) => {
            let reason = text("reason", &b.reason, true)?;
            let open = measures::measures_of(conn, case_id)?
                .into_iter()
                .rfind(|m| m.is_open && m.measure == Measure::Rectify.as_str())
                .ok_or(WorkflowError::Conflict {
                    status: from,
                    allowed: case_state::allowed(from, f),
                })?;
            let rule = open
                .rule_key
                .as_deref()
                .and_then(|k| pack.deadlines.iter().find(|d| d.key == k))
                .and_then(|_| pack.rectify_rule(&dims))
                .ok_or_else(|| {
                    invalid(
                        "months",
                        "本地方案未规定此项整改的延期",
                        "the pack allows no extension of this order",
                    )
                })?;
            let new_due =
                deadline::extend(&rule, open.due_on, open.extensions.max(0) as u32, b.months)
                    .map_err(|e| invalid("months", &e.zh(), &e.en()))?;
            measures::extend_measure(conn, open.id, new_due, b.months as i32, &reason)?;
            measure_id = Some(open.id);
            due_out = Some(new_due);
            detail = serde_json::json!({"measure_id": open.id, "months": b.months, "reason": reason,
                "due_on_before": open.due_on, "due_on": new_due});
            let step = measure_step(conn, case_id)?;
            change.due_step = Some(Some("measure"));
            change.due_on = Some(step);
        }
        Command::Reinspect(b) => {
            // What was found on the second visit is the record: a note is required.
            let note = text("note", b.note.as_deref().unwrap_or(""), true)?;
            if b.inspected_on.is_some_and(|d| d > today) {
                return Err(invalid(
                    "inspected_on",
                    "复查日期不能晚于今天",
                    "the re-inspection date is in the future",
                ));
            }
            detail = serde_json::json!({"passed": b.passed,
                "inspected_on": b.inspected_on.unwrap_or(today), "note": note});
            measures::add_record(
                conn,
                case_id,
                "reinspection",
                &detail.to_string(),
                &who.actor,
                now,
            )?;
            if b.passed {
                measures::close_measures(conn, case_id)?;
                change.due_step = Some(None);
                change.due_on = Some(None);
            }
        }
        Command::AcceptExit(b) => {
            let equipment = text("equipment", &b.equipment, true)?;
            let unit = text("unit", &b.unit, true)?;
            if !(b.capacity.is_finite() && b.capacity >= 0.0) {
                return Err(invalid(
                    "capacity",
                    "产能须为非负数",
                    "capacity must be a number ≥ 0",
                ));
            }
            detail = serde_json::json!({"equipment": equipment, "capacity": b.capacity, "unit": unit,
                "note": opt_text("note", &b.note)?});
            measures::add_record(conn, case_id, "exit", &detail.to_string(), &who.actor, now)?;
        }
        Command::Close(b) => {
            let note = text("public_note", &b.public_note, true)?;
            detail = serde_json::json!({"public_note": note});
            change.due_step = Some(None);
            change.due_on = Some(None);
            public_note = Some(note);
        }
        Command::Reopen(b) => {
            let note = text("public_note", &b.public_note, true)?;
            // Back to the lead bureau with a fresh verification limit.
            let due = step_due(pack, "verify", &dims, today);
            change.due_step = Some(due.map(|_| "verify"));
            change.due_on = Some(due);
            let reviewed = crate::services::rating::reviewed_by_reopening(
                conn, case_id, &note, &who.actor, now,
            )?;
            detail = serde_json::json!({"public_note": note, "ratings_reviewed": reviewed});
            public_note = Some(note);
        }
        Command::Question(b) => {
            let body = text("body", &b.body, true)?;
            for tip_id in measures::tip_ids(conn, case_id)? {
                tips::add_message(conn, tip_id, "staff", &body, now)?;
            }
            detail = serde_json::json!({"body": body});
        }
    }
    if let Some(n) = public_note.as_ref().filter(|_| action == Action::Close) {
        change.public_result = Some(n);
    }
    if !measures::set_status(conn, case_id, from.as_str(), to.as_str(), &change, now)? {
        // Someone else moved the case in between.
        let now_status = case_db::get(conn, &who.scope, case_id)?.map_or(from, |c| c.status);
        return Err(WorkflowError::Conflict {
            status: now_status,
            allowed: case_state::allowed(now_status, f),
        });
    }
    if action != Action::Question {
        let mut d = detail;
        d["from"] = from.as_str().into();
        d["to"] = to.as_str().into();
        audit::append(
            conn,
            &who.actor,
            &format!("case.{}", action.as_str()),
            &subject,
            &d.to_string(),
            now,
        )?;
    } else {
        audit::append(
            conn,
            &who.actor,
            "case.question",
            &subject,
            &detail.to_string(),
            now,
        )?;
    }
    if (to != from || announce)
        && let Some(public) = to.public()
    {
        publish_status(conn, case_id, public, public_note.as_deref(), now)?;
    }
    let after = Facts {
        finding: change.finding.and_then(Finding::parse).or(f.finding),
        open_rectification: open_rectification(conn, case_id)?,
        passed: false,
    };
    Ok(Outcome {
        id: case_id,
        action,
        status: to,
        allowed: case_state::allowed(to, after),
        due_on: due_out,
        measure_id,
    })
}

/// A finding as the record needs it: the kind, the day of the inspection
/// (not in the future), who inspected and what the evidence is. Every
/// missing part is named at once, so a form can mark each field.
fn check_finding(
    b: &VerifyBody,
    today: NaiveDate,
) -> Result<(Finding, NaiveDate, Vec<String>, String), WorkflowError> {
    let mut e = FieldErrors::default();
    let finding = Finding::parse(&b.finding);
    if finding.is_none() {
        e.add(
            "finding",
            "核查结论须为 substantiated、partly、unsubstantiated 或 unverifiable",
            "finding must be substantiated, partly, unsubstantiated or unverifiable",
        );
    }
    match b.inspected_on {
        None => e.add(
            "inspected_on",
            "请填写核查日期",
            "the inspection date is required",
        ),
        Some(d) if d > today => e.add(
            "inspected_on",
            "核查日期不能晚于今天",
            "the inspection date is in the future",
        ),
        Some(_) => {}
    }
    let mut inspectors = Vec::new();
    for i in b.inspectors.iter().filter(|i| !i.trim().is_empty()) {
        match text("inspectors", i, true) {
            Ok(v) => inspectors.push(v),
            Err(WorkflowError::Invalid(f)) => {
                for (k, msgs) in f.0 {
                    e.0.entry(k).or_default().extend(msgs);
                }
            }
            Err(other) => return Err(other),
        }
    }
    if inspectors.is_empty() {
        e.add(
            "inspectors",
            "至少填写一名核查人员",
            "name at least one inspector",
        );
    }
    let evidence = match opt_text("evidence", &b.evidence) {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            e.add(
                "evidence",
                "请写明核查证据（现场照片、电表读数、检测报告等）",
                "describe the evidence (photos, meter readings, test reports …)",
            );
            None
        }
        Err(WorkflowError::Invalid(f)) => {
            for (k, msgs) in f.0 {
                e.0.entry(k).or_default().extend(msgs);
            }
            None
        }
        Err(other) => return Err(other),
    };
    match (finding, b.inspected_on, evidence) {
        (Some(f), Some(d), Some(ev)) if e.is_empty() => Ok((f, d, inspectors, ev)),
        _ => Err(WorkflowError::Invalid(e)),
    }
}

struct CheckedRouting {
    lead_bureau: String,
    co_bureaus: Vec<String>,
    district: String,
    industry: Option<String>,
    dimensions: Vec<String>,
    credit_code: Option<String>,
}

/// The dispatcher's routing, every key checked against the pack.
fn check_dispatch(
    pack: &Pack,
    b: &DispatchBody,
    current_dims: &[String],
    current_industry: Option<&str>,
) -> Result<CheckedRouting, WorkflowError> {
    let mut e = FieldErrors::default();
    if pack.bureau(&b.lead_bureau).is_none() {
        e.add("lead_bureau", "不认识的部门", "unknown bureau");
    }
    let mut co = Vec::new();
    for k in &b.co_bureaus {
        if pack.bureau(k).is_none() {
            e.add("co_bureaus", "不认识的部门", "unknown bureau");
        } else if *k != b.lead_bureau && !co.contains(k) {
            co.push(k.clone());
        }
    }
    let district = pack.resolve_district(&b.district).map(|d| d.key.clone());
    if district.is_none() {
        e.add("district", "不认识的区", "unknown district");
    }
    let dimensions = match &b.dimensions {
        None => current_dims.to_vec(),
        Some(list) => {
            let mut out = Vec::new();
            for k in list {
                if pack.dimension(k).is_none() {
                    e.add("dimensions", "不认识的问题类型", "unknown dimension");
                } else if !out.contains(k) {
                    out.push(k.clone());
                }
            }
            out
        }
    };
    let industry = match b
        .industry
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => current_industry.map(str::to_string),
        Some(i) => match pack.resolve_industry(i) {
            Some(ind) => Some(ind.key.clone()),
            None => {
                e.add("industry", "不认识的行业", "unknown industry");
                None
            }
        },
    };
    let credit_code = match b
        .enterprise_credit_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(c) => match CreditCode::parse(c) {
            Ok(code) => Some(code.to_string()),
            Err(err) => {
                e.add("enterprise_credit_code", &err.zh(), &err.en());
                None
            }
        },
    };
    if !e.is_empty() {
        return Err(WorkflowError::Invalid(e));
    }
    Ok(CheckedRouting {
        lead_bureau: b.lead_bureau.clone(),
        co_bureaus: co,
        district: district.unwrap_or_default(),
        industry,
        dimensions,
        credit_code,
    })
}
