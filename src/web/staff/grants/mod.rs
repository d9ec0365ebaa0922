//! Grants for staff. Review: the queue (`queue`), each application's page with its files
//! (`review`), moving it through review and assigning reviewers (`reviewers`), votes and the
//! decision (`decide`). Money: payments and reports (`payments`), the budget by programme and
//! year (`budget`). Set-up: programmes and caps (`programmes`), quorum and rates
//! (`settings`). Every route of an application goes through
//! `services::grant_review::check_access` first, so a recused member of staff gets 403 on all
//! of them; this module holds the checks and helpers the review files share.

pub mod budget;
pub mod decide;
pub mod payments;
pub mod programmes;
pub mod queue;
pub mod review;
pub mod reviewers;
pub mod settings;

use crate::db::DbConn;
use crate::domain::Role;
use crate::error::AppResult;
use crate::services::grant_review::{self as service, Access, Viewer};
use crate::web::extract::Staff;
use crate::web::extract::{GrantsDeciders, GrantsStaff, RoleRule};

/// The queue is open to the treasurer (to find awarded grants to pay) and to administrators
/// (who set programmes up) too; the review pages are not.
pub struct GrantsQueue;
impl RoleRule for GrantsQueue {
    fn allows(roles: &[Role]) -> bool {
        [
            Role::GrantsReviewer,
            Role::GrantsDecider,
            Role::Treasurer,
            Role::Admin,
        ]
        .iter()
        .any(|r| roles.contains(r))
    }
}

type Reviewers = Staff<GrantsStaff>;
type Deciders = Staff<GrantsDeciders>;

fn viewer<R: RoleRule>(staff: &Staff<R>) -> Viewer {
    Viewer {
        user_id: staff.user.user.id,
        name: staff.user.user.name.clone(),
        roles: staff.user.roles.clone(),
        actor: staff.actor(),
    }
}

/// Runs a service call for the viewer on the database's blocking pool.
async fn act<R: RoleRule, T: Send + 'static>(
    staff: &Staff<R>,
    f: impl FnOnce(&mut DbConn, &Viewer) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let v = viewer(staff);
    staff.state.db.run(move |c| f(c, &v)).await
}

/// The one guard at the top of every application route (the services check again inside
/// their transactions).
pub(crate) async fn access<R: RoleRule>(staff: &Staff<R>, id: i64) -> AppResult<Access> {
    act(staff, move |c, v| service::check_access(c, v, id)).await
}

fn back(id: i64) -> String {
    format!("/staff/grants/{id}")
}

/// A link only for web addresses; anything else is shown as text.
fn web_url(s: &str) -> Option<&str> {
    let lower = s.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(s.trim())
}
