//! Outreach: usage figures, prospects, the ask, and the wish not to be contacted.

mod import;
mod prospects;
