//! Per-client rate limits that never store the client's address.
//!
//! A client is known only by a 64-bit HMAC of its address under a salt that
//! lives in memory and changes every day, so neither the database nor a
//! memory dump links a key back to an address for longer than a day.
//! Each key gets a window that opens at its first request: the
//! (limit+1)-th request within one window is refused, wherever the window
//! falls on the clock.
//!
//! On PostgreSQL the windows of citizen-facing limits live in the database
//! (`ClientLimiter` over `SharedCounts`), keyed the same way under a daily
//! salt that every process shares, so N processes allow the limit once.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::clock;
use crate::db::{Backend, Db, DbConnection, DbError, shared_limits};
use crate::secrets::Secrets;

const DAY: Duration = Duration::from_secs(24 * 3600);

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    state: Mutex<State>,
}

struct State {
    salt: [u8; 32],
    salt_born: Instant,
    windows: HashMap<u64, (Instant, u32)>,
    last_sweep: Instant,
}

fn fresh_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).expect("the OS random generator failed");
    salt
}

impl RateLimiter {
    /// `limit` requests per `window`; a limit of 0 turns the limiter off.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        let now = Instant::now();
        RateLimiter {
            limit,
            window,
            state: Mutex::new(State {
                salt: fresh_salt(),
                salt_born: now,
                windows: HashMap::new(),
                last_sweep: now,
            }),
        }
    }

    /// Count one request from `client` (its address as text); false when it
    /// is over the limit.
    pub fn allow(&self, client: &str) -> bool {
        self.allow_at(client, Instant::now())
    }

    fn allow_at(&self, client: &str, now: Instant) -> bool {
        if self.limit == 0 {
            return true;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if now.duration_since(state.salt_born) >= DAY {
            state.salt = fresh_salt();
            state.salt_born = now;
            state.windows.clear();
        }
        if now.duration_since(state.last_sweep) >= self.window {
            let window = self.window;
            state
                .windows
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            state.last_sweep = now;
        }
        let key = {
            let mut mac = Hmac::<Sha256>::new_from_slice(&state.salt).expect("any key length");
            mac.update(client.as_bytes());
            let bytes = mac.finalize().into_bytes();
            u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
        };
        let window = self.window;
        let entry = state.windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
    }
}

/// The shared side of per-client limits and proof-of-work replay: windows
/// and spent proofs in the database, under a salt that every process of
/// the deployment uses for one Beijing day. The salt is stored sealed under
/// the master secret, so the database alone does not link a window to an
/// address; yesterday's is deleted when today's is made.
pub struct SharedCounts {
    db: Db,
    secrets: Arc<Secrets>,
    salt: Mutex<Option<(NaiveDate, [u8; 32])>>,
    last_sweep: Mutex<Instant>,
}

/// Windows and proofs older than this are swept (every limit's window is
/// shorter, and a proof of work lives an hour).
const SWEEP_AFTER: Duration = Duration::from_secs(3600);

impl SharedCounts {
    /// Shared counts when the database is PostgreSQL; on SQLite one process
    /// serves, and memory is the right place.
    pub fn for_db(db: &Db, secrets: Arc<Secrets>) -> Option<Arc<SharedCounts>> {
        (db.backend() == Backend::Postgres).then(|| {
            Arc::new(SharedCounts {
                db: db.clone(),
                secrets,
                salt: Mutex::new(None),
                last_sweep: Mutex::new(Instant::now()),
            })
        })
    }

    /// Today's salt, made by the first process that asks for it.
    fn salt(&self, conn: &mut DbConnection) -> Result<[u8; 32], DbError> {
        let today = clock::local_day(clock::now());
        if let Some((day, salt)) = *self.salt.lock().unwrap_or_else(|e| e.into_inner())
            && day == today
        {
            return Ok(salt);
        }
        let candidate = hex::encode(self.secrets.seal(&hex::encode(fresh_salt())));
        let stored = shared_limits::salt(conn, &format!("client_salt:{today}"), &candidate)?;
        let salt = hex::decode(&stored)
            .ok()
            .and_then(|sealed| self.secrets.open(&sealed).ok())
            .and_then(|text| hex::decode(text).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(DbError::Canceled)?;
        *self.salt.lock().unwrap_or_else(|e| e.into_inner()) = Some((today, salt));
        Ok(salt)
    }

    fn client_hash(&self, conn: &mut DbConnection, client: &str) -> Result<Vec<u8>, DbError> {
        let salt = self.salt(conn)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&salt).expect("any key length");
        mac.update(client.as_bytes());
        Ok(mac.finalize().into_bytes()[..16].to_vec())
    }

