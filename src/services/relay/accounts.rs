//! Relay accounts: add, list, revoke, give a new key. A relay keeps its id
//! (and so its tickets and outbox) across new keys.
use crate::auth::relay_key;
use crate::db::{self, Db, DbError, audit, relays};
use crate::secrets::Secrets;
use crate::services::relay::Channel;

pub use crate::db::relays::Relay;

/// Requests per minute a relay may make unless told otherwise.
pub const DEFAULT_RATE_LIMIT: i32 = 600;

#[derive(Debug, thiserror::Error)]
pub enum RelayAdminError {
    #[error("a relay named {0} exists already")]
    Exists(String),
    #[error("no relay named {0}")]
    Unknown(String),
    /// A refused value: the form field it belongs to and why, in Chinese
    /// and English (the CLI prints the English).
    #[error("{en}")]
    Invalid {
        field: &'static str,
        zh: String,
        en: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

fn invalid(field: &'static str, zh: &str, en: String) -> RelayAdminError {
    RelayAdminError::Invalid {
        field,
        zh: zh.to_string(),
        en,
    }
}

impl From<diesel::result::Error> for RelayAdminError {
    fn from(e: diesel::result::Error) -> Self {
        RelayAdminError::Db(e.into())
    }
}

/// A callback URL must be absolute http(s); anything else would only fail later.
pub fn check_callback_url(url: &str) -> Result<(), RelayAdminError> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= 500
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "callback_url",
            "回调地址须以 http:// 或 https:// 开头，不含空格，至多500个字符",
            format!("the callback URL must start with http:// or https:// ({url})"),
        ))
    }
}

fn check_name(name: &str) -> Result<(), RelayAdminError> {
    let n = name.chars().count();
    if n == 0 || n > 100 || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "名称须为1至100个字符",
            "the name must be 1 to 100 characters".into(),
        ));
    }
    Ok(())
}

/// A relay's report source: the channel its Open311 requests count as.
pub fn parse_source(s: &str) -> Result<Channel, RelayAdminError> {
    match s {
        "hotline" => Ok(Channel::Hotline),
        "platform" => Ok(Channel::Platform),
        "national" => Ok(Channel::National),
        _ => Err(invalid(
            "source",
            "来源须为 12345 热线、省平台或国家平台",
            format!(
                "the source must be hotline (12345), platform (provincial) or national, not `{s}`"
            ),
        )),
    }
}

/// Create a relay; returns (id, key). The key is shown once and never stored.
pub fn add(
    db: &Db,
    secrets: &Secrets,
    name: &str,
    source: &str,
    callback_url: Option<&str>,
    rate_limit: Option<i32>,
    actor: &str,
) -> Result<(i64, String), RelayAdminError> {
    check_name(name)?;
    let source = parse_source(source)?.as_str();
    if let Some(u) = callback_url {
        check_callback_url(u)?;
    }
    let rate_limit = rate_limit.unwrap_or(DEFAULT_RATE_LIMIT);
    if rate_limit < 0 {
        return Err(invalid(
            "rate_limit",
            "频率限制不能为负数",
            "the rate limit cannot be negative".into(),
        ));
    }
    let key = relay_key::generate();
    let hash = relay_key::hash(&key);
    let sealed = seal_signing(secrets, &key);
    let prefix = relay_key::display_prefix(&key);
    let id = db.write_tx(|conn| -> Result<i64, RelayAdminError> {
        if relays::by_name(conn, name)?.is_some() {
            return Err(RelayAdminError::Exists(name.to_string()));
        }
        let now = db::now();
        let id = relays::insert(
            conn,
            &relays::NewRelay {
                name,
                key_hash: &hash,
                key_prefix: &prefix,
                signing_sealed: &sealed,
                callback_url,
                rate_limit,
                source,
                at: now,
            },
        )?;
        audit::append(
            conn,
            actor,
            "relay.add",
            &format!("relay:{name}"),
            &format!("source={source}"),
            now,
        )?;
        Ok(id)
    })?;
    Ok((id, key))
}

