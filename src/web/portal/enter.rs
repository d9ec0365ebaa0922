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
#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Where to go after opening the link: a portal page named in `?next=`, else the overview.
/// Only our own `/portal/…` paths are followed (no open redirect).
fn landing(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with("/portal/")
                && !n.starts_with("/portal/enter/")
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b)) =>
        {
            n
        }
        _ => "/portal",
    }
}

pub async fn enter(
    ctx: Ctx,
    path: web::Path<String>,
    q: web::Query<Next>,
) -> AppResult<HttpResponse> {
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
        Ok(redirect(landing(q.next.as_deref())))
    } else {
        clear_portal_cookie(&ctx);
        Ok(redirect(if expired {
            "/portal/link?expired=1"
        } else {
            "/portal/link?unknown=1"
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::landing;

    #[test]
    fn only_portal_paths_are_followed() {
        assert_eq!(
            landing(Some("/portal/agreements/12")),
            "/portal/agreements/12"
        );
        assert_eq!(landing(None), "/portal");
        for bad in [
            "https://evil.example/portal/",
            "//evil.example/portal/x",
            "/staff/users",
            "/portal/../staff",
            "/portal/enter/abc",
            "/portal/x?y=1",
            "/portal\\evil",
        ] {
            assert_eq!(landing(Some(bad)), "/portal", "{bad}");
        }
    }
}
