//! Relays (12345 hotline, provincial platform, national 地条钢 hotline):
//! idempotent intake of their work orders and what they read back.
//!
//! A ticket is identified by (relay, ticket_id). Its canonical content (the
//! checked tip plus the ticket's own fields, with the caller's contact only
//! as a keyed hash) is stored with the ticket, so a resend is either the same
//! content (the first answer is replayed) or a conflict that names the
//! fields that differ. The ticket row commits in the tip's own transaction,
//! under a unique index, so concurrent copies give exactly one tip.
pub mod accounts;
pub mod limits;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{ServiceError, intake};
use crate::db::{self, DbError, relays, tips};
use crate::domain::errors::FieldErrors;
use crate::domain::tip::TipInput;
use crate::domain::tip_status::{TipSource, TipStatus};
use crate::state::AppState;

/// The relay a request authenticated as.
#[derive(Debug, Clone)]
pub struct RelayAuth {
    pub id: i64,
    pub name: String,
    pub rate_limit: i32,
}

/// Where a relay's ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 12345 政务服务便民热线
    Hotline,
    /// 省级淘汰落后产能举报平台
    Platform,
    /// 全国打击地条钢举报热线
    National,
    /// Open311 GeoReport v2 clients
    Open311,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Hotline => "hotline",
            Channel::Platform => "platform",
            Channel::National => "national",
            Channel::Open311 => "open311",
        }
    }
}

/// A work order as a relay posts it: the tip fields of the public API
/// (without `contact`) plus the ticket's own. Unknown keys are refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketInput {
    /// The relay's own work-order number (工单号): 1–64 of `A–Z a–z 0–9 . _ : -`.
    #[schema(
        example = "SZ12345-20261121-0001",
        pattern = r"^[A-Za-z0-9._:-]{1,64}$"
    )]
    pub ticket_id: String,
    /// When the relay received the call, RFC 3339 with an offset.
    #[schema(example = "2026-11-21T09:30:00+08:00", format = DateTime)]
    pub received_at: String,
    pub channel: Channel,
    /// The caller's contact (confidential, 保密): sealed at rest, shown only
    /// to staff allowed to see it.
    #[schema(max_length = 200)]
    pub caller_contact: Option<String>,
    #[schema(min_length = 10, max_length = 5000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub enterprise_name: Option<String>,
    #[schema(max_length = 40)]
    pub enterprise_credit_code: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    /// District key, Chinese name or division code.
    #[schema(max_length = 100)]
    pub district: Option<String>,
    /// Industry key or Chinese name.
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    /// Dimension keys.
    #[schema(max_items = 8)]
    pub dimensions: Option<Vec<String>>,
    /// YYYY-MM-DD
    pub occurred_on: Option<String>,
}

/// A checked ticket, ready to submit.
pub struct Ticket {
    pub ticket_id: String,
    pub channel: Channel,
    pub received_at: NaiveDateTime,
    pub draft: crate::domain::tip::TipDraft,
    /// The canonical content: what a resend is compared with.
    content: BTreeMap<&'static str, serde_json::Value>,
}

/// The acknowledgement of a ticket. A resend of the same ticket gets the
/// very same answer, receipt included, so the operator can read it out.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketAnswer {
    pub ticket_id: String,
    /// 举报回执码: 20 digits in groups of five.
    #[schema(example = "12345-67890-12345-67890")]
    pub receipt: String,
    pub status: TipStatus,
    pub status_label: String,
    /// When tipline committed the tip (UTC).
    pub accepted_at: NaiveDateTime,
}

pub enum Outcome {
    Created(TicketAnswer),
    Replayed(TicketAnswer),
    /// The fields whose content differs from the first submission.
    Conflict(Vec<String>),
}

pub const TICKET_ID_MAX: usize = 64;

fn valid_ticket_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= TICKET_ID_MAX
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// `received_at` in RFC 3339 with an offset, as UTC to the minute; at most a day ahead.
fn parse_received_at(s: &str, errors: &mut FieldErrors) -> Option<NaiveDateTime> {
    match DateTime::parse_from_rfc3339(s.trim()) {
        Ok(t) => {
            let t = t.with_timezone(&Utc);
            if chrono::Datelike::year(&t) < crate::domain::day::FIRST_YEAR {
                errors.add(
                    "received_at",
                    "受理时间须在1900年之后",
                    "received_at must lie after 1900",
                );
                return None;
            }
            if t > Utc::now() + chrono::Duration::days(1) {
                errors.add(
                    "received_at",
                    "受理时间不能晚于现在",
                    "received_at cannot be in the future",
                );
                return None;
            }
            // Stored to the minute, like every time of a reporter's (db::to_minute).
            Some(crate::db::to_minute(t.naive_utc()))
        }
        Err(_) => {
            errors.add(
                "received_at",
                "受理时间须为带时区的 RFC 3339 时间，如 2026-11-21T09:30:00+08:00",
                "received_at must be RFC 3339 with an offset, e.g. 2026-11-21T09:30:00+08:00",
            );
            None
        }
    }
}

