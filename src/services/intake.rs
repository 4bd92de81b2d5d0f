//! Intake: a checked tip is routed, matched to a known enterprise and placed
//! in a case, and all of it is committed in one transaction before the
//! receipt is handed back. Nothing acknowledged is lost.
use chrono::{Duration, NaiveDateTime};

use super::attachments::{self, StoredFile};
use super::idempotency::{self, Once};
use super::{ServiceError, flood};
use crate::db::{self, DbConnection, cases, tips};
use crate::domain::place;
use crate::domain::receipt::Receipt;
use crate::domain::tip::{TipDraft, TipInput};
use crate::domain::tip_status::{TipSource, TipStatus};
use crate::matching::{MatchQuery, MatchResult};
use crate::routing::{self, RoutingProposal};
use crate::state::AppState;

/// Advisory-lock spaces for the grouping decision (PostgreSQL).
pub(crate) const LOCK_ENTERPRISE: i32 = 1;
const LOCK_PLACE: i32 = 2;
/// How alike two addresses must be for tips without an enterprise to share a case.
const PLACE_SIMILARITY: f64 = 0.75;

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

/// What a reporter is told once a tip is committed, and told again when
/// they send the same request with the same idempotency key.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Receipted {
    /// The receipt in groups of five digits.
    pub receipt: String,
    pub status: TipStatus,
    pub received_at: NaiveDateTime,
    /// The bureau the routing proposes (the dispatcher confirms it).
    #[serde(default)]
    pub handled_by: Option<String>,
    /// The day by which a first answer is due: the pack's dispatch and
    /// verification limits in working days from the day received.
    #[serde(default)]
    pub answer_due_on: Option<chrono::NaiveDate>,
}

/// The day a first answer is due for a tip received on `day`: dispatch
/// within the pack's dispatch limit, then the verification limit, both in
/// the pack's working days. None when the pack sets no verification limit.
pub fn first_answer_due(
    pack: &crate::jurisdiction::Pack,
    dimensions: &[String],
    day: chrono::NaiveDate,
) -> Option<chrono::NaiveDate> {
    use crate::services::workflow::step_due;
    let dispatched = step_due(pack, "dispatch", dimensions, day).unwrap_or(day);
    step_due(pack, "verify", dimensions, dispatched)
}

/// Commit a tip with its evidence; sealed files whose rows do not commit are
/// removed again. With `once` (an Idempotency-Key), a request already
/// answered gets that answer again and commits nothing new.
pub async fn submit_with(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
    evidence: Evidence,
    once: Option<Once>,
) -> Result<Receipted, ServiceError> {
    let stored = evidence.stored.clone();
    let result = commit_with_evidence(state, draft, source, evidence, once).await;
    if !matches!(result, Ok((_, true))) {
        // Not committed here: an error, or a replayed first answer.
        attachments::discard(state, stored).await;
    }
    result.map(|(r, _)| r)
}

/// The first answer to this request, when it was made before.
pub async fn answered_before(
    state: &AppState,
    once: &Once,
) -> Result<Option<Receipted>, ServiceError> {
    let (secrets, once) = (state.secrets.clone(), once.clone());
    state
        .db
        .read(move |conn| idempotency::replay(conn, &secrets, &once, db::now()))
        .await
}

