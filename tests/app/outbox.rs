//! Tests: outbox.