/// Check a ticket: the tip fields against the pack, the ticket fields here.
/// All problems are reported at once.
pub fn check(state: &AppState, input: TicketInput) -> Result<Ticket, FieldErrors> {
    let mut errors = FieldErrors::default();
    let ticket_id = input.ticket_id.trim().to_string();
    if !valid_ticket_id(&ticket_id) {
        errors.add(
            "ticket_id",
            "工单号须为1至64个字母、数字或 . _ : -",
            "ticket_id must be 1 to 64 letters, digits or . _ : -",
        );
    }
    let received_at = parse_received_at(&input.received_at, &mut errors);
    if input.channel == Channel::Open311 {
        errors.add(
            "channel",
            "渠道须为 hotline、platform 或 national",
            "channel must be hotline, platform or national",
        );
    }
    let tip = TipInput {
        description: input.description,
        enterprise_name: input.enterprise_name,
        enterprise_credit_code: input.enterprise_credit_code,
        address: input.address,
        district: input.district,
        industry: input.industry,
        dimensions: input.dimensions,
        occurred_on: input.occurred_on,
        contact: input.caller_contact,
    };
    let draft = match intake::check(state, tip) {
        Ok(d) => Some(d),
        Err(ServiceError::Invalid(mut f)) => {
            // The relay calls it caller_contact.
            if let Some(v) = f.0.remove("contact") {
                f.0.insert("caller_contact".into(), v);
            }
            for (k, v) in f.0 {
                errors.0.entry(k).or_default().extend(v);
            }
            None
        }
        Err(_) => None,
    };
    match (draft, received_at) {
        (Some(draft), Some(received_at)) if errors.is_empty() => {
            Ok(build(state, ticket_id, input.channel, received_at, draft))
        }
        _ => Err(errors),
    }
}

/// A checked Open311 request becomes a ticket with a number we make.
pub fn ticket_from_draft(
    state: &AppState,
    ticket_id: String,
    channel: Channel,
    received_at: NaiveDateTime,
    draft: crate::domain::tip::TipDraft,
) -> Ticket {
    build(state, ticket_id, channel, received_at, draft)
}

fn build(
    state: &AppState,
    ticket_id: String,
    channel: Channel,
    received_at: NaiveDateTime,
    draft: crate::domain::tip::TipDraft,
) -> Ticket {
    use serde_json::json;
    let contact = draft.contact.as_deref().map(|c| {
        hex::encode(
            state
                .secrets
                .keyed_hash(b"relay caller contact", c.as_bytes()),
        )
    });
    let content = BTreeMap::from([
        ("ticket_id", json!(ticket_id)),
        ("channel", json!(channel.as_str())),
        (
            "received_at",
            json!(received_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
        ),
        ("caller_contact", json!(contact)),
        ("description", json!(draft.description)),
        ("enterprise_name", json!(draft.enterprise_name)),
        (
            "enterprise_credit_code",
            json!(draft.enterprise_credit_code),
        ),
        ("address", json!(draft.address)),
        ("district", json!(draft.district)),
        ("industry", json!(draft.industry)),
        ("dimensions", json!(draft.dimensions)),
        ("occurred_on", json!(draft.occurred_on)),
    ]);
    Ticket {
        ticket_id,
        channel,
        received_at,
        draft,
        content,
    }
}

impl Ticket {
    fn content_json(&self) -> String {
        serde_json::to_string(&self.content).expect("a map of JSON values serialises")
    }
}

/// The fields of two canonical contents that differ.
fn differing_fields(stored: &str, new: &BTreeMap<&'static str, serde_json::Value>) -> Vec<String> {
    let stored: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(stored).unwrap_or_default();
    let mut keys: Vec<String> = new.keys().map(|k| k.to_string()).collect();
    keys.extend(stored.keys().cloned());
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| stored.get(k) != new.get(k.as_str()))
        .collect()
}

fn is_unique_violation(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Db(db) if db.is_unique_violation())
}

