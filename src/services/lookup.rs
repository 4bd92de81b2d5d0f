//! What a reporter reads and adds with the receipt.
use chrono::NaiveDateTime;
use serde::Serialize;

use super::ServiceError;
use crate::db::{self, tips};
use crate::domain::errors::FieldErrors;
use crate::domain::receipt::Receipt;
use crate::domain::tip_status::TipStatus;
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
            let messages = tips::messages(conn, tip.id)?
                .into_iter()
                .map(|m| MessageView {
                    from: m.author,
                    body: m.body,
                    at: m.created_at,
                })
                .collect();
            Ok(Progress {
                status,
                status_label: status.label_zh(),
                status_label_en: status.label_en(),
                received_at: tip.received_at,
                updated_at: tip.updated_at,
                updates,
                messages,
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
