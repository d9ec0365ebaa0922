//! Tests: accounts.
