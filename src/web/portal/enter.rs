//! Opening a private link: the token moves from the address bar into the portal cookie, so
//! it does not linger in history, in Referer headers or in screenshots.

use actix_web::{HttpResponse, web};

use crate::error::AppResult;
use crate::models::portal_tokens;
use crate::web::extract::Ctx;
use crate::web::extract::portal::LinkKind;
use crate::web::redirect;

/// The `?next=` of a private link: the page to open once the link is in the cookie.
#[derive(serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

impl Next {
    pub(super) fn get(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

/// Where to go after opening a link to `home`: a page under `home` named in `?next=`, else
/// `home` itself. Only our own paths are followed (no open redirect, no loop back into
/// `{home}/enter/`).
pub(super) fn landing_under<'a>(home: &'a str, next: Option<&'a str>) -> &'a str {
    match next {
        Some(n)
            if n.strip_prefix(home).is_some_and(|rest| {
                rest.is_empty() || (rest.starts_with('/') && !rest.starts_with("/enter/"))
            }) && n
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b)) =>
        {
            n
        }
        _ => home,
    }
}

/// Where to go after opening a sponsor link: a portal page named in `?next=`, else the
/// overview.
fn landing(next: Option<&str>) -> &str {
    landing_under(LinkKind::SPONSOR.home(), next)
}

/// Opens a private link of `kind`: a live token moves into the cookie and the visitor goes on
/// to `landing`; an expired or unknown one leads to the page where a new link can be
/// requested.
pub(super) async fn open(
    ctx: Ctx,
    kind: LinkKind,
    raw: String,
    landing: &str,
) -> AppResult<HttpResponse> {
    let probe = raw.clone();
    let (live, expired) = ctx
        .state
        .db
        .run(move |c| {
            let live = portal_tokens::find_live(c, &probe, kind.scope())?;
            let expired = live.is_none() && portal_tokens::is_expired(c, &probe)?;
            Ok((live.is_some(), expired))
        })
        .await?;
    if live {
        kind.set_cookie(&ctx, &raw);
        Ok(redirect(landing))
    } else {
        kind.clear_cookie(&ctx);
        let why = if expired { "expired=1" } else { "unknown=1" };
        Ok(redirect(&format!("{}/link?{why}", kind.home())))
    }
}

/// `GET /portal/enter/{token}`: a live sponsor link opens the portal; an expired or unknown
/// one leads to the page where a new link can be requested.
pub async fn enter(
    ctx: Ctx,
    path: web::Path<String>,
    q: web::Query<Next>,
) -> AppResult<HttpResponse> {
    open(ctx, LinkKind::SPONSOR, path.into_inner(), landing(q.get())).await
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
