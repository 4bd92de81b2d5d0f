//! Intake: a checked tip is committed, with its first public update, before
//! its receipt is handed back. Nothing acknowledged is lost.
use chrono::NaiveDateTime;

use super::attachments::{self, StoredFile};
use super::{ServiceError, flood};
use crate::db::{self, cases, tips};
use crate::domain::receipt::Receipt;
use crate::domain::tip::{TipDraft, TipInput};
use crate::domain::tip_status::{TipSource, TipStatus};
use crate::routing::{self, RoutingProposal};
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

/// Files that come with a tip: already sealed (the form) or uploaded
/// earlier under tokens (the JSON API, relays).
#[derive(Debug, Default)]
pub struct Evidence {
    pub stored: Vec<StoredFile>,
    pub tokens: Vec<String>,
}

pub async fn submit(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
) -> Result<Accepted, ServiceError> {
    submit_with(state, draft, source, Evidence::default()).await
}

/// Commit a tip with its evidence; sealed files whose rows do not commit are
/// removed again.
pub async fn submit_with(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
    evidence: Evidence,
) -> Result<Accepted, ServiceError> {
    let stored = evidence.stored.clone();
    let result = commit(state, draft, source, evidence).await;
    if result.is_err() {
        attachments::discard(state, stored).await;
    }
    result
}

async fn commit(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
    evidence: Evidence,
) -> Result<Accepted, ServiceError> {
    let receipt = Receipt::generate();
    let receipt_hash = state.secrets.receipt_hash(&receipt);
    let contact_sealed = draft.contact.as_deref().map(|c| state.secrets.seal(c));
    let received_at = db::now();
    let router = state.router.clone();
    let pack = state.pack.clone();
    let limits = state.upload_limits;
    state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            // Routing is pure and takes well under a millisecond: it runs here,
            // on the blocking thread, so the tip and its proposal commit together.
            let proposal = router.route(&routing_input(&draft));
            let routing_json = serde_json::to_string(&proposal).expect("proposals serialise");
            let case_id = open_case(conn, &proposal, &routing_json, received_at)?;
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
                    case_id: Some(case_id),
                    routing: Some(&routing_json),
                },
            )?;
            tips::add_update(conn, id, TipStatus::Received.as_str(), None, received_at)?;
            attachments::insert_for_tip(conn, id, &evidence.stored, received_at)?;
            attachments::claim_tokens(conn, &limits, id, &evidence.tokens)?;
            flood::note(conn, &pack.flood, id, &draft, received_at)?;
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

/// What routing reads of a checked tip.
fn routing_input(draft: &TipDraft) -> routing::TipInput {
    routing::TipInput {
        description: draft.description.clone(),
        enterprise_name: draft.enterprise_name.clone(),
        address: draft.address.clone(),
        district: draft.district.clone(),
        industry: draft.industry.clone(),
        dimensions: draft.dimensions.clone(),
    }
}

/// A new case for the tip, routed as proposed.
fn open_case(
    conn: &mut db::DbConnection,
    proposal: &RoutingProposal,
    routing_json: &str,
    at: NaiveDateTime,
) -> Result<i64, ServiceError> {
    let dimensions = proposal.dimensions.join(",");
    let co = cases::co_bureaus_column(&proposal.co_bureaus);
    Ok(cases::insert(
        conn,
        &cases::NewCase {
            status: "received",
            industry: proposal.industry.as_deref(),
            district: proposal.district.as_deref(),
            dimensions: &dimensions,
            lead_bureau: proposal.lead_bureau.as_deref(),
            co_bureaus: &co,
            routing: routing_json,
            at,
        },
    )?)
}
