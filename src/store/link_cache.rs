//! The KV side of the redirect: two small records that a click needs, in a compact text
//! form that decodes without a JSON parser.
//!
//! - `link:{code}`: the link's ids and whether it is active.
//! - `product:{product_id}`: where it goes (destination, the brand's click param) and
//!   whether the product is active. One record per product, so editing or withdrawing a
//!   product is one KV write however many links point at it.
//!
//! Rates are not here: a click's rate lock is the rate version in force at its time, taken
//! by the queue's consumer (`store::clicks`).
//!
//! On a click of a link that is not hot, `src/shim.mjs` reads these records (the keys from
//! [`link_key`] and [`product_key`], through `routes::redirect`) and Rust decodes them and
//! keeps them a few seconds (`store::hot_links`); Rust writes them here.

use super::Kv;
use super::StoreResult;
use worker::{console_error, worker_sys};

/// What the redirect needs to know about a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecord {
    pub active: bool,
    pub link_id: String,
    pub creator_id: String,
    pub brand_id: String,
    pub product_id: String,
    pub live_session_id: Option<String>,
    /// A Shopify brand's flash deal on this live link: the code its clicks apply until the
    /// end (epoch ms), through the store's discount link.
    pub deal: Option<(String, i64)>,
}

/// What the redirect needs to know about a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRecord {
    pub active: bool,
    pub click_param: String,
    pub destination: String,
}

const VERSION: &str = "1";
const SEP: char = '\t';

pub fn link_key(code: &str) -> String {
    format!("link:{code}")
}

/// The code in a [`link_key`].
pub fn code_of_link_key(key: &str) -> Option<&str> {
    key.strip_prefix("link:")
}

pub fn product_key(product_id: &str) -> String {
    format!("product:{product_id}")
}

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

