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
use std::time::Duration;

use axum::http::HeaderValue;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{FeedPage, Format};
use crate::config::Config;
use crate::model::FeedKey;
use crate::store::{Cursor, PageStart, Store, StoreError};
use crate::urls::SitePage;

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
    /// `last_modified` is a second that had ended when these bytes were rendered, so another
    /// change cannot share it: only then is If-Modified-Since of that very second a match.
    pub last_modified_settled: bool,
    /// See [`Body::provisional`].
    pub provisional: bool,
    pub content_type: &'static str,
    /// The response headers, built once per render rather than once per response.
    pub headers: Headers,
    pub identity: Bytes,
    /// Empty when not precompressed (pages that are not cached).
    pub gzip: Bytes,
    pub brotli: Bytes,
}

/// The header values of one render: serving a cached page copies them and formats nothing
/// (measured by bench/serve.sh: formatting them per response was a share of a 304's cost).
pub struct Headers {
    /// The strong ETag of each representation: identity, gzip, brotli.
    pub etag: [HeaderValue; 3],
    pub last_modified: HeaderValue,
    /// The second after `last_modified`: what an unsettled Last-Modified becomes once that
    /// second is over (see [`Rendered::last_modified_at`]).
    pub settled: HeaderValue,
    pub cache_control: HeaderValue,
    pub content_type: HeaderValue,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no such feed or page")]
    NotFound,
    /// The feed or page exists, but has fewer pages than asked for.
    #[error("there is no page {0}: the pages run out before it")]
    PastEnd(usize),
    /// The page was there and was deleted on purpose (a Micropub delete).
    #[error("deleted")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Rendered {
    /// Last-Modified as sent at `now` (in Unix seconds): the time, its HTTP date, and whether
    /// If-Modified-Since of that very second may match. Bytes that changed within the second
    /// their Last-Modified names say so only while that second lasts; after it, they say the
    /// next second, when they were certainly current, so If-Modified-Since works for them again.
    pub fn last_modified_at(&self, now: i64) -> (i64, &HeaderValue, bool) {
        let modified = self.last_modified.timestamp();
        if self.last_modified_settled || now <= modified {
            (
                modified,
                &self.headers.last_modified,
                self.last_modified_settled,
            )
        } else {
            (modified + 1, &self.headers.settled, true)
        }
    }
}

/// What a renderer hands the cache.
pub struct Body {
    pub bytes: Vec<u8>,
    pub last_modified: DateTime<Utc>,
    pub content_type: &'static str,
    /// Rendered while the store had writes not yet committed (a refresh half way through its
    /// entries): such bytes never hold back the Last-Modified of the next render.
    pub provisional: bool,
}

/// Which feed page: the feed, its format and the one-based page number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedRequest {
    pub feed: FeedKey,
    pub format: Format,
    pub page: usize,
    /// The cursor of a deep page's `next` link (`&after=`): the page starts right after it.
    pub after: Option<Cursor>,
}

