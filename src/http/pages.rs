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
    pub received_at: String,
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

/// Format for pages: minutes are enough for a reporter.
pub fn minute(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
