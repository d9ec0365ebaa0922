//! Money in: invoices and their payments, card and bank payments that matched no invoice, and
//! the billing settings printed on every invoice.

pub mod agreement_templates;
pub mod invoices;
pub mod settings;
pub mod unmatched_payments;
