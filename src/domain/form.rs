//! Messages for form fields, shown next to the field that caused them.

use std::collections::BTreeMap;

/// Field name → the message to show beside it.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(BTreeMap<String, String>);

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }
    /// Records a message for a field (the first message for a field wins).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    /// For templates: the message or an empty string.
    pub fn of(&self, field: &str) -> &str {
        self.get(field).unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Ok when no message was recorded.
    pub fn into_result(self) -> Result<(), FormErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}
