//! Intake: a checked tip is committed, with its first public update, before
//! its receipt is handed back. Nothing acknowledged is lost.
use chrono::NaiveDateTime;

use super::ServiceError;
use crate::db::{self, tips};
use crate::domain::receipt::Receipt;
use crate::domain::tip::{TipDraft, TipInput};
use crate::domain::tip_status::{TipSource, TipStatus};
use crate::state::AppState;

/// What the reporter gets back, once.
pub struct Accepted {
    pub receipt: Receipt,
    pub status: TipStatus,
    pub received_at: NaiveDateTime,
}

/// Check a tip against the pack (pure, no I/O).
pub fn check(state: &AppState, input: TipInput) -> Result<TipDraft, ServiceError> {
    let today = chrono::Utc::now().date_naive();
    input
        .into_draft(&state.pack, today)
        .map_err(ServiceError::Invalid)
}

pub async fn submit(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
) -> Result<Accepted, ServiceError> {
    let receipt = Receipt::generate();
    let receipt_hash = state.secrets.receipt_hash(&receipt);
    let contact_sealed = draft.contact.as_deref().map(|c| state.secrets.seal(c));
    let received_at = db::now();
    state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            let dimensions = draft.dimensions.join(",");
            let id = tips::insert(
                conn,
                &tips::NewTip {
                    receipt_hash: &receipt_hash,
                    source: source.as_str(),
                    status: TipStatus::Received.as_str(),
                    description: &draft.description,
                    enterprise_name: draft.enterprise_name.as_deref(),
                    enterprise_credit_code: draft.enterprise_credit_code.as_deref(),
                    address: draft.address.as_deref(),
                    district: draft.district.as_deref(),
                    industry: draft.industry.as_deref(),
                    dimensions: &dimensions,
                    occurred_on: draft.occurred_on,
                    contact_sealed: contact_sealed.as_deref(),
                    received_at,
                },
            )?;
            tips::add_update(conn, id, TipStatus::Received.as_str(), None, received_at)?;
            Ok(())
        })
        .await?;
    state
        .metrics
        .tips_received
        .with_label_values(&[source.as_str()])
        .inc();
    Ok(Accepted {
        receipt,
        status: TipStatus::Received,
        received_at,
    })
}