/// Submit a checked ticket: 201, 200 (replay) or 409, as an [`Outcome`].
pub async fn submit(
    state: &AppState,
    relay: &RelayAuth,
    ticket: Ticket,
) -> Result<Outcome, ServiceError> {
    let content = ticket.content_json();
    let content_hash = Sha256::digest(content.as_bytes()).to_vec();
    // The common resend finds its answer with a read, without the write lock.
    let (relay_id, tid) = (relay.id, ticket.ticket_id.clone());
    let found = state
        .db
        .read(move |conn| Ok::<_, ServiceError>(relays::ticket(conn, relay_id, &tid)?))
        .await?;
    if let Some(stored) = found {
        return compare(state, &stored, &content_hash, &ticket);
    }

    let prepared = intake::prepare(state, ticket.draft.clone(), TipSource::Relay);
    let answer = TicketAnswer {
        ticket_id: ticket.ticket_id.clone(),
        receipt: prepared.receipt.grouped(),
        status: TipStatus::Received,
        status_label: TipStatus::Received.label_zh().to_string(),
        accepted_at: prepared.received_at,
    };
    let answer_sealed = state
        .secrets
        .seal(&serde_json::to_string(&answer).expect("answers serialise"));
    let (tid, channel, ticket_received_at) =
        (ticket.ticket_id.clone(), ticket.channel, ticket.received_at);
    let confidential = ticket.draft.contact.is_some();
    let hash = content_hash.clone();
    let result = state
        .db
        .write(
            move |conn| -> Result<Option<relays::StoredTicket>, ServiceError> {
                // On SQLite the write lock makes this check final; on PostgreSQL
                // a concurrent twin is caught by the unique index below.
                if let Some(stored) = relays::ticket(conn, relay_id, &tid)? {
                    return Ok(Some(stored));
                }
                let (tip_id, _case_id) = intake::insert_tip(conn, &prepared)?;
                relays::insert_ticket(
                    conn,
                    &relays::NewTicket {
                        relay_id,
                        ticket_id: &tid,
                        tip_id,
                        channel: channel.as_str(),
                        content_hash: &hash,
                        content: &content,
                        answer_sealed: &answer_sealed,
                        ticket_received_at,
                        confidential,
                        at: prepared.received_at,
                    },
                )?;
                Ok(None)
            },
        )
        .await;
    match result {
        Ok(None) => {
            intake::count_received(state, TipSource::Relay);
            Ok(Outcome::Created(answer))
        }
        Ok(Some(stored)) => compare(state, &stored, &content_hash, &ticket),
        Err(e) if is_unique_violation(&e) => {
            let (relay_id, tid) = (relay.id, ticket.ticket_id.clone());
            let stored = state
                .db
                .read(move |conn| Ok::<_, ServiceError>(relays::ticket(conn, relay_id, &tid)?))
                .await?;
            match stored {
                Some(stored) => compare(state, &stored, &content_hash, &ticket),
                None => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn compare(
    state: &AppState,
    stored: &relays::StoredTicket,
    content_hash: &[u8],
    ticket: &Ticket,
) -> Result<Outcome, ServiceError> {
    if stored.content_hash != content_hash {
        return Ok(Outcome::Conflict(differing_fields(
            &stored.content,
            &ticket.content,
        )));
    }
    let text = state.secrets.open(&stored.answer_sealed).map_err(|e| {
        tracing::error!(error = %e, "a stored relay answer cannot be opened");
        ServiceError::Db(DbError::Migration(
            "the server secret changed since this ticket was answered".into(),
        ))
    })?;
    let answer: TicketAnswer = serde_json::from_str(&text)
        .map_err(|e| ServiceError::Db(DbError::Migration(format!("stored answer: {e}"))))?;
    Ok(Outcome::Replayed(answer))
}

/// One public update of a ticket's tip.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketUpdate {
    pub status: TipStatus,
    pub status_label: String,
    /// The public result text (办理结果), if any.
    pub note: Option<String>,
    pub at: NaiveDateTime,
}

/// What a relay reads back about its own ticket, for the call-back (回访).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    pub ticket_id: String,
    pub channel: String,
    pub status: TipStatus,
    pub status_label: String,
    pub status_label_en: String,
    /// The latest public result text, or null.
    pub result: Option<String>,
    /// When the relay received the call (UTC).
    pub received_at: NaiveDateTime,
    /// When tipline committed the tip (UTC).
    pub accepted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The lead bureau's name, once routed.
    pub agency_responsible: Option<String>,
    pub updates: Vec<TicketUpdate>,
}

pub fn view(
    state: &AppState,
    row: relays::TicketStatus,
    updates: Vec<tips::TipUpdate>,
) -> TicketView {
    let status = row.status;
    let updates: Vec<TicketUpdate> = updates
        .into_iter()
        .map(|u| {
            let s = u.status;
            TicketUpdate {
                status: s,
                status_label: s.label_zh().to_string(),
                note: u.note,
                at: u.created_at,
            }
        })
        .collect();
    let result = updates.iter().rev().find_map(|u| u.note.clone());
    let agency = row
        .lead_bureau
        .as_deref()
        .and_then(|b| state.pack.bureaus.iter().find(|x| x.key == b))
        .map(|b| b.name.clone());
    TicketView {
        ticket_id: row.ticket_id,
        channel: row.channel,
        status,
        status_label: status.label_zh().to_string(),
        status_label_en: status.label_en().to_string(),
        result,
        received_at: row.ticket_received_at,
        accepted_at: row.received_at,
        updated_at: row.updated_at,
        agency_responsible: agency,
        updates,
    }
}

/// One of the relay's own tickets; another relay's is not found.
pub async fn status(
    state: &AppState,
    relay: &RelayAuth,
    ticket_id: String,
) -> Result<TicketView, ServiceError> {
    let relay_id = relay.id;
    let (row, updates) = state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let row =
                relays::ticket_status(conn, relay_id, &ticket_id)?.ok_or(ServiceError::NotFound)?;
            let updates = tips::updates(conn, row.tip_id)?;
            Ok((row, updates))
        })
        .await?;
    Ok(view(state, row, updates))
}