/// The answer, and whether this call committed the tip.
async fn commit_with_evidence(
    state: &AppState,
    draft: TipDraft,
    source: TipSource,
    evidence: Evidence,
    once: Option<Once>,
) -> Result<(Receipted, bool), ServiceError> {
    let st = state.clone();
    let limits = state.upload_limits;
    let answered = state
        .db
        .blocking(move |db| {
            let secrets = &st.secrets;
            let first = |db: &crate::db::Db| -> Result<Option<Receipted>, ServiceError> {
                match &once {
                    Some(o) => idempotency::replay(&mut *db.read_conn()?, secrets, o, db::now()),
                    None => Ok(None),
                }
            };
            if let Some(answer) = first(db)? {
                return Ok((answer, false));
            }
            // Route and match before taking the writer: on SQLite there is one.
            let prepared = prepare(&st, draft, source);
            let pack = &st.pack;
            let answer = Receipted {
                receipt: prepared.receipt.grouped(),
                status: TipStatus::Received,
                received_at: prepared.received_at,
                handled_by: prepared
                    .proposal
                    .lead_bureau
                    .as_deref()
                    .and_then(|k| pack.bureau(k))
                    .map(|b| b.name.clone()),
                answer_due_on: first_answer_due(
                    pack,
                    &prepared.proposal.dimensions,
                    crate::clock::local_day(prepared.received_at),
                ),
            };
            // Grouped with other tips waiting for SQLite's writer; still
            // answered only after its COMMIT.
            let (secrets2, once2, answer2) = (st.secrets.clone(), once.clone(), answer.clone());
            let committed = db.write_grouped(move |conn| {
                let ids = insert_tip(conn, &prepared)?;
                attachments::insert_for_tip(conn, ids.0, &evidence.stored, prepared.received_at)?;
                attachments::claim_tokens(conn, &limits, ids.0, &evidence.tokens)?;
                if let Some(o) = &once2 {
                    idempotency::remember(conn, &secrets2, o, &answer2, db::now())?;
                }
                Ok::<_, ServiceError>(())
            });
            match committed {
                Ok(()) => Ok((answer, true)),
                // Another request with the key committed first: its answer.
                Err(ServiceError::AnsweredElsewhere) => first(db)?
                    .map(|a| (a, false))
                    .ok_or(ServiceError::AnsweredElsewhere),
                Err(e) => Err(e),
            }
        })
        .await?;
    if answered.1 {
        count_received(state, source);
    }
    Ok(answered)
}

/// Count a committed tip.
pub fn count_received(state: &AppState, source: TipSource) {
    state
        .metrics
        .tips_received
        .with_label_values(&[source.as_str()])
        .inc();
}

/// A checked tip with everything intake computes outside the transaction:
/// the receipt and its hash, the sealed contact, the routing proposal and
/// the enterprise match.
pub struct Prepared {
    pub receipt: Receipt,
    pub received_at: NaiveDateTime,
    pub draft: TipDraft,
    pub source: TipSource,
    receipt_hash: Vec<u8>,
    contact_sealed: Option<Vec<u8>>,
    proposal: RoutingProposal,
    matched: MatchResult,
    routing_json: String,
    matching_json: String,
    window: Duration,
    flood: crate::jurisdiction::FloodRule,
}

/// What intake decides about a checked tip before it takes the writer: the
/// routing proposal and the enterprise match. Pure (the labelled sets in
/// tests/data measure exactly this); `match_tip` is the registry's index.
pub fn propose(
    router: &routing::Router,
    match_tip: impl Fn(&MatchQuery) -> MatchResult,
    draft: &TipDraft,
) -> (RoutingProposal, MatchResult) {
    let input = routing_input(draft);
    let mut proposal = router.route(&input);
    let matched = match_tip(&match_query(draft, &proposal));
    if let Some(firm) = &matched.best {
        // The registry knows the firm's industry better than the words do:
        // route again with it (Table 5 and the matrix depend on it).
        if draft.industry.is_none() && firm.industry.is_some() && firm.industry != proposal.industry
        {
            proposal = router.route(&routing::TipInput {
                registry_industry: firm.industry.clone(),
                ..input
            });
        }
        router.place_by_enterprise(&mut proposal, firm);
    }
    (proposal, matched)
}

/// Pure work (routing and matching take well under a millisecond each).
pub fn prepare(state: &AppState, draft: TipDraft, source: TipSource) -> Prepared {
    let receipt = Receipt::generate();
    let (proposal, matched) = propose(&state.router, |q| state.registry.match_tip(q), &draft);
    Prepared {
        receipt_hash: state.secrets.receipt_hash(&receipt),
        receipt,
        received_at: db::to_minute(db::now()),
        contact_sealed: draft.contact.as_deref().map(|c| state.secrets.seal(c)),
        routing_json: serde_json::to_string(&proposal).expect("proposals serialise"),
        matching_json: serde_json::to_string(&matched).expect("match results serialise"),
        proposal,
        matched,
        window: Duration::days(i64::from(state.pack.routing.case_grouping_days)),
        flood: state.pack.flood.clone(),
        draft,
        source,
    }
}

