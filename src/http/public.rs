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
use crate::services::{ServiceError, attachments, intake, lookup, rating};
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

/// Why a submitted form is shown again instead of a receipt: nothing the
/// reporter typed or attached is lost (the files are kept as uploads).
struct Again {
    status: StatusCode,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    // The room the files hold in the upload pool lasts until they are stored.
    let (pairs, files, read_refused, _room) = if uploads::is_multipart(&req) {
        match uploads::read_multipart(&req, payload, &state).await {
            Ok(f) => (f.fields, f.files, f.refused, Some(f.room)),
            Err(e) => return refused_page(&e),
        }
    } else {
        match body::form(&req, payload).await {
            Ok(p) => (p, Vec::new(), Vec::new(), None),
            Err(e) => return error_page(e.status),
        }
    };
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
    // Files kept from an earlier showing of the form, as upload tokens.
    let kept_tokens: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k == "kept" && !v.trim().is_empty())
        .map(|(_, v)| v.clone())
        .take(state.upload_limits.max_files)
        .collect();
    // Every request counts toward the per-client intake limit; the form
    // comes back with the text when it is reached.
    if !uploads::intake_allowed(&state, &req).await {
        let mut errors = FieldErrors::default();
        if !files.is_empty() || !read_refused.is_empty() {
            errors.add(
                "files",
                "这次选择的文件未保存，请稍后重新选择",
                "the files chosen this time were not kept; attach them again",
            );
        }
        return form_again(
            &state,
            values,
            kept_tokens,
            Vec::new(),
            Again {
                status: StatusCode::TOO_MANY_REQUESTS,
                errors,
                notice: Some(TOO_MANY_FORM),
            },
        )
        .await;
    }
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
    // Without a solved proof (JavaScript off, or a script) a lower limit
    // applies — to accepted tips only, checked last.
    let challenge = field(&pairs, "pow_challenge").unwrap_or_default();
    let nonce = field(&pairs, "pow_nonce").unwrap_or_default();
    let proved = state
        .pow
        .verify(&Proof {
            challenge: &challenge,
            nonce: &nonce,
        })
        .await;
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
    let checked = intake::check(&state, input);
    // Clean every new file (the kept ones are clean already), within the
    // tip's limits counting the kept ones.
    let sent_kept = kept_tokens.len();
    let kept = match attachments::pending_tokens(&state, kept_tokens).await {
        Ok(k) => k,
        Err(e) => return error_page(ApiError::from(e).status),
    };
    let already = (kept.len(), kept.iter().map(|k| k.size).sum::<u64>());
    let cleaned = match attachments::clean_each(&state, already, files).await {
        Ok(c) => c,
        Err(e) => return error_page(ApiError::from(e).status),
    };
    let mut refused = read_refused;
    let mut clean = Vec::new();
    let mut position = 0;
    for c in cleaned {
        position += 1;
        while refused.iter().any(|(p, _)| *p == position) {
            position += 1;
        }
        match c {
            Ok(f) => clean.push(f),
            Err(r) => refused.push((position, r)),
        }
    }
    refused.sort_by_key(|(p, _)| *p);
    let mut again = match &checked {
        Ok(_) => None,
        Err(ServiceError::Invalid(errors)) => Some(Again {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: errors.clone(),
            notice: None,
        }),
        Err(_) => Some(Again {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: FieldErrors::default(),
            notice: None,
        }),
    };
    if kept.len() < sent_kept {
        // Swept (hours old) or spent by an earlier submission: never send
        // the tip without a file the reporter believes attached.
        again
            .get_or_insert(Again {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                errors: FieldErrors::default(),
                notice: None,
            })
            .errors
            .add(
                "files",
                "之前保留的附件已失效（已提交或已过期），请重新选择",
                "a file kept earlier is no longer held (sent already, or expired); attach it again",
            );
    }
    if let Some((_, first)) = refused.first() {
        let a = again.get_or_insert(Again {
            status: ApiError::file_refused(first).status,
            errors: FieldErrors::default(),
            notice: None,
        });
        for (p, r) in &refused {
            a.errors.add(
                "files",
                &format!(
                    "第{p}个文件未能接收：{}。其他内容和文件已保留，请改正后重新选择这个文件",
                    r.zh()
                ),
                &format!(
                    "file {p} was not accepted: {}; the rest is kept — fix it and attach it again",
                    r.en()
                ),
            );
        }
    }
    if again.is_none()
        && !proved
        && !state
            .nojs_limiter
            .allow(&state.edge.client_address(&req))
            .await
    {
        again = Some(Again {
            status: StatusCode::TOO_MANY_REQUESTS,
            errors: FieldErrors::default(),
            notice: Some(TOO_MANY_FORM),
        });
    }
    if let Some(a) = again {
        let new = match attachments::keep_as_uploads(&state, clean).await {
            Ok(t) => t,
            Err(e) => return error_page(ApiError::from(e).status),
        };
        let mut all = kept;
        all.extend(new);
        return form_page_again(&state, values, all, a);
    }
    let Ok(draft) = checked else {
        return error_page(StatusCode::UNPROCESSABLE_ENTITY);
    };
    let stored = match attachments::seal_all(&state, clean).await {
        Ok(s) => s,
        Err(e) => return error_page(ApiError::from(e).status),
    };
    let evidence = intake::Evidence {
        stored,
        tokens: kept.into_iter().map(|k| k.token).collect(),
    };
    match intake::submit_with(&state, draft, TipSource::Web, evidence, once).await {
        Ok(answer) => receipt_page(answer),
        Err(ServiceError::Invalid(errors)) => {
            // A kept upload was swept or spent meanwhile: say so, keep the text.
            form_page_again(
                &state,
                values,
                Vec::new(),
                Again {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    errors,
                    notice: None,
                },
            )
        }
        Err(e) => error_page(ApiError::from(e).status),
    }
}

