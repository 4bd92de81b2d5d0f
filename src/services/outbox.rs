//! Call-backs to relays: every public status change of a relayed tip is
//! written to the outbox in the change's own transaction, and a worker POSTs
//! it, signed, to the relay's callback URL until the relay answers 2xx.
//!
//! For the workflow: call [`enqueue_tip_status`] (or [`record_status_change`],
//! which also sets the tip's status and adds its public update) inside the
//! same `Db::write` closure that makes the change. A tip that did not come
//! from a relay, or whose relay has no callback URL, enqueues nothing.
//!
//! Delivery: `POST <callback_url>` with the JSON payload and the headers
//! `X-Tipline-Event`, `X-Tipline-Delivery` (the outbox id: the same on every
//! retry, so a relay can drop duplicates), `X-Tipline-Timestamp` (Unix
//! seconds) and `X-Tipline-Signature: sha256=<hex>` (see
//! `auth::relay_key::sign`). Failures are retried with exponential backoff
//! and jitter (first retries within a minute) for up to 24 hours, then the
//! entry is marked failed for an admin to retry. Every attempt is recorded.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::relay_key;
use crate::db::{Db, DbConnection, DbError, outbox, relays, tips};
use crate::domain::tip_status::TipStatus;
use crate::secrets::Secrets;

pub const EVENT_TIP_STATUS: &str = "tip.status";

/// The JSON body of a status call-back.
#[derive(Debug, Serialize)]
pub struct StatusEvent<'a> {
    pub event: &'a str,
    pub ticket_id: &'a str,
    pub status: TipStatus,
    pub status_label: &'a str,
    pub status_label_en: &'a str,
    /// The public result text (办理结果), if any.
    pub note: Option<&'a str>,
    pub at: NaiveDateTime,
}

pub use crate::db::outbox::{AttemptView, DELIVERED, EntryView, FAILED, PENDING};

/// The call-back queue as an administrator reads it: newest first, at most
/// `limit`, optionally one state (pending, failed, delivered).
pub async fn entries(
    db: &Db,
    state: Option<String>,
    limit: i64,
) -> Result<Vec<EntryView>, crate::services::ServiceError> {
    db.read(move |conn| Ok(outbox::list(conn, state.as_deref(), limit)?))
        .await
}

/// Every delivery attempt of one entry.
pub async fn attempts(db: &Db, id: i64) -> Result<Vec<AttemptView>, crate::services::ServiceError> {
    db.read(move |conn| Ok(outbox::attempts(conn, id)?)).await
}

/// An administrator asks for an entry to be sent again now, with a fresh
/// retry budget (audited). False when there is no such undelivered entry.
pub async fn retry(db: &Db, actor: String, id: i64) -> Result<bool, crate::services::ServiceError> {
    db.write(move |conn| -> Result<bool, crate::services::ServiceError> {
        let now = crate::clock::now();
        let n = outbox::retry(conn, id, now)?;
        if n > 0 {
            crate::db::audit::append(
                conn,
                &actor,
                "outbox.retry",
                &format!("outbox:{id}"),
                "",
                now,
            )?;
        }
        Ok(n > 0)
    })
    .await
}

/// Enqueue one call-back about `tip_id`, if the tip came from a relay
/// with a callback URL: `body` makes the JSON from the ticket id. Run it
/// inside the change's transaction.
fn enqueue_for_tip(
    conn: &mut DbConnection,
    tip_id: i64,
    event: &str,
    at: NaiveDateTime,
    body: impl FnOnce(&str) -> String,
) -> QueryResult<Option<i64>> {
    let Some((relay_id, ticket_id)) = relays::ticket_of_tip(conn, tip_id)? else {
        return Ok(None);
    };
    if relays::signing(conn, relay_id)?.1.is_none() {
        return Ok(None);
    }
    let payload = body(&ticket_id);
    outbox::insert(
        conn,
        &outbox::NewEntry {
            relay_id,
            tip_id,
            ticket_id: &ticket_id,
            event,
            payload: &payload,
            at,
        },
    )
    .map(Some)
}

