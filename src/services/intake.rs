//! Intake: a checked tip is committed, with its first public update, before
//! its receipt is handed back. Nothing acknowledged is lost.
use chrono::NaiveDateTime;

use super::ServiceError;
use crate::db::{self, cases, tips};
use crate::domain::receipt::Receipt;
use crate::domain::tip::{TipDraft, TipInput};
use crate::domain::tip_status::{TipSource, TipStatus};
use crate::routing::{self, Router, RoutingProposal};
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

/// A checked tip with everything its insert needs that must be made outside
/// the transaction: the receipt, its hash, the sealed contact, the time.
pub struct Prepared {
    pub receipt: Receipt,
    receipt_hash: Vec<u8>,
    contact_sealed: Option<Vec<u8>>,
    pub received_at: NaiveDateTime,
    pub draft: TipDraft,
    pub source: TipSource,
}

pub fn prepare(state: &AppState, draft: TipDraft, source: TipSource) -> Prepared {
    let receipt = Receipt::generate();
    Prepared {
        receipt_hash: state.secrets.receipt_hash(&receipt),
        contact_sealed: draft.contact.as_deref().map(|c| state.secrets.seal(c)),
        receipt,
        received_at: db::now(),
        draft,
        source,
    }
}

/// Write a prepared tip, its routed case and its first public update inside
/// the caller's write transaction, so callers (relays) can add their own
/// rows to the same commit. Returns the tip's id.
pub fn insert_tip(
    conn: &mut db::DbConnection,
    router: &Router,
    p: &Prepared,
) -> Result<i64, ServiceError> {
    let draft = &p.draft;
    // Routing is pure and takes well under a millisecond: it runs here,
    // on the blocking thread, so the tip and its proposal commit together.
    let proposal = router.route(&routing_input(draft));
    let routing_json = serde_json::to_string(&proposal).expect("proposals serialise");
    let case_id = open_case(conn, &proposal, &routing_json, p.received_at)?;
    let dimensions = draft.dimensions.join(",");
    let id = tips::insert(
        conn,
        &tips::NewTip {
            receipt_hash: &p.receipt_hash,
            source: p.source.as_str(),
            status: TipStatus::Received.as_str(),
            description: &draft.description,
            enterprise_name: draft.enterprise_name.as_deref(),
            enterprise_credit_code: draft.enterprise_credit_code.as_deref(),
            address: draft.address.as_deref(),
            district: draft.district.as_deref(),
            industry: draft.industry.as_deref(),
            dimensions: &dimensions,
            occurred_on: draft.occurred_on,
            contact_sealed: p.contact_sealed.as_deref(),
            received_at: p.received_at,
            case_id: Some(case_id),
            routing: Some(&routing_json),
        },
    )?;
    tips::add_update(conn, id, TipStatus::Received.as_str(), None, p.received_at)?;
    Ok(id)
}

/// Count a committed tip.
pub fn count_received(state: &AppState, source: TipSource) {
    state
        .metrics
        .tips_received
        .with_label_values(&[source.as_str()])
        .inc();
}

pub async fn submit(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
) -> Result<Accepted, ServiceError> {
    let prepared = prepare(state, draft, source);
    let router = state.router.clone();
    let (receipt, received_at) = state
        .db
        .write(move |conn| -> Result<_, ServiceError> {
            insert_tip(conn, &router, &prepared)?;
            Ok((prepared.receipt, prepared.received_at))
        })
        .await?;
    count_received(state, source);
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
