//! Polite, hardened ingest (issue 3): how the daemon treats publishers, and what it survives.
//!
//! What these tests check, each against the real daemon and a scripted upstream:
//! - politeness: an ETag comes back as `If-None-Match` and a `Last-Modified` date as
//!   `If-Modified-Since`, the 304 is reported as `last_status` 304 and keeps the entries; every
//!   request names islands and the site in its `User-Agent` and offers gzip and brotli;
//! - backing off: a 429 with `Retry-After` (seconds or an HTTP date) is fetched once and reported
//!   with the RFC 3339 time it will retry after; a source answering 500 is fetched far fewer
//!   times than the schedule ticks;
//! - limits: a redirect loop stops after five redirects (while a chain of five still arrives), a
//!   response slower than the timeout is abandoned, a gzip bomb and an endless body are cut off
//!   at 10 MiB without the daemon's memory growing;
//! - bodies that are not feeds: an HTML page, a truncated document and an empty body are reported
//!   as `not a feed: ...` and publish nothing;
//! - redirects: a 301 and a 308 are followed and reported in `moved_to`, a 302 is followed but
//!   not reported;
//! - a source that starts failing (HTML, truncated XML, 500) keeps the entries it already stored;
//! - dedupe and identity: an item repeated inside a feed is one entry, a story carried in Ireland
//!   and in Cyprus is one entry in both regions and once in `all`, an edited story keeps its id
//!   and gets a later `updated`, and items without guid keep their ids over several fetches;
//! - text: windows-1252 and ISO-8859-7 (declared in the XML prolog, or only in `Content-Type`)
//!   come out as the right UTF-8; `EET`/`EEST` dates are the right UTC instants; relative URLs
//!   are resolved (against `xml:base` where there is one) and scripts, event handlers,
//!   `javascript:` URLs and iframes never reach a published feed.
//!
//! The trap: the daemon refreshes every source at start and then every second, and never runs
//! two refreshes of one source at once. So once the upstream has seen request N + 1 for a path,
//! refresh N has been stored; tests count requests that way instead of sleeping. Titles are
//! written out literally where the point is the decoding, so a wrong charset cannot agree with
//! itself.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::header;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::support::{
    Behaviour, Daemon, FETCH_DEADLINE, FORMATS, Upstream, body_text, config, edit_config,
    entry_title, fixture_bytes, fixture_titles, get, get_feed, get_json, header_of, sorted, titles,
    wait_for_titles, wait_until, workdir,
};

/// Whether a `last_error` message is the one a test expects.
type MessageCheck = fn(&str) -> bool;

/// The nine published feeds' paths.
const ALL_FEEDS: [&str; 9] = [
    "/feeds/all.rss",
    "/feeds/all.atom",
    "/feeds/all.json",
    "/feeds/ireland.rss",
    "/feeds/ireland.atom",
    "/feeds/ireland.json",
    "/feeds/cyprus.rss",
    "/feeds/cyprus.atom",
    "/feeds/cyprus.json",
];

/// How much the daemon's peak memory (VmHWM) may grow while it refuses oversized bodies: the
/// 10 MiB it may read, with room for buffers, and well under a 64 MiB body held whole.
const PEAK_GROWTH_LIMIT_KIB: u64 = 40 * 1024;

