//! Server-side sessions. The cookie holds a random token; the database holds
//! only its SHA-256, so a stolen table opens no session. Every mutation must
//! send the session's CSRF token in `X-CSRF-Token` (or a form's `csrf` field).
use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::db::{self, users};
use crate::domain::role::{Role, Scope};
use crate::http::errors::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "tipline_session";
/// A session unused for this long is over.
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;

/// A random token as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random generator failed");
    hex::encode(b)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure when served over TLS.
pub fn cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = cookie("", secure);
    c.make_removal();
    c
}

/// A logged-in member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub bureau: Option<String>,
    pub district: Option<String>,
    pub csrf_token: String,
    pub token_hash: Vec<u8>,
}

impl Staff {
    pub fn scope(&self) -> Scope {
        match (self.role, &self.bureau, &self.district) {
            (Role::Bureau, Some(b), _) => Scope::Bureau(b.clone()),
            (Role::District, _, Some(d)) => Scope::District(d.clone()),
            (Role::Admin | Role::Dispatcher, _, _) => Scope::All,
            // A bureau or district account without its key sees nothing.
            (Role::Bureau, None, _) => Scope::Bureau(String::new()),
            (Role::District, _, None) => Scope::District(String::new()),
        }
    }

    /// How this person appears in the audit log.
    pub fn actor(&self) -> String {
        format!("user:{}", self.username)
    }

    /// Check the CSRF token of a mutation, in constant time.
    pub fn check_csrf(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        self.check_csrf_value(sent)
    }

    pub fn check_csrf_value(&self, sent: &str) -> Result<(), ApiError> {
        if !sent.is_empty()
            && crate::secrets::same_secret(sent.as_bytes(), self.csrf_token.as_bytes())
        {
            Ok(())
        } else {
            Err(ApiError::csrf())
        }
    }
}

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(ApiError::unauthenticated());
            };
            let hash = token_hash(&token);
            let lookup = hash.clone();
            let found = state
                .db
                .read(move |conn| users::session(conn, &lookup).map_err(db::DbError::from))
                .await?;
            let Some(users::SessionRow {
                csrf_token: csrf,
                created_at,
                last_seen_at: last_seen,
                user,
            }) = found
            else {
                return Err(ApiError::unauthenticated());
            };
            let now = db::now();
            // Idle too long, or older than the absolute lifetime however busy.
            let expired = now - last_seen > Duration::minutes(IDLE_TIMEOUT_MINUTES)
                || now - created_at > state.session_lifetime;
            // Refresh the idle clock at most once a minute, so reads stay reads.
            if user.disabled || expired || now - last_seen > Duration::minutes(1) {
                let h = hash.clone();
                let end = user.disabled || expired;
                state
                    .db
                    .write(move |conn| -> Result<(), db::DbError> {
                        if end {
                            users::delete_session(conn, &h)?;
                        } else {
                            users::touch_session(conn, &h, now)?;
                        }
                        Ok(())
                    })
                    .await?;
                if end {
                    return Err(ApiError::unauthenticated());
                }
            }
            let role = Role::parse(&user.role).ok_or_else(ApiError::unauthenticated)?;
            Ok(Staff {
                user_id: user.id,
                username: user.username,
                role,
                bureau: user.bureau,
                district: user.district,
                csrf_token: csrf,
                token_hash: hash,
            })
        })
    }
}