const TOO_MANY_FORM: &str = "提交过于频繁，请一分钟后再按“提交举报”。您填写的内容和附件都保留在下面，无需重填。 (Too many reports from here in a minute. Everything you wrote and attached is kept below: press Submit again in a minute.)";

/// The form again, with the kept files looked up first (the 429 before any file was cleaned).
async fn form_again(
    state: &AppState,
    values: FormValues,
    kept_tokens: Vec<String>,
    new: Vec<crate::services::attachments::UploadToken>,
    again: Again,
) -> HttpResponse {
    let mut kept = attachments::pending_tokens(state, kept_tokens)
        .await
        .unwrap_or_default();
    kept.extend(new);
    form_page_again(state, values, kept, again)
}

fn form_page_again(
    state: &AppState,
    values: FormValues,
    kept: Vec<crate::services::attachments::UploadToken>,
    again: Again,
) -> HttpResponse {
    let mut page = form_page(state, values, again.errors);
    page.notice = again.notice;
    page.kept = kept
        .into_iter()
        .enumerate()
        .map(|(i, k)| super::pages::KeptFile {
            label: format!(
                "附件 {}：{} · {} KB",
                i + 1,
                k.kind.label_zh(),
                k.size.div_ceil(1024)
            ),
            token: k.token,
        })
        .collect();
    html(again.status, &page)
}