    /// Sweep old rows at most once a minute per process.
    fn maybe_sweep(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        {
            let mut last = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < Duration::from_secs(60) {
                return Ok(());
            }
            *last = Instant::now();
        }
        shared_limits::sweep(conn, SWEEP_AFTER.as_millis() as i64)?;
        Ok(())
    }

    fn hit(&self, bucket: &str, client: &str, window: Duration) -> Result<i32, DbError> {
        self.db.write_tx(|conn| {
            self.maybe_sweep(conn)?;
            let hash = self.client_hash(conn, client)?;
            Ok(shared_limits::hit(
                conn,
                bucket,
                &hash,
                window.as_millis() as i64,
            )?)
        })
    }

    fn spend(&self, proof: &str) -> Result<bool, DbError> {
        let hash = self.secrets.keyed_hash(b"spent proof", proof.as_bytes());
        self.db
            .write_tx(|conn| Ok(shared_limits::spend(conn, &hash[..16])?))
    }
}

/// The daily job: windows and proofs past their hour are forgotten.
pub fn sweep_shared(conn: &mut DbConnection) -> Result<usize, DbError> {
    Ok(shared_limits::sweep(conn, SWEEP_AFTER.as_millis() as i64)?)
}

/// A citizen-facing per-client limit: in the database when it is shared
/// (PostgreSQL), in memory otherwise. A database that cannot count lets
/// the request through (and logs it): intake then fails or succeeds on its
/// own, and a limiter must not be the thing that turns citizens away.
pub struct ClientLimiter {
    bucket: &'static str,
    limit: u32,
    window: Duration,
    memory: RateLimiter,
    shared: Option<Arc<SharedCounts>>,
}

impl ClientLimiter {
    pub fn new(
        bucket: &'static str,
        limit: u32,
        window: Duration,
        shared: Option<Arc<SharedCounts>>,
    ) -> ClientLimiter {
        ClientLimiter {
            bucket,
            limit,
            window,
            memory: RateLimiter::new(limit, window),
            shared,
        }
    }

    /// Count one request from `client`; false when it is over the limit.
    pub async fn allow(&self, client: &str) -> bool {
        if self.limit == 0 {
            return true;
        }
        let Some(shared) = self.shared.clone() else {
            return self.memory.allow(client);
        };
        let (bucket, window, client) = (self.bucket, self.window, client.to_string());
        let counted =
            actix_web::rt::task::spawn_blocking(move || shared.hit(bucket, &client, window)).await;
        match counted {
            Ok(Ok(hits)) => hits <= self.limit as i32,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, bucket, "shared rate window unavailable; allowed");
                true
            }
            Err(_) => true,
        }
    }
}

/// Proofs of work already used, so a solved challenge is accepted once:
/// across every process when shared.
pub struct SpentProofs {
    memory: Mutex<HashMap<String, Instant>>,
    lifetime: Duration,
    shared: Option<Arc<SharedCounts>>,
}

impl SpentProofs {
    pub fn new(lifetime: Duration, shared: Option<Arc<SharedCounts>>) -> SpentProofs {
        SpentProofs {
            memory: Mutex::new(HashMap::new()),
            lifetime,
            shared,
        }
    }

    /// Mark `proof` spent; false when it was spent before. A database that
    /// cannot say counts the proof as spent (the client falls back to the
    /// lower limit for requests without one).
    pub async fn spend(&self, proof: &str) -> bool {
        let Some(shared) = self.shared.clone() else {
            let mut spent = self.memory.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let lifetime = self.lifetime;
            spent.retain(|_, at| now.duration_since(*at) < lifetime);
            return spent.insert(proof.to_string(), now).is_none();
        };
        let proof = proof.to_string();
        match actix_web::rt::task::spawn_blocking(move || shared.spend(&proof)).await {
            Ok(Ok(fresh)) => fresh,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "spent proofs unavailable; proof not counted");
                false
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_the_request_after_the_limit_within_one_window() {
        let l = RateLimiter::new(30, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..30 {
            assert!(l.allow_at("10.0.0.1", t0 + Duration::from_secs(i)));
        }
        assert!(!l.allow_at("10.0.0.1", t0 + Duration::from_secs(59)));
        assert!(l.allow_at("10.0.0.2", t0 + Duration::from_secs(59)));
        assert!(l.allow_at("10.0.0.1", t0 + Duration::from_secs(61)));
    }

    #[test]
    fn zero_turns_it_off() {
        let l = RateLimiter::new(0, Duration::from_secs(60));
        assert!((0..1000).all(|_| l.allow("x")));
    }
}
