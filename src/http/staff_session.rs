//! A logged-in member of staff as a request sees them: the session cookie
//! (HttpOnly, SameSite=Strict, Secure over TLS), the extractor that finds
//! the session through `services::accounts::session`, and the CSRF check
//! every mutation makes.
use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::errors::ApiError;
use crate::auth::session::{SESSION_COOKIE, token_hash};
use crate::domain::role::{Role, Scope};
use crate::services::accounts;
use crate::services::workflow::Who;
use crate::state::AppState;

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

/// What the workflow needs of a member of staff.
impl From<&Staff> for Who {
    fn from(s: &Staff) -> Who {
        Who {
            actor: s.actor(),
            role: s.role,
            bureau: s.bureau.clone(),
            scope: s.scope(),
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
            let user = accounts::session(&state.db, hash.clone(), state.session_lifetime)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            Ok(Staff {
                user_id: user.user_id,
                username: user.username,
                role: user.role,
                bureau: user.bureau,
                district: user.district,
                csrf_token: user.csrf_token,
                token_hash: hash,
            })
        })
    }
}
