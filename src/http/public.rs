//! The citizen's pages: the form, the receipt, the progress lookup.
//! All work without JavaScript.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::body::{self, field};
use super::errors::ApiError;
use super::pages::{ErrorPage, FormPage, FormValues, ReceiptPage, StatusPage, minute};
use super::pow::Proof;
use super::uploads;
use crate::domain::errors::FieldErrors;
use crate::domain::receipt::Receipt;
use crate::domain::tip::TipInput;
use crate::domain::tip_status::TipSource;
use crate::services::{ServiceError, attachments, intake, lookup};
use crate::state::AppState;

/// Render a page; pages that carry a receipt or a reporter's words are
/// never cached.
pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

pub fn error_page(status: StatusCode) -> HttpResponse {
    let page = match status {
        StatusCode::NOT_FOUND => ErrorPage {
            title: "页面不存在",
            message: "您要找的页面不存在。",
            message_en: "This page does not exist.",
        },
        StatusCode::PAYLOAD_TOO_LARGE => ErrorPage {
            title: "内容过大",
            message: "提交的内容超过 64 KiB，请删减后再试。",
            message_en: "The submission is larger than 64 KiB.",
        },
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::BAD_REQUEST => ErrorPage {
            title: "无法处理的请求",
            message: "请通过本网站的表单提交。",
            message_en: "Please submit through this site's form.",
        },
        StatusCode::FORBIDDEN => ErrorPage {
            title: "无权访问",
            message: "您的账号无权查看此页面。",
            message_en: "Your account may not see this page.",
        },
        StatusCode::TOO_MANY_REQUESTS => ErrorPage {
            title: "操作过于频繁",
            message: "请一分钟后再试。",
            message_en: "Too many requests; try again in a minute.",
        },
        _ => ErrorPage {
            title: "服务暂时不可用",
            message: "请稍后再试，您的内容未提交。",
            message_en: "The service is temporarily unavailable; nothing was submitted.",
        },
    };
    html(status, &page)
}

/// The form, with a fresh proof-of-work challenge for `pow.js`.
fn form_page(state: &AppState, values: FormValues, errors: FieldErrors) -> FormPage {
    let mut page = FormPage::new(&state.pack, values, errors);
    page.pow_challenge = state.pow.challenge();
    page.pow_bits = state.pow.bits();
    page.max_files = state.upload_limits.max_files;
    page.max_file_mb = state.upload_limits.max_file_bytes >> 20;
    page.max_tip_mb = state.upload_limits.max_tip_bytes >> 20;
    page
}

pub async fn form(state: web::Data<AppState>) -> HttpResponse {
    html(
        StatusCode::OK,
        &form_page(&state, FormValues::default(), FieldErrors::default()),
    )
}

/// A page naming why an attachment was refused (413 / 415).
fn refused_page(e: &ApiError) -> HttpResponse {
    if e.error.starts_with("file_") {
        html(
            e.status,
            &ErrorPage {
                title: "附件未能提交",
                message: e.message,
                message_en: e.message_en,
            },
        )
    } else {
        error_page(e.status)
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if !uploads::intake_allowed(&state, &req).await {
        return error_page(StatusCode::TOO_MANY_REQUESTS);
    }
    // The room the files hold in the upload pool lasts until they are stored.
    let (pairs, files, _room) = if uploads::is_multipart(&req) {
        match uploads::read_multipart(&req, payload, &state).await {
            Ok(f) => (f.fields, f.files, Some(f.room)),
            Err(e) => return refused_page(&e),
        }
    } else {
        match body::form(&req, payload).await {
            Ok(p) => (p, Vec::new(), None),
            Err(e) => return error_page(e.status),
        }
    };
    // What the files were, for the form's idempotency key.
    let files_digest: Vec<Vec<u8>> = files
        .iter()
        .map(|f| <sha2::Sha256 as sha2::Digest>::digest(f).to_vec())
        .collect();
    // The form's hidden key: a second press of the button, or a reload of
    // the answer, shows the same receipt instead of filing the tip twice —
    // before the proof of work, which the second press repeats.
    let once = match field(&pairs, "form_key").filter(|k| !k.is_empty()) {
        Some(key) => {
            let mut fields: Vec<&(String, String)> = pairs
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "pow_challenge" | "pow_nonce" | "form_key"))
                .collect();
            fields.sort();
            let mut request = serde_json::to_vec(&fields).expect("pairs serialise");
            for f in &files_digest {
                request.extend_from_slice(f);
            }
            match crate::services::idempotency::Once::new(&state.secrets, &key, &request) {
                Ok(o) => Some(o),
                Err(e) => return error_page(ApiError::from(e).status),
            }
        }
        None => None,
    };
    if let Some(o) = &once {
        match intake::answered_before(&state, o).await {
            Ok(Some(answer)) => return receipt_page(answer),
            Ok(None) => {}
            Err(e) => return error_page(ApiError::from(e).status),
        }
    }
    // Without a solved proof (JavaScript off, or a script) a lower limit applies.
    let challenge = field(&pairs, "pow_challenge").unwrap_or_default();
    let nonce = field(&pairs, "pow_nonce").unwrap_or_default();
    let proved = state
        .pow
        .verify(&Proof {
            challenge: &challenge,
            nonce: &nonce,
        })
        .await;
    if !proved
        && !state
            .nojs_limiter
            .allow(&state.edge.client_address(&req))
            .await
    {
        return error_page(StatusCode::TOO_MANY_REQUESTS);
    }
    let get = |name| field(&pairs, name).unwrap_or_default();
    let values = FormValues {
        description: get("description"),
        enterprise_name: get("enterprise_name"),
        enterprise_credit_code: get("enterprise_credit_code"),
        address: get("address"),
        district: get("district"),
        industry: get("industry"),
        dimensions: pairs
            .iter()
            .filter(|(k, _)| k == "dimensions")
            .map(|(_, v)| v.clone())
            .collect(),
        occurred_on: get("occurred_on"),
        contact: get("contact"),
    };
    let some = |s: &String| Some(s.clone()).filter(|s| !s.is_empty());
    let input = TipInput {
        description: values.description.clone(),
        enterprise_name: some(&values.enterprise_name),
        enterprise_credit_code: some(&values.enterprise_credit_code),
        address: some(&values.address),
        district: some(&values.district),
        industry: some(&values.industry),
        dimensions: Some(values.dimensions.clone()),
        occurred_on: some(&values.occurred_on),
        contact: some(&values.contact),
    };
    let draft = match intake::check(&state, input) {
        Ok(d) => d,
        Err(ServiceError::Invalid(errors)) => {
            return html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&state, values, errors),
            );
        }
        Err(e) => return error_page(ApiError::from(e).status),
    };
    let cleaned = match attachments::clean_all(&state, (0, 0), files).await {
        Ok(c) => c,
        Err(e) => return refused_page(&ApiError::from(e)),
    };
    let stored = match attachments::seal_all(&state, cleaned).await {
        Ok(s) => s,
        Err(e) => return error_page(ApiError::from(e).status),
    };
    let evidence = intake::Evidence {
        stored,
        tokens: Vec::new(),
    };
    match intake::submit_with(&state, draft, TipSource::Web, evidence, once).await {
        Ok(answer) => receipt_page(answer),
        Err(e) => error_page(ApiError::from(e).status),
    }
}