/// The relay holding `key`, if the key is known and not revoked.
pub async fn authenticate(state: &AppState, key: &str) -> Result<Option<RelayAuth>, ServiceError> {
    let hash = crate::auth::relay_key::hash(key);
    let found = state
        .db
        .read(move |conn| Ok::<_, ServiceError>(relays::by_key_hash(conn, &hash)?))
        .await?;
    Ok(found.map(|r| RelayAuth {
        id: r.id,
        name: r.name,
        rate_limit: r.rate_limit,
    }))
}

pub use crate::db::relays::TicketStatus;
pub use crate::db::tips::TipUpdate;

/// A relay's tickets (at most `limit`, newest first, only `ids` when given)
/// with each one's public updates, for Open311's request list.
pub async fn tickets_with_updates(
    state: &AppState,
    relay_id: i64,
    ids: Option<Vec<String>>,
    limit: i64,
) -> Result<Vec<(TicketStatus, Vec<TipUpdate>)>, ServiceError> {
    state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let rows = relays::tickets_of(conn, relay_id, None, limit)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                if ids
                    .as_ref()
                    .is_some_and(|ids| !ids.contains(&row.ticket_id))
                {
                    continue;
                }
                let updates = crate::db::tips::updates(conn, row.tip_id)?;
                out.push((row, updates));
            }
            Ok(out)
        })
        .await
}

/// One ticket of a relay with its public updates; NotFound for another
/// relay's ticket.
pub async fn ticket_with_updates(
    state: &AppState,
    relay_id: i64,
    id: String,
) -> Result<(TicketStatus, Vec<TipUpdate>), ServiceError> {
    state
        .db
        .read(move |conn| -> Result<_, ServiceError> {
            let row = relays::ticket_status(conn, relay_id, &id)?.ok_or(ServiceError::NotFound)?;
            let updates = crate::db::tips::updates(conn, row.tip_id)?;
            Ok((row, updates))
        })
        .await
}

/// A tip's contact (a relay's caller contact is confidential, 保密), for
/// staff whose role may see it. Every read is audited in the same
/// transaction, so no read goes unrecorded.
pub async fn reveal_contact(
    state: &AppState,
    tip_id: i64,
    actor: String,
) -> Result<Option<String>, ServiceError> {
    let sealed = state
        .db
        .write(move |conn| -> Result<Option<Vec<u8>>, ServiceError> {
            let sealed = crate::db::tips::contact_sealed(conn, tip_id)?;
            let sealed = sealed.ok_or(ServiceError::NotFound)?;
            crate::db::audit::append(
                conn,
                &actor,
                "tip.contact.read",
                &format!("tip:{tip_id}"),
                "",
                db::now(),
            )?;
            Ok(sealed)
        })
        .await?;
    Ok(sealed.and_then(|s| state.secrets.open(&s).ok()))
}
