//! What a reporter reads and adds with the receipt.
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::ServiceError;
use crate::db::{self, tips};
use crate::domain::case_state::CaseStatus;
use crate::domain::errors::FieldErrors;
use crate::domain::receipt::Receipt;
use crate::domain::role::Scope;
use crate::domain::tip_status::TipStatus;
use crate::services::rating::{self, RatingView};
use crate::state::AppState;

pub const MESSAGE_MAX: usize = 5000;

#[derive(Debug, Serialize)]
pub struct Progress {
    pub status: TipStatus,
    pub status_label: &'static str,
    pub status_label_en: &'static str,
    pub received_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub updates: Vec<UpdateView>,
    pub messages: Vec<MessageView>,
    /// The report as submitted.
    pub description: String,
    pub enterprise_name: Option<String>,
    pub address: Option<String>,
    /// Files attached to the tip (at intake and later).
    pub files: i64,
    /// The handling bureau's name (承办单位): proposed until dispatched.
    pub handled_by: Option<String>,
    /// True once the dispatcher confirmed the bureau.
    pub handler_confirmed: bool,
    /// The day the next answer is due (办理时限), while the case is open.
    pub expected_on: Option<NaiveDate>,
    /// A question from staff waits for the reporter's answer (待您回复).
    pub awaiting_reply: bool,
    /// The reporter's rating, once given.
    pub rating: Option<RatingView>,
    /// The case is closed and the tip not yet rated: the form is offered.
    pub can_rate: bool,
}

#[derive(Debug, Serialize)]
pub struct UpdateView {
    pub status: TipStatus,
    pub status_label: &'static str,
    pub note: Option<String>,
    pub at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct MessageView {
    /// `staff` (a question or note from the bureau) or `reporter`.
    pub from: String,
    pub body: String,
    pub at: NaiveDateTime,
}

/// The tip's progress. An unknown receipt costs the same one indexed query
/// as a known one, and answers `NotFound` without saying more.
pub async fn progress(state: &AppState, receipt: Receipt) -> Result<Progress, ServiceError> {
    let hash = state.secrets.receipt_hash(&receipt);
    let pack = state.pack.clone();
    state
        .db
        .read(move |conn| -> Result<Progress, ServiceError> {
            let tip = tips::find_by_receipt(conn, &hash)?.ok_or(ServiceError::NotFound)?;
            let status = tip.status;
            let updates = tips::updates(conn, tip.id)?
                .into_iter()
                .map(|u| {
                    let s = u.status;
                    UpdateView {
                        status: s,
                        status_label: s.label_zh(),
                        note: u.note,
                        at: u.created_at,
                    }
                })
                .collect();
            let messages: Vec<MessageView> = tips::messages(conn, tip.id)?
                .into_iter()
                .map(|m| MessageView {
                    from: m.author,
                    body: m.body,
                    at: m.created_at,
                })
                .collect();
            let awaiting_reply = messages
                .last()
                .is_some_and(|m: &MessageView| m.from == "staff");
            let mine = tips::submitted(conn, tip.id)?;
            let files = db::attachments::usage(conn, tip.id)?.0;
            let case = match mine.case_id {
                Some(id) => db::cases::get(conn, &Scope::All, id)?,
                None => None,
            };
            let (handled_by, handler_confirmed, expected_on) = match &case {
                Some(c) => {
                    let name = c
                        .lead_bureau
                        .as_deref()
                        .and_then(|k| pack.bureau(k))
                        .map(|b| b.name.clone());
                    let confirmed =
                        !matches!(c.status, CaseStatus::Received | CaseStatus::Returned);
                    let expected = match c.status {
                        CaseStatus::Received | CaseStatus::Returned => {
                            crate::services::intake::first_answer_due(
                                &pack,
                                &db::key_list(&c.dimensions),
                                crate::clock::local_day(tip.received_at),
                            )
                        }
                        CaseStatus::Closed => None,
                        _ => c.due_on,
                    };
                    (name, confirmed, expected)
                }
                None => (None, false, None),
            };
            let rating = rating::of_tip(conn, tip.id)?;
            Ok(Progress {
                status,
                status_label: status.label_zh(),
                status_label_en: status.label_en(),
                received_at: tip.received_at,
                updated_at: tip.updated_at,
                updates,
                messages,
                description: mine.description,
                enterprise_name: mine.enterprise_name,
                address: mine.address,
                files,
                handled_by,
                handler_confirmed,
                expected_on,
                awaiting_reply,
                can_rate: status == TipStatus::Closed && rating.is_none(),
                rating,
            })
        })
        .await
}

/// Check a reporter's message.
pub fn check_message(body: &str) -> Result<String, FieldErrors> {
    let body = body.trim();
    let mut errors = FieldErrors::default();
    let n = body.chars().count();
    if n == 0 || n > MESSAGE_MAX {
        errors.add(
            "body",
            "补充内容须为1至5000个字",
            "the message must be 1 to 5,000 characters",
        );
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.add(
            "body",
            "补充内容含有不允许的控制字符",
            "the message contains control characters",
        );
    }
    if errors.is_empty() {
        Ok(body.to_string())
    } else {
        Err(errors)
    }
}

/// The reporter adds information or answers a question.
pub async fn add_message(
    state: &AppState,
    receipt: Receipt,
    body: String,
) -> Result<(), ServiceError> {
    let hash = state.secrets.receipt_hash(&receipt);
    state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            let tip = tips::find_by_receipt(conn, &hash)?.ok_or(ServiceError::NotFound)?;
            tips::add_message(conn, tip.id, "reporter", &body, db::now())?;
            Ok(())
        })
        .await
}
