//! What full-text search costs: index build CPU, index size, query latency, memory.
//!
//! Fills a store in a temporary folder with synthetic news entries (1,000 configured sources in
//! 2 regions; titles, summaries and ~1 KB of HTML content drawn by a seeded PRNG from a few
//! hundred English news words and Irish and Cypriot place names; ~10% of the entries in Greek),
//! committing every 1,000, and at each checkpoint (default 10k and 100k entries):
//!
//! - CPU time (user+sys of the whole process, from `/proc/self/stat`) of the store fill
//!   (`Store::put` + `Store::commit`, less the cost of generating the entries, measured apart),
//!   then of `SearchIndex::rebuild` over the same store in a fresh index folder, then of the
//!   merges tantivy runs in the background after that commit, waited for until the process is
//!   idle; the ratio index build / store fill is a proxy for indexing's share of cold ingest
//!   (which also fetches and parses, so its share there is smaller); and, apart, a pass that
//!   only reads and decodes every entry, the part of the build that is the store's;
//! - the sled store's size on disk (without the index folder in it) and the index's (allocated
//!   blocks, as `du`);
//! - latency through `islands::serve::router` without a socket (`tower::ServiceExt::oneshot`, on
//!   a tokio runtime): `/feeds/all.atom` served from the render cache as the reference, and five
//!   searches (one word, two words, a filtered query, a Greek word, a search feed), 300
//!   sequential requests each after 20 warm-up requests each, interleaved across kinds; p50, p99
//!   and their ratios to the reference's; and `SearchIndex::search` alone for the same queries;
//! - the process's RSS after the fill, after that read pass, with the index rebuilt and its
//!   writer open, and after the requests.
//!
//! Markdown report on stdout, progress on stderr.
//!
//!     cargo run --release --example bench_search [-- CHECKPOINT...]   # e.g. -- 10000 100000

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use islands::app::App;
use islands::config::Config;
use islands::search::query::Query;
use islands::search::{SearchIndex, Sort};
use islands::store::Store;
use tower::ServiceExt;

#[path = "support/measure.rs"]
mod measure;
use measure::{disk_usage, status_kb};

#[path = "support/news.rs"]
mod news;
use news::{SOURCES, Vocabulary, config_toml, entry};

const BATCH: usize = 1000;
const WARMUP: usize = 20;
const REQUESTS: usize = 300;
/// Calls of `SearchIndex::search` alone per query.
const API_REPS: usize = 50;
/// Results on a page of `/search` and entries in a search feed (`src/serve/search.rs`).
const PAGE_SIZE: usize = 20;
const FEED_SIZE: usize = 50;

/// One kind of request of the latency run; `search` is the query as `SearchIndex::search` sees
/// it (text, order, results), for the matches column and the index-alone timing.
struct Kind {
    name: &'static str,
    uri: &'static str,
    search: Option<(&'static str, Sort, usize)>,
}

const KINDS: [Kind; 6] = [
    Kind {
        name: "reference: static feed page",
        uri: "/feeds/all.atom",
        search: None,
    },
    Kind {
        name: "one word",
        uri: "/search?q=harbour",
        search: Some(("harbour", Sort::Relevance, PAGE_SIZE)),
    },
    Kind {
        name: "two words",
        uri: "/search?q=ferry+strike",
        search: Some(("ferry strike", Sort::Relevance, PAGE_SIZE)),
    },
    Kind {
        name: "filtered",
        uri: "/search?q=harbour+region%3Acyprus+after%3A2026-01-01",
        search: Some((
            "harbour region:cyprus after:2026-01-01",
            Sort::Relevance,
            PAGE_SIZE,
        )),
    },
    Kind {
        name: "Greek word",
        uri: "/search?q=%CE%BB%CE%B5%CE%BC%CE%B5%CF%83%CE%BF%CF%82",
        search: Some(("λεμεσος", Sort::Relevance, PAGE_SIZE)),
    },
    Kind {
        name: "search feed (Atom)",
        uri: "/search.atom?q=harbour",
        search: Some(("harbour", Sort::Newest, FEED_SIZE)),
    },
];

/// A folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = Utc::now().timestamp_subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "islands-bench-search-{}-{nanos}",
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

#[derive(Clone, Copy)]
struct Rss {
    rss_kb: u64,
    anon_kb: u64,
    file_kb: u64,
}

impl Rss {
    fn now() -> Rss {
        Rss {
            rss_kb: status_kb("VmRSS"),
            anon_kb: status_kb("RssAnon"),
            file_kb: status_kb("RssFile"),
        }
    }

