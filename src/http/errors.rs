//! The JSON error of the HTTP contract:
//! `{"error", "message" (zh), "message_en", "fields": {"field": ["reason"]}}`.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::errors::FieldErrors;
use crate::services::ServiceError;

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: &'static str,
    pub message: &'static str,
    pub message_en: &'static str,
    #[serde(skip_serializing_if = "FieldErrors::is_empty")]
    pub fields: FieldErrors,
    /// Seconds for `Retry-After` on a 429 or 503 (60 when unset on a 429).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        error: &'static str,
        zh: &'static str,
        en: &'static str,
    ) -> ApiError {
        ApiError {
            status,
            error,
            message: zh,
            message_en: en,
            fields: FieldErrors::default(),
            retry_after: None,
        }
    }

    /// The same error naming fields.
    pub fn with_fields(self, fields: FieldErrors) -> ApiError {
        ApiError { fields, ..self }
    }

    pub fn invalid(fields: FieldErrors) -> ApiError {
        ApiError {
            fields,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "提交的内容有误，请按提示修改",
                "Some fields are not valid",
            )
        }
    }

    /// A query string that does not parse, or carries a key no route knows.
    pub fn bad_query(detail: &str) -> ApiError {
        let mut fields = FieldErrors::default();
        fields.add("query", "查询参数无效或不被支持", detail);
        ApiError::bad_request(fields)
    }

    /// Query parameters that parse but say something impossible, per field.
    pub fn bad_request(fields: FieldErrors) -> ApiError {
        ApiError {
            fields,
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_query",
                "查询参数有误",
                "The query string is not valid",
            )
        }
    }

    pub fn malformed() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "请求体不是有效的 UTF-8 JSON",
            "The body is not valid UTF-8 JSON",
        )
    }

    pub fn malformed_form() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_form",
            "表单内容无法解析",
            "The form body cannot be parsed",
        )
    }

    pub fn too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "提交的内容过大（上限 64 KiB）",
            "The body is too large (limit 64 KiB)",
        )
    }

    /// An evidence file refused: 413 for sizes and counts, 415 for kinds.
    pub fn file_refused(r: &crate::domain::file_kind::FileRefusal) -> ApiError {
        let (status, code) = if r.is_size() {
            (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large")
        } else if r.is_content() {
            (StatusCode::UNPROCESSABLE_ENTITY, "file_not_cleanable")
        } else {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type_refused")
        };
        let mut fields = FieldErrors::default();
        fields.add("attachments", r.zh(), r.en());
        ApiError {
            fields,
            ..ApiError::new(status, code, r.zh(), r.en())
        }
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "无权执行此操作",
            "Not allowed for your role",
        )
    }

    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "不支持的内容类型",
            "Unsupported content type",
        )
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "未找到", "Not found")
    }

    pub fn rate_limited() -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "查询过于频繁，请稍后再试",
            "Too many requests; try again in a minute",
        )
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "请先登录",
            "Log in first",
        )
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "用户名或密码错误",
            "Wrong username or password",
        )
    }

    /// The same Idempotency-Key with another request.
    pub fn key_reused() -> ApiError {
        let mut f = FieldErrors::default();
        f.add(
            "Idempotency-Key",
            "该幂等键已用于另一个请求",
            "this key was used for a different request",
        );
        ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "该幂等键已用于内容不同的请求：新请求请使用新的键",
            "This Idempotency-Key was used for a different request; use a new key for a new request",
        )
        .with_fields(f)
    }

    /// Too many uploads are being processed: the client retries shortly.
    pub fn busy() -> ApiError {
        ApiError {
            retry_after: Some(30),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "正在处理的附件较多，请30秒后重试",
                "Many files are being processed; try again in 30 seconds",
            )
        }
    }

    /// This client tried this account too often; others are unaffected.
    pub fn held_back(wait: std::time::Duration) -> ApiError {
        ApiError {
            retry_after: Some(wait.as_secs().max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "login_held_back",
                "本设备登录尝试过多，请15分钟后再试",
                "Too many login attempts from this client; try again in 15 minutes",
            )
        }
    }

    pub fn totp_required() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "totp_required",
            "请输入验证器应用中的6位动态验证码",
            "Send the 6-digit code from your authenticator app as `totp`",
        )
    }

    pub fn totp_enrolment_required() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "totp_enrolment_required",
            "您的角色须开启动态验证码，请联系管理员开通",
            "Your role requires a TOTP second factor; ask an administrator to enrol you",
        )
    }

    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "缺少或错误的 CSRF 令牌",
            "Missing or wrong CSRF token",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务暂时不可用，请稍后再试",
            "The service is temporarily unavailable",
        )
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂时不可用，请稍后再试",
            "The service is temporarily unavailable",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.error)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        match (self.retry_after, self.status) {
            (Some(secs), _) => {
                res.insert_header(("Retry-After", secs.to_string()));
            }
            (None, StatusCode::TOO_MANY_REQUESTS) => {
                res.insert_header(("Retry-After", "60"));
            }
            _ => {}
        }
        res.insert_header(("Cache-Control", "no-store")).json(self)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(fields) => ApiError::invalid(fields),
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::unavailable()
            }
            ServiceError::Refused(r) => ApiError::file_refused(&r),
            ServiceError::Busy => ApiError::busy(),
            ServiceError::KeyReused => ApiError::key_reused(),
            ServiceError::Conflict { code, zh, en } => {
                ApiError::new(StatusCode::CONFLICT, code, zh, en)
            }
            ServiceError::Forbidden => ApiError::forbidden(),
            // Replayed before it reaches here; if not, the client retries.
            ServiceError::AnsweredElsewhere => ApiError::busy(),
            ServiceError::Storage(e) => {
                tracing::error!(error = %e, "evidence storage error");
                ApiError::unavailable()
            }
        }
    }
}
