//! Full-text search over tips (issue 20), for the queue and the cases API.
//!
//! The index is one table, `tip_search` (key, doc), kept by triggers
//! (migrations `000013_search`): FTS5 with the trigram tokenizer on SQLite, a
//! pg_trgm GIN index on PostgreSQL. A row's key is `case_id << 32 | tip_id`,
//! so key order is the queue's order (newest case first) and a case-id cursor
//! is a key bound.
//!
//! A search reads matching keys in key order, in chunks, and keeps the cases
//! the reader's scope and filters let through (one indexed query per chunk),
//! until it has the page (and, on the first page, enough to count to
//! [`COUNT_BOUND`]) or has read [`MAX_READ`] rows. So every request is
//! bounded, broad or selective:
//! - a word of three or more characters goes to the index (FTS5 `MATCH` with
//!   the word quoted as a phrase; `ILIKE` on PostgreSQL, which pg_trgm
//!   answers from the index); a broad word finds its page in the first chunk,
//!   a selective one reads its few matches at once;
//! - a query of only one- or two-character words cannot use a trigram index:
//!   it reads the newest documents in key order and tests each (`LIKE`), at
//!   most [`MAX_READ`] per request. A request that stops there returns what it
//!   found and a cursor that continues from the last row read, so paging
//!   still reaches every case, a bounded step at a time.
use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::DbConnection;
use super::cases::{self, CaseFilter, CaseRow};
use crate::domain::role::Scope;
use crate::domain::search::SearchText;

/// Count matching cases up to this many; beyond it "more than 1,000".
pub const COUNT_BOUND: usize = 1000;
/// Rows read from the index per query.
const CHUNK: i64 = 500;
/// Rows read per request at most (matches, or documents for short words).
pub const MAX_READ: usize = 20_000;

const SHIFT: u32 = 32;

fn case_of(key: i64) -> i64 {
    key >> SHIFT
}

/// The smallest key a case's tips can have; saturating for ids out of range
/// (a cursor is user input).
fn floor(case_id: i64) -> i64 {
    if case_id <= 0 {
        0
    } else if case_id >= 1 << 31 {
        i64::MAX
    } else {
        case_id << SHIFT
    }
}

/// Keys strictly between `above` and `below`.
#[derive(Debug, Clone, Copy)]
struct Window {
    above: i64,
    below: i64,
}

/// A word the backend's index can answer: three characters for FTS5's
/// trigrams; for pg_trgm three letters or digits in a row, since it builds
/// trigrams from words only (a pattern without one would read the whole
/// index).
fn indexable(conn: &DbConnection, term: &str) -> bool {
    match conn {
        DbConnection::Sqlite(_) => term.chars().count() >= 3,
        DbConnection::Pg(_) => {
            let mut run = 0;
            term.chars().any(|c| {
                run = if c.is_alphanumeric() { run + 1 } else { 0 };
                run >= 3
            })
        }
    }
}

/// `%term%` for LIKE / ILIKE with `\` as the escape.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// An FTS5 phrase: the word in double quotes, its quotes doubled, so no
/// character of user input is FTS5 syntax.
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

#[derive(QueryableByName)]
struct KeyHit {
    #[diesel(sql_type = BigInt)]
    key: i64,
    #[diesel(sql_type = Bool)]
    hit: bool,
}

#[derive(QueryableByName)]
struct KeyDoc {
    #[diesel(sql_type = BigInt)]
    key: i64,
    #[diesel(sql_type = Text)]
    doc: String,
}

/// One chunk in key order: every row read, with whether it matches all
/// words. Long words narrow the rows through the index; short ones are
/// tested on each row read.
fn chunk(
    conn: &mut DbConnection,
    text: &SearchText,
    w: Window,
    newest_first: bool,
) -> QueryResult<Vec<KeyHit>> {
    let (long, short): (Vec<&String>, Vec<&String>) =
        text.terms().iter().partition(|t| indexable(conn, t));
    let order = if newest_first { "DESC" } else { "ASC" };
    match conn {
        DbConnection::Sqlite(c) => {
            // Placeholders are numbered in bind order: short words, the
            // MATCH expression, the window, the limit.
            let mut n = 0;
            let mut next = || {
                n += 1;
                format!("?{n}")
            };
            let residual = if short.is_empty() {
                "1".to_string()
            } else {
                short
                    .iter()
                    .map(|_| format!("doc LIKE {} ESCAPE '\\'", next()))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            };
            let index = if long.is_empty() {
                String::new()
            } else {
                format!("tip_search MATCH {} AND ", next())
            };
            let sql = format!(
                "SELECT rowid AS key, ({residual}) AS hit FROM tip_search \
                 WHERE {index}rowid > {} AND rowid < {} ORDER BY rowid {order} LIMIT {}",
                next(),
                next(),
                next()
            );
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
            for t in &short {
                q = q.bind::<Text, _>(like_pattern(t));
            }
            if !long.is_empty() {
                let phrases: Vec<String> = long.iter().map(|t| fts_phrase(t)).collect();
                q = q.bind::<Text, _>(phrases.join(" "));
            }
            q.bind::<BigInt, _>(w.above)
                .bind::<BigInt, _>(w.below)
                .bind::<BigInt, _>(CHUNK)
                .load(c)
        }
        DbConnection::Pg(c) => {
            let mut n = 0;
            let mut next = || {
                n += 1;
                format!("${n}")
            };
            let residual = if short.is_empty() {
                "TRUE".to_string()
            } else {
                short
                    .iter()
                    .map(|_| format!("doc ILIKE {}", next()))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            };
            let index: String = long
                .iter()
                .map(|_| format!("doc ILIKE {} AND ", next()))
                .collect();
            let sql = format!(
                "SELECT key, ({residual}) AS hit FROM tip_search \
                 WHERE {index}key > {} AND key < {} ORDER BY key {order} LIMIT {}",
                next(),
                next(),
                next()
            );
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
            for t in short.iter().chain(long.iter()) {
                q = q.bind::<Text, _>(like_pattern(t));
            }
            q.bind::<BigInt, _>(w.above)
                .bind::<BigInt, _>(w.below)
                .bind::<BigInt, _>(CHUNK)
                .load(c)
        }
    }
}

