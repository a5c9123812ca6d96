//! How the store and the renderer scale with the number of entries.
//!
//! Fills a store in a temporary folder with synthetic entries (1,000 sources in 2 regions, ~1 KB
//! of HTML content each), committing every 1,000, and at each checkpoint (default 1k, 10k, 100k
//! entries) measures, as medians of `REPS` (default 20) runs:
//!
//! - page 1 of `all` in Atom through a fresh `RenderCache` each time (render + gzip + brotli,
//!   as the daemon does on the first request after a store change);
//! - its parts: reading the 50 entries (`Store::page`), and compressing the rendered bytes
//!   (`RenderCache::get_or_render` of the same bytes as a cached page minus as an uncached one);
//! - page 6 (the first page rendered without precompression) and page 100, each asked for two
//!   ways: `?page=N` (skips (N-1) x 50 keys) and by the cursor its link from page N-1 carries
//!   (`&after=`, how a subscriber walking the archive reaches it);
//! - reopening the store (drop every handle, `Store::open`), median of 3;
//! - the store's size on disk and the process's RSS;
//! - the daemon's RSS on that store, idle after start: `islands serve` (the release binary
//!   beside this example, or `ISLANDS_BIN`) started twice, the first time to do its start-up
//!   work (grouping the bench's entries into stories), the second measured once it has used no
//!   CPU for a second; at the last checkpoint also with `[store] cache_mb` at 16 and 256, and,
//!   when `ISLANDS_BIN_BASE` names another build, that build's on the same store (a baseline
//!   side by side).
//!
//! The headline is page 1 at the largest checkpoint against page 1 at the smallest: a page
//! should cost the page, not the store, so the ratio should be about 1.
//!
//!     cargo run --release --example bench_scale [-- CHECKPOINT...]   # e.g. -- 1000 10000 100000

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use islands::config::Config;
use islands::model::{Attribution, Entry, EntryId, FeedKey, SourceId};
use islands::render::Format;
use islands::render::cache::{Body, CACHED_PAGES, CacheKey, FeedRequest, RenderCache};
use islands::store::Store;

#[path = "support/measure.rs"]
mod measure;
use measure::{disk_usage, free_port, idle_daemon_rss_kb, islands_bin, status_kb};

const SOURCES: usize = 1000;
const REPS: usize = 20;
const BATCH: usize = 1000;

/// A folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = Utc::now().timestamp_subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "islands-bench-scale-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create the temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Checkpoint {
    entries: usize,
    fill_per_s: f64,
    page1: Duration,
    store_page: Duration,
    compress: Duration,
    page1_bytes: usize,
    page6: Option<Duration>,
    page100: Option<Duration>,
    page6_cursor: Option<Duration>,
    page100_cursor: Option<Duration>,
    reopen: Duration,
    disk_bytes: u64,
    rss_kb: u64,
    /// The daemon's VmRSS, idle after a restart, with the default cache_mb.
    daemon_rss_kb: Option<u64>,
}

/// The idle VmRSS of daemon `bin` after a restart on the store in `dir`, with `cache_mb`.
fn daemon_rss(bin: &Path, dir: &Path, cache_mb: u64) -> Option<u64> {
    let port = free_port();
    let config = CONFIG
        .replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        )
        .replace(
            "path = \"store\"",
            &format!("path = \"store\"\ncache_mb = {cache_mb}"),
        )
        // The daemon fetches every source at start: refused at once on 127.0.0.1:9, never a
        // DNS lookup.
        .replace("url = \"http://news", "url = \"http://127.0.0.1:9/news");
    let path = dir.join("daemon.toml");
    std::fs::write(&path, config).expect("write daemon.toml");
    let deadline = Duration::from_secs(900);
    idle_daemon_rss_kb(bin, &path, port, deadline)?;
    idle_daemon_rss_kb(bin, &path, port, deadline)
}

