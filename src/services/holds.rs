//! Legal holds: an admin or dispatcher stops retention for a case or one
//! tip (a complaint, a court, an appeal), and lifts it again. Audited.
use super::ServiceError;
use crate::db::safeguards;
pub use crate::db::safeguards::HoldOn;
use crate::db::{self, attachments, audit, cases};
use crate::domain::role::{Role, Scope};

/// Set (`hold = true`) or release a hold. Only admins and dispatchers.
pub async fn set(
    state: &crate::state::AppState,
    role: Role,
    actor: String,
    on: HoldOn,
    hold: bool,
    reason: String,
) -> Result<(), ServiceError> {
    if !matches!(role, Role::Admin | Role::Dispatcher) {
        return Err(ServiceError::NotFound);
    }
    state
        .db
        .write(move |conn| -> Result<(), ServiceError> {
            let case_id = match on {
                HoldOn::Case(id) => id,
                HoldOn::Tip(id) => attachments::case_of(conn, id)?.ok_or(ServiceError::NotFound)?,
            };
            cases::get(conn, &Scope::All, case_id)?.ok_or(ServiceError::NotFound)?;
            let now = db::now();
            if hold {
                safeguards::set_hold(conn, on, &reason, &actor, now)?;
            } else {
                safeguards::release_hold(conn, on, now)?;
            }
            let what = match on {
                HoldOn::Case(id) => format!("\"case\":{id}"),
                HoldOn::Tip(id) => format!("\"tip\":{id}"),
            };
            audit::append(
                conn,
                &actor,
                if hold {
                    "legal_hold.set"
                } else {
                    "legal_hold.release"
                },
                &format!("case:{case_id}"),
                &serde_json::json!({ "on": format!("{{{what}}}"), "reason": reason }).to_string(),
                now,
            )?;
            Ok(())
        })
        .await
}
