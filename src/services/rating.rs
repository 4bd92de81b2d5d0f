//! 回访 and 评价: the reporter rates the outcome of a closed case once per
//! tip (by receipt, or through the relay that took the call), and the
//! dispatcher reviews every 不满意 — reopening the case for 二次办理 (a
//! workflow action, `workflow::Command::Reopen`) or recording why not.
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::ServiceError;
use crate::db::ratings::{self, NewRating, RatingRow};
use crate::db::{self, DbConnection, audit, tips};
use crate::domain::errors::FieldErrors;
use crate::domain::rating::{COMMENT_MAX, Rating, Review};
use crate::domain::receipt::Receipt;
use crate::domain::role::Role;
use crate::domain::tip_status::TipStatus;
use crate::services::workflow::Who;
use crate::state::AppState;

/// `POST /api/v1/tips/rating` and the relay's rating: the grade and an
/// optional comment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// `satisfied` (满意), `basic` (基本满意) or `dissatisfied` (不满意).
    pub rating: String,
    /// At most 500 characters.
    pub comment: Option<String>,
}

/// A rating as its author and staff read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingView {
    pub rating: Rating,
    pub rating_label: &'static str,
    pub comment: Option<String>,
    /// `web` or `relay`.
    pub source: String,
    pub rated_at: NaiveDateTime,
    /// For a 不满意: `reopened` or `declined` once the dispatcher decided.
    pub review: Option<String>,
    pub review_note: Option<String>,
}

impl RatingView {
    pub fn from_row(r: RatingRow) -> Option<RatingView> {
        let rating = Rating::parse(&r.rating)?;
        Some(RatingView {
            rating,
            rating_label: rating.label_zh(),
            comment: r.comment,
            source: r.source,
            rated_at: r.rated_at,
            review: r.review,
            review_note: r.review_note,
        })
    }
}

/// A checked rating.
#[derive(Debug, Clone)]
pub struct Checked {
    pub rating: Rating,
    pub comment: Option<String>,
}

pub fn check(body: &RatingBody) -> Result<Checked, FieldErrors> {
    let mut e = FieldErrors::default();
    let rating = Rating::parse(&body.rating);
    if rating.is_none() {
        e.add(
            "rating",
            "评价须为 满意(satisfied)、基本满意(basic) 或 不满意(dissatisfied)",
            "rating must be satisfied, basic or dissatisfied",
        );
    }
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(c) = comment {
        if c.chars().count() > COMMENT_MAX {
            e.add(
                "comment",
                "意见不能超过500个字",
                "the comment must be at most 500 characters",
            );
        }
        if c.chars()
            .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
        {
            e.add(
                "comment",
                "意见含有不允许的控制字符",
                "the comment contains control characters",
            );
        }
    }
    match rating {
        Some(rating) if e.is_empty() => Ok(Checked {
            rating,
            comment: comment.map(str::to_string),
        }),
        _ => Err(e),
    }
}

pub fn not_closed() -> ServiceError {
    ServiceError::Conflict {
        code: "not_closed",
        zh: "案件办结后才能评价",
        en: "A tip can be rated once its case is closed",
    }
}

pub fn already_rated() -> ServiceError {
    ServiceError::Conflict {
        code: "already_rated",
        zh: "这条举报已经评价过，每条举报只能评价一次",
        en: "This tip has been rated; a tip is rated once",
    }
}

/// Rate one tip inside the caller's transaction. `Ok(view)` for a new
/// rating, and for a relay sending the same rating again (idempotent);
/// 409 before closure or when rated already with another grade.
fn rate_tip(
    conn: &mut DbConnection,
    tip_id: i64,
    r: &Checked,
    source: &str,
    at: NaiveDateTime,
) -> Result<RatingView, ServiceError> {
    let state = tips::state_of(conn, tip_id)?.ok_or(ServiceError::NotFound)?;
    if let Some(before) = ratings::of_tip(conn, tip_id)? {
        let same = before.rating == r.rating.as_str()
            && before.comment.as_deref() == r.comment.as_deref()
            && before.source == source
            && source == "relay";
        return match (same, RatingView::from_row(before)) {
            (true, Some(v)) => Ok(v),
            _ => Err(already_rated()),
        };
    }
    if state.status != TipStatus::Closed {
        return Err(not_closed());
    }
    let inserted = ratings::insert(
        conn,
        &NewRating {
            tip_id,
            rating: r.rating.as_str(),
            comment: r.comment.as_deref(),
            source,
            rated_at: at,
        },
    )?;
    if !inserted {
        return Err(already_rated());
    }
    if let Some(case_id) = state.case_id {
        audit::append(
            conn,
            &format!("reporter:{source}"),
            "tip.rated",
            &format!("case:{case_id}"),
            &serde_json::json!({"tip": tip_id, "rating": r.rating.as_str(),
                "comment": r.comment})
            .to_string(),
            at,
        )?;
    }
    // Relays hear of ratings they did not send themselves.
    if source != "relay" {
        crate::services::outbox::enqueue_tip_rating(conn, tip_id, r.rating, at)?;
    }
    ratings::of_tip(conn, tip_id)?
        .and_then(RatingView::from_row)
        .ok_or(ServiceError::NotFound)
}

