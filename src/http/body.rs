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

/// A JSON body into `T`: syntax and encoding errors are 400; a control
/// character in any string is 422 naming the field; then `T`'s own checks.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::malformed())?;
    let mut fields = FieldErrors::default();
    controls_in_json(&value, None, &mut fields);
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    from_value(value)
}

const CONTROL_ZH: &str = "不能包含控制字符";
const CONTROL_EN: &str = "must not contain control characters (only newline and tab)";

/// Every string (and key) of a JSON value that holds a forbidden
/// character, named by its top-level field.
fn controls_in_json(value: &serde_json::Value, field: Option<&str>, out: &mut FieldErrors) {
    use serde_json::Value;
    fn flag(out: &mut FieldErrors, name: &str) {
        if !out.0.contains_key(name) {
            out.add(name, CONTROL_ZH, CONTROL_EN);
        }
    }
    match value {
        Value::String(s) if crate::text::forbidden_char(s).is_some() => {
            flag(out, field.unwrap_or("body"));
        }
        Value::Array(items) => {
            for item in items {
                controls_in_json(item, field, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let name = field.unwrap_or(k);
                if crate::text::forbidden_char(k).is_some() {
                    flag(out, field.unwrap_or("body"));
                }
                controls_in_json(v, Some(name), out);
            }
        }
        _ => {}
    }
}

/// Form fields (urlencoded or multipart) whose value holds a forbidden
/// character, each named.
pub fn controls_in_pairs(pairs: &[(String, String)]) -> Result<(), ApiError> {
    let mut fields = FieldErrors::default();
    for (k, v) in pairs {
        if crate::text::forbidden_char(v).is_some() || crate::text::forbidden_char(k).is_some() {
            let name = if crate::text::forbidden_char(k).is_some() {
                "body"
            } else {
                k.as_str()
            };
            if !fields.0.contains_key(name) {
                fields.add(name, CONTROL_ZH, CONTROL_EN);
            }
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(fields))
    }
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
/// Invalid UTF-8 is a 400 (never silently replaced); control characters
/// are a 422 naming the field.
pub async fn form(req: &HttpRequest, payload: Payload) -> Result<Vec<(String, String)>, ApiError> {
    if !content_type_is(req, "application/x-www-form-urlencoded") {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = read_limited(req, payload, BODY_LIMIT).await?;
    let pairs = parse_form(&bytes).ok_or_else(ApiError::malformed)?;
    controls_in_pairs(&pairs)?;
    Ok(pairs)
}

/// `a=1&b=%E4%B8%AD+x` → pairs, or None when a name or value is not UTF-8
/// once decoded (`form_urlencoded` would replace it with U+FFFD).
pub fn parse_form(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let decode = |part: &[u8]| -> Option<String> {
        let plus: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let raw: Vec<u8> = percent_encoding::percent_decode(&plus).collect();
        String::from_utf8(raw).ok()
    };
    bytes
        .split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let k = decode(it.next().unwrap_or_default())?;
            let v = decode(it.next().unwrap_or_default())?;
            Some((k, v))
        })
        .collect()
}

/// The first value of a form field.
pub fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_strictly() {
        assert_eq!(
            parse_form(b"a=1&b=%E4%B8%AD+x&&c"),
            Some(vec![
                ("a".into(), "1".into()),
                ("b".into(), "中 x".into()),
                ("c".into(), String::new())
            ])
        );
        assert_eq!(parse_form(b"a=%FF%FE"), None);
        assert_eq!(parse_form(b"a=\xff"), None);
    }

    #[test]
    fn json_controls_name_the_top_level_field() {
        let v: serde_json::Value = serde_json::json!({
            "description": "ok", "address": "a\u{0}b",
            "inspectors": ["x", "y\u{7}"], "nested": {"deep": "\u{202e}"}
        });
        let mut f = FieldErrors::default();
        controls_in_json(&v, None, &mut f);
        let names: Vec<_> = f.0.keys().cloned().collect();
        assert_eq!(names, ["address", "inspectors", "nested"]);
    }
}
