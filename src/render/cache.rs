//! Render once, compress once, serve many: each feed page's bytes with their gzip and brotli
//! twins, an ETag and a Last-Modified, kept until the store's generation moves on.
//!
//! Compressing a 100 KB feed per request caps even nginx at about 1,200 req/s on this machine,
//! against about 140,000 for precompressed bytes, so compression happens here and never in a
//! response layer. Rendering reads sled and compresses: call it off the async runtime.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{FeedPage, Format, atom, json_feed, rss};
use crate::config::Config;
use crate::model::FeedKey;
use crate::store::{Store, StoreError};

/// Pages past this are rendered per request and not kept: crawlers of deep history must not
/// grow the cache without bound.
pub const CACHED_PAGES: usize = 5;

/// Rendered bytes, ready to serve.
pub struct Rendered {
    /// The store generation it was rendered from.
    pub generation: u64,
    /// Strong validator: a hash of the identity bytes, so it changes exactly when they do.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    /// `last_modified` as an HTTP date, formatted once rather than per response.
    pub last_modified_http: String,
    pub content_type: &'static str,
    pub identity: Bytes,
    /// Empty when not precompressed (pages that are not cached).
    pub gzip: Bytes,
    pub brotli: Bytes,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no such feed or page")]
    NotFound,
    /// The page was there and was deleted on purpose (a Micropub delete).
    #[error("deleted")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a renderer hands the cache.
pub struct Body {
    pub bytes: Vec<u8>,
    pub last_modified: DateTime<Utc>,
    pub content_type: &'static str,
}

/// Which feed page: the feed, its format and the one-based page number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedRequest {
    pub feed: FeedKey,
    pub format: Format,
    pub page: usize,
}

/// What the cache holds: feed pages and HTML pages, by what identifies them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    Feed(FeedRequest),
    /// An HTML page, by its path and page number.
    Html(String, usize),
}

#[derive(Default)]
pub struct RenderCache {
    pages: RwLock<HashMap<CacheKey, Arc<Rendered>>>,
    /// One render at a time per key: after a change, the many requests that find a page stale
    /// wait for one render instead of each rendering and compressing it (measured by
    /// bench/load.sh: 200 clients rendering at once took 1 GB and 500 ms at p99).
    rendering: std::sync::Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl RenderCache {
    /// The cached bytes if they are still current: no store access at all.
    pub fn fresh(&self, key: &CacheKey, generation: u64) -> Option<Arc<Rendered>> {
        let pages = self.pages.read().expect("cache lock is never poisoned");
        pages
            .get(key)
            .filter(|page| page.generation == generation)
            .cloned()
    }

    /// The lock that lets one request render `key` while the others wait for its result.
    pub fn render_lock(&self, key: &CacheKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.rendering.lock().expect("never poisoned");
        locks.entry(key.clone()).or_default().clone()
    }

    /// Returns the current bytes for `key`, rendering (and caching) them when stale. Blocking:
    /// the renderer reads sled, and compression is CPU work.
    pub fn get_or_render(
        &self,
        key: &CacheKey,
        generation: u64,
        page: usize,
        render: impl FnOnce() -> Result<Body, RenderError>,
    ) -> Result<Arc<Rendered>, RenderError> {
        if let Some(rendered) = self.fresh(key, generation) {
            return Ok(rendered);
        }
        let cached = page <= CACHED_PAGES;
        let kind = match key {
            CacheKey::Feed(request) => request.format.extension(),
            CacheKey::Html(..) => "html",
        };
        metrics::counter!(crate::metrics::FEED_RENDERS, "kind" => kind).increment(1);
        let body = render()?;
        let rendered = Arc::new(finish(body, generation, cached));
        if cached {
            let mut pages = self.pages.write().expect("cache lock is never poisoned");
            pages.insert(key.clone(), rendered.clone());
        }
        Ok(rendered)
    }

    /// Renders (and caches) a feed page. `generation` must be read before the `config`
    /// snapshot was taken: a reload swaps the config and then moves the generation on, so bytes
    /// rendered from an old config can never be cached under a current generation.
    pub fn feed(
        &self,
        generation: u64,
        config: &Config,
        store: &Store,
        request: &FeedRequest,
    ) -> Result<Arc<Rendered>, RenderError> {
        let key = CacheKey::Feed(request.clone());
        self.get_or_render(&key, generation, request.page, || {
            render_feed_page(config, store, request)
        })
    }

    /// Forgets everything (the config changed: titles, regions, page size).
    pub fn clear(&self) {
        self.pages
            .write()
            .expect("cache lock is never poisoned")
            .clear();
    }
}

fn finish(body: Body, generation: u64, compress: bool) -> Rendered {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.bytes.hash(&mut hasher);
    let (gzip, brotli) = if compress {
        (gzip(&body.bytes), brotli(&body.bytes))
    } else {
        (Vec::new(), Vec::new())
    };
    Rendered {
        generation,
        etag: format!("\"{:016x}-{}\"", hasher.finish(), body.bytes.len()),
        last_modified: body.last_modified,
        last_modified_http: body
            .last_modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
        content_type: body.content_type,
        identity: Bytes::from(body.bytes),
        gzip: Bytes::from(gzip),
        brotli: Bytes::from(brotli),
    }
}

fn render_feed_page(
    config: &Config,
    store: &Store,
    request: &FeedRequest,
) -> Result<Body, RenderError> {
    if request.page == 0 {
        return Err(RenderError::NotFound);
    }
    let (name, title, html_url) = match &request.feed {
        FeedKey::All => (
            "all",
            config.site.title.clone(),
            config.site.base_url.to_string(),
        ),
        FeedKey::Region(slug) => {
            let region = config.region(slug).ok_or(RenderError::NotFound)?;
            (
                region.slug.as_str(),
                format!("{}: {}", config.site.title, region.name),
                format!("{}{}/", config.site.base_url, region.slug),
            )
        }
    };
    let page_size = config.publish.page_size;
    let page = store.page(&request.feed, (request.page - 1) * page_size, page_size)?;
    if request.page > 1 && page.entries.is_empty() {
        return Err(RenderError::NotFound);
    }
    let region_names: HashMap<String, String> = config
        .regions
        .iter()
        .map(|region| (region.slug.clone(), region.name.clone()))
        .collect();
    let feed_page = FeedPage {
        site: &config.site,
        name,
        title,
        description: config.site.subtitle.clone(),
        html_url,
        page: request.page,
        has_more: page.has_more,
        entries: &page.entries,
        region_names: &region_names,
        hub: config.publish.hub.as_ref().map(|hub| hub.as_str()),
    };
    let bytes = match request.format {
        Format::Rss => rss::render_rss(&feed_page),
        Format::Atom => atom::render_atom(&feed_page),
        Format::Json => json_feed::render_json_feed(&feed_page),
    };
    Ok(Body {
        bytes,
        last_modified: feed_page.updated(),
        content_type: request.format.content_type(),
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // Quality 9, not 11: within a few percent of 11's size at a fraction of its time, and the
    // publisher compresses every first page after every change.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}
