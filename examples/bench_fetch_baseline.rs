//! The baselines of `bench/ingest.sh`: a plain concurrent fetch of the same URLs as
//! `islands fetch`, with no store, so the difference is what islands adds; with or without
//! parsing each body.
//!
//!     bench_fetch_baseline cold URLS ETAGS [CONCURRENCY]        # GET each URL, write "URL\tETAG" lines
//!     bench_fetch_baseline cold-parse URLS ETAGS [CONCURRENCY]  # the same, and parse each body
//!     bench_fetch_baseline warm URLS ETAGS [CONCURRENCY]        # GET each with If-None-Match from ETAGS
//!
//! URLS holds one URL a line. A reqwest client with the settings islands' fetcher uses (gzip,
//! brotli, deflate, no redirects, no proxy), a multi-thread tokio runtime, at most CONCURRENCY
//! (default 32) requests in flight behind a semaphore, every body read to the end. `cold-parse`
//! also parses every 200 body with `feed_rs::parser::parse` in the task that fetched it, while
//! holding its permit: the floor of fetching and reading the feeds (no ids, no sanitizing, no
//! charset from HTTP headers, no store). Prints how many answers of each status came back and
//! the wall time; `cold-parse` adds how many feeds parsed, their entries, and how many failed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

/// What a run does with each URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// GET, read the body.
    Cold,
    /// GET, read the body, parse it.
    ColdParse,
    /// GET with If-None-Match, read the body.
    Warm,
}

impl Mode {
    fn from_arg(arg: &str) -> Option<Mode> {
        match arg {
            "cold" => Some(Mode::Cold),
            "cold-parse" => Some(Mode::ColdParse),
            "warm" => Some(Mode::Warm),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Cold => "cold",
            Mode::ColdParse => "cold-parse",
            Mode::Warm => "warm",
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_fetch_baseline cold|cold-parse|warm URLS ETAGS [CONCURRENCY]";
    let parsed_args = match &args[..] {
        [mode, urls, etags, ..] => {
            Mode::from_arg(mode).map(|mode| (mode, urls.clone(), etags.clone()))
        }
        _ => None,
    };
    let Some((mode, urls_file, etags_file)) = parsed_args else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let concurrency: usize = args
        .get(3)
        .map(|n| n.parse().expect("CONCURRENCY is a number"))
        .unwrap_or(32);
    let urls: Vec<String> = std::fs::read_to_string(&urls_file)
        .unwrap_or_else(|error| panic!("read {urls_file}: {error}"))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    let etags: HashMap<String, String> = if mode == Mode::Warm {
        std::fs::read_to_string(&etags_file)
            .unwrap_or_else(|error| panic!("read {etags_file}: {error}"))
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(url, etag)| (url.to_string(), etag.to_string()))
            .collect()
    } else {
        HashMap::new()
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let started = Instant::now();
    let results = runtime.block_on(fetch_all(urls, etags, concurrency, mode));
    let elapsed = started.elapsed();

    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut bytes = 0;
    let (mut parsed_feeds, mut parsed_entries, mut parse_failures) = (0, 0, 0);
    for result in &results {
        let key = match result.status {
            Some(status) => status.to_string(),
            None => "error".to_string(),
        };
        *statuses.entry(key).or_default() += 1;
        bytes += result.bytes;
        match &result.parsed {
            Some(Ok(entries)) => {
                parsed_feeds += 1;
                parsed_entries += entries;
            }
            Some(Err(_)) => parse_failures += 1,
            None => {}
        }
    }
    if mode != Mode::Warm {
        let lines: String = results
            .iter()
            .filter_map(|r| r.etag.as_ref().map(|etag| format!("{}\t{etag}\n", r.url)))
            .collect();
        std::fs::write(&etags_file, lines)
            .unwrap_or_else(|error| panic!("write {etags_file}: {error}"));
    }
    println!(
        "{}: {} URLs in {:.3} s, {bytes} body bytes, statuses {statuses:?}",
        mode.name(),
        results.len(),
        elapsed.as_secs_f64()
    );
    if mode == Mode::ColdParse {
        println!(
            "parsed: {parsed_feeds} feeds, {parsed_entries} entries, {parse_failures} failures"
        );
    }
    if let Some(error) = results.iter().find_map(|r| r.error.as_ref()) {
        println!("first error: {error}");
    }
    if let Some((url, error)) = results.iter().find_map(|r| match &r.parsed {
        Some(Err(error)) => Some((&r.url, error)),
        _ => None,
    }) {
        println!("first parse failure: {url}: {error}");
    }
}

struct Fetched {
    url: String,
    status: Option<u16>,
    etag: Option<String>,
    bytes: usize,
    error: Option<String>,
    /// `cold-parse` only, for a 200 body: the entries feed-rs found, or why it failed.
    parsed: Option<Result<usize, String>>,
}

async fn fetch_all(
    urls: Vec<String>,
    etags: HashMap<String, String>,
    concurrency: usize,
    mode: Mode,
) -> Vec<Fetched> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .build()
        .expect("a client with static settings builds");
    let permits = Arc::new(Semaphore::new(concurrency));
    let etags = Arc::new(etags);
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let client = client.clone();
        let permits = permits.clone();
        let etags = etags.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("never closed");
            let etag = etags.get(&url).cloned();
            fetch_one(&client, url, etag, mode == Mode::ColdParse).await
        });
    }
    let mut results = Vec::new();
    while let Some(result) = tasks.join_next().await {
        results.push(result.expect("a fetch task does not panic"));
    }
    results
}

/// GETs `url` (with If-None-Match when `etag` is given) and reads the body to the end; with
/// `parse_body`, parses a 200 body with feed-rs too.
async fn fetch_one(
    client: &reqwest::Client,
    url: String,
    etag: Option<String>,
    parse_body: bool,
) -> Fetched {
    let mut request = client.get(&url);
    if let Some(etag) = etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            return Fetched {
                url,
                status: None,
                etag: None,
                bytes: 0,
                error: Some(error.to_string()),
                parsed: None,
            };
        }
    };
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    match response.bytes().await {
        Ok(body) => Fetched {
            url,
            status: Some(status),
            etag,
            bytes: body.len(),
            error: None,
            parsed: (parse_body && status == 200).then(|| parse(&body)),
        },
        Err(error) => Fetched {
            url,
            status: Some(status),
            etag,
            bytes: 0,
            error: Some(error.to_string()),
            parsed: None,
        },
    }
}

/// A plain feed-rs parse of `body`: the number of entries, or why it failed.
fn parse(body: &[u8]) -> Result<usize, String> {
    feed_rs::parser::parse(body)
        .map(|feed| feed.entries.len())
        .map_err(|error| error.to_string())
}
