//! Sponsors on the staff side: their records, contacts, descriptions and logos.

mod logos;
mod staff;
mod timeline;
