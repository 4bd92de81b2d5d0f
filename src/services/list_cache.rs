//! The public lists, remembered between requests. Deriving a list reads
//! every measure and record (0.12–0.3 s at 10,000 listed enterprises, see
//! benches/lists.rs); a list changes only when staff act on a case, a job
//! writes a measure or record, or the registry changes. So each process
//! keeps the whole list of each kind under a *version* of its inputs, read
//! from the database on every request (four indexed look-ups), and filters
//! it in memory. Several processes each keep their own copy; the version
//! comes from the shared database, so they agree.
//!
//! The version is the newest audit entry (every staff action writes one),
//! the newest measure and record, and the registry version. On PostgreSQL
//! two transactions can commit out of id order; a list built between the
//! two commits would keep the later id. `MAX_AGE` bounds how long such a
//! list can be served.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::schema::{audit_log, case_measures, case_records};
use crate::db::{DbConnection, DbError};
use crate::domain::lists::ListKind;
use crate::jurisdiction::Pack;
use crate::services::lists::{self, ListEntry, ListFilter};

const MAX_AGE: Duration = Duration::from_secs(30);

type Version = (Option<i64>, Option<i64>, Option<i64>, i64);

struct Cached {
    version: Version,
    built: Instant,
    entries: Arc<Vec<ListEntry>>,
}

#[derive(Default)]
pub struct ListCache {
    lists: Mutex<HashMap<&'static str, Cached>>,
    /// One builder per kind: requests that find a list stale while it is
    /// being rebuilt wait for that build instead of each deriving it again
    /// (on two cores, a burst after a staff action would otherwise queue
    /// several 0.3 s derivations).
    building: [Mutex<()>; 3],
    builds: AtomicUsize,
}

fn version(conn: &mut DbConnection) -> Result<Version, DbError> {
    Ok((
        audit_log::table.select(max(audit_log::id)).first(conn)?,
        case_measures::table
            .select(max(case_measures::id))
            .first(conn)?,
        case_records::table
            .select(max(case_records::id))
            .first(conn)?,
        crate::db::enterprises::current_version(conn)?,
    ))
}

fn slot(kind: ListKind) -> usize {
    match kind {
        ListKind::Yellow => 0,
        ListKind::Red => 1,
        ListKind::Exit => 2,
    }
}

impl ListCache {
    /// The remembered list of `kind` if it is still at version `v`.
    fn fresh(&self, kind: ListKind, v: &Version) -> Option<Arc<Vec<ListEntry>>> {
        let lists = self.lists.lock().expect("list cache lock");
        lists
            .get(kind.as_str())
            .filter(|c| c.version == *v && c.built.elapsed() < MAX_AGE)
            .map(|c| c.entries.clone())
    }

    /// How many times a list was derived (not served from memory).
    pub fn builds(&self) -> usize {
        self.builds.load(Ordering::Relaxed)
    }

    /// The list of `kind` with `filter` applied, as `lists::list` gives it.
    pub fn get(
        &self,
        conn: &mut DbConnection,
        pack: &Pack,
        kind: ListKind,
        filter: &ListFilter,
    ) -> Result<Vec<ListEntry>, DbError> {
        let v = version(conn)?;
        if let Some(e) = self.fresh(kind, &v) {
            return Ok(filter.apply(pack, &e));
        }
        let _builder = self.building[slot(kind)]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Built by another request while this one waited? Ask again, as
        // the database may have moved on meanwhile.
        let v = version(conn)?;
        let entries = match self.fresh(kind, &v) {
            Some(e) => e,
            None => {
                let built = Instant::now();
                let e = Arc::new(lists::list_until(conn, pack, kind, None)?);
                self.builds.fetch_add(1, Ordering::Relaxed);
                self.lists.lock().expect("list cache lock").insert(
                    kind.as_str(),
                    Cached {
                        version: v,
                        built,
                        entries: e.clone(),
                    },
                );
                e
            }
        };
        Ok(filter.apply(pack, &entries))
    }
}