    fn cell(self) -> String {
        format!(
            "{:.0} ({:.0} + {:.0})",
            mib(self.rss_kb * 1024),
            mib(self.anon_kb * 1024),
            mib(self.file_kb * 1024)
        )
    }
}

struct Latency {
    p50: Duration,
    p99: Duration,
    max: Duration,
    bytes: usize,
    matches: Option<usize>,
    api_p50: Option<Duration>,
}

struct Checkpoint {
    entries: usize,
    greek: usize,
    generate_cpu: f64,
    fill_cpu: f64,
    fill_wall: Duration,
    read_cpu: f64,
    index_cpu: f64,
    index_wall: Duration,
    merge_cpu: f64,
    merge_wall: Duration,
    segments_committed: usize,
    segments_merged: usize,
    store_bytes: u64,
    index_bytes: u64,
    rss_fill: Rss,
    rss_read: Rss,
    rss_index: Rss,
    rss_requests: Rss,
    latency: Vec<Latency>,
}

fn main() {
    let checkpoints: Vec<usize> = {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .map(|a| a.parse().expect("checkpoints are entry counts"))
            .collect();
        if args.is_empty() {
            vec![10_000, 100_000]
        } else {
            args
        }
    };
    let dir = TempDir::new();
    let config_text = config_toml();
    let config_path = dir.0.join("feeds.toml");
    std::fs::write(&config_path, &config_text).expect("write feeds.toml");
    let config = Config::from_toml(&config_path, &config_text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.sources().count(), SOURCES);
    let vocabulary = Vocabulary::new();
    let base = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();

    let mut results = Vec::new();
    let mut filled = 0;
    let mut greek = 0;
    let (mut generate_cpu, mut fill_cpu, mut fill_wall) = (0.0, 0.0, Duration::ZERO);
    for &target in &checkpoints {
        if target <= filled {
            continue;
        }
        // What making the entries costs, apart, so that the fill's figure is the store's.
        let cpu = cpu_seconds();
        for i in filled..target {
            std::hint::black_box(entry(i, base, &vocabulary));
        }
        generate_cpu += cpu_seconds() - cpu;

        let store = Store::open(&config.store.path, config.store.cache_capacity_bytes)
            .expect("open the store");
        let (cpu, started) = (cpu_seconds(), Instant::now());
        while filled < target {
            let entry = entry(filled, base, &vocabulary);
            greek += usize::from(entry.language.is_some());
            store.put(&entry).expect("put an entry");
            filled += 1;
            if filled % BATCH == 0 {
                store.commit().expect("commit");
            }
        }
        store.commit().expect("commit");
        store.flush().expect("flush");
        fill_cpu += cpu_seconds() - cpu;
        fill_wall += started.elapsed();
        let rss_fill = Rss::now();
        eprintln!(
            "{target} entries ({greek} in Greek) filled: {:.1} s CPU in all, of which generating {:.1} s; RSS {} kB",
            fill_cpu, generate_cpu, rss_fill.rss_kb
        );
        drop(store);

        let mut checkpoint = measure(&config, target);
        checkpoint.greek = greek;
        checkpoint.generate_cpu = generate_cpu;
        checkpoint.fill_cpu = fill_cpu - generate_cpu;
        checkpoint.fill_wall = fill_wall;
        checkpoint.rss_fill = rss_fill;
        results.push(checkpoint);
    }
    report(&results);
}

/// Builds the index of the store as it is, then times requests against it.
fn measure(config: &Config, entries: usize) -> Checkpoint {
    let app = Arc::new(App::open(config.clone()).expect("open the store"));
    let search_path = config.search_path.clone();
    let _ = std::fs::remove_dir_all(&search_path);

    // What the rebuild reads, alone: every entry read from sled and decoded, in a pass of its
    // own through the freshly opened store (sled's cache holds a fraction of it, so the build
    // that follows reads from disk, the OS's page cache, as much as this pass did).
    let (cpu, started) = (cpu_seconds(), Instant::now());
    let mut read = 0;
    for entry in app.store.entries_in_any_order() {
        std::hint::black_box(entry.expect("read an entry"));
        read += 1;
    }
    assert_eq!(read, entries);
    let read_cpu = cpu_seconds() - cpu;
    let read_wall = started.elapsed();
    let rss_read = Rss::now();
    eprintln!(
        "  every entry read: {read_cpu:.1} s CPU, {:.1} s wall; RSS {} kB",
        read_wall.as_secs_f64(),
        rss_read.rss_kb
    );

    // A cold build into an empty folder, as the daemon's first start with search does.
    let (cpu, started) = (cpu_seconds(), Instant::now());
    let (index, stale) = SearchIndex::open(&search_path, &app.store).expect("open the index");
    assert!(stale, "a new index is stale");
    let indexed = index
        .rebuild(config, &app.store, &mut |done, total| {
            if done % 20_000 == 0 && done > 0 {
                eprintln!("  indexed {done} of {total}");
            }
        })
        .expect("rebuild the index");
    assert_eq!(indexed, entries);
    let index_cpu = cpu_seconds() - cpu;
    let index_wall = started.elapsed();
    let segments_committed = segments(&search_path);
    eprintln!(
        "  index built: {index_cpu:.1} s CPU, {:.1} s wall, {segments_committed} segments; waiting for merges",
        index_wall.as_secs_f64()
    );
    // tantivy merges segments on its own threads after the commit: waited for, and counted
    // apart, until the process is idle.
    let (cpu, started) = (cpu_seconds(), Instant::now());
    settle();
    let merge_cpu = cpu_seconds() - cpu;
    let merge_wall = started.elapsed();
    let segments_merged = segments(&search_path);
    let rss_index = Rss::now();
    eprintln!(
        "  merges: {merge_cpu:.1} s CPU, {:.1} s wall, {segments_merged} segments; RSS {} kB",
        merge_wall.as_secs_f64(),
        rss_index.rss_kb
    );
    let index_bytes = disk_usage(&search_path);
    let store_bytes = disk_usage(&config.store.path)
        - if search_path.starts_with(&config.store.path) {
            index_bytes
        } else {
            0
        };

    // Served as after a restart: the index reopened, current, with its merged segments.
    drop(index);
    let (index, stale) = SearchIndex::open(&search_path, &app.store).expect("reopen the index");
    assert!(!stale, "the rebuilt index is current");
    let index = Arc::new(index);
    assert_eq!(index.len(), entries as u64);
    if app.search.set(index.clone()).is_err() {
        unreachable!("a new App has no index");
    }

    // The index alone: matches, and the median of `SearchIndex::search` per query.
    let mut api = Vec::new();
    for kind in &KINDS {
        api.push(kind.search.map(|(text, sort, limit)| {
            let query = Query::parse(text).expect("a valid query");
            let run = || {
                index
                    .search(config, &app.store, &query, sort, 0, limit)
                    .expect("search")
                    .expect("known region")
            };
            let hits = run();
            assert!(
                hits.hits.len() == limit.min(hits.total) && hits.total > 0,
                "{text:?}: {} matches, {} hits",
                hits.total,
                hits.hits.len()
            );
            let mut times: Vec<Duration> = (0..API_REPS + 5)
                .map(|_| {
                    let started = Instant::now();
                    std::hint::black_box(run());
                    started.elapsed()
                })
                .skip(5)
                .collect();
            times.sort();
            (hits.total, times[times.len() / 2])
        }));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let router = islands::serve::router(app.clone());
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(REQUESTS); KINDS.len()];
    let mut sizes = vec![0; KINDS.len()];
    runtime.block_on(async {
        // The first request renders the feed page into the cache; every later one is served
        // from it, as a static page.
        get(&router, KINDS[0].uri).await;
        for round in 0..WARMUP + REQUESTS {
            for (k, kind) in KINDS.iter().enumerate() {
                let (took, bytes) = get(&router, kind.uri).await;
                if round >= WARMUP {
                    samples[k].push(took);
                    sizes[k] = bytes;
                }
            }
        }
    });
    drop(router);
    drop(runtime);
    let rss_requests = Rss::now();
    eprintln!(
        "  {REQUESTS} requests of each kind done; RSS {} kB",
        rss_requests.rss_kb
    );

    let latency = samples
        .into_iter()
        .zip(sizes)
        .zip(api)
        .map(|((mut times, bytes), api)| {
            times.sort();
            Latency {
                p50: percentile(&times, 0.50),
                p99: percentile(&times, 0.99),
                max: *times.last().expect("samples"),
                bytes,
                matches: api.map(|(total, _)| total),
                api_p50: api.map(|(_, p50)| p50),
            }
        })
        .collect();
    drop(index);
    assert_eq!(
        Arc::strong_count(&app),
        1,
        "every handle on the app is gone"
    );
    drop(app);

    Checkpoint {
        entries,
        greek: 0,
        generate_cpu: 0.0,
        fill_cpu: 0.0,
        fill_wall: Duration::ZERO,
        read_cpu,
        index_cpu,
        index_wall,
        merge_cpu,
        merge_wall,
        segments_committed,
        segments_merged,
        store_bytes,
        index_bytes,
        rss_fill: rss_index,
        rss_read,
        rss_index,
        rss_requests,
        latency,
    }
}

/// One request through the router, whole: its time and body size. Anything but a 200 with a
/// body is a failed run.
async fn get(router: &axum::Router, uri: &str) -> (Duration, usize) {
    let started = Instant::now();
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("a request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("read the body");
    let took = started.elapsed();
    if status != StatusCode::OK || body.is_empty() {
        panic!(
            "{uri}: {status}, {} bytes: {}",
            body.len(),
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
    }
    (took, body.len())
}

/// Nearest rank.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Waits until the process has used under 20 ms of CPU in half a second (tantivy's merge
/// threads are done), at most 2 minutes.
fn settle() {
    let started = Instant::now();
    let mut last = cpu_seconds();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = cpu_seconds();
        if now - last < 0.02 || started.elapsed() > Duration::from_secs(120) {
            return;
        }
        last = now;
    }
}

/// How many segments the index's last saved meta.json lists.
fn segments(path: &Path) -> usize {
    std::fs::read_to_string(path.join("meta.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|meta| meta["segments"].as_array().map(Vec::len))
        .unwrap_or(0)
}

fn report(results: &[Checkpoint]) {
    let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1e3);
    let s = |d: Duration| format!("{:.1}", d.as_secs_f64());
    println!("### Build: CPU (user+sys, whole process) and disk");
    println!();
    println!(
        "| entries (Greek) | store fill CPU s (wall s) | index build CPU s (wall s) | reading every entry alone CPU s | + background merges CPU s (wall s) | index build / store fill CPU | with merges | segments at commit / after merges | store MiB | index MiB | index / store |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in results {
        println!(
            "| {} ({}) | {:.2} ({}) | {:.2} ({}) | {:.2} | {:.2} ({}) | **{:.2}** | {:.2} | {} / {} | {:.1} | {:.1} | **{:.2}** |",
            c.entries,
            c.greek,
            c.fill_cpu,
            s(c.fill_wall),
            c.index_cpu,
            s(c.index_wall),
            c.read_cpu,
            c.merge_cpu,
            s(c.merge_wall),
            c.index_cpu / c.fill_cpu,
            (c.index_cpu + c.merge_cpu) / c.fill_cpu,
            c.segments_committed,
            c.segments_merged,
            mib(c.store_bytes),
            mib(c.index_bytes),
            c.index_bytes as f64 / c.store_bytes as f64,
        );
    }
    println!();
    println!(
        "Store fill = `Store::put` of every entry + a `Store::commit` every {BATCH}, cumulative up to the checkpoint, less generating the entries ({}). Index build = `SearchIndex::open` + `rebuild` of every entry into an empty folder (reads and decodes them from sled, one tantivy commit); reading every entry alone = the same reads and decoding in a pass of their own just before, the part of the build that is not tantivy's nor `SearchIndex::document`'s; the merges tantivy then runs on its own threads are waited for and counted apart. Sizes are allocated blocks (as `du`); the store excludes the index folder inside it.",
        results
            .iter()
            .map(|c| format!("{:.2} s CPU for {}", c.generate_cpu, c.entries))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("### Memory: VmRSS MiB (RssAnon + RssFile)");
    println!();
    println!(
        "| entries | after the fill | store reopened, every entry read | index rebuilt, writer open | after the requests |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for c in results {
        println!(
            "| {} | {} | {} | {} | {} |",
            c.entries,
            c.rss_fill.cell(),
            c.rss_read.cell(),
            c.rss_index.cell(),
            c.rss_requests.cell()
        );
    }
    println!(
        "peak RSS (VmHWM): {:.1} MiB",
        mib(status_kb("VmHWM") * 1024)
    );
    for c in results {
        println!();
        println!(
            "### Latency at {} entries: {REQUESTS} sequential requests per kind through the router (no socket), interleaved, after {WARMUP} warm-up each",
            c.entries
        );
        println!();
        println!(
            "| kind | request | matches | body bytes | p50 ms | p99 ms | max ms | p50 / ref | p99 / ref | `SearchIndex::search` alone p50 ms |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let reference = &c.latency[0];
        for (kind, l) in KINDS.iter().zip(&c.latency) {
            println!(
                "| {} | `{}` | {} | {} | {} | **{}** | {} | {:.1} | {:.1} | {} |",
                kind.name,
                kind.uri,
                l.matches.map_or("-".to_string(), |m| m.to_string()),
                l.bytes,
                ms(l.p50),
                ms(l.p99),
                ms(l.max),
                l.p50.as_secs_f64() / reference.p50.as_secs_f64(),
                l.p99.as_secs_f64() / reference.p99.as_secs_f64(),
                l.api_p50.map_or("-".to_string(), ms),
            );
        }
    }
    if let Some(c) = results.last() {
        let worst = c.latency[1..]
            .iter()
            .map(|l| l.p99)
            .max()
            .expect("search kinds");
        let verdict = |met: bool| if met { "met" } else { "**not met**" };
        println!();
        println!("### Targets at {} entries", c.entries);
        println!();
        println!(
            "- p99 of every search under 25 ms: worst {} ms: {}",
            ms(worst),
            verdict(worst < Duration::from_millis(25))
        );
        let size = c.index_bytes as f64 / c.store_bytes as f64;
        println!(
            "- index at most half the store: {:.2}: {}",
            size,
            verdict(size <= 0.5)
        );
        let cpu = c.index_cpu / c.fill_cpu;
        println!(
            "- indexing at most 25% more CPU (proxy: index build CPU / store fill CPU, without merges): {:.2}: {} (with background merges: {:.2})",
            cpu,
            verdict(cpu <= 0.25),
            (c.index_cpu + c.merge_cpu) / c.fill_cpu
        );
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// User + system CPU time of the whole process (every thread, live or gone), in seconds, from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("read /proc/self/stat");
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after = &stat[stat.rfind(')').expect("a stat line") + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |n: usize| -> u64 { fields[n - 3].parse().expect("a tick count") };
    (ticks(14) + ticks(15)) as f64 / clock_ticks()
}

/// `getconf CLK_TCK` (100 on Linux, whatever the kernel's HZ).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}