/// What the cache holds: feed pages and HTML pages, by what identifies them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    Feed(FeedRequest),
    /// An HTML page of the site.
    Page(SitePage),
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

    /// Waits for the turn to render `key`: one request renders while the others for the same
    /// key wait for its result. The lock lives only while someone holds or awaits it, so
    /// requests for paths that never exist leave nothing behind (issue 11: 20,000 unknown paths
    /// kept 81 MB of locks).
    pub async fn render_turn(&self, key: &CacheKey) -> RenderTurn<'_> {
        let lock = {
            let mut locks = self.rendering.lock().expect("never poisoned");
            locks.entry(key.clone()).or_default().clone()
        };
        // Built before the wait, so a request dropped while waiting still cleans up.
        let mut turn = RenderTurn {
            cache: self,
            key: key.clone(),
            lock,
            guard: None,
        };
        turn.guard = Some(turn.lock.clone().lock_owned().await);
        turn
    }

    /// How many keys have a render lock now: none once every request is answered.
    pub fn render_locks(&self) -> usize {
        self.rendering.lock().expect("never poisoned").len()
    }

    /// Returns the current bytes for `key`, rendering (and caching) them when stale. Blocking:
    /// the renderer reads sled, and compression is CPU work.
    pub fn get_or_render(
        &self,
        key: &CacheKey,
        generation: u64,
        page: usize,
        max_age: Duration,
        render: impl FnOnce() -> Result<Body, RenderError>,
    ) -> Result<Arc<Rendered>, RenderError> {
        if let Some(rendered) = self.fresh(key, generation) {
            return Ok(rendered);
        }
        let cached = page <= CACHED_PAGES;
        let kind = match key {
            CacheKey::Feed(request) => request.format.extension(),
            CacheKey::Page(_) => "html",
        };
        metrics::counter!(crate::metrics::FEED_RENDERS, "kind" => kind).increment(1);
        let body = render()?;
        // The stale bytes of this key (any generation) keep Last-Modified honest.
        let previous = self
            .pages
            .read()
            .expect("cache lock is never poisoned")
            .get(key)
            .cloned();
        let rendered = Arc::new(finish(
            body,
            generation,
            cached,
            max_age,
            previous.as_deref(),
        ));
        if cached {
            let mut pages = self.pages.write().expect("cache lock is never poisoned");
            pages.insert(key.clone(), rendered.clone());
        }
        Ok(rendered)
    }

    /// Renders (and caches) a page of the site; `generation` as for [`RenderCache::feed`].
    pub fn page(
        &self,
        generation: u64,
        config: &Config,
        store: &Store,
        page: &SitePage,
    ) -> Result<Arc<Rendered>, RenderError> {
        let key = CacheKey::Page(page.clone());
        let max_age = config.publish.max_age;
        self.get_or_render(&key, generation, page.page_number(), max_age, || {
            let body = super::site::render_page(config, store, page)?;
            Ok(Body {
                provisional: store.has_uncommitted() || store.generation() != generation,
                ..body
            })
        })
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
        let max_age = config.publish.max_age;
        // A page asked for by cursor is never kept: any cursor is a key.
        let page = match request.after {
            Some(_) => usize::MAX,
            None => request.page,
        };
        self.get_or_render(&key, generation, page, max_age, || {
            let body = render_feed_page(config, store, request)?;
            Ok(Body {
                provisional: store.has_uncommitted() || store.generation() != generation,
                ..body
            })
        })
    }
}

/// The turn to render one key; see [`RenderCache::render_turn`].
pub struct RenderTurn<'a> {
    cache: &'a RenderCache,
    key: CacheKey,
    lock: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for RenderTurn<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut locks = self.cache.rendering.lock().expect("never poisoned");
        // Every other holder or waiter cloned the lock under this mutex: the map's copy and
        // ours are the only ones left when nobody else wants it.
        if Arc::strong_count(&self.lock) == 2 {
            locks.remove(&self.key);
        }
    }
}

/// Last-Modified is when the bytes last changed (RFC 9110 8.8.2), not the newest `updated`
/// inside them: that drops when an entry is deleted, and a client sending only
/// If-Modified-Since would then keep the deleted entry (issue 11). So the same bytes keep the
/// previous value; different bytes never get a value earlier than or equal to the previous
/// one (they get the time of the render); and nothing is ever later than now. Also returns
/// whether that second had ended at the change (see [`Rendered::last_modified_settled`]).
fn last_modified(
    newest_inside: DateTime<Utc>,
    etag: &str,
    previous: Option<&Rendered>,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, bool) {
    let settled = |time: DateTime<Utc>| (time, time.timestamp() < now.timestamp());
    let newest_inside = newest_inside.min(now);
    match previous {
        Some(previous) if previous.etag == etag => {
            (previous.last_modified, previous.last_modified_settled)
        }
        Some(previous) if newest_inside.timestamp() <= previous.last_modified.timestamp() => {
            settled(now.max(previous.last_modified))
        }
        _ => settled(newest_inside),
    }
}

/// How many entries come before page `page` (one-based) of `size` entries; a page number so
/// large that the product overflows is past the end of any feed (issue 11: it wrapped to 0).
pub fn page_offset(page: usize, size: usize) -> Result<usize, RenderError> {
    page.checked_sub(1)
        .and_then(|before| before.checked_mul(size))
        .ok_or(RenderError::PastEnd(page))
}