/// Enqueue a call-back for a tip's public status change, if the tip came
/// from a relay with a callback URL. Run it inside the change's transaction.
pub fn enqueue_tip_status(
    conn: &mut DbConnection,
    tip_id: i64,
    status: TipStatus,
    public_note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    enqueue_for_tip(conn, tip_id, EVENT_TIP_STATUS, at, |ticket_id| {
        serde_json::to_string(&StatusEvent {
            event: EVENT_TIP_STATUS,
            ticket_id,
            status,
            status_label: status.label_zh(),
            status_label_en: status.label_en(),
            note: public_note,
            at,
        })
        .expect("events serialise")
    })
}

pub const EVENT_TIP_RATING: &str = "tip.rating";

/// The JSON body of a rating call-back: the reporter rated the outcome
/// through tipline (the relay's own 回访 it already knows).
#[derive(Debug, Serialize)]
pub struct RatingEvent<'a> {
    pub event: &'a str,
    pub ticket_id: &'a str,
    pub rating: crate::domain::rating::Rating,
    pub rating_label: &'a str,
    pub at: NaiveDateTime,
}

/// Enqueue a rating call-back for a relayed tip, inside the rating's transaction.
pub fn enqueue_tip_rating(
    conn: &mut DbConnection,
    tip_id: i64,
    rating: crate::domain::rating::Rating,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    enqueue_for_tip(conn, tip_id, EVENT_TIP_RATING, at, |ticket_id| {
        serde_json::to_string(&RatingEvent {
            event: EVENT_TIP_RATING,
            ticket_id,
            rating,
            rating_label: rating.label_zh(),
            at,
        })
        .expect("events serialise")
    })
}

pub const EVENT_CASE_OVERDUE: &str = "case.overdue";

/// The JSON body of an overdue call-back: the step the bureau is late with.
#[derive(Debug, Serialize)]
pub struct OverdueEvent<'a> {
    pub event: &'a str,
    pub ticket_id: &'a str,
    pub step: &'a str,
    pub due_on: chrono::NaiveDate,
    pub at: NaiveDateTime,
}

/// Tell the relays of a case's tips that a step is overdue and supervised
/// (督办), so their operators can tell callers. Inside the job's transaction.
pub fn enqueue_case_overdue(
    conn: &mut DbConnection,
    case_id: i64,
    step: &str,
    due_on: chrono::NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut queued = 0;
    for tip_id in crate::db::measures::tip_ids(conn, case_id)? {
        let entry = enqueue_for_tip(conn, tip_id, EVENT_CASE_OVERDUE, at, |ticket_id| {
            serde_json::to_string(&OverdueEvent {
                event: EVENT_CASE_OVERDUE,
                ticket_id,
                step,
                due_on,
                at,
            })
            .expect("events serialise")
        })?;
        queued += usize::from(entry.is_some());
    }
    Ok(queued)
}

/// Set a tip's public status, add its public update and enqueue the
/// call-back, all in the caller's transaction.
pub fn record_status_change(
    conn: &mut DbConnection,
    tip_id: i64,
    status: TipStatus,
    public_note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    tips::set_status(conn, tip_id, status.as_str(), at)?;
    tips::add_update(conn, tip_id, status.as_str(), public_note, at)?;
    enqueue_tip_status(conn, tip_id, status, public_note, at)
}

/// Exponential backoff: `base · 2^(n−1)` after the n-th failure, each step
/// at most `cap`, giving up once the nominal delays add up to `max_age`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub max_age: Duration,
}

impl Default for Backoff {
    /// 5 s, 10 s, 20 s, 40 s (three retries within the first minute) …
    /// up to an hour apart, for 24 hours.
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(3600),
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

impl Backoff {
    /// The nominal wait after `failures` failed attempts (≥ 1).
    pub fn nominal(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(30);
        self.base.saturating_mul(1u32 << exp).min(self.cap)
    }

