//! Matching again after the registry changed: a tip about a firm that was
//! not yet in the registry (or not yet in this process's index) stays
//! unlinked at intake; once an import makes the firm known, every open case
//! without an enterprise is matched again. A case that now finds its firm is
//! linked (audited as "matched after registry import"), and when the firm
//! already has an open case about an overlapping problem, the two become one
//! (the one-case rule of intake). Idempotent: linked cases are never
//! revisited, so every process may run it after every refresh.
use chrono::NaiveDateTime;
use serde::Serialize;

use super::ServiceError;
use crate::db::{self, Db, DbError, audit, cases, lock_in_transaction};
use crate::domain::place;
use crate::matching::{MatchQuery, MatchResult};
use crate::routing::Router;

/// Advisory-lock space shared with intake's per-enterprise lock, so a tip
/// and a re-match about one firm never place it twice.
const LOCK_ENTERPRISE: i32 = super::intake::LOCK_ENTERPRISE;

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct RematchReport {
    /// Unlinked open cases looked at.
    pub looked_at: usize,
    /// Cases linked to a firm.
    pub linked: usize,
    /// Of those, cases merged into the firm's open case.
    pub merged: usize,
}

/// One unlinked case's tips as match queries, oldest tip first.
fn queries(
    conn: &mut crate::db::DbConnection,
    case_id: i64,
    district: Option<&str>,
    industry: Option<&str>,
) -> Result<Vec<MatchQuery>, DbError> {
    Ok(cases::tips_of(conn, case_id)?
        .into_iter()
        .map(|t| MatchQuery {
            text: t.description,
            enterprise_name: t.enterprise_name,
            credit_code: t.enterprise_credit_code,
            district: t.district.or_else(|| district.map(str::to_string)),
            industry: t.industry.or_else(|| industry.map(str::to_string)),
            address: t.address,
        })
        .collect())
}

/// Match every open case without an enterprise again, against `match_tip`
/// (the registry index as it is now). `version` is the registry version
/// that prompted it, for the audit entry.
pub fn rematch_unlinked(
    db: &Db,
    router: &Router,
    match_tip: impl Fn(&MatchQuery) -> MatchResult,
    version: i64,
    now: NaiveDateTime,
) -> Result<RematchReport, ServiceError> {
    let mut report = RematchReport::default();
    let unlinked = cases::open_unlinked(&mut *db.read_conn()?)?;
    for cases::Unlinked {
        id: case_id,
        district,
        industry,
        dimensions,
    } in unlinked
    {
        report.looked_at += 1;
        let found = {
            let mut conn = db.read_conn()?;
            queries(&mut conn, case_id, district.as_deref(), industry.as_deref())?
                .iter()
                .map(&match_tip)
                .find(|m| m.best.is_some())
        };
        let Some(matched) = found else { continue };
        let Some(firm) = matched.best.clone() else {
            continue;
        };
        let registry_district = crate::routing::district_of_enterprise(router.pack(), &firm);
        let candidates = serde_json::to_string(&matched.candidates).expect("candidates serialise");
        let merged = db.write_tx(|conn| -> Result<Option<bool>, DbError> {
            lock_in_transaction(conn, LOCK_ENTERPRISE, firm.enterprise_id)?;
            // Still unlinked and open? (Another process may have done it.)
            let Some(case) = cases::get(conn, &crate::domain::role::Scope::All, case_id)? else {
                return Ok(None);
            };
            if case.enterprise_id.is_some() || !case.status.is_open() {
                return Ok(None);
            }
            let into = cases::open_for_enterprise(conn, firm.enterprise_id)?
                .into_iter()
                .find(|(id, d)| {
                    *id != case_id && place::dimensions_overlap(d, &db::key_list(&dimensions))
                })
                .map(|(id, _)| id);
            if !cases::link_enterprise(
                conn,
                case_id,
                firm.enterprise_id,
                &candidates,
                registry_district.as_deref(),
                now,
            )? {
                return Ok(None);
            }
            let detail = serde_json::json!({
                "enterprise": firm.enterprise_id,
                "name": firm.name,
                "registry_version": version,
                "why": "matched after registry import",
            })
            .to_string();
            audit::append(
                conn,
                "registry",
                "case.matched",
                &format!("case:{case_id}"),
                &detail,
                now,
            )?;
            if let Some(into) = into {
                super::case_admin::merge_in(
                    conn,
                    "registry",
                    (case_id, case.status),
                    into,
                    "the same firm and problem, found after a registry import",
                    now,
                )?;
            }
            Ok(Some(into.is_some()))
        })?;
        if let Some(was_merged) = merged {
            report.linked += 1;
            report.merged += usize::from(was_merged);
        }
    }
    if report.linked > 0 {
        tracing::info!(
            linked = report.linked,
            merged = report.merged,
            version,
            "open cases matched after a registry change"
        );
    }
    Ok(report)
}

/// `rematch_unlinked` with the service's own clock, for the watcher.
pub fn after_refresh(
    db: &Db,
    router: &Router,
    match_tip: impl Fn(&MatchQuery) -> MatchResult,
    version: i64,
) -> Result<RematchReport, ServiceError> {
    rematch_unlinked(db, router, match_tip, version, db::now())
}
