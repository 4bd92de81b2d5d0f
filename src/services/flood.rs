//! Flood flagging: a burst of near-identical tips about one enterprise is
//! flagged on their cases for the dispatcher, never dropped.
use chrono::{Duration, NaiveDateTime};

use crate::db::{DbConnection, safeguards};
use crate::domain::flood;
use crate::domain::tip::TipDraft;
use crate::jurisdiction::FloodRule;
use crate::text::fold;

/// Advisory-lock space for flood decisions (intake uses 1 and 2).
const LOCK_FLOOD: i32 = 3;
/// How many recent tips about one enterprise a new tip is compared with.
const RECENT_LIMIT: i64 = 200;

/// Which enterprise a tip is about, for flood counting: the matched
/// enterprise, else the credit code or the folded name the reporter gave.
pub fn enterprise_key(enterprise_id: Option<i64>, draft: &TipDraft) -> Option<String> {
    if let Some(id) = enterprise_id {
        return Some(format!("id:{id}"));
    }
    if let Some(code) = draft.enterprise_credit_code.as_deref() {
        return Some(format!("code:{code}"));
    }
    let name: String = fold(draft.enterprise_name.as_deref()?)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    (!name.is_empty()).then(|| format!("name:{name}"))
}

/// Record this tip's fingerprint and flag every case of the burst when the
/// near-identical tips in the window reach the pack's threshold. Runs inside
/// the intake transaction; returns the burst size when flagged.
pub fn note(
    conn: &mut DbConnection,
    rule: &FloodRule,
    tip_id: i64,
    enterprise_id: Option<i64>,
    draft: &TipDraft,
    at: NaiveDateTime,
) -> diesel::QueryResult<Option<usize>> {
    let Some(key) = enterprise_key(enterprise_id, draft) else {
        return Ok(None);
    };
    let text = fold(&draft.description);
    // One enterprise's flood is decided by one transaction at a time
    // (PostgreSQL; SQLite writers are serial already).
    let lock = key
        .bytes()
        .fold(0i64, |h, b| h.wrapping_mul(31).wrapping_add(i64::from(b)));
    crate::db::lock_in_transaction(conn, LOCK_FLOOD, lock)?;
    safeguards::add_fingerprint(conn, tip_id, &key, &text, at)?;
    let since = at - Duration::minutes(i64::from(rule.window_minutes));
    let recent = safeguards::recent_fingerprints(conn, &key, since, RECENT_LIMIT)?;
    let threshold = rule.min_tips as usize;
    // Compare newest first and stop one past the threshold: that is enough
    // to know whether this tip crosses it, and keeps a flood cheap.
    let alike: Vec<i64> = recent
        .iter()
        .filter(|(_, t)| flood::similarity(&text, t) >= rule.similarity)
        .map(|(id, _)| *id)
        .take(threshold + 1)
        .collect();
    if alike.len() < threshold {
        return Ok(None);
    }
    // At the crossing every tip of the burst gets its case flagged; after
    // that only the new tip's case, so a long flood costs each tip the same.
    let current = [tip_id];
    let to_flag: &[i64] = if alike.len() == threshold {
        &alike
    } else {
        &current
    };
    let mut case_ids = Vec::new();
    for id in to_flag {
        if let Some(case_id) = crate::db::attachments::case_of(conn, *id)? {
            case_ids.push(case_id);
        }
    }
    case_ids.sort_unstable();
    case_ids.dedup();
    // Past the crossing the count is "more than the threshold"; the case
    // keeps the highest count it was flagged with.
    let count = i32::try_from(alike.len()).unwrap_or(i32::MAX);
    for case_id in case_ids {
        safeguards::flag_flood(conn, case_id, count, at)?;
    }
    Ok(Some(alike.len()))
}