/// The indexed text of these rows (for excerpts).
fn docs(conn: &mut DbConnection, keys: &[i64]) -> QueryResult<HashMap<i64, String>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    // Integers formatted by us, not user text.
    let list = keys
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let rows: Vec<KeyDoc> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "SELECT rowid AS key, doc FROM tip_search WHERE rowid IN ({list})"
        ))
        .load(c)?,
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "SELECT key, doc FROM tip_search WHERE key IN ({list})"
        ))
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| (r.key, r.doc)).collect())
}

/// How many cases match, bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MatchCount {
    /// Cases found (at most [`COUNT_BOUND`] + 1 are looked for).
    pub count: usize,
    /// True when the search stopped before reading every match: there may
    /// be more than `count`.
    pub more: bool,
}

pub struct Found {
    /// The page, in queue order.
    pub rows: Vec<CaseRow>,
    /// For each case on the page, the indexed text of its first matching tip.
    pub docs: HashMap<i64, String>,
    /// The case id to pass as the next cursor.
    pub next: Option<i64>,
    /// On the first page only.
    pub count: Option<MatchCount>,
}

/// The cases matching `text` within the scope and the filter's other
/// conditions, newest (or oldest) first from the filter's cursor.
pub fn search(
    conn: &mut DbConnection,
    scope: &Scope,
    f: &CaseFilter,
    text: &SearchText,
) -> QueryResult<Found> {
    let limit = f.limit.max(1) as usize;
    let newest = !f.oldest_first;
    let first_page = if newest {
        f.before_id.is_none()
    } else {
        f.after_id.is_none()
    };
    let want = if first_page {
        limit.max(COUNT_BOUND) + 1
    } else {
        limit + 1
    };
    let mut w = Window {
        above: match (newest, f.after_id) {
            (false, Some(id)) => floor(id.saturating_add(1)) - 1,
            _ => -1,
        },
        below: match (newest, f.before_id) {
            (true, Some(id)) => floor(id),
            _ => i64::MAX,
        },
    };
    let mut seen: HashSet<i64> = HashSet::new();
    let mut first_hit: HashMap<i64, i64> = HashMap::new();
    let mut found: Vec<i64> = Vec::new();
    let mut read = 0usize;
    let mut exhausted = false;
    while found.len() < want && read < MAX_READ {
        let rows = chunk(conn, text, w, newest)?;
        read += rows.len();
        let Some(last) = rows.last().map(|r| r.key) else {
            exhausted = true;
            break;
        };
        let mut candidates = Vec::new();
        for r in rows.iter().filter(|r| r.hit) {
            let case = case_of(r.key);
            if seen.insert(case) {
                candidates.push(case);
                first_hit.insert(case, r.key);
            }
        }
        let passing = cases::passing(conn, scope, f, &candidates)?;
        found.extend(candidates.into_iter().filter(|c| passing.contains(c)));
        if (rows.len() as i64) < CHUNK {
            exhausted = true;
            break;
        }
        if newest {
            w.below = last;
        } else {
            w.above = last;
        }
    }
    let page: Vec<i64> = found.iter().take(limit).copied().collect();
    let next = if found.len() > limit {
        page.last().copied()
    } else if exhausted {
        None
    } else {
        // Stopped at the read bound: continue from the last row read. Its
        // case counts as done if one of its tips matched (it was judged);
        // otherwise the next request reads that case again from its start.
        let key = if newest { w.below } else { w.above };
        let case = case_of(key);
        Some(match (seen.contains(&case), newest) {
            (true, _) => case,
            (false, true) => case + 1,
            (false, false) => case - 1,
        })
    };
    let count = first_page.then(|| MatchCount {
        count: found.len().min(COUNT_BOUND),
        more: found.len() > COUNT_BOUND || !exhausted,
    });
    let mut rows = cases::by_ids(conn, &page)?;
    let order: HashMap<i64, usize> = page.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    rows.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
    let keys: Vec<i64> = page
        .iter()
        .filter_map(|c| first_hit.get(c))
        .copied()
        .collect();
    let by_key = docs(conn, &keys)?;
    let docs = page
        .iter()
        .filter_map(|c| {
            let key = first_hit.get(c)?;
            Some((*c, by_key.get(key)?.clone()))
        })
        .collect();
    Ok(Found {
        rows,
        docs,
        next,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_by_case_then_tip() {
        let key = |c: i64, t: i64| (c << SHIFT) + t;
        assert!(key(2, 1) > key(1, 4_000_000_000));
        assert_eq!(case_of(key(7, 123)), 7);
        assert_eq!(floor(7), key(7, 0));
        assert_eq!(floor(i64::MAX), i64::MAX);
        assert_eq!(floor(-5), 0);
    }

    #[test]
    fn user_text_is_quoted_for_fts5_and_escaped_for_like() {
        assert_eq!(fts_phrase("a\"b*"), "\"a\"\"b*\"");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