// ---------------------------------------------------------------------------------------------
// Politeness: conditional GET, identification.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etag_comes_back_as_if_none_match_and_the_304_is_reported() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/rte.xml",
        Behaviour::fixture("feeds/ireland-rte.xml").with_etag("\"rte-v1\""),
    );
    let daemon = start_one_source(&upstream, "ireland", "RTÉ News", "/rte.xml");
    let titles = fixture_titles(&["feeds/ireland-rte.xml"]);
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;

    let status = wait_for_304(&upstream, "/rte.xml", &daemon, "RTÉ News").await;

    let requests = upstream.requests("/rte.xml");
    assert_eq!(
        header_of(&requests[0], header::IF_NONE_MATCH),
        None,
        "the first request has no validator to send"
    );
    for (number, request) in requests.iter().enumerate().skip(1) {
        assert_eq!(
            header_of(request, header::IF_NONE_MATCH).as_deref(),
            Some("\"rte-v1\""),
            "request {} for /rte.xml: {request:?}",
            number + 1
        );
    }
    assert!(status["last_error"].is_null(), "{status}");
    assert_eq!(status["consecutive_failures"], 0, "{status}");
    assert!(status["last_success"].is_string(), "{status}");
    assert_eq!(status["entries"], titles.len(), "{status}");
    assert_titles_published(&daemon, "/feeds/ireland.json", &titles).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_modified_date_comes_back_as_if_modified_since_and_the_304_is_reported() {
    const DATE: &str = "Tue, 24 Nov 2026 10:00:00 GMT";
    let upstream = Upstream::start().await;
    upstream.set(
        "/mail.xml",
        Behaviour::fixture("feeds/cyprus-mail.xml").with_last_modified(DATE),
    );
    let daemon = start_one_source(&upstream, "cyprus", "Cyprus Mail", "/mail.xml");
    let titles = fixture_titles(&["feeds/cyprus-mail.xml"]);
    wait_for_titles(&daemon.url("/feeds/cyprus.json"), &titles).await;

    let status = wait_for_304(&upstream, "/mail.xml", &daemon, "Cyprus Mail").await;

    let requests = upstream.requests("/mail.xml");
    assert_eq!(header_of(&requests[0], header::IF_MODIFIED_SINCE), None);
    for (number, request) in requests.iter().enumerate().skip(1) {
        assert_eq!(
            header_of(request, header::IF_MODIFIED_SINCE).as_deref(),
            Some(DATE),
            "request {} for /mail.xml: {request:?}",
            number + 1
        );
        assert_eq!(
            header_of(request, header::IF_NONE_MATCH),
            None,
            "no ETag was ever given, so none may be sent back"
        );
    }
    assert!(status["last_error"].is_null(), "{status}");
    assert_eq!(status["entries"], titles.len(), "{status}");
    assert_titles_published(&daemon, "/feeds/cyprus.json", &titles).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_name_islands_and_the_site_and_offer_gzip_and_brotli() {
    let upstream = Upstream::start().await;
    upstream.set("/rte.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    let daemon = start_one_source(&upstream, "ireland", "RTÉ News", "/rte.xml");
    wait_for_requests(&upstream, "/rte.xml", 2).await;

    for request in upstream.requests("/rte.xml") {
        let agent = header_of(&request, header::USER_AGENT).unwrap_or_default();
        assert!(
            agent.starts_with("islands/") && agent.contains("http://127.0.0.1:8080/"),
            "User-Agent {agent:?} should start with islands/ and name the site's base_url"
        );
        let offered = header_of(&request, header::ACCEPT_ENCODING).unwrap_or_default();
        let codings: Vec<String> = offered
            .split(',')
            .map(|coding| coding.split(';').next().unwrap_or("").trim().to_string())
            .collect();
        for coding in ["gzip", "br"] {
            assert!(
                codings.iter().any(|offered| offered == coding),
                "Accept-Encoding {offered:?} should offer {coding}"
            );
        }
    }
    drop(daemon);
}

// ---------------------------------------------------------------------------------------------
// Backing off.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_in_seconds_is_fetched_once_and_reported() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/busy.xml",
        Behaviour::Status {
            code: 429,
            headers: vec![("Retry-After".to_string(), "3600".to_string())],
            body: "slow down".to_string(),
        },
    );
    let daemon = start_one_source(&upstream, "ireland", "Busy", "/busy.xml");

    let status = wait_for_error(&daemon, "Busy", "reports the 429").await;
    let message = status["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let retry_at = retry_time(&message);
    let expected = Utc::now() + chrono::Duration::seconds(3600);
    assert!(
        (retry_at - expected).num_seconds().abs() <= 60,
        "{message:?}: expected a retry about an hour from now ({expected})"
    );
    assert_eq!(status["last_status"], 429, "{status}");
    assert_eq!(status["consecutive_failures"], 1, "{status}");
    let next_fetch = rfc3339(&status["next_fetch"]);
    assert!(
        next_fetch >= retry_at,
        "next_fetch {next_fetch} comes before the Retry-After time {retry_at}: {status}"
    );

    // Let a few schedule ticks pass: none of them may call the publisher again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        upstream.count("/busy.xml"),
        1,
        "a 429 asking for an hour was fetched again within seconds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_as_an_http_date_is_fetched_once_and_reported() {
    let retry_at = Utc::now() + chrono::Duration::hours(2);
    let http_date = retry_at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let upstream = Upstream::start().await;
    upstream.set(
        "/busy.xml",
        Behaviour::Status {
            code: 429,
            headers: vec![("Retry-After".to_string(), http_date.clone())],
            body: "slow down".to_string(),
        },
    );
    let daemon = start_one_source(&upstream, "cyprus", "Busy", "/busy.xml");

    let status = wait_for_error(&daemon, "Busy", "reports the 429").await;
    let expected = format!(
        "429: retrying after {}",
        retry_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_eq!(
        status["last_error"], expected,
        "Retry-After: {http_date}: {status}"
    );

    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(upstream.count("/busy.xml"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_answering_500_is_backed_off_rather_than_fetched_every_tick() {
    const WINDOW: Duration = Duration::from_secs(8);
    let upstream = Upstream::start().await;
    upstream.set("/broken.xml", Behaviour::status(500, "internal error"));
    let started = Instant::now();
    let daemon = start_one_source(&upstream, "ireland", "Broken", "/broken.xml");

    let status = wait_for_error(&daemon, "Broken", "reports the 500").await;
    assert_eq!(
        status["last_error"], "500 Internal Server Error",
        "{status}"
    );
    assert_eq!(status["last_status"], 500, "{status}");
    assert_eq!(status["entries"], 0, "{status}");

    // Eight ticks of the one-second schedule. Backing off from 1 s and doubling (with jitter
    // down to half) allows the first fetch and retries after at most 1, 2 and 4 s more.
    tokio::time::sleep_until((started + WINDOW).into()).await;
    let fetches = upstream.count("/broken.xml");
    assert!(
        (2..=5).contains(&fetches),
        "{fetches} fetches of a failing source in {WINDOW:?} of one-second ticks; \
         expected between 2 and 5"
    );
    let status = source_status(&daemon, "Broken")
        .await
        .expect("the source is in /status.json");
    let failures = status["consecutive_failures"].as_u64().unwrap_or_default();
    assert!(failures >= 2, "{status}");
    assert!(
        rfc3339(&status["next_fetch"]) > rfc3339(&status["last_fetch"]),
        "{status}"
    );
}

// ---------------------------------------------------------------------------------------------
// Limits: redirects, time, size.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_stops_after_five_redirects_while_a_chain_of_five_arrives() {
    let upstream = Upstream::start().await;
    // The loop: /start -> /loop -> /loop -> ...
    upstream.set(
        "/start",
        Behaviour::Redirect {
            code: 302,
            to: "/loop".to_string(),
        },
    );
    upstream.set(
        "/loop",
        Behaviour::Redirect {
            code: 302,
            to: "/loop".to_string(),
        },
    );
    // Exactly five redirects: /hop1 -> ... -> /hop5 -> /feed.xml.
    for hop in 1..=5 {
        let to = if hop == 5 {
            "/feed.xml".to_string()
        } else {
            format!("/hop{}", hop + 1)
        };
        upstream.set(&format!("/hop{hop}"), Behaviour::Redirect { code: 307, to });
    }
    upstream.set("/feed.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    // A long backoff, so that the first failed fetch is the only one and requests count exactly.
    let daemon = Daemon::start(&edit_config(
        &config(
            &upstream,
            &[("ireland", &[("Loop", "/start"), ("Chain", "/hop1")])],
        ),
        "backoff_base = \"1s\"",
        "backoff_base = \"1h\"",
    ));

    let status = wait_for_error(&daemon, "Loop", "reports the loop").await;
    assert_eq!(status["last_error"], "more than 5 redirects", "{status}");
    assert_eq!(status["entries"], 0, "{status}");
    assert!(status["moved_to"].is_null(), "{status}");
    assert_eq!(upstream.count("/start"), 1);
    assert_eq!(
        upstream.count("/loop"),
        5,
        "five redirects are followed, and the sixth is refused without a request"
    );

    let titles = fixture_titles(&["feeds/ireland-rte.xml"]);
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;
    let chain = source_status(&daemon, "Chain")
        .await
        .expect("the source is in /status.json");
    assert!(chain["last_error"].is_null(), "{chain}");
    assert!(chain["moved_to"].is_null(), "307s are temporary: {chain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_slower_than_the_timeout_is_abandoned_and_reported() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/slow.xml",
        Behaviour::Slow {
            delay: Duration::from_secs(15),
            body: fixture_bytes("feeds/ireland-rte.xml"),
        },
    );
    let started = Instant::now();
    let daemon = start_one_source(&upstream, "ireland", "Slow", "/slow.xml");

    let status = wait_for_error(&daemon, "Slow", "reports the timeout").await;
    let elapsed = started.elapsed();
    let message = status["last_error"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("timed out after"),
        "last_error {message:?}: {status}"
    );
    assert!(
        message.contains('3'),
        "the message names the 3 s timeout: {message:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(2900) && elapsed < Duration::from_secs(15),
        "the timeout was reported {elapsed:?} after start; the limit is 3 s, the answer takes 15 s"
    );
    assert_eq!(status["entries"], 0, "{status}");
    assert!(status["last_success"].is_null(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_cut_off_at_the_limit_and_memory_stays_flat() {
    // 256 MiB of zeros in a few hundred KB; the daemon may decode 10 MiB of it.
    assert_cut_off_with_flat_memory(Behaviour::GzipBomb {
        decoded_bytes: 256 << 20,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_size_limit_is_cut_off_and_memory_stays_flat() {
    assert_cut_off_with_flat_memory(Behaviour::Huge { bytes: 64 << 20 }).await;
}

// ---------------------------------------------------------------------------------------------
// Bodies that are not feeds.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_is_reported_as_not_a_feed() {
    assert_not_a_feed(Behaviour::fixture("feeds/not-a-feed.html"), |message| {
        message == "not a feed: the URL answered with an HTML page"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_document_is_reported_as_not_a_feed() {
    assert_not_a_feed(Behaviour::fixture("feeds/truncated.xml"), |message| {
        message.starts_with("not a feed: ")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_body_is_reported_as_not_a_feed() {
    let empty = Behaviour::rss(Vec::new());
    assert_not_a_feed(empty, |message| message == "not a feed: the body is empty").await;
}

// ---------------------------------------------------------------------------------------------
// Redirects and failures over time.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_redirect_is_followed_and_reported_in_moved_to() {
    let upstream = Upstream::start().await;
    for (old, code, new, fixture) in [
        ("/old-301.xml", 301, "/new-301.xml", "feeds/cyprus-mail.xml"),
        ("/old-308.xml", 308, "/new-308.xml", "feeds/ireland-rte.xml"),
        ("/old-302.xml", 302, "/new-302.xml", "feeds/changing-v1.xml"),
    ] {
        upstream.set(
            old,
            Behaviour::Redirect {
                code,
                to: new.to_string(),
            },
        );
        upstream.set(new, Behaviour::fixture(fixture));
    }
    let daemon = Daemon::start(&config(
        &upstream,
        &[
            (
                "ireland",
                &[("RTÉ News", "/old-308.xml"), ("Limerick", "/old-302.xml")],
            ),
            ("cyprus", &[("Cyprus Mail", "/old-301.xml")]),
        ],
    ));
    let titles = fixture_titles(&[
        "feeds/cyprus-mail.xml",
        "feeds/ireland-rte.xml",
        "feeds/changing-v1.xml",
    ]);
    wait_for_titles(&daemon.url("/feeds/all.json"), &titles).await;

    for (name, moved_to) in [
        ("Cyprus Mail", Some(upstream.url("/new-301.xml"))),
        ("RTÉ News", Some(upstream.url("/new-308.xml"))),
        ("Limerick", None),
    ] {
        let status = wait_for_source(&daemon, name, "has stored its feed", |source| {
            source["last_success"].is_string()
        })
        .await;
        match moved_to {
            Some(url) => assert_eq!(status["moved_to"], url, "{name}: {status}"),
            None => assert!(
                status["moved_to"].is_null(),
                "{name}: a 302 is temporary: {status}"
            ),
        }
        assert!(status["last_error"].is_null(), "{name}: {status}");
        assert!(status["entries"].as_u64() > Some(0), "{name}: {status}");
    }
}

/// Issue 16: a source permanently redirected to one place on three fetches in a row is moved:
/// feeds.toml names the new url (a comment says from where and when; nothing else changes),
/// its entries and state follow it, and the status page says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_redirected_three_times_in_a_row_is_moved_in_feeds_toml_with_its_entries() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/old.xml",
        Behaviour::Redirect {
            code: 301,
            to: "/new.xml".to_string(),
        },
    );
    upstream.set("/new.xml", Behaviour::fixture("feeds/cyprus-mail.xml"));
    let text = config(&upstream, &[("cyprus", &[("Cyprus Mail", "/old.xml")])]);
    let daemon = Daemon::start(&text);
    let (old, new) = (upstream.url("/old.xml"), upstream.url("/new.xml"));
    let moved = wait_for_source(&daemon, "Cyprus Mail", "has moved", |source| {
        source["url"] == new.as_str() && source["moved_from"]["url"] == old.as_str()
    })
    .await;
    assert!(
        moved["entries"].as_u64() > Some(0),
        "its entries followed it: {moved}"
    );
    assert!(moved["last_success"].is_string(), "{moved}");
    let today = chrono::Utc::now().date_naive();
    let file = std::fs::read_to_string(daemon.dir().join("feeds.toml")).unwrap();
    let expected = text.replace(
        &format!("url = \"{old}\""),
        &format!("url = \"{new}\"   # moved from {old} on {today}"),
    );
    assert_ne!(expected, text);
    assert_eq!(file, expected, "only the url changed, with a comment");
    let titles = fixture_titles(&["feeds/cyprus-mail.xml"]);
    wait_for_titles(&daemon.url("/feeds/source/cyprus-mail.json"), &titles).await;
    wait_for_titles(&daemon.url("/feeds/cyprus.json"), &titles).await;
    let (_, status_page) = crate::support::page(&daemon, "/status").await;
    assert!(status_page.contains("Moved here from"), "{status_page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_already_stored_survive_when_their_source_starts_failing() {
    let upstream = Upstream::start().await;
    upstream.set("/rte.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    upstream.set(
        "/independent.atom",
        Behaviour::fixture_with_type("feeds/ireland-independent-atom.xml", "application/atom+xml"),
    );
    upstream.set("/mail.xml", Behaviour::fixture("feeds/cyprus-mail.xml"));
    let daemon = Daemon::start(&config(
        &upstream,
        &[
            (
                "ireland",
                &[
                    ("RTÉ News", "/rte.xml"),
                    ("Irish Independent", "/independent.atom"),
                ],
            ),
            ("cyprus", &[("Cyprus Mail", "/mail.xml")]),
        ],
    ));
    let irish = fixture_titles(&[
        "feeds/ireland-rte.xml",
        "feeds/ireland-independent-atom.xml",
    ]);
    let cypriot = fixture_titles(&["feeds/cyprus-mail.xml"]);
    let everything = [irish.clone(), cypriot.clone()].concat();
    wait_for_titles(&daemon.url("/feeds/all.json"), &everything).await;
    let mut stored = Vec::new();
    for name in ["RTÉ News", "Irish Independent", "Cyprus Mail"] {
        let status = wait_for_source(&daemon, name, "counts its entries", |source| {
            source["entries"].as_u64() > Some(0)
        })
        .await;
        stored.push(status["entries"].clone());
    }

    upstream.set("/rte.xml", Behaviour::fixture("feeds/not-a-feed.html"));
    upstream.set(
        "/independent.atom",
        Behaviour::fixture("feeds/truncated.xml"),
    );
    upstream.set("/mail.xml", Behaviour::status(500, "internal error"));
    let failures: [(&str, MessageCheck); 3] = [
        ("RTÉ News", |message| {
            message == "not a feed: the URL answered with an HTML page"
        }),
        ("Irish Independent", |message| {
            message.starts_with("not a feed: ")
        }),
        ("Cyprus Mail", |message| {
            message == "500 Internal Server Error"
        }),
    ];
    for ((name, expected), entries) in failures.into_iter().zip(stored) {
        let status = wait_for_source(&daemon, name, "reports its new failure", |source| {
            source["last_error"].as_str().is_some_and(expected)
        })
        .await;
        assert_eq!(status["entries"], entries, "{name}: {status}");
        assert!(status["last_success"].is_string(), "{name}: {status}");
        assert!(
            status["consecutive_failures"].as_u64() >= Some(1),
            "{name}: {status}"
        );
    }

    assert_titles_published(&daemon, "/feeds/all.json", &everything).await;
    assert_titles_published(&daemon, "/feeds/ireland.atom", &irish).await;
    assert_titles_published(&daemon, "/feeds/cyprus.rss", &cypriot).await;
}

// ---------------------------------------------------------------------------------------------
// Dedupe and identity.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_repeated_inside_a_feed_is_published_once() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/politis.xml",
        Behaviour::fixture("feeds/rss2-repeated-item.xml"),
    );
    let daemon = start_one_source(&upstream, "cyprus", "Politis", "/politis.xml");
    let expected = [
        "Famagusta port upgrade tender launched",
        "Troodos ski season to open early",
    ];
    wait_for_titles(&daemon.url("/feeds/cyprus.json"), &strings(&expected)).await;
    // Request 3 means refreshes 1 and 2 are stored: fetching the feed again adds nothing.
    wait_for_requests(&upstream, "/politis.xml", 3).await;

    for path in ["/feeds/cyprus.json", "/feeds/cyprus.atom", "/feeds/all.rss"] {
        let published = titles(&get_feed(&daemon.url(path)).await);
        assert_eq!(sorted(published), expected, "{path}");
    }
    let status = source_status(&daemon, "Politis").await.expect("listed");
    assert_eq!(status["entries"], 2, "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_carried_in_ireland_and_cyprus_is_one_entry_in_both_regions() {
    const SHARED: &str = "EU leaders agree budget at Brussels summit";
    let upstream = Upstream::start().await;
    upstream.set(
        "/examiner.xml",
        Behaviour::fixture("feeds/shared-story-ireland.xml"),
    );
    upstream.set(
        "/in-cyprus.xml",
        Behaviour::fixture("feeds/shared-story-cyprus.xml"),
    );
    let daemon = Daemon::start(&config(
        &upstream,
        &[
            ("ireland", &[("Irish Examiner", "/examiner.xml")]),
            ("cyprus", &[("In-Cyprus", "/in-cyprus.xml")]),
        ],
    ));
    let ireland = [SHARED, "Kinsale fishermen protest new quota rules"];
    let cyprus = [SHARED, "Ayia Napa hotels report strong winter bookings"];
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &strings(&ireland)).await;
    wait_for_titles(&daemon.url("/feeds/cyprus.json"), &strings(&cyprus)).await;
    // Both sources' refreshes are stored once each has been asked again.
    wait_for_requests(&upstream, "/examiner.xml", 2).await;
    wait_for_requests(&upstream, "/in-cyprus.xml", 2).await;

    let all = strings(&[ireland[1], cyprus[1], SHARED]);
    let mut shared_ids = HashSet::new();
    for path in ALL_FEEDS {
        let feed = get_feed(&daemon.url(path)).await;
        let expected = if path.starts_with("/feeds/all.") {
            all.clone()
        } else if path.starts_with("/feeds/ireland.") {
            strings(&ireland)
        } else {
            strings(&cyprus)
        };
        assert_eq!(sorted(titles(&feed)), sorted(expected), "{path}");
        for entry in &feed.entries {
            if entry_title(entry) == SHARED {
                shared_ids.insert(entry.id.clone());
            }
        }
    }
    assert_eq!(
        shared_ids.len(),
        1,
        "the shared story has one id in every feed: {shared_ids:?}"
    );

    let all = get_json(&daemon.url("/feeds/all.json")).await;
    let shared = item_titled(&all, SHARED);
    let regions: HashSet<&str> = shared["_islands"]["regions"]
        .as_array()
        .map(|regions| regions.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        regions,
        HashSet::from(["ireland", "cyprus"]),
        "{}",
        shared["_islands"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_edited_upstream_keeps_its_id_and_gets_the_new_title_and_a_later_update() {
    const BEFORE: &str = "Shannon flood defences: work to begin in spring";
    const AFTER: &str = "Shannon flood defences: work brought forward to January";
    let upstream = Upstream::start().await;
    upstream.set("/leader.xml", Behaviour::fixture("feeds/changing-v1.xml"));
    let daemon = start_one_source(&upstream, "ireland", "Limerick Leader", "/leader.xml");
    wait_for_titles(&daemon.url("/feeds/ireland.atom"), &strings(&[BEFORE])).await;
    let before = get_feed(&daemon.url("/feeds/ireland.atom")).await;
    let before = before.entries.first().expect("one entry").clone();
    let before_json = get_json(&daemon.url("/feeds/ireland.json")).await;
    let before_json = items(&before_json)[0].clone();

    upstream.set("/leader.xml", Behaviour::fixture("feeds/changing-v2.xml"));
    wait_for_titles(&daemon.url("/feeds/ireland.atom"), &strings(&[AFTER])).await;

    let after = get_feed(&daemon.url("/feeds/ireland.atom")).await;
    assert_eq!(
        after.entries.len(),
        1,
        "the edit replaced the entry: {:?}",
        titles(&after)
    );
    let after = &after.entries[0];
    assert_eq!(after.id, before.id, "the edited entry keeps its Atom id");
    assert_eq!(entry_title(after), AFTER);
    assert!(
        after.updated > before.updated,
        "Atom updated {:?} should be later than {:?}",
        after.updated,
        before.updated
    );

    let after_json = get_json(&daemon.url("/feeds/ireland.json")).await;
    let after_items = items(&after_json);
    assert_eq!(after_items.len(), 1, "{after_json}");
    assert_eq!(after_items[0]["id"], before_json["id"]);
    assert_eq!(after_items[0]["title"], AFTER);
    assert!(
        rfc3339(&after_items[0]["date_modified"]) > rfc3339(&before_json["date_modified"]),
        "date_modified: before {}, after {}",
        before_json["date_modified"],
        after_items[0]["date_modified"]
    );
    assert_eq!(
        after_items[0]["date_published"], before_json["date_published"],
        "the edit does not change when the story was published"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_without_guid_keep_the_same_ids_over_several_fetches() {
    let upstream = Upstream::start().await;
    // No ETag and no Last-Modified: every tick downloads and parses the feed again.
    upstream.set("/donegal.xml", Behaviour::fixture("feeds/rss2-no-guid.xml"));
    let daemon = start_one_source(&upstream, "ireland", "Donegal News", "/donegal.xml");
    let titles = fixture_titles(&["feeds/rss2-no-guid.xml"]);
    assert_eq!(titles.len(), 3, "the fixture has three items");
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;
    let first_json = json_ids(&daemon, "/feeds/ireland.json").await;
    let first_atom = atom_ids(&daemon, "/feeds/ireland.atom").await;

    // Request 5 means refreshes 1 to 4 have all been stored.
    wait_for_requests(&upstream, "/donegal.xml", 5).await;

    let later_json = json_ids(&daemon, "/feeds/ireland.json").await;
    let later_atom = atom_ids(&daemon, "/feeds/ireland.atom").await;
    assert_eq!(
        later_json.len(),
        3,
        "JSON ids after several fetches: {later_json:?}"
    );
    assert_eq!(
        later_atom.len(),
        3,
        "Atom ids after several fetches: {later_atom:?}"
    );
    assert_eq!(
        later_json, first_json,
        "JSON Feed ids changed between fetches"
    );
    assert_eq!(later_atom, first_atom, "Atom ids changed between fetches");
    let unique: HashSet<&String> = later_json.iter().collect();
    assert_eq!(unique.len(), 3, "ids are distinct: {later_json:?}");
    let status = source_status(&daemon, "Donegal News")
        .await
        .expect("listed");
    assert_eq!(status["entries"], 3, "{status}");
}

// ---------------------------------------------------------------------------------------------
// Text: charsets, dates, URLs, sanitizing.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_1252_titles_are_published_as_utf8() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/kerryman.xml",
        Behaviour::fixture("feeds/ireland-windows-1252.xml"),
    );
    let daemon = start_one_source(&upstream, "ireland", "The Kerryman", "/kerryman.xml");
    assert_decoded(
        &daemon,
        "ireland",
        &[
            "\u{201c}Best year yet\u{201d} for Dún Chaoin café \u{2014} €2m tourism boost",
            "Tralee\u{2019}s Christmas market returns to the Square",
            "Dún Laoghaire ferry to Kerry? Councillors say \u{201c}why not\u{201d}",
        ],
        "\u{2018}the busiest season we\u{2019}ve ever had\u{2019} \u{2014} visitors spent €2m",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iso_8859_7_declared_in_the_xml_prolog_is_published_as_greek() {
    let upstream = Upstream::start().await;
    // No charset in Content-Type: the prolog alone says ISO-8859-7.
    upstream.set(
        "/philenews.xml",
        Behaviour::fixture_with_type(
            "feeds/cyprus-philenews-iso-8859-7.xml",
            "application/rss+xml",
        ),
    );
    assert_greek_published(&upstream, "/philenews.xml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iso_8859_7_named_only_in_content_type_is_published_as_greek() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/philenews.xml",
        Behaviour::fixture_with_type(
            "feeds/cyprus-greek-no-prolog-iso-8859-7.xml",
            "text/xml; charset=ISO-8859-7",
        ),
    );
    assert_greek_published(&upstream, "/philenews.xml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eet_and_eest_dates_are_published_as_the_right_utc_instants() {
    let upstream = Upstream::start().await;
    upstream.set("/mail.xml", Behaviour::fixture("feeds/cyprus-mail.xml"));
    let daemon = start_one_source(&upstream, "cyprus", "Cyprus Mail", "/mail.xml");
    let utc = |month, day, hour, minute| {
        Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
            .single()
            .expect("a valid date")
    };
    let expected = [
        // +0200
        (
            "Limassol marina expansion gets green light",
            utc(11, 24, 9, 0),
        ),
        // EET, +0200
        (
            "Nicosia buffer zone crossing to open longer hours",
            utc(11, 23, 14, 30),
        ),
        // +0200
        ("Paphos wildfire brought under control", utc(11, 20, 19, 45)),
        // EEST, +0300
        (
            "Larnaca airport sees busiest October on record",
            utc(10, 24, 6, 10),
        ),
    ];
    let titles: Vec<String> = expected
        .iter()
        .map(|(title, _)| title.to_string())
        .collect();
    wait_for_titles(&daemon.url("/feeds/cyprus.json"), &titles).await;

    let feed = get_json(&daemon.url("/feeds/cyprus.json")).await;
    let atom = get_feed(&daemon.url("/feeds/cyprus.atom")).await;
    for (title, instant) in expected {
        let item = item_titled(&feed, title);
        assert_eq!(
            rfc3339(&item["date_published"]),
            instant,
            "{title}: date_published {}",
            item["date_published"]
        );
        let entry = atom
            .entries
            .iter()
            .find(|entry| entry_title(entry) == title)
            .unwrap_or_else(|| panic!("{title:?} in cyprus.atom"));
        assert_eq!(entry.published, Some(instant), "{title}: Atom published");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_urls_in_links_and_content_resolve_against_xml_base() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/independent.atom",
        Behaviour::fixture_with_type("feeds/ireland-independent-atom.xml", "application/atom+xml"),
    );
    let daemon = start_one_source(
        &upstream,
        "ireland",
        "Irish Independent",
        "/independent.atom",
    );
    let titles = fixture_titles(&["feeds/ireland-independent-atom.xml"]);
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;

    let feed = get_json(&daemon.url("/feeds/ireland.json")).await;
    let item = |title: &str| item_titled(&feed, title).clone();
    // xml:base="https://www.independent.ie/irish-news/" on <feed> is in scope in every entry,
    // for its links and for the relative references inside its escaped HTML content alike
    // (RFC 4287 section 2, XML Base, RFC 3986 section 5.1.1).
    let galway = item("Galway city council approves Salthill promenade plan");
    assert_eq!(
        galway["url"],
        "https://www.independent.ie/irish-news/galway/salthill-promenade-42817.html"
    );
    let galway_html = galway["content_html"].as_str().unwrap_or_default();
    assert!(
        galway_html.contains("src=\"https://www.independent.ie/img/a.jpg\""),
        "the relative img is made absolute: {galway_html}"
    );
    let cork = item("Cork airport passenger numbers hit record high");
    assert_eq!(
        cork["url"],
        "https://www.independent.ie/irish-news/cork/airport-record-42790.html"
    );
    let cork_html = cork["content_html"].as_str().unwrap_or_default();
    assert!(
        cork_html.contains("href=\"https://www.independent.ie/irish-news/stats/october.html\""),
        "href=\"stats/october.html\" in the content resolves against the xml:base in scope \
         (https://www.independent.ie/irish-news/), not against the entry's own link: {cork_html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_script_event_handler_javascript_url_or_iframe_reaches_a_published_feed() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/independent.atom",
        Behaviour::fixture_with_type("feeds/ireland-independent-atom.xml", "application/atom+xml"),
    );
    upstream.set(
        "/clare.xml",
        Behaviour::fixture("feeds/ireland-hostile-content.xml"),
    );
    let daemon = Daemon::start(&config(
        &upstream,
        &[(
            "ireland",
            &[
                ("Irish Independent", "/independent.atom"),
                ("Clare Champion", "/clare.xml"),
            ],
        )],
    ));
    let titles = fixture_titles(&[
        "feeds/ireland-independent-atom.xml",
        "feeds/ireland-hostile-content.xml",
    ]);
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;

    let feed = get_json(&daemon.url("/feeds/ireland.json")).await;
    let clare = item_titled(&feed, "Ennis parking charges to rise in January");
    let clare_html = clare["content_html"].as_str().unwrap_or_default();
    assert!(
        clare_html.contains("Fees go from €1.50 to €2.")
            && clare_html.contains("src=\"https://www.clarechampion.example/img/meter.jpg\"")
            && clare_html.contains("href=\"https://www.clarechampion.example/news/ennis-budget/\""),
        "the harmless parts stay: {clare_html}"
    );

    for path in ALL_FEEDS
        .iter()
        .filter(|path| !path.starts_with("/feeds/cyprus."))
    {
        let body = body_text(&daemon, path).await.to_lowercase();
        for forbidden in [
            "<script",
            "&lt;script",
            "onclick",
            "onerror",
            "onmouseover",
            "onload",
            "javascript:",
            "<iframe",
            "&lt;iframe",
            "evil.example",
            "alert(",
            "steal(",
            "track(",
        ] {
            assert!(
                !body.contains(forbidden),
                "{path} contains {forbidden:?}:\n{body}"
            );
        }
        // Every URL left in the published bytes is absolute.
        for attribute in ["href=", "src="] {
            for (offset, _) in body.match_indices(attribute) {
                let value = &body[offset + attribute.len()..];
                let value = value.trim_start_matches(['"', '\\', '\'']);
                let value = value.strip_prefix("&quot;").unwrap_or(value);
                assert!(
                    value.starts_with("http://") || value.starts_with("https://"),
                    "{path}: a relative URL: {}",
                    &body[offset..(offset + 80).min(body.len())]
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Serves `behaviour` as the only source, and checks it is reported with a message `expected`
/// accepts and publishes nothing.
async fn assert_not_a_feed(behaviour: Behaviour, expected: MessageCheck) {
    let upstream = Upstream::start().await;
    upstream.set("/feed.xml", behaviour);
    let daemon = start_one_source(&upstream, "ireland", "Odd", "/feed.xml");

    let status = wait_for_error(&daemon, "Odd", "reports a failure").await;
    let message = status["last_error"].as_str().unwrap_or_default();
    assert!(
        expected(message),
        "unexpected last_error {message:?}: {status}"
    );
    assert_eq!(status["entries"], 0, "{status}");
    assert!(status["last_success"].is_null(), "{status}");
    assert_eq!(status["consecutive_failures"], 1, "{status}");
    for path in ["/feeds/all.json", "/feeds/ireland.json"] {
        let feed = get_json(&daemon.url(path)).await;
        assert!(
            items(&feed).is_empty(),
            "{path} publishes something: {feed}"
        );
    }
}

async fn assert_greek_published(upstream: &Upstream, path: &str) {
    let daemon = start_one_source(upstream, "cyprus", "Phileleftheros", path);
    let lemesos = assert_decoded(
        &daemon,
        "cyprus",
        &[
            "Λεμεσός: Νέος παραλιακός πεζόδρομος στη Μόλο",
            "Λευκωσία: Κλειστή η Λεωφόρος Μακαρίου για έργα",
            "Κύπρος: Ρεκόρ αφίξεων τουριστών τον Οκτώβριο",
        ],
        "Ο Δήμος Λεμεσού ενέκρινε την επέκταση",
    )
    .await;
    assert_eq!(
        lemesos["_islands"]["sources"][0]["title"], "Φιλελεύθερος - Κύπρος",
        "{}",
        lemesos["_islands"]
    );
}

/// The region's feeds list exactly `expected` (see [`assert_exact_titles_everywhere`]), and the
/// JSON Feed item of the first one has `content` in its `content_html`; returns that item.
async fn assert_decoded(daemon: &Daemon, region: &str, expected: &[&str], content: &str) -> Value {
    let expected = strings(expected);
    let feed = assert_exact_titles_everywhere(daemon, region, &expected).await;
    let item = item_titled(&feed, &expected[0]).clone();
    let html = item["content_html"].as_str().unwrap_or_default();
    assert!(html.contains(content), "content_html: {html:?}");
    item
}

/// Waits until the region's JSON Feed lists `expected`, then asserts that its three feeds list
/// exactly `expected`, in valid UTF-8 without U+FFFD; returns the region's JSON Feed.
async fn assert_exact_titles_everywhere(
    daemon: &Daemon,
    region: &str,
    expected: &[String],
) -> Value {
    let json = daemon.url(&format!("/feeds/{region}.json"));
    wait_for_titles(&json, expected).await;
    let expected = sorted(expected.to_vec());
    for (extension, _) in FORMATS {
        let path = format!("/feeds/{region}.{extension}");
        let body = body_text(daemon, &path).await;
        assert!(
            !body.contains('\u{fffd}'),
            "{path} holds a replacement character:\n{body}"
        );
        let published = titles(&get_feed(&daemon.url(&path)).await);
        assert_eq!(sorted(published), expected, "{path}");
    }
    get_json(&json).await
}

async fn assert_titles_published(daemon: &Daemon, path: &str, expected: &[String]) {
    let published = titles(&get_feed(&daemon.url(path)).await);
    for title in expected {
        assert!(
            published.contains(title),
            "{path} no longer lists {title:?}: {published:?}"
        );
    }
}

/// Publishes a healthy feed, then serves `oversized` in its place: the source reports the size
/// limit, keeps its entries, and the daemon's peak memory barely moves over two such fetches.
async fn assert_cut_off_with_flat_memory(oversized: Behaviour) {
    let upstream = Upstream::start().await;
    // Prepared now (compressing a bomb takes seconds), on a path no source uses.
    upstream.set("/prepared.xml", oversized.clone());
    upstream.set("/feed.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    let daemon = start_one_source(&upstream, "ireland", "RTÉ News", "/feed.xml");
    let titles = fixture_titles(&["feeds/ireland-rte.xml"]);
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;
    wait_for_requests(&upstream, "/feed.xml", 2).await;
    let before = peak_memory_kib(&daemon);

    upstream.set("/feed.xml", oversized);
    let status = wait_for_error(&daemon, "RTÉ News", "reports the oversized body").await;
    assert_eq!(
        status["last_error"], "body exceeds 10 MiB after decompression",
        "{status}"
    );
    assert_eq!(status["entries"], titles.len(), "{status}");
    // A second one, so that memory kept from the first would add up.
    wait_for_source(&daemon, "RTÉ News", "refuses a second one", |source| {
        source["consecutive_failures"].as_u64() >= Some(2)
    })
    .await;
    assert_titles_published(&daemon, "/feeds/ireland.json", &titles).await;

    let (Some(before), Some(after)) = (before, peak_memory_kib(&daemon)) else {
        eprintln!("/proc/PID/status is not readable here: peak memory not checked");
        return;
    };
    eprintln!("daemon peak memory (VmHWM): {before} KiB before, {after} KiB after");
    assert!(
        after.saturating_sub(before) < PEAK_GROWTH_LIMIT_KIB,
        "the daemon's peak memory grew from {before} KiB to {after} KiB refusing oversized \
         bodies; the limit is {PEAK_GROWTH_LIMIT_KIB} KiB of growth"
    );
}

/// The daemon's peak resident memory (VmHWM) in KiB, from `/proc/PID/status` (Linux only).
fn peak_memory_kib(daemon: &Daemon) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{}/status", daemon.pid())).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The source named `name` in `/status.json`, if the daemon answers and lists it.
async fn source_status(daemon: &Daemon, name: &str) -> Option<Value> {
    let response = get(&daemon.url("/status.json")).await;
    if response.status() != 200 {
        return None;
    }
    let body = response.bytes().await.ok()?;
    let status: Value = serde_json::from_slice(&body).ok()?;
    status["sources"]
        .as_array()?
        .iter()
        .find(|source| source["name"] == name)
        .cloned()
}

/// Polls `/status.json` until the source `name` satisfies `check`, and returns what matched.
/// Every change it sees is logged, so a timeout shows the story.
async fn wait_for_source(
    daemon: &Daemon,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let last_seen: Mutex<Option<Value>> = Mutex::new(None);
    let matched: Mutex<Option<Value>> = Mutex::new(None);
    let (last_seen_ref, matched_ref, check) = (&last_seen, &matched, &check);
    wait_until(
        &format!("{name:?} {what}"),
        FETCH_DEADLINE,
        move || async move {
            let Some(current) = source_status(daemon, name).await else {
                return false;
            };
            {
                let mut last_seen = last_seen_ref.lock().expect("not poisoned");
                if last_seen.as_ref() != Some(&current) {
                    eprintln!("status of {name:?}: {current}");
                    *last_seen = Some(current.clone());
                }
            }
            if check(&current) {
                *matched_ref.lock().expect("not poisoned") = Some(current);
                true
            } else {
                false
            }
        },
    )
    .await;
    matched
        .into_inner()
        .expect("not poisoned")
        .expect("wait_until returned, so a status matched")
}

/// Starts a daemon whose only source is `name`, at `path` on the upstream, in `region`.
fn start_one_source(upstream: &Upstream, region: &str, name: &str, path: &str) -> Daemon {
    Daemon::start(&config(upstream, &[(region, &[(name, path)])]))
}

/// Waits until the source `name` at `path` has had a conditional refresh stored and reports the
/// 304, and returns its status: request 3 only starts once refresh 2, the conditional one, has
/// been stored.
async fn wait_for_304(upstream: &Upstream, path: &str, daemon: &Daemon, name: &str) -> Value {
    wait_for_requests(upstream, path, 3).await;
    wait_for_source(daemon, name, "reports the 304", |source| {
        source["last_status"] == 304
    })
    .await
}

/// Waits until the source `name` reports a `last_error`, and returns its status.
async fn wait_for_error(daemon: &Daemon, name: &str, what: &str) -> Value {
    wait_for_source(daemon, name, what, |source| {
        source["last_error"].is_string()
    })
    .await
}

/// Waits until the upstream has seen at least `count` requests for `path`.
async fn wait_for_requests(upstream: &Upstream, path: &str, count: usize) {
    wait_until(
        &format!("the upstream has seen {count} requests for {path}"),
        FETCH_DEADLINE,
        || async move { upstream.count(path) >= count },
    )
    .await;
}

/// The items of a JSON Feed (none when it has no `items` array).
fn items(feed: &Value) -> &[Value] {
    feed["items"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The item titled `title` in a JSON Feed; panics unless there is one.
fn item_titled<'a>(feed: &'a Value, title: &str) -> &'a Value {
    items(feed)
        .iter()
        .find(|item| item["title"] == title)
        .unwrap_or_else(|| panic!("no item is titled {title:?}: {feed}"))
}

/// JSON Feed item ids, sorted.
async fn json_ids(daemon: &Daemon, path: &str) -> Vec<String> {
    let feed = get_json(&daemon.url(path)).await;
    sorted(
        items(&feed)
            .iter()
            .map(|item| item["id"].as_str().unwrap_or_default().to_string())
            .collect(),
    )
}

/// Atom entry ids, sorted.
async fn atom_ids(daemon: &Daemon, path: &str) -> Vec<String> {
    let feed = get_feed(&daemon.url(path)).await;
    sorted(feed.entries.iter().map(|entry| entry.id.clone()).collect())
}

fn strings(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|text| text.to_string()).collect()
}

/// An RFC 3339 time from a status or feed field; panics on anything else.
fn rfc3339(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("expected an RFC 3339 string, got {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text:?} is not RFC 3339: {error}"))
        .with_timezone(&Utc)
}

/// The time in `429: retrying after 2026-11-25T10:00:00Z`, which must be RFC 3339 in UTC
/// with whole seconds.
fn retry_time(message: &str) -> DateTime<Utc> {
    let time = message
        .strip_prefix("429: retrying after ")
        .unwrap_or_else(|| panic!("last_error {message:?} should read `429: retrying after TIME`"));
    assert!(
        time.len() == "2026-11-25T10:00:00Z".len() && time.ends_with('Z'),
        "{time:?} should be RFC 3339 with whole seconds in UTC (Z)"
    );
    DateTime::parse_from_rfc3339(time)
        .unwrap_or_else(|error| panic!("{time:?} is not RFC 3339: {error}"))
        .with_timezone(&Utc)
}

/// Issue 18: a server without validators answers 200 with the same bytes every time. Those
/// bytes were stored already: the refresh says so and parses, sanitizes and writes nothing;
/// new bytes are stored as ever, and so are the same bytes once the source's config changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_bytes_again_are_not_stored_again() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ireland/rte.xml",
        Behaviour::fixture("feeds/ireland-rte.xml"),
    );
    let toml = config(&upstream, &[("ireland", &[("RTE", "/ireland/rte.xml")])]);
    let dir = workdir(&toml);
    let fetch = |expected: &str| {
        let output = Daemon::run_cli(&["fetch"], dir.path());
        assert_eq!(output.status.code(), Some(0), "islands fetch");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            stdout.contains(expected),
            "islands fetch: expected {expected:?} in its output:\n{stdout}"
        );
        stdout
    };

    let first = fetch(" new, 0 updated");
    assert!(
        !first.contains(": 0 new"),
        "the first fetch stores: {first}"
    );
    fetch("unchanged (the same bytes as the last fetch)");
    fetch("unchanged (the same bytes as the last fetch)");
    assert_eq!(upstream.count("/ireland/rte.xml"), 3, "each fetch asked");

    // A source renamed in feeds.toml attributes its entries anew: not skipped.
    let renamed = edit_config(&toml, "name = \"RTE\"", "name = \"RTÉ News\"");
    std::fs::write(dir.path().join("feeds.toml"), renamed).expect("write feeds.toml");
    fetch("0 new, ");

    // Other bytes are read: an edited title is an update.
    let edited = String::from_utf8(fixture_bytes("feeds/ireland-rte.xml"))
        .expect("UTF-8 fixture")
        .replacen("<title>", "<title>Edited: ", 2);
    upstream.set("/ireland/rte.xml", Behaviour::rss(edited.into_bytes()));
    let edited_fetch = fetch("0 new, ");
    assert!(
        !edited_fetch.contains("0 new, 0 updated"),
        "an edited entry is an update: {edited_fetch}"
    );
}

/// Issue 18: the fetch state of a refresh that stored nothing (a failure here, a 304 alike)
/// waits in memory for a shared write; `islands fetch` writes it before it exits, so the next
/// run backs off instead of asking a failing upstream again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fetchs_backoff_is_kept_by_islands_fetch_for_its_next_run() {
    let upstream = Upstream::start().await;
    upstream.set("/ireland/busy.xml", Behaviour::status(503, "busy"));
    let toml = config(&upstream, &[("ireland", &[("Busy", "/ireland/busy.xml")])]);
    let toml = edit_config(&toml, "backoff_base = \"1s\"", "backoff_base = \"1h\"");
    let dir = workdir(&toml);
    let fetch = |expected: &str| {
        let output = Daemon::run_cli(&["fetch"], dir.path());
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            stdout.contains(expected),
            "islands fetch: expected {expected:?} in its output:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    fetch("Busy (");
    assert_eq!(upstream.count("/ireland/busy.xml"), 1);
    fetch("skipped: backing off until");
    assert_eq!(
        upstream.count("/ireland/busy.xml"),
        1,
        "the second run backed off: the first run's failure was written"
    );
}
