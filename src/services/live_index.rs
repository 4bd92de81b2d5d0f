//! The enterprise match index of this process, kept current with the
//! database. Every registry write bumps `registry_version` in its own
//! transaction; each process polls that one row and loads only the rows
//! written since the version it has, so several `tipline serve` processes on
//! one PostgreSQL all see an import made through any of them.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::db::enterprises::{self, EnterpriseRow};
use crate::db::{Db, DbError};
use crate::matching::{EnterpriseIndex, EnterpriseRecord, MatchConfig, MatchQuery, MatchResult};

const PAGE: i64 = 20_000;

pub struct LiveIndex {
    index: RwLock<EnterpriseIndex>,
    version: AtomicI64,
}

fn record(row: EnterpriseRow) -> EnterpriseRecord {
    EnterpriseRecord {
        aliases: row.other_names(),
        id: row.id,
        credit_code: row.credit_code,
        name: row.name,
        district: row.district,
        industry: row.industry,
        address: row.address,
    }
}

impl LiveIndex {
    pub fn empty(config: MatchConfig) -> LiveIndex {
        LiveIndex {
            index: RwLock::new(EnterpriseIndex::new(config)),
            version: AtomicI64::new(-1),
        }
    }

    /// Build from the whole registry.
    pub fn load(db: &Db, config: MatchConfig) -> Result<LiveIndex, DbError> {
        let live = LiveIndex::empty(config);
        live.refresh(db)?;
        Ok(live)
    }

    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    pub fn len(&self) -> usize {
        self.index.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Load what changed since the version this process has. Cheap when
    /// nothing changed: one single-row read.
    pub fn refresh(&self, db: &Db) -> Result<usize, DbError> {
        let mut conn = db.read_conn()?;
        let latest = enterprises::current_version(&mut conn)?;
        let seen = self.version();
        if latest == seen {
            return Ok(0);
        }
        let mut loaded = 0;
        let mut after_id = 0;
        loop {
            let rows = enterprises::changed_since(&mut conn, seen, after_id, PAGE)?;
            let Some(last) = rows.last() else { break };
            after_id = last.id;
            let n = rows.len();
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            for row in rows {
                index.upsert(record(row));
            }
            loaded += n;
            if (n as i64) < PAGE {
                break;
            }
        }
        // Rows with rev ≤ latest are all visible now (see bump_version), so
        // remembering `latest` never skips a write.
        self.version.store(latest, Ordering::Release);
        if loaded > 0 {
            tracing::info!(loaded, version = latest, "enterprise index refreshed");
        }
        Ok(loaded)
    }

    pub fn match_tip(&self, query: &MatchQuery) -> MatchResult {
        self.index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .match_tip(query)
    }

    /// Poll for registry changes every `every` on a background thread;
    /// after each refresh that loaded rows (and once at the start) call
    /// `changed` with this index and the version now held.
    pub fn watch(
        self: &Arc<Self>,
        db: Db,
        every: Duration,
        changed: impl Fn(&LiveIndex, i64) + Send + 'static,
    ) {
        let live = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("registry-watch".into())
            .spawn(move || {
                if let Some(l) = live.upgrade() {
                    changed(&l, l.version());
                }
                loop {
                    std::thread::sleep(every);
                    let Some(live) = live.upgrade() else { return };
                    match live.refresh(&db) {
                        Ok(0) => {}
                        Ok(_) => changed(&live, live.version()),
                        Err(e) => tracing::warn!(error = %e, "enterprise index refresh failed"),
                    }
                }
            })
            .expect("spawning a thread");
    }
}