fn main() {
    let checkpoints: Vec<usize> = {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .map(|a| a.parse().expect("checkpoints are entry counts"))
            .collect();
        if args.is_empty() {
            vec![1_000, 10_000, 100_000]
        } else {
            args
        }
    };
    let dir = TempDir::new();
    let config_path = dir.0.join("feeds.toml");
    std::fs::write(&config_path, CONFIG).expect("write feeds.toml");
    let config = Config::from_toml(&config_path, CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let store_path = config.store.path.clone();
    let cache_bytes = config.store.cache_capacity_bytes;
    let mut store = Some(Store::open(&store_path, cache_bytes).expect("open the store"));

    let base = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let mut results = Vec::new();
    let mut filled = 0;
    let mut cache_sweep = Vec::new();
    let mut base_rss = None;
    for &target in &checkpoints {
        let started = Instant::now();
        let added = target.saturating_sub(filled);
        {
            let store = store.as_ref().expect("open");
            while filled < target {
                store.put(&entry(filled, base)).expect("put an entry");
                filled += 1;
                if filled % BATCH == 0 {
                    store.commit().expect("commit");
                }
            }
            store.commit().expect("commit");
        }
        let fill_per_s = added as f64 / started.elapsed().as_secs_f64();
        eprintln!(
            "{target} entries (filled at {fill_per_s:.0} entries/s); measuring (RSS {} kB)",
            status_kb("VmRSS")
        );
        let (mut checkpoint, reopened) = measure(
            &config,
            store.take().expect("open"),
            &store_path,
            cache_bytes,
            target,
            fill_per_s,
        );
        // The daemon opens the store itself: sled allows one process at a time.
        drop(reopened);
        let default_mb = cache_bytes >> 20;
        eprintln!("{target} entries: the daemon's idle RSS (cache_mb = {default_mb})");
        checkpoint.daemon_rss_kb = daemon_rss(&islands_bin(), &dir.0, default_mb);
        if Some(&target) == checkpoints.last() {
            for mb in [16, 256] {
                eprintln!("{target} entries: the daemon's idle RSS (cache_mb = {mb})");
                cache_sweep.push((mb, daemon_rss(&islands_bin(), &dir.0, mb)));
            }
            if let Some(base) = std::env::var_os("ISLANDS_BIN_BASE") {
                eprintln!(
                    "{target} entries: the baseline daemon's idle RSS (cache_mb = {default_mb})"
                );
                base_rss = daemon_rss(Path::new(&base), &dir.0, default_mb);
            }
            cache_sweep.push((default_mb, checkpoint.daemon_rss_kb));
            cache_sweep.sort();
        }
        store = Some(Store::open(&store_path, cache_bytes).expect("reopen the store"));
        results.push(checkpoint);
    }
    let page1 = RenderCache::default()
        .feed(
            store.as_ref().expect("open").generation(),
            &config,
            store.as_ref().expect("open"),
            &FeedRequest {
                feed: FeedKey::All,
                format: Format::Atom,
                page: 1,
                after: None,
            },
        )
        .expect("page 1");
    drop(store);

    report(&results);
    if let Some(last) = results.last() {
        println!();
        println!(
            "daemon idle RSS at {} entries by `[store] cache_mb`:",
            last.entries
        );
        println!("| cache_mb | daemon RSS MiB |");
        println!("|---:|---:|");
        for (mb, kb) in &cache_sweep {
            let mib = kb.map_or("n/a".to_string(), |kb| format!("{:.1}", kb as f64 / 1024.0));
            println!("| {mb} | {mib} |");
        }
        if let (Some(base), Some(new)) = (base_rss, last.daemon_rss_kb) {
            println!();
            println!(
                "daemon idle RSS against the `ISLANDS_BIN_BASE` daemon on the same store: {:.1} / {:.1} MiB = {:.2}",
                new as f64 / 1024.0,
                base as f64 / 1024.0,
                new as f64 / base as f64
            );
        }
    }
    compression_breakdown(&page1.identity);
}

/// What each codec setting costs on one page 1, compressed here with the same crates: the
/// cache's own settings are in `src/render/cache.rs` (gzip "best" = 9; brotli quality 6,
/// window 22).
fn compression_breakdown(bytes: &[u8]) {
    use std::io::Write;
    let gzip = |level: u32| {
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        encoder.write_all(bytes).expect("writing to memory");
        encoder.finish().expect("writing to memory").len()
    };
    let brotli = |quality: i32, lgwin: i32| {
        let params = brotli::enc::BrotliEncoderParams {
            quality,
            lgwin,
            ..Default::default()
        };
        let mut out = Vec::new();
        brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
        out.len()
    };
    println!();
    println!(
        "compression of page 1 ({} bytes), median of {REPS}:",
        bytes.len()
    );
    println!("| codec | ms | bytes |");
    println!("|---|---:|---:|");
    let row = |name: &str, run: &dyn Fn() -> usize| {
        let mut size = 0;
        let time = median_of(REPS, || {
            let started = Instant::now();
            size = run();
            started.elapsed()
        });
        println!("| {name} | {:.3} | {size} |", time.as_secs_f64() * 1e3);
    };
    row("gzip level 9", &|| gzip(9));
    row("gzip level 6", &|| gzip(6));
    row("brotli q11 lgwin22", &|| brotli(11, 22));
    row("brotli q9 lgwin22", &|| brotli(9, 22));
    row("brotli q8 lgwin22", &|| brotli(8, 22));
    row("brotli q6 lgwin22", &|| brotli(6, 22));
    row("brotli q5 lgwin22", &|| brotli(5, 22));
}

fn measure(
    config: &Config,
    store: Store,
    store_path: &Path,
    cache_bytes: u64,
    entries: usize,
    fill_per_s: f64,
) -> (Checkpoint, Store) {
    let request = |page| FeedRequest {
        feed: FeedKey::All,
        format: Format::Atom,
        page,
        after: None,
    };
    let page_size = config.publish.page_size;
    // Page N as its link from page N - 1 asks for it: by the cursor of that page's last entry.
    let by_cursor = |page: usize| FeedRequest {
        after: store
            .page(&FeedKey::All, (page - 2) * page_size, page_size)
            .expect("the page before")
            .next,
        ..request(page)
    };

    // Warm sled's cache the way a running daemon's would be, then time.
    let first = RenderCache::default()
        .feed(store.generation(), config, &store, &request(1))
        .expect("render page 1");
    let page1_bytes = first.identity.len();
    let page1 = median_of(REPS, || {
        let cache = RenderCache::default();
        let started = Instant::now();
        let rendered = cache
            .feed(store.generation(), config, &store, &request(1))
            .expect("page 1");
        let elapsed = started.elapsed();
        std::hint::black_box(rendered);
        elapsed
    });
    let store_page = median_of(REPS, || {
        let started = Instant::now();
        let page = store.page(&FeedKey::All, 0, page_size).expect("a page");
        let elapsed = started.elapsed();
        assert_eq!(page.entries.len(), page_size.min(entries));
        elapsed
    });
    // The same bytes through the cache as a cached page (hash + gzip + brotli) and as an
    // uncached one (hash only): the difference is what precompression costs.
    let bytes = first.identity.to_vec();
    let finish = |page: usize| {
        median_of(REPS, || {
            let cache = RenderCache::default();
            let key = CacheKey::Feed(request(page));
            let body = bytes.clone();
            let started = Instant::now();
            let rendered = cache
                .get_or_render(&key, store.generation(), page, Duration::ZERO, || {
                    Ok(Body {
                        bytes: body,
                        last_modified: first.last_modified,
                        content_type: first.content_type,
                        provisional: false,
                    })
                })
                .expect("finish");
            let elapsed = started.elapsed();
            std::hint::black_box(rendered);
            elapsed
        })
    };
    let compress = finish(1).saturating_sub(finish(CACHED_PAGES + 1));
    let deep = |request: &dyn Fn(usize) -> FeedRequest, page: usize| {
        (entries > (page - 1) * page_size).then(|| {
            let request = request(page);
            median_of(REPS, || {
                let cache = RenderCache::default();
                let started = Instant::now();
                let rendered = cache
                    .feed(store.generation(), config, &store, &request)
                    .expect("a page");
                let elapsed = started.elapsed();
                std::hint::black_box(rendered);
                elapsed
            })
        })
    };
    let page6 = deep(&request, CACHED_PAGES + 1);
    let page100 = deep(&request, 100);
    let page6_cursor = deep(&by_cursor, CACHED_PAGES + 1);
    let page100_cursor = deep(&by_cursor, 100);

    store.commit().expect("commit");
    store.flush().expect("flush");
    drop(store);
    let mut reopened = None;
    let reopen = median_of(3, || {
        drop(reopened.take());
        let started = Instant::now();
        let store = Store::open(store_path, cache_bytes).expect("reopen the store");
        let elapsed = started.elapsed();
        reopened = Some(store);
        elapsed
    });
    let store = reopened.expect("reopened");
    // The reopened store serves the same page.
    let again = RenderCache::default()
        .feed(store.generation(), config, &store, &request(1))
        .expect("page 1 after reopening");
    assert_eq!(again.identity.len(), page1_bytes);

    let checkpoint = Checkpoint {
        entries,
        fill_per_s,
        page1,
        store_page,
        compress,
        page1_bytes,
        page6,
        page100,
        page6_cursor,
        page100_cursor,
        reopen,
        disk_bytes: disk_usage(store_path),
        rss_kb: status_kb("VmRSS"),
        daemon_rss_kb: None,
    };
    (checkpoint, store)
}

fn report(results: &[Checkpoint]) {
    let ms = |d: Duration| format!("{:.3}", d.as_secs_f64() * 1e3);
    let opt = |d: Option<Duration>| d.map_or("n/a".to_string(), ms);
    println!(
        "| entries | fill entries/s | page 1 ms (render+gzip+br) | of which Store::page ms | of which compress ms | page 1 bytes | page 6 ms (no compress) | page 100 ms | page 6 by cursor ms | page 100 by cursor ms | reopen ms | disk MiB | RSS MiB (this bench) | daemon idle RSS MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in results {
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {} |",
            c.entries,
            c.fill_per_s,
            ms(c.page1),
            ms(c.store_page),
            ms(c.compress),
            c.page1_bytes,
            opt(c.page6),
            opt(c.page100),
            opt(c.page6_cursor),
            opt(c.page100_cursor),
            ms(c.reopen),
            c.disk_bytes as f64 / (1 << 20) as f64,
            c.rss_kb as f64 / 1024.0,
            c.daemon_rss_kb
                .map_or("n/a".to_string(), |kb| format!("{:.1}", kb as f64 / 1024.0)),
        );
    }
    println!(
        "peak RSS (VmHWM): {:.1} MiB",
        status_kb("VmHWM") as f64 / 1024.0
    );
    if let (Some(small), Some(large)) = (results.first(), results.last()) {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "ratio page 1 at {} / at {} entries: {:.2} (Store::page alone: {:.2})",
            large.entries,
            small.entries,
            ratio(large.page1, small.page1),
            ratio(large.store_page, small.store_page),
        );
        if let (Some(p100), Some(p6)) = (large.page100, large.page6) {
            println!(
                "ratio page 100 / page 6 at {} entries, by ?page=N: {:.2}",
                large.entries,
                ratio(p100, p6)
            );
        }
        if let (Some(p100), Some(p6)) = (large.page100_cursor, large.page6_cursor) {
            println!(
                "ratio page 100 / page 6 at {} entries, by the next links' cursor: {:.2}",
                large.entries,
                ratio(p100, p6)
            );
        }
        println!(
            "ratio reopen at {} / at {} entries: {:.2}",
            large.entries,
            small.entries,
            ratio(large.reopen, small.reopen)
        );
    }
}

