//! Agreements: generated from the template and accepted online, or signed elsewhere and
//! uploaded as a PDF.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::agreements;

/// One agreement: generated and sent (then accepted online), or uploaded, signed elsewhere.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = agreements)]
pub struct Agreement {
    pub id: i64,
    pub sponsorship_id: i64,
    pub kind: String,
    pub body: String,
    pub file_key: Option<String>,
    pub file_name: Option<String>,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub accepted_name: Option<String>,
    pub accepted_title: Option<String>,
    pub accepted_email: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_addr: Option<String>,
}

impl Agreement {
    pub fn is_sent(&self) -> bool {
        self.status == "sent"
    }
    pub fn is_accepted(&self) -> bool {
        self.status == "accepted"
    }
    pub fn is_uploaded(&self) -> bool {
        self.kind == "uploaded"
    }
    pub fn has_file(&self) -> bool {
        self.file_key.is_some()
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "Sent, waiting for acceptance",
            "accepted" => "Accepted",
            "superseded" => "Replaced by a later version",
            _ => "Unknown",
        }
    }
    pub fn badge(&self) -> &'static str {
        match self.status.as_str() {
            "accepted" => "success",
            "sent" => "warning",
            _ => "neutral",
        }
    }
    pub fn kind_label(&self) -> &'static str {
        if self.is_uploaded() {
            "Signed elsewhere (PDF)"
        } else {
            "Generated from the template"
        }
    }
}
