//! Reading request bodies: a size cap, a content-type check, and parse errors
//! turned into the contract's 400/413/415/422 answers.
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::web::{Bytes, BytesMut, Payload};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::errors::ApiError;
use crate::domain::errors::FieldErrors;

/// Every public body is at most 64 KiB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Read the whole body, refusing more than `limit` bytes before buffering them.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::malformed())?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn content_type_is(req: &HttpRequest, wanted: &str) -> bool {
    match req.mime_type() {
        Ok(Some(m)) => {
            m.essence_str() == wanted
                || (wanted == "application/json" && m.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// A JSON body into `T`. Syntax and encoding errors are 400; wrong types,
/// missing or unknown fields are 422 naming the field.
pub async fn json<T: DeserializeOwned>(req: &HttpRequest, payload: Payload) -> Result<T, ApiError> {
    if !content_type_is(req, "application/json") {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = read_limited(req, payload, BODY_LIMIT).await?;
    parse_json(&bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize::<_, T>(de).map_err(data_error)
}

/// A JSON body of up to `limit` bytes (batches are larger than 64 KiB).
pub async fn json_limited<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<T, ApiError> {
    if !content_type_is(req, "application/json") {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = read_limited(req, payload, limit).await?;
    parse_json(&bytes)
}

/// An already parsed JSON value into `T`, with the same 422 answers.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(data_error)
}

fn data_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    if !matches!(e.inner().classify(), serde_json::error::Category::Data) {
        return ApiError::malformed();
    }
    let message = e.inner().to_string();
    // serde names the key in backticks for missing and unknown fields.
    let named = message.split('`').nth(1).map(str::to_string);
    let path = e.path().to_string();
    let field = if message.starts_with("unknown field") || message.starts_with("missing field") {
        named.unwrap_or(path)
    } else {
        path.split(['[', '.']).next().unwrap_or("").to_string()
    };
    let mut fields = FieldErrors::default();
    let reason = message.split(" at line").next().unwrap_or(&message);
    if message.starts_with("unknown field") {
        fields.add(&field, "不认识的字段", "unknown field");
    } else if message.starts_with("missing field") {
        fields.add(&field, "此项必填", "this field is required");
    } else {
        fields.add(&field, "类型不正确", reason);
    }
    ApiError::invalid(fields)
}

/// An urlencoded form body as (key, value) pairs, repeated keys kept.
pub async fn form(req: &HttpRequest, payload: Payload) -> Result<Vec<(String, String)>, ApiError> {
    if !content_type_is(req, "application/x-www-form-urlencoded") {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = read_limited(req, payload, BODY_LIMIT).await?;
    Ok(form_urlencoded::parse(&bytes).into_owned().collect())
}

/// The first value of a form field.
pub fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}
