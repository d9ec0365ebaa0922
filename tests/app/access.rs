//! Tests: access.