/// Write a prepared tip, its case and its first public update inside the
/// caller's write transaction, so callers (relays) can add their own rows to
/// the same commit. Returns (tip id, case id).
pub fn insert_tip(conn: &mut DbConnection, p: &Prepared) -> Result<(i64, i64), ServiceError> {
    let draft = &p.draft;
    let received_at = p.received_at;
    let enterprise_id = p.matched.best.as_ref().map(|b| b.enterprise_id);
    let case_id = place_in_case(
        conn,
        &Placement {
            proposal: &p.proposal,
            routing_json: &p.routing_json,
            matched: &p.matched,
            address: draft.address.as_deref(),
            window: p.window,
            at: received_at,
        },
    )?;
    let dimensions = draft.dimensions.join(",");
    let tip_id = tips::insert(
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
            received_at,
            case_id: Some(case_id),
            routing: Some(&p.routing_json),
            enterprise_id,
            matching: Some(&p.matching_json),
        },
    )?;
    tips::add_update(
        conn,
        tip_id,
        TipStatus::Received.as_str(),
        None,
        received_at,
    )?;
    flood::note(conn, &p.flood, tip_id, enterprise_id, draft, received_at)?;
    Ok((tip_id, case_id))
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
        registry_industry: None,
    }
}

/// What matching reads: the tip, with the district and industry routing
/// inferred when the reporter gave none (they tell look-alikes apart).
fn match_query(draft: &TipDraft, proposal: &RoutingProposal) -> MatchQuery {
    MatchQuery {
        text: draft.description.clone(),
        enterprise_name: draft.enterprise_name.clone(),
        credit_code: draft.enterprise_credit_code.clone(),
        district: draft.district.clone().or_else(|| proposal.district.clone()),
        industry: draft.industry.clone().or_else(|| proposal.industry.clone()),
        address: draft.address.clone(),
    }
}

struct Placement<'a> {
    proposal: &'a RoutingProposal,
    routing_json: &'a str,
    matched: &'a MatchResult,
    address: Option<&'a str>,
    window: Duration,
    at: NaiveDateTime,
}

/// One case per problem: a tip joins an open case about the same enterprise
/// with an overlapping dimension; without an enterprise, an open case at a
/// similar address in the same district, seen within the pack's window.
/// Otherwise it opens a new case.
fn place_in_case(conn: &mut DbConnection, p: &Placement<'_>) -> Result<i64, ServiceError> {
    let dims = &p.proposal.dimensions;
    let place_key = p.address.and_then(place::place_key);
    let joined = match (&p.matched.best, &place_key) {
        (Some(best), _) => {
            db::lock_in_transaction(conn, LOCK_ENTERPRISE, best.enterprise_id)?;
            cases::open_for_enterprise(conn, best.enterprise_id)?
                .into_iter()
                .find(|(_, d)| place::dimensions_overlap(d, dims))
                .map(|(id, _)| id)
        }
        (None, Some(key)) => {
            let district = p.proposal.district.as_deref();
            let lock = district.map_or(0, |d| d.bytes().fold(0i64, |h, b| h * 31 + i64::from(b)));
            db::lock_in_transaction(conn, LOCK_PLACE, lock)?;
            cases::open_by_place(conn, district, p.at - p.window)?
                .into_iter()
                .find(|(_, d, k)| {
                    place::dimensions_overlap(d, dims)
                        && k.as_deref()
                            .is_some_and(|k| place::similarity(k, key) >= PLACE_SIMILARITY)
                })
                .map(|(id, _, _)| id)
        }
        (None, None) => None,
    };
    if let Some(case_id) = joined {
        cases::add_tip(conn, case_id, p.at)?;
        return Ok(case_id);
    }
    let dimensions = dims.join(",");
    let co = cases::co_bureaus_column(&p.proposal.co_bureaus);
    let candidates = serde_json::to_string(&p.matched.candidates).expect("candidates serialise");
    Ok(cases::insert(
        conn,
        &cases::NewCase {
            status: "received",
            industry: p.proposal.industry.as_deref(),
            district: p.proposal.district.as_deref(),
            dimensions: &dimensions,
            lead_bureau: p.proposal.lead_bureau.as_deref(),
            co_bureaus: &co,
            routing: p.routing_json,
            enterprise_id: p.matched.best.as_ref().map(|b| b.enterprise_id),
            candidates: &candidates,
            place_key: place_key.as_deref(),
            at: p.at,
        },
    )?)
}
