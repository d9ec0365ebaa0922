//! Forms: the raw fields as submitted (for forms with repeated fields: checkboxes, rows),
//! and messages for fields, shown next to the field that caused them.

use std::collections::BTreeMap;

/// Field name → the message to show beside it, remembered in the order they were added (the
/// order of the form, for the error summary at the top of the page).
#[derive(Clone, Debug, Default)]
pub struct FormErrors(BTreeMap<String, String>, Vec<String>);

impl PartialEq for FormErrors {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for FormErrors {}

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }
    /// One message, next to `field`.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }
    /// Records a message for a field (the first message for a field wins).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.contains_key(field) {
            self.0.insert(field.to_string(), message.into());
            self.1.push(field.to_string());
        }
    }
    /// (field, message) in the order they were added: the error summary's list.
    pub fn entries(&self) -> Vec<(&str, &str)> {
        self.1
            .iter()
            .filter_map(|f| self.0.get(f).map(|m| (f.as_str(), m.as_str())))
            .collect()
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
    /// Adds another set of messages (a field's first message still wins).
    pub fn merge(&mut self, other: FormErrors) {
        for (field, message) in other.entries() {
            self.add(field, message);
        }
    }
}

impl<'a> FromIterator<(&'a str, String)> for FormErrors {
    fn from_iter<I: IntoIterator<Item = (&'a str, String)>>(iter: I) -> Self {
        let mut errors = FormErrors::new();
        for (field, message) in iter {
            errors.add(field, message);
        }
        errors
    }
}

/// The fields of a urlencoded form, in order.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// The `seen` field of an edit form: when the record was last saved as the form showed
    /// it (see `stamp`); None when absent or not a time.
    pub fn seen(&self) -> Option<chrono::NaiveDateTime> {
        chrono::NaiveDateTime::parse_from_str(&self.get("seen"), STAMP).ok()
    }
    /// True when a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}

const STAMP: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// A record's `updated_at` for an edit form's hidden `seen` field, so that a save made from a
/// form opened before someone else's save can be refused instead of overwriting it.
pub fn stamp(t: &chrono::NaiveDateTime) -> String {
    t.format(STAMP).to_string()
}