fn median_of(reps: usize, mut run: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..reps).map(|_| run()).collect();
    times.sort();
    times[times.len() / 2]
}

/// Entry `i`: source `i % 1000` (the first half in Ireland, the rest in Cyprus), one minute
/// older than entry `i - 1`, ~1 KB of HTML content.
fn entry(i: usize, base: DateTime<Utc>) -> Entry {
    let source = i % SOURCES;
    let region = if source < SOURCES / 2 {
        "ireland"
    } else {
        "cyprus"
    };
    let link = format!("http://news{source}.example/story/{i}");
    let published = base - chrono::Duration::minutes(i as i64);
    let content = prose(i as u64, &link, 1000);
    Entry {
        id: EntryId::from_key(&format!("uri:{link}")),
        public_id: link.clone(),
        title: format!("Story {i}: harbour works from Dun Laoghaire to Limassol"),
        link: Some(link),
        published,
        updated: published,
        authors: vec![format!("Reporter {}", i % 97)],
        summary: Some(format!(
            "<p>Story {i} in brief: the ferry timetable changed.</p>"
        )),
        content: Some(content),
        categories: vec!["Transport".to_string()],
        enclosures: vec![],
        sources: vec![Attribution {
            name: format!("Source {source}"),
            feed_url: SourceId::new(
                &format!("http://news{source}.example/feed.xml")
                    .parse()
                    .expect("a valid URL"),
            ),
            title: Some(format!("News {source}")),
            site_url: Some(format!("http://news{source}.example/")),
            region: region.to_string(),
        }],
        regions: vec![region.to_string()],
        article: None,
        held_back: false,
        language: None,
        image: None,
    }
}