fn finish(
    body: Body,
    generation: u64,
    compress: bool,
    max_age: Duration,
    previous: Option<&Rendered>,
) -> Rendered {
    let etag = etag_of(&body.bytes);
    let now = Utc::now();
    // A provisional render (made mid-refresh) is not a value that later bytes must follow.
    let previous = previous.filter(|previous| !previous.provisional);
    let (last_modified, last_modified_settled) =
        last_modified(body.last_modified, &etag, previous, now);
    let (gzip, brotli) = if compress {
        (gzip(&body.bytes), brotli(&body.bytes))
    } else {
        (Vec::new(), Vec::new())
    };
    let quoted = etag.trim_end_matches('"');
    let headers = Headers {
        etag: [
            header_value(etag.clone()),
            header_value(format!("{quoted}-gzip\"")),
            header_value(format!("{quoted}-br\"")),
        ],
        last_modified: header_value(httpdate::fmt_http_date(last_modified.into())),
        settled: header_value(httpdate::fmt_http_date(
            (last_modified + chrono::Duration::seconds(1)).into(),
        )),
        cache_control: header_value(format!("public, max-age={}", max_age.as_secs())),
        content_type: HeaderValue::from_static(body.content_type),
    };
    Rendered {
        generation,
        etag,
        last_modified,
        last_modified_settled,
        provisional: body.provisional,
        content_type: body.content_type,
        headers,
        identity: Bytes::from(body.bytes),
        gzip: Bytes::from(gzip),
        brotli: Bytes::from(brotli),
    }
}

/// The strong ETag of `bytes`: a hash and the length.
fn etag_of(bytes: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("\"{:016x}-{}\"", hasher.finish(), bytes.len())
}

/// The ETag a feed page would be served with now, rendered and neither compressed nor kept:
/// how the publisher learns whether a feed that few ask for changed (to tell the WebSub hub)
/// without holding its bytes. Blocking, as [`RenderCache::feed`].
pub fn feed_etag(
    config: &Config,
    store: &Store,
    request: &FeedRequest,
) -> Result<String, RenderError> {
    render_feed_page(config, store, request).map(|body| etag_of(&body.bytes))
}

/// Validators, dates and `public, max-age=N` are visible ASCII.
fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).expect("validators and dates are visible ASCII")
}

