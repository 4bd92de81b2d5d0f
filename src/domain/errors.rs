//! Field-level validation errors, each reason in Chinese and English.
use std::collections::BTreeMap;

use serde::Serialize;

/// A stored key that names no known value (a status written by a newer
/// version, or a damaged row): an error, never a silent default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownKey {
    pub what: &'static str,
    pub value: String,
}

/// `{"field": ["中文 (English)", …]}` as the HTTP contract wants it.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, zh: &str, en: &str) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(format!("{zh} ({en})"));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Reasons for one field, for re-rendering a form next to its input.
    pub fn get(&self, field: &str) -> &[String] {
        self.0.get(field).map(Vec::as_slice).unwrap_or(&[])
    }
}