fn receipt_page(answer: intake::Receipted) -> HttpResponse {
    html(
        StatusCode::OK,
        &ReceiptPage {
            receipt: answer.receipt,
            received_at: minute(answer.received_at),
        },
    )
}

pub async fn status_page() -> HttpResponse {
    html(
        StatusCode::OK,
        &StatusPage {
            notice: None,
            error: None,
            progress: None,
            receipt: String::new(),
        },
    )
}

const NOT_FOUND_ZH_EN: &str = "没有找到这个回执码对应的举报，请核对后重试。 (No tip has this receipt; check it and try again.)";
const BAD_RECEIPT: &str = "回执码应为20位数字。 (A receipt is 20 digits.)";
const LIMITED: &str = "查询过于频繁，请一分钟后再试。 (Too many lookups; try again in a minute.)";

/// Look up progress, or add a message first when `message` is given.
async fn show_progress(
    state: &AppState,
    req: &HttpRequest,
    receipt_text: &str,
    message: Option<String>,
) -> HttpResponse {
    let page = |status, error, notice, progress, receipt: String| {
        html(
            status,
            &StatusPage {
                notice,
                error,
                progress,
                receipt,
            },
        )
    };
    if !state
        .lookup_limiter
        .allow(&state.edge.client_address(req))
        .await
    {
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            Some(LIMITED),
            None,
            None,
            String::new(),
        );
    }
    let Ok(receipt) = Receipt::parse(receipt_text) else {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(BAD_RECEIPT),
            None,
            None,
            String::new(),
        );
    };
    let mut notice = None;
    if let Some(body) = message {
        match lookup::check_message(&body) {
            Ok(body) => match lookup::add_message(state, receipt.clone(), body).await {
                Ok(()) => notice = Some("已收到您的补充信息。 (Your message has been received.)"),
                Err(ServiceError::NotFound) => {
                    return page(
                        StatusCode::NOT_FOUND,
                        Some(NOT_FOUND_ZH_EN),
                        None,
                        None,
                        String::new(),
                    );
                }
                Err(e) => return error_page(ApiError::from(e).status),
            },
            Err(_) => {
                notice = Some(
                    "补充内容须为1至5000个字，未发送。 (The message must be 1 to 5,000 characters; not sent.)",
                )
            }
        }
    }
    match lookup::progress(state, receipt.clone()).await {
        Ok(p) => page(StatusCode::OK, None, notice, Some(p), receipt.grouped()),
        Err(ServiceError::NotFound) => page(
            StatusCode::NOT_FOUND,
            Some(NOT_FOUND_ZH_EN),
            None,
            None,
            String::new(),
        ),
        Err(e) => error_page(ApiError::from(e).status),
    }
}

pub async fn status_lookup(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match body::form(&req, payload).await {
        Ok(pairs) => {
            show_progress(
                &state,
                &req,
                &field(&pairs, "receipt").unwrap_or_default(),
                None,
            )
            .await
        }
        Err(e) => error_page(e.status),
    }
}

pub async fn status_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match body::form(&req, payload).await {
        Ok(pairs) => {
            let receipt = field(&pairs, "receipt").unwrap_or_default();
            let message = field(&pairs, "body").unwrap_or_default();
            show_progress(&state, &req, &receipt, Some(message)).await
        }
        Err(e) => error_page(e.status),
    }
}