fn parse_flag(s: &str) -> Option<bool> {
    match s {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

impl LinkRecord {
    pub fn encode(&self) -> String {
        let mut out = [
            VERSION,
            flag(self.active),
            &self.link_id,
            &self.creator_id,
            &self.brand_id,
            &self.product_id,
            self.live_session_id.as_deref().unwrap_or(""),
        ]
        .join("\t");
        if let Some((code, ends_at)) = &self.deal {
            out = format!("{out}{SEP}{code}{SEP}{ends_at}");
        }
        out
    }

    /// `None` for anything not written by [`LinkRecord::encode`] (treated as a cache miss).
    pub fn decode(s: &str) -> Option<LinkRecord> {
        let mut it = s.split(SEP);
        (it.next()? == VERSION).then_some(())?;
        let record = LinkRecord {
            active: parse_flag(it.next()?)?,
            link_id: it.next()?.to_string(),
            creator_id: it.next()?.to_string(),
            brand_id: it.next()?.to_string(),
            product_id: it.next()?.to_string(),
            live_session_id: Some(it.next()?).filter(|s| !s.is_empty()).map(str::to_string),
            deal: None,
        };
        let deal = match (it.next(), it.next(), it.next()) {
            (None, _, _) => None,
            (Some(code), Some(ends_at), None) => Some((code.to_string(), ends_at.parse().ok()?)),
            _ => return None,
        };
        Some(LinkRecord { deal, ..record })
    }
}

impl ProductRecord {
    pub fn encode(&self) -> String {
        // The destination goes last: it is the only field that could hold a tab (it can't
        // once parsed as a URL, but decoding doesn't rely on that).
        format!("{VERSION}{SEP}{}{SEP}{}{SEP}{}", flag(self.active), self.click_param, self.destination)
    }

    pub fn decode(s: &str) -> Option<ProductRecord> {
        let mut it = s.splitn(4, SEP);
        (it.next()? == VERSION).then_some(())?;
        Some(ProductRecord {
            active: parse_flag(it.next()?)?,
            click_param: it.next()?.to_string(),
            destination: it.next()?.to_string(),
        })
    }
}

/// Writes a record that a change saved in D1 depends on (a disable, a withdrawal, an edit):
/// until it lands the redirect keeps answering from the old record, so `Kv::put` retries it.
/// An error means the change is saved but the redirect may take it up late (when KV's copy
/// expires or is rewritten).
async fn put(kv: &Kv, key: &str, value: &str) -> StoreResult<()> {
    kv.put(key, value).await
}

pub async fn put_link(kv: &Kv, code: &str, r: &LinkRecord) -> StoreResult<()> {
    put(kv, &link_key(code), &r.encode()).await
}

pub async fn put_product(kv: &Kv, product_id: &str, r: &ProductRecord) -> StoreResult<()> {
    put(kv, &product_key(product_id), &r.encode()).await
}

/// Fills new records after the response: nothing is lost if it fails, since a KV miss
/// reads D1 and fills KV again (`routes::redirect`), so a create doesn't wait on it. The puts
/// run from JS inside `waitUntil` (no Rust future waits on them).
pub fn fill_after_response(ctx: &worker_sys::Context, kv: &Kv, entries: &[(String, String)]) {
    match serde_json::to_string(entries) {
        Ok(json) => super::kv::put_after_response(ctx, kv, &json),
        Err(e) => console_error!("KV fill not started: {e}"),
    }
}

/// The KV entry of a link's record, for [`fill_after_response`].
pub fn link_entry(code: &str, r: &LinkRecord) -> (String, String) {
    (link_key(code), r.encode())
}

/// The KV entry of a product's record, for [`fill_after_response`].
pub fn product_entry(product_id: &str, r: &ProductRecord) -> (String, String) {
    (product_key(product_id), r.encode())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(live: Option<&str>) -> LinkRecord {
        LinkRecord {
            active: true,
            link_id: "ln_1".into(),
            creator_id: "cr_1".into(),
            brand_id: "br_1".into(),
            product_id: "pr_1".into(),
            live_session_id: live.map(str::to_string),
            deal: None,
        }
    }

    #[test]
    fn link_keys_round_trip() {
        assert_eq!(code_of_link_key(&link_key("abc12345")), Some("abc12345"));
        assert_eq!(code_of_link_key("product:pr_1"), None);
    }

    #[test]
    fn link_records_round_trip() {
        let deal = LinkRecord { deal: Some(("MAYA10".into(), 1_700_000_000_000)), ..link(Some("ls_9")) };
        for r in [link(None), link(Some("ls_9")), LinkRecord { active: false, ..link(None) }, deal] {
            assert_eq!(LinkRecord::decode(&r.encode()), Some(r));
        }
        assert_eq!(link(None).encode(), "1\t1\tln_1\tcr_1\tbr_1\tpr_1\t");
        assert_eq!(LinkRecord::decode("1\t1\tln_1\tcr_1\tbr_1\tpr_1\tls_9\tMAYA10"), None);
        assert_eq!(LinkRecord::decode("1\t1\tln_1\tcr_1\tbr_1\tpr_1\tls_9\tMAYA10\tsoon"), None);
    }

    #[test]
    fn product_records_round_trip_with_any_destination() {
        let r = ProductRecord {
            active: true,
            click_param: "aff_click".into(),
            destination: "https://shop.example/p?a=1&b=2#frag".into(),
        };
        assert_eq!(ProductRecord::decode(&r.encode()), Some(r.clone()));
        let odd = ProductRecord { destination: "https://x.example/\ttab".into(), ..r };
        assert_eq!(ProductRecord::decode(&odd.encode()), Some(odd));
    }

    #[test]
    fn foreign_or_damaged_records_are_misses() {
        for bad in [
            "",
            "2\t1\tln\tcr\tbr\tpr\t",
            "1\tx\tln\tcr\tbr\tpr\t",
            "1\t1\tln\tcr",
            "1\t1\tln\tcr\tbr\tpr\t\textra",
            "{\"json\":1}",
        ] {
            assert_eq!(LinkRecord::decode(bad), None, "{bad:?}");
        }
        for bad in ["", "1\t1\taff", "0\t1\taff\thttps://x", "1\t2\taff\thttps://x"] {
            assert_eq!(ProductRecord::decode(bad), None, "{bad:?}");
        }
    }
}
