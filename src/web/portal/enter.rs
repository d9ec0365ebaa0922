//! Opening a private link: the token moves from the address bar into the portal cookie, so
//! it does not linger in history, in Referer headers or in screenshots.

use actix_web::{HttpResponse, web};

use crate::auth::Ctx;
use crate::auth::portal::{clear_portal_cookie, set_portal_cookie};
use crate::error::AppResult;
use crate::models::portal_tokens::{self, Scope};
use crate::web::redirect;

/// `GET /portal/enter/{token}`: a live sponsor link opens the portal; an expired or unknown
/// one leads to the page where a new link can be requested.
pub async fn enter(ctx: Ctx, path: web::Path<String>) -> AppResult<HttpResponse> {
    let raw = path.into_inner();
    let probe = raw.clone();
    let (live, expired) = ctx
        .state
        .db
        .run(move |c| {
            let live = portal_tokens::find_live(c, &probe, Scope::Sponsor)?;
            let expired = live.is_none() && portal_tokens::is_expired(c, &probe)?;
            Ok((live.is_some(), expired))
        })
        .await?;
    if live {
        set_portal_cookie(&ctx, &raw);
        Ok(redirect("/portal"))
    } else {
        clear_portal_cookie(&ctx);
        Ok(redirect(if expired {
            "/portal/link?expired=1"
        } else {
            "/portal/link?unknown=1"
        }))
    }
}
