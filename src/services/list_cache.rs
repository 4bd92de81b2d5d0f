//! The public lists, remembered between requests. Deriving the lists reads
//! every listing measure and record (tens of milliseconds at 10,000 listed
//! enterprises, see benches/lists.rs); a list changes only when staff act
//! on a case, a job writes a measure or record, or the registry changes. So
//! each process keeps the whole list of each kind under a *version* of its
//! inputs, read from the database on every request (four indexed look-ups),
//! and filters it in memory. Several processes each keep their own copy;
//! the version comes from the shared database, so they agree.
//!
//! The version is the newest audit entry (every staff action writes one),
//! the newest measure and record, and the registry version. On PostgreSQL
//! two transactions can commit out of id order; a list built between the
//! two commits would keep the later id. `MAX_AGE` bounds how long such a
//! list can be served.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
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
    list: Arc<Remembered>,
}

/// A derived list, and its whole-list bodies once someone asked for them:
/// open-data clients fetch the whole list, and serialising 5,000 entries
/// for each of them was most of what such a request cost.
#[derive(Default)]
struct Remembered {
    entries: Vec<ListEntry>,
    json: OnceLock<Bytes>,
    csv: OnceLock<Bytes>,
}

/// The entries of one list that pass a filter, without copying them.
pub struct Selection {
    all: Arc<Remembered>,
    picked: Vec<usize>,
}

impl Selection {
    pub fn len(&self) -> usize {
        self.picked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.picked.is_empty()
    }

    /// Every selected entry, in list order.
    pub fn entries(&self) -> Vec<&ListEntry> {
        self.page(1, self.len().max(1))
    }

    /// Page `page` (1-based) of `per` entries.
    pub fn page(&self, page: usize, per: usize) -> Vec<&ListEntry> {
        self.picked
            .iter()
            .skip(page.saturating_sub(1).saturating_mul(per))
            .take(per)
            .map(|&i| &self.all.entries[i])
            .collect()
    }

    /// The body of these entries as `make` writes it (CSV when `csv`):
    /// made once per derivation when the selection is the whole list (a
    /// filter that every entry passes gives the same body), else each time.
    pub fn body(&self, csv: bool, make: impl FnOnce(&Selection) -> Vec<u8>) -> Bytes {
        if self.picked.len() != self.all.entries.len() {
            return make(self).into();
        }
        let cell = if csv { &self.all.csv } else { &self.all.json };
        cell.get_or_init(|| make(self).into()).clone()
    }
}

#[derive(Default)]
pub struct ListCache {
    lists: Mutex<HashMap<&'static str, Cached>>,
    /// One builder for yellow and red (derived together), one for exit:
    /// requests that find a list stale while it is being rebuilt wait for
    /// that build instead of each deriving it again (on two cores, a burst
    /// after a staff action would otherwise queue several derivations).
    building: [Mutex<()>; 2],
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

impl ListCache {
    /// The remembered list of `kind` if it is still at version `v`.
    fn fresh(&self, kind: ListKind, v: &Version) -> Option<Arc<Remembered>> {
        let lists = self.lists.lock().expect("list cache lock");
        lists
            .get(kind.as_str())
            .filter(|c| c.version == *v && c.built.elapsed() < MAX_AGE)
            .map(|c| c.list.clone())
    }

    fn remember(
        &self,
        kind: ListKind,
        version: Version,
        built: Instant,
        entries: Vec<ListEntry>,
    ) -> Arc<Remembered> {
        let list = Arc::new(Remembered {
            entries,
            ..Remembered::default()
        });
        let cached = Cached {
            version,
            built,
            list: list.clone(),
        };
        self.lists
            .lock()
            .expect("list cache lock")
            .insert(kind.as_str(), cached);
        list
    }

    /// How many times lists were derived (not served from memory).
    pub fn builds(&self) -> usize {
        self.builds.load(Ordering::Relaxed)
    }

    /// The whole list of `kind`, remembered or derived now.
    fn whole(
        &self,
        conn: &mut DbConnection,
        pack: &Pack,
        kind: ListKind,
    ) -> Result<Arc<Remembered>, DbError> {
        let v = version(conn)?;
        if let Some(e) = self.fresh(kind, &v) {
            return Ok(e);
        }
        let slot = usize::from(kind == ListKind::Exit);
        let _builder = self.building[slot]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Built by another request while this one waited? Ask again, as
        // the database may have moved on meanwhile.
        let v = version(conn)?;
        if let Some(e) = self.fresh(kind, &v) {
            return Ok(e);
        }
        let built = Instant::now();
        self.builds.fetch_add(1, Ordering::Relaxed);
        if kind == ListKind::Exit {
            let e = lists::exit_until(conn, pack, None)?;
            return Ok(self.remember(kind, v, built, e));
        }
        let both = lists::yellow_red_until(conn, pack, None)?;
        let yellow = self.remember(ListKind::Yellow, v, built, both.yellow);
        let red = self.remember(ListKind::Red, v, built, both.red);
        Ok(if kind == ListKind::Yellow {
            yellow
        } else {
            red
        })
    }

    /// The entries of `kind` that pass `filter`, as `lists::list` gives them.
    pub fn get(
        &self,
        conn: &mut DbConnection,
        pack: &Pack,
        kind: ListKind,
        filter: &ListFilter,
    ) -> Result<Selection, DbError> {
        let all = self.whole(conn, pack, kind)?;
        let picked = filter.positions(pack, &all.entries);
        Ok(Selection { all, picked })
    }
}