fn receipt_page(answer: intake::Receipted) -> HttpResponse {
    html(
        StatusCode::OK,
        &ReceiptPage::new(
            answer.receipt,
            minute(answer.received_at),
            answer.handled_by,
            answer.answer_due_on.map(|d| d.to_string()),
        ),
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

/// What the reporter does on the status page before reading it again.
enum StatusAction {
    Look,
    /// Text, files, or both.
    Message(String, Vec<Vec<u8>>),
    Rate(rating::RatingBody),
}

/// Look up progress, after adding a message or a rating when asked.
async fn show_progress(
    state: &AppState,
    req: &HttpRequest,
    receipt_text: &str,
    action: StatusAction,
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
    let mut error = None;
    if let StatusAction::Rate(body) = &action {
        match rating::check(body) {
            Ok(r) => match rating::rate_by_receipt(state, receipt.clone(), r).await {
                Ok(_) => notice = Some("感谢您的评价。 (Thank you for your rating.)"),
                Err(ServiceError::NotFound) => {
                    return page(
                        StatusCode::NOT_FOUND,
                        Some(NOT_FOUND_ZH_EN),
                        None,
                        None,
                        String::new(),
                    );
                }
                Err(ServiceError::Conflict { code, .. }) => {
                    error = Some(if code == "already_rated" {
                        "这条举报已经评价过，每条举报只能评价一次。 (This tip has been rated already.)"
                    } else {
                        "案件办结后才能评价。 (You can rate once the case is closed.)"
                    })
                }
                Err(e) => return error_page(ApiError::from(e).status),
            },
            Err(_) => {
                error = Some(
                    "请选择 满意、基本满意 或 不满意；意见不超过500字。 (Choose a rating; the comment is at most 500 characters.)",
                )
            }
        }
    }
    if let StatusAction::Message(body, files) = action {
        let has_text = !body.trim().is_empty();
        if !files.is_empty() {
            match attachments::add_files_with_receipt(state, receipt.clone(), files).await {
                Ok(n) if !has_text => {
                    notice = Some(if n == 1 {
                        "已收到您补充的文件。 (Your file has been received.)"
                    } else {
                        "已收到您补充的文件。 (Your files have been received.)"
                    })
                }
                Ok(_) => {}
                Err(ServiceError::NotFound) => {
                    return page(
                        StatusCode::NOT_FOUND,
                        Some(NOT_FOUND_ZH_EN),
                        None,
                        None,
                        String::new(),
                    );
                }
                Err(ServiceError::Refused(r)) => {
                    error = Some(r.zh());
                }
                Err(e) => return error_page(ApiError::from(e).status),
            }
        }
        if !has_text {
            if error.is_none() && notice.is_none() {
                notice = Some("请填写补充内容或选择文件。 (Write a message or choose a file.)");
            }
        } else {
            match lookup::check_message(&body) {
                Ok(body) => match lookup::add_message(state, receipt.clone(), body).await {
                    Ok(()) => {
                        notice = Some("已收到您的补充信息。 (Your message has been received.)")
                    }
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
    }
    match lookup::progress(state, receipt.clone()).await {
        Ok(p) => page(
            if error.is_some() {
                StatusCode::CONFLICT
            } else {
                StatusCode::OK
            },
            error,
            notice,
            Some(p),
            receipt.grouped(),
        ),
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
                StatusAction::Look,
            )
            .await
        }
        Err(e) => error_page(e.status),
    }
}

/// `POST /status/messages`: a message, files added later, or both
/// (multipart); a plain form carries a message only.
pub async fn status_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (read, files, _room) = if uploads::is_multipart(&req) {
        match uploads::read_multipart(&req, payload, &state).await {
            // A file refused while reading is refused again when added:
            // count it as sent so the page names the limit.
            Ok(f) if !f.refused.is_empty() => {
                let e = ApiError::file_refused(&f.refused[0].1);
                return refused_page(&e);
            }
            Ok(f) => (Ok(f.fields), f.files, Some(f.room)),
            Err(e) => return refused_page(&e),
        }
    } else {
        (body::form(&req, payload).await, Vec::new(), None)
    };
    match read {
        Ok(pairs) => {
            let receipt = field(&pairs, "receipt").unwrap_or_default();
            let message = field(&pairs, "body").unwrap_or_default();
            show_progress(
                &state,
                &req,
                &receipt,
                StatusAction::Message(message, files),
            )
            .await
        }
        Err(e) => error_page(e.status),
    }
}

/// `POST /status/rating`: the reporter's 评价 from the status page.
pub async fn status_rating(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match body::form(&req, payload).await {
        Ok(pairs) => {
            let receipt = field(&pairs, "receipt").unwrap_or_default();
            let body = rating::RatingBody {
                rating: field(&pairs, "rating").unwrap_or_default(),
                comment: field(&pairs, "comment"),
            };
            show_progress(&state, &req, &receipt, StatusAction::Rate(body)).await
        }
        Err(e) => error_page(e.status),
    }
}
