//! The normalize path against a plain feed-rs parse of the same bytes.
//!
//! Reads every feed in `tests/fixtures/feeds`, or in the folder `--dir` names (`.xml`, `.rss`,
//! `.atom` and `.json`; skipping any file that either path rejects or that makes a parser
//! panic), then alternates rounds of
//! `islands::normalize::normalize_feed` and `feed_rs::parser::parse` over the whole corpus until
//! each side has run about `SECONDS` (default 2). Prints entries/s and MB/s for both and the ratio normalize/parse of the time per
//! pass: what ids, dates, charsets, URL resolution and sanitizing cost on top of parsing.
//!
//!     cargo run --release --example bench_parse [-- SECONDS]
//!     cargo run --release --example bench_parse -- --list   # the feeds that normalize, one a line
//!     cargo run --release --example bench_parse -- --dir DIR [SECONDS]   # the feeds of DIR

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use islands::normalize::{FeedOrigin, normalize_feed};
use url::Url;

struct Fixture {
    name: String,
    bytes: Vec<u8>,
    content_type: Option<&'static str>,
    entries: usize,
}

fn main() {
    let mut list_only = false;
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    let mut seconds = 2.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list_only = true,
            "--dir" => dir = args.next().expect("--dir names a folder").into(),
            _ => seconds = arg.parse().expect("SECONDS is a number"),
        }
    }
    let context = FeedOrigin {
        name: "bench".to_string(),
        feed_url: Url::parse("http://127.0.0.1/feed.xml").expect("a valid URL"),
        base_url: Url::parse("http://127.0.0.1/feed.xml").expect("a valid URL"),
        region: "ireland".to_string(),
        document_base: None,
        strip_params: Vec::new(),
        language: None,
    };
    let (fixtures, skipped) = load(&dir, &context);
    if list_only {
        for fixture in &fixtures {
            println!("{}", fixture.name);
        }
        return;
    }

    let bytes: usize = fixtures.iter().map(|f| f.bytes.len()).sum();
    let entries: usize = fixtures.iter().map(|f| f.entries).sum();
    println!(
        "corpus: {} feeds, {} entries, {} bytes; skipped: {}",
        fixtures.len(),
        entries,
        bytes,
        if skipped.is_empty() {
            "none".to_string()
        } else {
            skipped.join(", ")
        }
    );

    // Warm up both paths (allocator, lazy statics such as ammonia's tables).
    pass_normalize(&fixtures, &context);
    pass_parse(&fixtures);

    // Alternate short rounds so that load from elsewhere hits both sides alike.
    let round = Duration::from_millis(200);
    let budget = Duration::from_secs_f64(seconds);
    let (mut normalize_time, mut normalize_passes) = (Duration::ZERO, 0u64);
    let (mut parse_time, mut parse_passes) = (Duration::ZERO, 0u64);
    while normalize_time < budget || parse_time < budget {
        let (time, passes) = timed_round(round, || pass_normalize(&fixtures, &context));
        normalize_time += time;
        normalize_passes += passes;
        let (time, passes) = timed_round(round, || pass_parse(&fixtures));
        parse_time += time;
        parse_passes += passes;
    }

    let report = |what: &str, time: Duration, passes: u64| {
        let per_pass = time.as_secs_f64() / passes as f64;
        println!(
            "{what:<34} {passes:>6} passes in {:>6.3} s: {:>9.1} us/pass, {:>10.0} entries/s, {:>7.2} MB/s",
            time.as_secs_f64(),
            per_pass * 1e6,
            entries as f64 / per_pass,
            bytes as f64 / per_pass / 1e6,
        );
        per_pass
    };
    let normalize = report(
        "islands::normalize::normalize_feed",
        normalize_time,
        normalize_passes,
    );
    let parse = report("feed_rs::parser::parse", parse_time, parse_passes);
    println!(
        "ratio normalize/parse (time per pass): {:.2}",
        normalize / parse
    );
}

/// Every fixture both paths accept, and the names of those skipped with why.
fn load(dir: &Path, context: &FeedOrigin) -> (Vec<Fixture>, Vec<String>) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("read {}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    let mut fixtures = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .expect("a file has a name")
            .to_string_lossy()
            .into_owned();
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(extension, "xml" | "json" | "rss" | "atom") {
            skipped.push(format!("{name} (not a feed)"));
            continue;
        }
        let content_type = match extension {
            "json" => Some("application/feed+json"),
            _ => None,
        };
        let bytes = std::fs::read(&path).expect("read a fixture");
        // Fuzz-found inputs may panic inside a parser: such a file is skipped, not fatal.
        let previous_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let normalized =
            std::panic::catch_unwind(|| normalize_feed(&bytes, content_type, context, Utc::now()));
        let parsed = std::panic::catch_unwind(|| feed_rs::parser::parse(&bytes[..]).map(|_| ()));
        std::panic::set_hook(previous_hook);
        let (normalized, parsed) = match (normalized, parsed) {
            (Ok(normalized), Ok(parsed)) => (normalized, parsed),
            (Err(_), _) => {
                skipped.push(format!("{name} (normalize panicked)"));
                continue;
            }
            (Ok(Err(error)), Err(_)) => {
                skipped.push(format!("{name} (normalize: {error}; feed-rs panicked)"));
                continue;
            }
            (Ok(_), Err(_)) => {
                skipped.push(format!("{name} (feed-rs panicked)"));
                continue;
            }
        };
        match (normalized, parsed) {
            (Ok(feed), Ok(())) => fixtures.push(Fixture {
                name,
                entries: feed.entries.len(),
                bytes,
                content_type,
            }),
            (Err(error), _) => skipped.push(format!("{name} (normalize: {error})")),
            (_, Err(error)) => skipped.push(format!("{name} (feed-rs: {error})")),
        }
    }
    (fixtures, skipped)
}

/// Runs `pass` until `round` has elapsed; returns the time taken and how many passes ran.
fn timed_round(round: Duration, mut pass: impl FnMut() -> usize) -> (Duration, u64) {
    let started = Instant::now();
    let mut passes = 0;
    let mut sink = 0;
    while started.elapsed() < round {
        sink += pass();
        passes += 1;
    }
    std::hint::black_box(sink);
    (started.elapsed(), passes)
}

fn pass_normalize(fixtures: &[Fixture], context: &FeedOrigin) -> usize {
    let now = Utc::now();
    fixtures
        .iter()
        .map(|fixture| {
            let feed = normalize_feed(
                std::hint::black_box(&fixture.bytes),
                fixture.content_type,
                context,
                now,
            )
            .expect("it normalized before");
            std::hint::black_box(&feed);
            feed.entries.len()
        })
        .sum()
}

fn pass_parse(fixtures: &[Fixture]) -> usize {
    fixtures
        .iter()
        .map(|fixture| {
            let feed = feed_rs::parser::parse(&std::hint::black_box(&fixture.bytes)[..])
                .expect("it parsed before");
            std::hint::black_box(&feed);
            feed.entries.len()
        })
        .sum()
}