    /// True when the retries after `failures` failures would pass `max_age`.
    pub fn exhausted(&self, failures: u32) -> bool {
        let total: Duration = (1..=failures).map(|n| self.nominal(n)).sum();
        total >= self.max_age
    }

    /// The wait with jitter: between half and all of the nominal wait, so
    /// relays coming back from an outage are not hit by every retry at once.
    /// `unit` is a random number in [0, 1).
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        self.nominal(failures)
            .mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }
}

pub use crate::clock::{Clock, SystemClock};

fn random_unit() -> f64 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random generator failed");
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

/// The certificates of a PEM bundle; none at all is an error.
pub fn certificates(pem: &[u8]) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let mut out = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        if let ureq::tls::PemItem::Certificate(c) = item.map_err(|e| e.to_string())? {
            out.push(c);
        }
    }
    match out.is_empty() {
        true => Err("no certificate in the PEM file".into()),
        false => Ok(out),
    }
}

fn env_ms(name: &str) -> Option<Duration> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_millis)
}

/// How the worker runs. `from_env` reads `TIPLINE_OUTBOX_*` (all optional).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Whether `serve` starts the worker (`TIPLINE_OUTBOX=off` turns it off).
    pub enabled: bool,
    /// Wait between polls when nothing is due.
    pub poll: Duration,
    pub backoff: Backoff,
    /// Timeout of one delivery; the claim's lease is twice this plus a second.
    pub timeout: Duration,
    /// Entries claimed per poll.
    pub batch: i64,
    /// Sender threads per process (`TIPLINE_OUTBOX_SENDERS`).
    pub senders: usize,
    /// Who made an attempt, as recorded.
    pub name: String,
    /// The roots an `https://` call-back server's certificate must chain
    /// to: the certificates of `TIPLINE_OUTBOX_CA_FILE` (a PEM bundle, for a
    /// platform on a government network with its own CA), else Mozilla's.
    pub roots: Option<Vec<ureq::tls::Certificate<'static>>>,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            enabled: true,
            poll: Duration::from_secs(1),
            backoff: Backoff::default(),
            timeout: Duration::from_secs(10),
            batch: 10,
            senders: 4,
            name: format!("pid:{}", std::process::id()),
            roots: None,
        }
    }
}

impl WorkerConfig {
    /// `TIPLINE_OUTBOX` (on/off), `TIPLINE_OUTBOX_POLL_MS`,
    /// `TIPLINE_OUTBOX_RETRY_BASE_MS`, `TIPLINE_OUTBOX_RETRY_CAP_MS`,
    /// `TIPLINE_OUTBOX_MAX_AGE_MS`, `TIPLINE_OUTBOX_TIMEOUT_MS`,
    /// `TIPLINE_OUTBOX_CA_FILE`. A CA file that cannot be read or holds no
    /// certificate is an error: the server should not start and then fail
    /// every delivery.
    pub fn from_env() -> Result<WorkerConfig, String> {
        let mut c = WorkerConfig::default();
        if let Some(path) = std::env::var_os("TIPLINE_OUTBOX_CA_FILE").filter(|p| !p.is_empty()) {
            let pem = std::fs::read(&path)
                .map_err(|e| format!("TIPLINE_OUTBOX_CA_FILE {}: {e}", path.to_string_lossy()))?;
            c.roots =
                Some(certificates(&pem).map_err(|e| {
                    format!("TIPLINE_OUTBOX_CA_FILE {}: {e}", path.to_string_lossy())
                })?);
        }
        if let Ok(v) = std::env::var("TIPLINE_OUTBOX") {
            c.enabled = !matches!(v.trim(), "off" | "0" | "false" | "no");
        }
        if let Some(d) = env_ms("TIPLINE_OUTBOX_POLL_MS") {
            c.poll = d;
        }
        if let Some(d) = env_ms("TIPLINE_OUTBOX_RETRY_BASE_MS") {
            c.backoff.base = d;
        }
        if let Some(d) = env_ms("TIPLINE_OUTBOX_RETRY_CAP_MS") {
            c.backoff.cap = d;
        }
        if let Some(d) = env_ms("TIPLINE_OUTBOX_MAX_AGE_MS") {
            c.backoff.max_age = d;
        }
        if let Some(d) = env_ms("TIPLINE_OUTBOX_TIMEOUT_MS") {
            c.timeout = d;
        }
        if let Ok(v) = std::env::var("TIPLINE_OUTBOX_SENDERS") {
            c.senders = v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| format!("TIPLINE_OUTBOX_SENDERS must be 1 to 64, not {v:?}"))?;
        }
        Ok(c)
    }

    /// How long a claim holds an entry: one POST (bounded by `timeout`) and
    /// the write that records it. The claim is taken just before sending.
    fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(5)
    }
}