const WORDS: &str = "the harbour ferry council minister said on Tuesday that new schedule would hold \
    until spring Limassol Dublin Cork Larnaca Galway Paphos Nicosia Limerick \
    fishermen traders commuters were told at a meeting quay after weeks of delays \
    and storms budget plans for road works hospital school water prices rose fell \
    percent this year last week government opposition party vote election tourism \
    season record numbers airport flights weather warning issued coast island \
    village residents protest court ruled police investigate report published \
    survey found most people support against housing rent crisis bank interest \
    rates energy bills winter football match won lost";

/// About `length` bytes of HTML paragraphs of words picked pseudo-randomly from a small
/// vocabulary, seeded by `seed`: text that compresses about as well as news prose does, unlike
/// one paragraph repeated.
fn prose(seed: u64, link: &str, length: usize) -> String {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut html = String::with_capacity(length + 200);
    let mut paragraph = 0;
    while html.len() < length {
        html.push_str("<p>");
        for word in 0..40 {
            if word == 17 {
                html.push_str(&format!("<a href=\"{link}#p{paragraph}\">"));
            }
            html.push_str(words[next() % words.len()]);
            if word == 19 {
                html.push_str("</a>");
            }
            html.push(if word == 39 { '.' } else { ' ' });
        }
        html.push_str("</p>");
        paragraph += 1;
    }
    html
}

const CONFIG: &str = r#"[site]
title = "World, As Seen from the most beautiful islands: Ireland and Cyprus"
subtitle = "From Trinity st. to Limassol, Cyprus"
base_url = "http://127.0.0.1:8080/"
language = "en"
contact = "tips@islands.example"

[server]
listen = "127.0.0.1:0"

[store]
path = "store"

[schedule]
refresh = "0 0 0 1 1 *"

[articles]
dir = "articles"

[[region]]
slug = "ireland"
name = "Ireland"

[[region.source]]
name = "Source 0"
url = "http://news0.example/feed.xml"

[[region]]
slug = "cyprus"
name = "Cyprus"

[[region.source]]
name = "Source 500"
url = "http://news500.example/feed.xml"
"#;
