//! The baseline of `bench/ingest.sh`: a plain concurrent fetch of the same URLs as
//! `islands fetch`, with no parsing and no store, so the difference is what islands adds.
//!
//!     bench_fetch_baseline cold URLS ETAGS [CONCURRENCY]   # GET each URL, write "URL\tETAG" lines
//!     bench_fetch_baseline warm URLS ETAGS [CONCURRENCY]   # GET each with If-None-Match from ETAGS
//!
//! URLS holds one URL a line. A reqwest client with the settings islands' fetcher uses (gzip,
//! brotli, deflate, no redirects, no proxy), a multi-thread tokio runtime, at most CONCURRENCY
//! (default 32) requests in flight behind a semaphore, every body read to the end. Prints how
//! many answers of each status came back and the wall time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_fetch_baseline cold|warm URLS ETAGS [CONCURRENCY]";
    let (mode, urls_file, etags_file) = match &args[..] {
        [mode, urls, etags, ..] if mode == "cold" || mode == "warm" => {
            (mode.clone(), urls.clone(), etags.clone())
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
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
    let etags: HashMap<String, String> = if mode == "warm" {
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
    let results = runtime.block_on(fetch_all(urls, etags, concurrency));
    let elapsed = started.elapsed();

    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut bytes = 0;
    for result in &results {
        let key = match result.status {
            Some(status) => status.to_string(),
            None => "error".to_string(),
        };
        *statuses.entry(key).or_default() += 1;
        bytes += result.bytes;
    }
    if mode == "cold" {
        let lines: String = results
            .iter()
            .filter_map(|r| r.etag.as_ref().map(|etag| format!("{}\t{etag}\n", r.url)))
            .collect();
        std::fs::write(&etags_file, lines)
            .unwrap_or_else(|error| panic!("write {etags_file}: {error}"));
    }
    println!(
        "{mode}: {} URLs in {:.3} s, {bytes} body bytes, statuses {statuses:?}",
        results.len(),
        elapsed.as_secs_f64()
    );
    if let Some(error) = results.iter().find_map(|r| r.error.as_ref()) {
        println!("first error: {error}");
    }
}

struct Fetched {
    url: String,
    status: Option<u16>,
    etag: Option<String>,
    bytes: usize,
    error: Option<String>,
}

async fn fetch_all(
    urls: Vec<String>,
    etags: HashMap<String, String>,
    concurrency: usize,
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
            fetch_one(&client, url, etag).await
        });
    }
    let mut results = Vec::new();
    while let Some(result) = tasks.join_next().await {
        results.push(result.expect("a fetch task does not panic"));
    }
    results
}

async fn fetch_one(client: &reqwest::Client, url: String, etag: Option<String>) -> Fetched {
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
        },
        Err(error) => Fetched {
            url,
            status: Some(status),
            etag,
            bytes: 0,
            error: Some(error.to_string()),
        },
    }
}
