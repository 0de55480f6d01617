//! Hot links: the decoded KV records of links clicked in the last few seconds, kept in the
//! isolate, so that a viral link's clicks read no KV and decode nothing (Dub keeps such a
//! cache too).
//!
//! The price is staleness: a disabled link, a withdrawn product or an edited URL is seen by
//! an isolate that clicked the link at most [`TTL_MS`] late, on top of KV's own propagation
//! (the contract allows 10 s locally), and at once when the change was made through the
//! same isolate (`src/shim.mjs` calls [`forget_all`] on every API write). Only links that
//! redirect are kept: a disabled link's clicks read KV as before.

use super::link_cache::{LinkRecord, ProductRecord};
use crate::domain::destination::LocationTemplate;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// How long a kept link is used before KV is read again.
pub const TTL_MS: i64 = 5_000;
/// Links kept at most; when full, expired ones go, and if none has expired, all.
pub const MAX_LINKS: usize = 1_000;

/// A kept link: its two records, the product's Location but for the click id, and until
/// when they are used.
pub struct Hot {
    pub link: LinkRecord,
    pub product: ProductRecord,
    pub location: LocationTemplate,
    until: i64,
}

/// Links by code.
#[derive(Default)]
pub struct HotLinks(HashMap<String, Hot, BuildHasherDefault<Fnv>>);

/// FNV-1a: the codes kept are links that exist (at most [`MAX_LINKS`]), not what a clicker
/// sends, so a keyed hash (std's SipHash) would buy nothing but code in the wasm.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl HotLinks {
    /// The records of `code` if kept and not expired at `now`.
    pub fn get(&self, code: &str, now: i64) -> Option<&Hot> {
        self.0.get(code).filter(|h| now < h.until)
    }

    /// Keeps `code`'s records from `now` for [`TTL_MS`].
    pub fn put(&mut self, code: &str, link: LinkRecord, product: ProductRecord, location: LocationTemplate, now: i64) {
        if self.0.len() >= MAX_LINKS && !self.0.contains_key(code) {
            self.0.retain(|_, h| now < h.until);
            if self.0.len() >= MAX_LINKS {
                // 1,000 links clicked within the TTL: start over (each is read from KV
                // once more) rather than keep an order of insertion for every click.
                self.0.clear();
            }
        }
        self.0.insert(code.to_string(), Hot { link, product, location, until: now + TTL_MS });
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

thread_local! {
    static HOT: RefCell<HotLinks> = RefCell::new(HotLinks::default());
}

/// Runs `f` on this isolate's hot links; `None` if they are in use (a re-entrant call,
/// which the redirect never makes: then it reads KV).
pub fn with<R>(f: impl FnOnce(&mut HotLinks) -> R) -> Option<R> {
    HOT.with(|h| h.try_borrow_mut().ok().map(|mut h| f(&mut h)))
}

/// Forgets every kept link (after a write through this isolate).
pub fn forget_all() {
    with(HotLinks::clear);
}

#[cfg(test)]
mod tests {
    use super::*;

    impl HotLinks {
        fn len(&self) -> usize {
            self.0.len()
        }
    }

    fn records(n: u32) -> (LinkRecord, ProductRecord, LocationTemplate) {
        let link = LinkRecord {
            active: true,
            link_id: format!("ln_{n}"),
            creator_id: "cr_1".into(),
            brand_id: "br_1".into(),
            product_id: "pr_1".into(),
            live_session_id: None,
            deal: None,
        };
        let product =
            ProductRecord { active: true, click_param: "aff".into(), destination: "https://shop.example/p".into() };
        let location = LocationTemplate::new(&product.destination, &product.click_param).unwrap();
        (link, product, location)
    }

    #[test]
    fn a_kept_link_expires_after_the_ttl() {
        let mut hot = HotLinks::default();
        let (l, p, t) = records(1);
        hot.put("abc", l, p, t, 1_000);
        assert_eq!(hot.get("abc", 1_000).map(|h| h.link.link_id.as_str()), Some("ln_1"));
        assert!(hot.get("abc", 1_000 + TTL_MS - 1).is_some());
        assert!(hot.get("abc", 1_000 + TTL_MS).is_none());
        assert!(hot.get("other", 1_000).is_none());
        hot.clear();
        assert!(hot.get("abc", 1_000).is_none());
    }

    #[test]
    fn a_full_cache_drops_expired_links_or_else_all() {
        let mut hot = HotLinks::default();
        for n in 0..MAX_LINKS as u32 {
            let (l, p, t) = records(n);
            hot.put(&format!("c{n}"), l, p, t, i64::from(n));
        }
        assert_eq!(hot.len(), MAX_LINKS);
        // Keeping a kept link again refreshes it without dropping anything.
        let (l, p, t) = records(1);
        hot.put("c1", l, p, t, 2_000);
        assert_eq!(hot.len(), MAX_LINKS);
        // Only c0…c999 but c1 have expired by then: they go, c1 stays.
        let (l, p, t) = records(7);
        hot.put("new", l, p, t, 6_500);
        assert_eq!(hot.len(), 2);
        assert!(hot.get("c1", 6_500).is_some() && hot.get("new", 6_500).is_some() && hot.get("c2", 6_500).is_none());
        // Full of live links: all go, the new one is kept.
        let mut hot = HotLinks::default();
        for n in 0..MAX_LINKS as u32 {
            let (l, p, t) = records(n);
            hot.put(&format!("c{n}"), l, p, t, 0);
        }
        let (l, p, t) = records(9);
        hot.put("new", l, p, t, 1);
        assert_eq!(hot.len(), 1);
        assert!(hot.get("new", 1).is_some());
    }
}
