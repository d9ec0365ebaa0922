//! Tests: backup.