/// What one worker needs.
pub struct Worker {
    pub db: Db,
    pub secrets: Arc<Secrets>,
    pub config: WorkerConfig,
    pub clock: Arc<dyn Clock>,
    agent: ureq::Agent,
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Worker {
    pub fn new(
        db: Db,
        secrets: Arc<Secrets>,
        config: WorkerConfig,
        clock: Arc<dyn Clock>,
    ) -> Worker {
        let roots = match &config.roots {
            Some(certs) => ureq::tls::RootCerts::new_with_certs(certs),
            None => ureq::tls::RootCerts::WebPki,
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(config.timeout))
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .build()
            .into();
        Worker {
            db,
            secrets,
            config,
            clock,
            agent,
        }
    }

    /// Deliver what is due, one claim at a time, until nothing is due, up
    /// to the batch size, or `stop` is raised (checked before each claim, so
    /// a shutdown waits for one POST at most and leaves nothing claimed).
    /// Returns how many were attempted.
    pub fn run_once(&self, stop: &AtomicBool) -> Result<usize, DbError> {
        let mut sent = 0;
        while sent < self.config.batch as usize && !stop.load(Ordering::Relaxed) {
            let now = self.clock.now();
            let lease_until = now + to_chrono(self.config.lease());
            let claimed = self.db.write_tx(|conn| {
                outbox::claim_next(conn, now, lease_until).map_err(DbError::from)
            })?;
            let Some(entry) = claimed else { break };
            self.deliver(&entry)?;
            sent += 1;
        }
        Ok(sent)
    }

    fn deliver(&self, entry: &outbox::Due) -> Result<(), DbError> {
        let started = Instant::now();
        let attempted_at = self.clock.now();
        let outcome = self.post(entry, attempted_at);
        let duration_ms = started.elapsed().as_millis() as i64;
        let (http_status, error) = match &outcome {
            Ok(status) if (200..300).contains(status) => (Some(*status as i32), None),
            Ok(status) => (Some(*status as i32), Some(format!("HTTP {status}"))),
            Err(e) => (None, Some(e.clone())),
        };
        let delivered = error.is_none();
        let failures = entry.attempts + 1;
        let finished_at = self.clock.now();
        let (state, next) = if delivered {
            (outbox::DELIVERED, finished_at)
        } else if self.config.backoff.exhausted(failures as u32) {
            (outbox::FAILED, finished_at)
        } else {
            let wait = self.config.backoff.delay(failures as u32, random_unit());
            (outbox::PENDING, finished_at + to_chrono(wait))
        };
        if !delivered {
            tracing::warn!(outbox_id = entry.id, attempt = failures, error = ?error, state, "call-back not delivered");
        }
        let worker = self.config.name.clone();
        self.db.write_tx(|conn| -> Result<(), DbError> {
            outbox::record_attempt(
                conn,
                &outbox::Attempt {
                    outbox_id: entry.id,
                    at: attempted_at,
                    http_status,
                    error: error.as_deref(),
                    duration_ms,
                    worker: &worker,
                },
            )?;
            outbox::finish(
                conn,
                entry.id,
                entry.lease_until,
                state,
                failures,
                next,
                error.as_deref(),
                delivered.then_some(finished_at),
            )?;
            Ok(())
        })
    }

    /// One POST; the HTTP status, or why there was none.
    fn post(&self, entry: &outbox::Due, at: NaiveDateTime) -> Result<u16, String> {
        let url = entry
            .callback_url
            .as_deref()
            .ok_or("the relay has no callback URL")?;
        let secret = super::relay::accounts::open_signing(&self.secrets, &entry.signing_sealed)
            .ok_or("the signing secret cannot be opened with this server secret")?;
        let timestamp = at.and_utc().timestamp();
        let body = entry.payload.as_bytes();
        let signature = relay_key::sign(&secret, timestamp, body);
        let res = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Tipline-Event", entry.event.as_str())
            .header("X-Tipline-Delivery", entry.id.to_string())
            .header("X-Tipline-Timestamp", timestamp.to_string())
            .header("X-Tipline-Signature", signature)
            .send(body)
            .map_err(|e| e.to_string())?;
        Ok(res.status().as_u16())
    }
}

/// The running sender threads; dropping the handle does not stop them, `stop` does.
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl WorkerHandle {
    /// Raise the stop flag and wait for the senders to finish their current
    /// POST, at most `within`; past that the process may exit with a claim's
    /// lease running out, and its entry is sent again later (delivery is at
    /// least once; relays de-duplicate by X-Tipline-Delivery).
    pub fn stop(self, within: Duration) {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + within;
        while self.threads.iter().any(|t| !t.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for t in self.threads {
            if t.is_finished() {
                let _ = t.join();
            } else {
                tracing::warn!(
                    "a call-back sender is still sending at shutdown; its entry will be sent again"
                );
            }
        }
    }
}

/// Start `config.senders` sender threads (delivery is blocking HTTP, which
/// must not run on an actix worker). Each claims one entry at a time, so a
/// slow relay holds one sender, not the queue; one ticket's call-backs
/// still leave in order (`claim_next`).
pub fn spawn(worker: Worker) -> WorkerHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let senders = worker.config.senders.max(1);
    let worker = Arc::new(worker);
    let threads = (0..senders)
        .map(|n| {
            let (flag, worker) = (stop.clone(), worker.clone());
            std::thread::Builder::new()
                .name(format!("tipline-outbox-{n}"))
                .spawn(move || {
                    while !flag.load(Ordering::Relaxed) {
                        let idle = match worker.run_once(&flag) {
                            Ok(n) => n == 0,
                            Err(e) => {
                                tracing::error!(error = %e, "outbox worker");
                                true
                            }
                        };
                        if idle {
                            // Sleep in short steps so `stop` is quick.
                            let until = Instant::now() + worker.config.poll;
                            while Instant::now() < until && !flag.load(Ordering::Relaxed) {
                                std::thread::sleep(
                                    Duration::from_millis(50).min(worker.config.poll),
                                );
                            }
                        }
                    }
                })
                .expect("spawning an outbox sender")
        })
        .collect();
    WorkerHandle { stop, threads }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_retries_come_within_a_minute_and_the_last_within_a_day() {
        let b = Backoff::default();
        let first_three: Duration = (1..=3).map(|n| b.nominal(n)).sum();
        assert!(first_three <= Duration::from_secs(60), "{first_three:?}");
        assert_eq!(b.nominal(30), Duration::from_secs(3600));
        let n = (1..).find(|&n| b.exhausted(n)).unwrap();
        let total: Duration = (1..=n).map(|k| b.nominal(k)).sum();
        assert!(total >= Duration::from_secs(24 * 3600));
        assert!(total < Duration::from_secs(25 * 3600), "{total:?}");
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_wait() {
        let b = Backoff::default();
        for u in [0.0, 0.3, 0.999] {
            let d = b.delay(4, u);
            assert!(
                d >= Duration::from_secs(20) && d <= Duration::from_secs(40),
                "{d:?}"
            );
        }
    }
}
