//! Template views (askama, templates under frontend/templates).
use askama::Template;
use chrono::NaiveDateTime;

use crate::domain::errors::FieldErrors;
use crate::jurisdiction::Pack;
use crate::services::lookup::Progress;

/// One choice of a drop-down or checkbox list.
pub struct Choice {
    pub key: String,
    pub label: String,
    pub selected: bool,
}

/// What the reporter typed, echoed back when the form has errors.
#[derive(Default)]
pub struct FormValues {
    pub description: String,
    pub enterprise_name: String,
    pub enterprise_credit_code: String,
    pub address: String,
    pub district: String,
    pub industry: String,
    pub dimensions: Vec<String>,
    pub occurred_on: String,
    pub contact: String,
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub values: FormValues,
    pub errors: FieldErrors,
    pub districts: Vec<Choice>,
    pub industries: Vec<Choice>,
    pub dimensions: Vec<Choice>,
    /// Proof-of-work for `pow.js`; the form works without it, under a lower limit.
    pub pow_challenge: String,
    pub pow_bits: u8,
    pub max_files: usize,
    pub max_file_mb: u64,
    pub max_tip_mb: u64,
    /// A fresh idempotency key per form shown: pressing the button twice,
    /// or sending again after a lost answer, files the tip once.
    pub form_key: String,
    /// Why the form is shown again (a limit), above the fields.
    pub notice: Option<&'static str>,
    /// Files already cleaned and kept from an earlier try.
    pub kept: Vec<KeptFile>,
    /// The description's limit, stated on the page (no silent cut).
    pub description_max: u64,
}

/// A file kept from an earlier showing of the form, sent again as a token.
pub struct KeptFile {
    pub token: String,
    pub label: String,
}

impl FormPage {
    pub fn new(pack: &Pack, values: FormValues, errors: FieldErrors) -> FormPage {
        let districts = pack
            .districts
            .iter()
            .map(|d| Choice {
                key: d.key.clone(),
                label: d.name.clone(),
                selected: d.key == values.district,
            })
            .collect();
        let industries = pack
            .industries
            .iter()
            .map(|i| Choice {
                key: i.key.clone(),
                label: i.name.clone(),
                selected: i.key == values.industry,
            })
            .collect();
        let dimensions = pack
            .dimensions
            .iter()
            .map(|d| Choice {
                key: d.key.clone(),
                label: d.name.clone(),
                selected: values.dimensions.contains(&d.key),
            })
            .collect();
        FormPage {
            values,
            errors,
            districts,
            industries,
            dimensions,
            pow_challenge: String::new(),
            pow_bits: 0,
            max_files: 5,
            max_file_mb: 20,
            max_tip_mb: 50,
            form_key: crate::auth::session::random_token(),
            notice: None,
            kept: Vec::new(),
            description_max: crate::domain::tip::DESCRIPTION_MAX,
        }
    }
}

/// Staff: the thumbnails of a case's evidence (linked into the case page by issue 6).
#[derive(Template)]
#[template(path = "attachments.html")]
pub struct AttachmentsPage {
    pub case_id: i64,
    pub items: Vec<crate::services::attachments::AttachmentView>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub receipt: String,
    /// The receipt's groups of five digits, each kept on one line.
    pub groups: Vec<String>,
    pub received_at: String,
    pub handled_by: Option<String>,
    pub answer_due_on: Option<String>,
    /// A `data:` link that saves the receipt as a text file without
    /// JavaScript and without another request.
    pub save_href: String,
}

impl ReceiptPage {
    pub fn new(
        receipt: String,
        received_at: String,
        handled_by: Option<String>,
        answer_due_on: Option<String>,
    ) -> ReceiptPage {
        let mut text = format!(
            "落后产能举报平台 回执码 / Tip line receipt\r\n\r\n{receipt}\r\n\r\n受理时间（北京时间）/ Received (Beijing time): {received_at}\r\n"
        );
        if let Some(b) = &handled_by {
            text.push_str(&format!("拟承办单位 / Proposed handler: {b}\r\n"));
        }
        if let Some(d) = &answer_due_on {
            text.push_str(&format!("预计首次答复 / First answer due by: {d}\r\n"));
        }
        text.push_str(
            "\r\n凭回执码在本平台“查询进度”页面（/status）查看办理情况。请妥善保管，不要告诉他人。\r\n\
             Use the receipt on the progress page (/status). Keep it safe and do not share it.\r\n",
        );
        let save_href = format!(
            "data:text/plain;charset=utf-8,{}",
            form_urlencoded::byte_serialize(text.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        );
        ReceiptPage {
            groups: receipt.split('-').map(str::to_string).collect(),
            receipt,
            received_at,
            handled_by,
            answer_due_on,
            save_href,
        }
    }
}

#[derive(Template)]
#[template(path = "status.html")]
pub struct StatusPage {
    pub notice: Option<&'static str>,
    pub error: Option<&'static str>,
    pub progress: Option<Progress>,
    /// Echoed into the message form only when the lookup succeeded.
    pub receipt: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: &'static str,
    pub message_en: &'static str,
}

/// Format for pages: Beijing time, to the minute.
pub fn minute(t: NaiveDateTime) -> String {
    crate::clock::local_minute(t)
}
