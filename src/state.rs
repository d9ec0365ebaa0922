//! What every request handler (and the few background tasks that act like one) can reach:
//! settings, the database, the mailer and the shared in-memory parts. Its own module, so
//! that nothing needs to import `startup` to name it.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::email::Mailer;
use crate::services::placements::PlacementCounter;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub mailer: Mailer,
    /// Signs CSRF tokens; shared by every instance through the database.
    pub csrf_key: Arc<Vec<u8>>,
    /// Placement impressions and clicks not yet written to the database.
    pub placements: Arc<PlacementCounter>,
    /// What public pages read, reused for a few seconds.
    pub public_cache: Arc<crate::public_cache::PublicCache>,
}