/// The derived signing secret, sealed, as hex inside the sealed text.
fn seal_signing(secrets: &Secrets, key: &str) -> Vec<u8> {
    secrets.seal(&hex::encode(relay_key::signing_secret(key)))
}

/// Open a relay's sealed signing secret.
pub fn open_signing(secrets: &Secrets, sealed: &[u8]) -> Option<Vec<u8>> {
    secrets.open(sealed).ok().and_then(|h| hex::decode(h).ok())
}

pub fn list(db: &Db) -> Result<Vec<relays::Relay>, RelayAdminError> {
    let mut conn = db.read_conn()?;
    Ok(relays::list(&mut conn)?)
}

pub fn revoke(db: &Db, name: &str, actor: &str) -> Result<(), RelayAdminError> {
    db.write_tx(|conn| -> Result<(), RelayAdminError> {
        let relay =
            relays::by_name(conn, name)?.ok_or_else(|| RelayAdminError::Unknown(name.into()))?;
        let now = db::now();
        relays::revoke(conn, relay.id, now)?;
        audit::append(
            conn,
            actor,
            "relay.revoke",
            &format!("relay:{name}"),
            "",
            now,
        )?;
        Ok(())
    })
}

/// A new key for an existing relay (also lifts a revocation); returns it.
pub fn rotate_key(
    db: &Db,
    secrets: &Secrets,
    name: &str,
    actor: &str,
) -> Result<String, RelayAdminError> {
    let key = relay_key::generate();
    let hash = relay_key::hash(&key);
    let sealed = seal_signing(secrets, &key);
    let prefix = relay_key::display_prefix(&key);
    db.write_tx(|conn| -> Result<(), RelayAdminError> {
        let relay =
            relays::by_name(conn, name)?.ok_or_else(|| RelayAdminError::Unknown(name.into()))?;
        let now = db::now();
        relays::replace_key(conn, relay.id, &hash, &prefix, &sealed, now)?;
        audit::append(
            conn,
            actor,
            "relay.rotate_key",
            &format!("relay:{name}"),
            "",
            now,
        )?;
        Ok(())
    })?;
    Ok(key)
}

/// Change the callback URL (None removes it) and optionally the rate limit.
pub fn configure(
    db: &Db,
    name: &str,
    callback_url: Option<Option<&str>>,
    rate_limit: Option<i32>,
    source: Option<&str>,
    actor: &str,
) -> Result<(), RelayAdminError> {
    if callback_url.is_none() && rate_limit.is_none() && source.is_none() {
        return Err(invalid(
            "callback_url",
            "没有要修改的内容",
            "nothing to change: give --callback-url, --no-callback, --rate-limit or --source"
                .into(),
        ));
    }
    if let Some(Some(u)) = callback_url {
        check_callback_url(u)?;
    }
    if rate_limit.is_some_and(|r| r < 0) {
        return Err(invalid(
            "rate_limit",
            "频率限制不能为负数",
            "the rate limit cannot be negative".into(),
        ));
    }
    let source = source.map(parse_source).transpose()?.map(Channel::as_str);
    db.write_tx(|conn| -> Result<(), RelayAdminError> {
        let relay =
            relays::by_name(conn, name)?.ok_or_else(|| RelayAdminError::Unknown(name.into()))?;
        let now = db::now();
        relays::configure(conn, relay.id, callback_url, rate_limit, source)?;
        let detail = [
            callback_url.map(|u| format!("callback_url={}", u.unwrap_or(""))),
            rate_limit.map(|r| format!("rate_limit={r}")),
            source.map(|s| format!("source={s}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        audit::append(
            conn,
            actor,
            "relay.configure",
            &format!("relay:{name}"),
            &detail,
            now,
        )?;
        Ok(())
    })
}
