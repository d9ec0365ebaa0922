//! One page of a long list: which page, how many in all, and the links to the pages around
//! it, for `templates/partials/pager.html`. The page number comes from the address as typed;
//! anything that is not a page of the list shows the nearest page that is.

/// Page `page` of `pages`, `per_page` rows each, `total` rows in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    pub total: i64,
    pub prev_url: String,
    pub next_url: String,
}

impl Pager {
    /// `asked` is the `page` parameter as typed; `url` gives the address of page n.
    pub fn new(
        asked: Option<&str>,
        total: i64,
        per_page: i64,
        url: impl Fn(i64) -> String,
    ) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = asked
            .and_then(|p| p.trim().parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, pages);
        Pager {
            page,
            pages,
            per_page,
            total,
            prev_url: if page > 1 {
                url(page - 1)
            } else {
                String::new()
            },
            next_url: if page < pages {
                url(page + 1)
            } else {
                String::new()
            },
        }
    }

    /// Rows to skip to reach this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// "51–100 of 1,234": the rows this page shows.
    pub fn showing(&self) -> String {
        let first = self.offset() + 1;
        let last = (self.offset() + self.per_page).min(self.total);
        format!(
            "{}–{} of {}",
            crate::domain::text::thousands(first),
            crate::domain::text::thousands(last),
            crate::domain::text::thousands(self.total)
        )
    }
}

/// The address of page n of `path` with the list's other parameters (`query`, already
/// encoded, without `page`) kept.
pub fn links(path: &str, query: String) -> impl Fn(i64) -> String + Send + 'static {
    let path = path.to_string();
    move |n| {
        if query.is_empty() {
            format!("{path}?page={n}")
        } else {
            format!("{path}?{query}&page={n}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pager;

    fn url(n: i64) -> String {
        format!("/x?page={n}")
    }

    #[test]
    fn pages_are_clamped_and_linked() {
        let p = Pager::new(Some("3"), 120, 50, url);
        assert_eq!((p.page, p.pages, p.offset()), (3, 3, 100));
        assert_eq!(p.prev_url, "/x?page=2");
        assert_eq!(p.next_url, "");
        assert_eq!(p.showing(), "101–120 of 120");
        for bad in ["0", "-4", "abc", "", "99999999999999999999"] {
            assert_eq!(Pager::new(Some(bad), 120, 50, url).page, 1, "{bad}");
        }
        assert_eq!(Pager::new(Some("9"), 120, 50, url).page, 3);
        let empty = Pager::new(None, 0, 50, url);
        assert_eq!((empty.page, empty.pages, empty.offset()), (1, 1, 0));
        assert_eq!(Pager::new(None, 1234, 50, url).showing(), "1–50 of 1,234");
        assert_eq!(super::links("/l", String::new())(2), "/l?page=2");
        assert_eq!(super::links("/l", "q=a%26b".into())(3), "/l?q=a%26b&page=3");
    }
}
