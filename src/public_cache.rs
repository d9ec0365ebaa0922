//! A short-lived cache of what public pages show (the sponsors visible today, a slot's
//! sponsors…), shared by every request to this instance. Public pages are read far more
//! often than staff change anything, and browsers may already keep them for a minute, so a
//! few seconds of staleness costs nothing and spares the database a query per view.
//! Keys carry the day, so nothing from yesterday is served after midnight.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppResult;

/// Entries kept at most; past this, expired ones go, then everything.
const MAX_ENTRIES: usize = 5_000;

type Entry = (Instant, Arc<dyn Any + Send + Sync>);

pub struct PublicCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl PublicCache {
    /// A cache that keeps values for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> PublicCache {
        PublicCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value for `key`, or the one `build` makes (cached when it succeeds).
    /// When a value expires, the first request to notice rebuilds it while the others keep
    /// getting the old one for a moment, so a busy page is never rebuilt by every request
    /// at once.
    pub async fn get_or_build<T, F>(&self, key: String, build: F) -> AppResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = AppResult<T>>,
    {
        if self.ttl.is_zero() {
            return build.await;
        }
        let stale = match self.lookup::<T>(&key) {
            Lookup::Fresh(v) => return Ok(v),
            Lookup::Stale(v) => Some(v),
            Lookup::Missing => None,
        };
        let value = match build.await {
            Ok(v) => v,
            // Better the value of a few seconds ago than an error page.
            Err(e) => return stale.ok_or(e),
        };
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                let ttl = self.ttl;
                map.retain(|_, (at, _)| at.elapsed() < ttl);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), Arc::new(value.clone())));
        }
        Ok(value)
    }

    fn lookup<T: Clone + 'static>(&self, key: &str) -> Lookup<T> {
        let Ok(mut map) = self.entries.lock() else {
            return Lookup::Missing;
        };
        let Some((at, v)) = map.get_mut(key) else {
            return Lookup::Missing;
        };
        let Some(value) = v.downcast_ref::<T>().cloned() else {
            return Lookup::Missing;
        };
        let age = at.elapsed();
        if age < self.ttl {
            Lookup::Fresh(value)
        } else if age < self.ttl * 6 {
            // Claim the rebuild: others see it fresh until we store the new value.
            *at = Instant::now();
            Lookup::Stale(value)
        } else {
            Lookup::Missing
        }
    }
}

enum Lookup<T> {
    Fresh(T),
    Stale(T),
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn caches_successes_for_the_ttl_only() {
        let cache = PublicCache::new(Duration::from_millis(200));
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let build = || async {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, crate::error::AppError>(vec![1, 2, 3])
        };
        assert_eq!(
            cache.get_or_build("k".into(), build()).await.unwrap(),
            vec![1, 2, 3]
        );
        assert_eq!(
            cache.get_or_build("k".into(), build()).await.unwrap(),
            vec![1, 2, 3]
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        std::thread::sleep(Duration::from_millis(250));
        cache.get_or_build("k".into(), build()).await.unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
        // Errors are not cached.
        let failing = cache
            .get_or_build::<Vec<i32>, _>("e".into(), async {
                Err(crate::error::AppError::NotFound)
            })
            .await;
        assert!(failing.is_err());
        // After expiry one caller rebuilds; a caller at the same moment gets the old value.
        let slow = PublicCache::new(Duration::from_millis(100));
        slow.get_or_build("s".into(), async { Ok::<_, crate::error::AppError>(1) })
            .await
            .unwrap();
        std::thread::sleep(Duration::from_millis(150));
        assert!(
            matches!(slow.lookup::<i32>("s"), Lookup::Stale(1)),
            "the first to notice rebuilds"
        );
        assert!(
            matches!(slow.lookup::<i32>("s"), Lookup::Fresh(1)),
            "the others get the old value meanwhile"
        );
        // A failed rebuild falls back to the old value.
        std::thread::sleep(Duration::from_millis(150));
        let v = slow
            .get_or_build::<i32, _>("s".into(), async { Err(crate::error::AppError::NotFound) })
            .await;
        assert_eq!(v.unwrap(), 1);
        let off = PublicCache::new(Duration::ZERO);
        off.get_or_build("k".into(), build()).await.unwrap();
        off.get_or_build("k".into(), build()).await.unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
    }
}