/// The reporter rates by receipt (the status page and the JSON API).
pub async fn rate_by_receipt(
    state: &AppState,
    receipt: Receipt,
    rating: Checked,
) -> Result<RatingView, ServiceError> {
    let hash = state.secrets.receipt_hash(&receipt);
    state
        .db
        .write(move |conn| -> Result<RatingView, ServiceError> {
            let tip = tips::find_by_receipt(conn, &hash)?.ok_or(ServiceError::NotFound)?;
            rate_tip(conn, tip.id, &rating, "web", db::now())
        })
        .await
}

/// A relay posts the caller's rating from its own 回访.
pub async fn rate_by_ticket(
    state: &AppState,
    relay_id: i64,
    ticket_id: String,
    rating: Checked,
) -> Result<RatingView, ServiceError> {
    state
        .db
        .write(move |conn| -> Result<RatingView, ServiceError> {
            let row = crate::db::relays::ticket_status(conn, relay_id, &ticket_id)?
                .ok_or(ServiceError::NotFound)?;
            rate_tip(conn, row.tip_id, &rating, "relay", db::now())
        })
        .await
}

/// The rating of the tip behind a receipt, if any (the status page).
pub fn of_tip(conn: &mut DbConnection, tip_id: i64) -> Result<Option<RatingView>, ServiceError> {
    Ok(ratings::of_tip(conn, tip_id)?.and_then(RatingView::from_row))
}

/// The ratings of a case's tips (the case page).
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> Result<Vec<RatingView>, ServiceError> {
    Ok(ratings::of_case(conn, case_id)?
        .into_iter()
        .filter_map(RatingView::from_row)
        .collect())
}

/// Mark the case's waiting 不满意 ratings as reviewed, inside the
/// reopening's transaction (the workflow calls this).
pub fn reviewed_by_reopening(
    conn: &mut DbConnection,
    case_id: i64,
    note: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<usize, diesel::result::Error> {
    ratings::count_reopen(conn, case_id)?;
    ratings::review_case(conn, case_id, Review::Reopened.as_str(), note, actor, at)
}

/// The dispatcher keeps the case closed and records why; audited. 409 when
/// no dissatisfied rating waits for review.
pub async fn decline_review(
    state: &AppState,
    who: Who,
    case_id: i64,
    reason: String,
) -> Result<usize, ServiceError> {
    if !matches!(who.role, Role::Dispatcher | Role::Admin) {
        return Err(ServiceError::Forbidden);
    }
    let reason = reason.trim().to_string();
    let n = reason.chars().count();
    if n == 0 || n > 5000 {
        let mut f = FieldErrors::default();
        f.add(
            "reason",
            "请写明不予重办的理由（1至5000个字）",
            "give the reason for not reopening (1 to 5,000 characters)",
        );
        return Err(ServiceError::Invalid(f));
    }
    state
        .db
        .write(move |conn| -> Result<usize, ServiceError> {
            crate::db::cases::get(conn, &who.scope, case_id)?.ok_or(ServiceError::NotFound)?;
            let now = db::now();
            let n = ratings::review_case(
                conn,
                case_id,
                Review::Declined.as_str(),
                &reason,
                &who.actor,
                now,
            )?;
            if n == 0 {
                return Err(ServiceError::Conflict {
                    code: "nothing_to_review",
                    zh: "本案没有待复核的不满意评价",
                    en: "No dissatisfied rating of this case waits for review",
                });
            }
            audit::append(
                conn,
                &who.actor,
                "case.rating_declined",
                &format!("case:{case_id}"),
                &serde_json::json!({"reason": reason, "ratings": n}).to_string(),
                now,
            )?;
            Ok(n)
        })
        .await
}
