//! A tip as submitted, and the checked draft it becomes.
use chrono::NaiveDate;
use serde::Deserialize;
use validator::Validate;

use super::credit_code::CreditCode;
use super::errors::FieldErrors;
use crate::jurisdiction::Pack;

pub const DESCRIPTION_MIN: u64 = 10;
pub const DESCRIPTION_MAX: u64 = 5000;

/// The tip fields of the HTTP contract (DESIGN.md). Unknown keys are refused.
#[derive(Debug, Default, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TipInput {
    #[validate(length(min = 10, max = 5000))]
    pub description: String,
    #[validate(length(max = 200))]
    pub enterprise_name: Option<String>,
    #[validate(length(max = 40))]
    pub enterprise_credit_code: Option<String>,
    #[validate(length(max = 300))]
    pub address: Option<String>,
    #[validate(length(max = 100))]
    pub district: Option<String>,
    #[validate(length(max = 100))]
    pub industry: Option<String>,
    #[validate(length(max = 8))]
    pub dimensions: Option<Vec<String>>,
    pub occurred_on: Option<String>,
    #[validate(length(max = 200))]
    pub contact: Option<String>,
}

/// A tip that passed every check: keys resolved against the pack, optional
/// fields either meaningful or absent.
#[derive(Clone, PartialEq, Eq)]
pub struct TipDraft {
    pub description: String,
    pub enterprise_name: Option<String>,
    pub enterprise_credit_code: Option<String>,
    pub address: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub dimensions: Vec<String>,
    pub occurred_on: Option<NaiveDate>,
    pub contact: Option<String>,
}

// Contact details must never reach a log line.
impl std::fmt::Debug for TipDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TipDraft")
            .field("district", &self.district)
            .field("industry", &self.industry)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

/// Bilingual field names for messages.
fn label(field: &str) -> (&'static str, &'static str) {
    match field {
        "description" => ("情况描述", "description"),
        "enterprise_name" => ("企业名称", "enterprise name"),
        "enterprise_credit_code" => ("统一社会信用代码", "credit code"),
        "address" => ("地址", "address"),
        "district" => ("所在区", "district"),
        "industry" => ("行业", "industry"),
        "dimensions" => ("问题类型", "dimensions"),
        "occurred_on" => ("发现日期", "date"),
        "contact" => ("联系方式", "contact"),
        _ => ("字段", "field"),
    }
}

/// Refuse NUL and other control characters: PostgreSQL cannot store NUL, and
/// nothing a person types needs the others.
fn has_control_chars(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Trimmed, and `None` when empty (forms send empty strings).
fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl TipInput {
    /// Check every field and resolve keys against the pack. All problems are
    /// reported at once.
    pub fn into_draft(self, pack: &Pack, today: NaiveDate) -> Result<TipDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut input = self;
        input.description = input.description.trim().to_string();
        if let Err(e) = input.validate() {
            for (field, list) in e.field_errors() {
                let (zh, en) = label(&field);
                for err in list {
                    let max = err.params.get("max").and_then(|v| v.as_u64());
                    let min = err.params.get("min").and_then(|v| v.as_u64());
                    let (zh_msg, en_msg) = match (min, max) {
                        (Some(min), Some(max)) => (
                            format!("{zh}须为{min}至{max}个字"),
                            format!("{en} must be {min} to {max} characters"),
                        ),
                        (_, Some(max)) => (
                            format!("{zh}不能超过{max}个字"),
                            format!("{en} must be at most {max} characters"),
                        ),
                        _ => (format!("{zh}格式不正确"), format!("{en} is not valid")),
                    };
                    errors.add(&field, &zh_msg, &en_msg);
                }
            }
        }
        let fields: [(&str, Option<&str>); 8] = [
            ("description", Some(input.description.as_str())),
            ("enterprise_name", input.enterprise_name.as_deref()),
            (
                "enterprise_credit_code",
                input.enterprise_credit_code.as_deref(),
            ),
            ("address", input.address.as_deref()),
            ("district", input.district.as_deref()),
            ("industry", input.industry.as_deref()),
            ("occurred_on", input.occurred_on.as_deref()),
            ("contact", input.contact.as_deref()),
        ];
        for (field, value) in fields {
            if value.is_some_and(has_control_chars) {
                let (zh, en) = label(field);
                errors.add(
                    field,
                    &format!("{zh}含有不允许的控制字符"),
                    &format!("{en} contains control characters"),
                );
            }
        }

        let district = clean(input.district);
        let district = match district {
            None => None,
            Some(d) => match pack.resolve_district(&d) {
                Some(found) => Some(found.key.clone()),
                None => {
                    errors.add(
                        "district",
                        "未知的区，请从列表中选择",
                        "unknown district; choose one from the list",
                    );
                    None
                }
            },
        };
        let industry = match clean(input.industry) {
            None => None,
            Some(i) => match pack.resolve_industry(&i) {
                Some(found) => Some(found.key.clone()),
                None => {
                    errors.add(
                        "industry",
                        "未知的行业，请从列表中选择",
                        "unknown industry; choose one from the list",
                    );
                    None
                }
            },
        };
        let mut dimensions = Vec::new();
        for d in input.dimensions.unwrap_or_default() {
            let d = d.trim();
            if pack.dimension(d).is_some() {
                if !dimensions.iter().any(|k| k == d) {
                    dimensions.push(d.to_string());
                }
            } else {
                errors.add("dimensions", "未知的问题类型", "unknown dimension");
            }
        }
        let occurred_on = match clean(input.occurred_on) {
            None => None,
            Some(s) => match super::day::parse(&s) {
                // A day of slack for reporters in other time zones.
                Ok(d) if d > today.succ_opt().unwrap_or(today) => {
                    errors.add(
                        "occurred_on",
                        "日期不能晚于今天",
                        "the date cannot be in the future",
                    );
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.add("occurred_on", e.zh(), e.en());
                    None
                }
            },
        };
        // Well formed is enough here: registries hold real codes whose check
        // character fails, and a reporter copying one must not be refused.
        let credit_code = match clean(input.enterprise_credit_code) {
            None => None,
            Some(c) => match CreditCode::parse_lenient(&c) {
                Ok(code) => Some(code.as_str().to_string()),
                Err(e) => {
                    errors.add("enterprise_credit_code", &e.zh(), &e.en());
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TipDraft {
            description: input.description,
            enterprise_name: clean(input.enterprise_name),
            enterprise_credit_code: credit_code,
            address: clean(input.address),
            district,
            industry,
            dimensions,
            occurred_on,
            contact: clean(input.contact),
        })
    }
}