fn render_feed_page(
    config: &Config,
    store: &Store,
    request: &FeedRequest,
) -> Result<Body, RenderError> {
    if request.page == 0 {
        return Err(RenderError::NotFound);
    }
    let base = &config.site.base_url;
    let (title, html_url) = match &request.feed {
        FeedKey::All => (config.site.title.clone(), base.to_string()),
        FeedKey::Region(slug) => {
            let region = config.region(slug).ok_or(RenderError::NotFound)?;
            (
                format!("{}: {}", config.site.title, region.name),
                crate::urls::region_url(base, &region.slug),
            )
        }
        FeedKey::Author(key) => {
            let author = config.authors.get(key).ok_or(RenderError::NotFound)?;
            (
                format!("{}: {}", config.site.title, author.name),
                crate::urls::author_url(base, key),
            )
        }
        FeedKey::Tag(slug) => (
            format!("{}: #{slug}", config.site.title),
            crate::urls::tag_url(base, slug),
        ),
        FeedKey::Source { slug, .. } => {
            let source = config.source_by_slug(slug).ok_or(RenderError::NotFound)?;
            (
                format!("{}: {}", config.site.title, source.name),
                crate::urls::source_url(base, slug),
            )
        }
        FeedKey::Stories(None) => (format!("{}: stories", config.site.title), base.to_string()),
        FeedKey::Stories(Some(slug)) => {
            let region = config.region(slug).ok_or(RenderError::NotFound)?;
            (
                format!("{}: {} stories", config.site.title, region.name),
                crate::urls::region_url(base, &region.slug),
            )
        }
    };
    let name = request.feed.name();
    let name = name.as_str();
    let page_size = config.publish.page_size;
    let start = match request.after {
        Some(cursor) => PageStart::After(cursor),
        None => PageStart::Skip(page_offset(request.page, page_size)?),
    };
    let (page, story_links) = match &request.feed {
        FeedKey::Stories(region) => {
            let stories = store.story_page(
                region.as_deref(),
                start,
                page_size,
                super::stories::ITEM_REPORTS,
            )?;
            let mut links = super::StoryLinks::default();
            let mut entries = Vec::with_capacity(stories.stories.len());
            for story in &stories.stories {
                let (item, related) = super::stories::story_item(config, story);
                links.related.insert(item.id, related);
                entries.push(item);
            }
            let page = crate::store::Page {
                entries,
                has_more: stories.has_more,
                next: stories.next,
            };
            (page, links)
        }
        feed => {
            let page = store.page_from(feed, start, page_size)?;
            let links = super::stories::story_links(config, store, &page.entries)?;
            (page, links)
        }
    };
    if request.page > 1 && page.entries.is_empty() {
        return Err(RenderError::PastEnd(request.page));
    }
    // Any word names a tag: only tags with entries exist, so unknown ones leave nothing cached.
    if matches!(request.feed, FeedKey::Tag(_)) && page.entries.is_empty() {
        return Err(RenderError::NotFound);
    }
    let region_names = config.region_names();
    let feed_page = FeedPage {
        site: &config.site,
        name,
        title,
        description: config.site.subtitle.clone(),
        html_url,
        page: request.page,
        has_more: page.has_more,
        // Pages up to CACHED_PAGES link by number (each is rendered once per change); past
        // them, by cursor.
        next_after: page.next.filter(|_| request.page >= CACHED_PAGES),
        entries: &page.entries,
        region_names: &region_names,
        hub: config.publish.hub.as_ref().map(|hub| hub.as_str()),
        address: None,
        story_links: Some(&story_links),
    };
    let bytes = request.format.render(&feed_page);
    Ok(Body {
        bytes,
        last_modified: feed_page.updated(),
        content_type: request.format.content_type(),
        provisional: false,
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    // Quality 6: the publisher compresses every first page after every change, and the first
    // request after a change waits for it. Qualities 7-9 hash into a zeroed table of 8-32 MiB
    // per call; glibc maps the 32 MiB one afresh each time, so quality 9 spent most of its
    // 15 ms a feed faulting it in. Quality 6's table is 2 MiB: 4-8x faster on feeds of
    // 20-200 KB, 2-4% more bytes than 9, still 12% fewer than gzip (issue 18, seventh pass).
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, hour, 0, 0).unwrap()
    }

    fn rendered(etag: &str, last_modified: DateTime<Utc>) -> Rendered {
        finish(
            Body {
                bytes: etag.as_bytes().to_vec(),
                last_modified,
                content_type: "text/plain",
                provisional: false,
            },
            1,
            false,
            Duration::ZERO,
            None,
        )
    }

    /// Regression (issue 11, 6): Last-Modified went backwards when an entry was deleted and
    /// ahead of the clock with a post dated 2999.
    #[test]
    fn last_modified_never_goes_back_for_new_bytes_nor_past_now() {
        let now = at(12);
        let previous = rendered("a", at(10));
        let etag = previous.etag.clone();
        // The same bytes keep their time, whatever is inside them.
        assert_eq!(
            last_modified(at(11), &etag, Some(&previous), now),
            (at(10), true)
        );
        // New bytes whose newest entry is older (a deletion): the time of the change.
        assert_eq!(
            last_modified(at(9), "\"b\"", Some(&previous), now),
            (now, false)
        );
        // New bytes with a newer entry: that entry's time.
        assert_eq!(
            last_modified(at(11), "\"b\"", Some(&previous), now),
            (at(11), true)
        );
        // Never in the future.
        let far = Utc.with_ymd_and_hms(2999, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(last_modified(far, "\"b\"", None, now), (now, false));
        assert_eq!(
            last_modified(far, "\"b\"", Some(&previous), now),
            (now, false)
        );
        // A change within the second: unsettled, and it stays so for the same bytes.
        assert_eq!(last_modified(now, "\"c\"", None, now), (now, false));
        let mut changed = rendered("c", now);
        changed.last_modified_settled = false;
        let later = now + chrono::Duration::seconds(5);
        assert_eq!(
            last_modified(now, &changed.etag, Some(&changed), later),
            (now, false)
        );
    }

    #[test]
    fn page_offsets_are_checked() {
        assert_eq!(page_offset(1, 50).unwrap(), 0);
        assert_eq!(page_offset(3, 50).unwrap(), 100);
        assert!(matches!(
            page_offset(usize::MAX, 50),
            Err(RenderError::PastEnd(usize::MAX))
        ));
        assert!(matches!(page_offset(0, 50), Err(RenderError::PastEnd(0))));
    }
}
