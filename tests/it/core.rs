//! The core pipeline, end to end: sources are fetched, stored, and republished per region.
//!
//! What these tests check:
//! - the nine feeds (`all`, `ireland`, `cyprus` in RSS, Atom and JSON Feed) answer 200 with their
//!   media type, parse, hold exactly their region's entries, repeat no id or link, and list the
//!   newest entry first;
//! - `/healthz` answers 200, and a feed that does not exist answers 404;
//! - a source that fails does not keep the other sources from being published;
//! - `islands check` accepts the shipped `feeds.toml`, and rejects a bad config with exit code 2
//!   and a `FILE:LINE:COLUMN:` pointing at the mistake;
//! - `islands fetch` refreshes every source once and exits, and a later `serve` publishes what it
//!   stored even when the upstream no longer answers.
//!
//! The trap: titles are compared with what feed-rs reads from the fixtures, so a fixture edit
//! cannot silently desynchronise the expectations; the daemon must keep titles as they are.

use std::collections::HashSet;

use feed_rs::model::Feed;

use crate::support::{
    Behaviour, CYPRUS_MAIL, Daemon, FORMATS, RTE, Upstream, config, entry_link, fixture_path,
    fixture_titles, get, get_feed, header, run_islands, serve_regional_fixtures, sorted, titles,
    wait_for_titles, workdir,
};

/// The four regional fixtures as sources, at the paths [`serve_regional_fixtures`] serves them.
const IRELAND: &[(&str, &str)] = &[
    ("RTÉ News", "/ireland/rte.xml"),
    ("Irish Independent", "/ireland/independent.atom"),
];

const CYPRUS: &[(&str, &str)] = &[
    ("Cyprus Mail", "/cyprus/cyprus-mail.xml"),
    ("Phileleftheros", "/cyprus/philenews.xml"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_nine_feeds_serve_each_region_its_own_entries() {
    let upstream = Upstream::start().await;
    serve_regional_fixtures(&upstream);
    let daemon = Daemon::start(&config(
        &upstream,
        &[("ireland", IRELAND), ("cyprus", CYPRUS)],
    ));
    let irish = fixture_titles(&[
        "feeds/ireland-rte.xml",
        "feeds/ireland-independent-atom.xml",
    ]);
    let cypriot = fixture_titles(&[
        "feeds/cyprus-mail.xml",
        "feeds/cyprus-philenews-iso-8859-7.xml",
    ]);
    let everything = [irish.clone(), cypriot.clone()].concat();
    wait_for_titles(&daemon.url("/feeds/all.atom"), &everything).await;

    for (feed_name, expected) in [
        ("all", &everything),
        ("ireland", &irish),
        ("cyprus", &cypriot),
    ] {
        for (extension, media_type) in FORMATS {
            let url = daemon.url(&format!("/feeds/{feed_name}.{extension}"));
            let feed = get_published_feed(&url, media_type).await;
            assert_eq!(
                sorted(titles(&feed)),
                sorted(expected.clone()),
                "{url} lists other titles than expected"
            );
            assert_no_repeated_id_or_link(&url, &feed);
            assert_newest_first(&url, &feed);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_200() {
    let upstream = Upstream::start().await;
    serve_regional_fixtures(&upstream);
    let daemon = Daemon::start(&config(&upstream, &[("ireland", RTE)]));

    let response = get(&daemon.url("/healthz")).await;

    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_feed_answers_404() {
    let upstream = Upstream::start().await;
    serve_regional_fixtures(&upstream);
    let daemon = Daemon::start(&config(&upstream, &[("ireland", RTE)]));

    for path in ["/feeds/nowhere.rss", "/feeds/all.txt"] {
        let response = get(&daemon.url(path)).await;
        assert_eq!(response.status(), 404, "GET {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_does_not_stop_the_others() {
    let upstream = Upstream::start().await;
    serve_regional_fixtures(&upstream);
    upstream.set("/ireland/rte.xml", Behaviour::status(500, "internal error"));
    let daemon = Daemon::start(&config(
        &upstream,
        &[("ireland", IRELAND), ("cyprus", CYPRUS_MAIL)],
    ));
    let irish = fixture_titles(&["feeds/ireland-independent-atom.xml"]);
    let cypriot = fixture_titles(&["feeds/cyprus-mail.xml"]);
    wait_for_titles(
        &daemon.url("/feeds/all.atom"),
        &[irish.clone(), cypriot.clone()].concat(),
    )
    .await;

    assert!(
        upstream.count("/ireland/rte.xml") >= 1,
        "the failing source was never tried"
    );
    let ireland = titles(&get_feed(&daemon.url("/feeds/ireland.atom")).await);
    assert_eq!(sorted(ireland), sorted(irish));
    let cyprus = titles(&get_feed(&daemon.url("/feeds/cyprus.atom")).await);
    assert_eq!(sorted(cyprus), sorted(cypriot));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_accepts_the_shipped_config() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml");
    let scratch = tempfile::tempdir().expect("create a temporary folder");

    let output = run_islands(&["check", "--config", shipped], scratch.path());

    assert_eq!(output.status.code(), Some(0), "islands check {shipped}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_rejects_a_bad_config_with_file_line_and_column() {
    // The line and column of the one mistake in each fixture.
    let cases = [
        ("configs/feeds-unknown-key.toml", 40, 1),
        ("configs/feeds-bad-cron.toml", 16, 11),
        ("configs/feeds-bad-url.toml", 47, 7),
    ];
    let scratch = tempfile::tempdir().expect("create a temporary folder");

    for (name, line, column) in cases {
        let path = fixture_path(name);
        let path = path.to_str().expect("the repository path is UTF-8");
        let output = run_islands(&["check", "--config", path], scratch.path());

        assert_eq!(output.status.code(), Some(2), "islands check {name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let position = format!("{name}:{line}:{column}:");
        assert!(
            stderr.contains(&position),
            "islands check {name}: expected {position:?} in stderr:\n{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_refreshes_once_and_exits() {
    let upstream = Upstream::start().await;
    serve_regional_fixtures(&upstream);
    let dir = workdir(&config(
        &upstream,
        &[("ireland", RTE), ("cyprus", CYPRUS_MAIL)],
    ));

    let output = Daemon::run_cli(&["fetch"], dir.path());

    assert_eq!(output.status.code(), Some(0), "islands fetch");
    for path in ["/ireland/rte.xml", "/cyprus/cyprus-mail.xml"] {
        assert_eq!(upstream.count(path), 1, "requests for {path} during fetch");
    }

    upstream.clear();
    let daemon = Daemon::start_in(dir);
    let published = titles(&get_feed(&daemon.url("/feeds/all.atom")).await);
    assert_eq!(
        sorted(published),
        sorted(fixture_titles(&[
            "feeds/ireland-rte.xml",
            "feeds/cyprus-mail.xml"
        ])),
        "serve publishes what fetch stored, though the upstream now answers 404"
    );
}

/// GETs a published feed, checks its status and media type, and parses it.
async fn get_published_feed(url: &str, media_type: &str) -> Feed {
    let response = get(url).await;
    assert_eq!(response.status(), 200, "GET {url}");
    let content_type = header(&response, "content-type");
    assert!(
        content_type.starts_with(media_type),
        "GET {url}: Content-Type {content_type:?}, expected {media_type}"
    );
    let body = response.bytes().await.expect("read the feed body");
    feed_rs::parser::parse(&body[..]).unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

fn assert_no_repeated_id_or_link(url: &str, feed: &Feed) {
    let mut ids = HashSet::new();
    let mut links = HashSet::new();
    for entry in &feed.entries {
        assert!(ids.insert(&entry.id), "{url}: id {} is repeated", entry.id);
        if let Some(link) = entry_link(entry) {
            assert!(links.insert(link), "{url}: link {link} is repeated");
        }
    }
}

fn assert_newest_first(url: &str, feed: &Feed) {
    let dates: Vec<_> = feed
        .entries
        .iter()
        .map(|entry| {
            entry.published.or(entry.updated).unwrap_or_else(|| {
                panic!(
                    "{url}: entry {} has neither published nor updated",
                    entry.id
                )
            })
        })
        .collect();
    assert!(
        dates.windows(2).all(|pair| pair[0] >= pair[1]),
        "{url}: entries are not newest first: {dates:?}"
    );
}

/// Issue 18: a store written by the release before the compressed layout (e9b112a: two
/// fixture feeds fetched with `islands fetch`) is served as it is, and `islands migrate`
/// rewrites its large values, once, without changing what is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_the_last_release_is_read_and_migrated() {
    let upstream = Upstream::start().await;
    for path in ["/ireland/rte.xml", "/cyprus/mail.xml"] {
        upstream.set(path, Behaviour::status(500, "down for the test"));
    }
    let dir = workdir(&config(
        &upstream,
        &[
            ("ireland", &[("RTE", "/ireland/rte.xml")]),
            ("cyprus", &[("Cyprus Mail", "/cyprus/mail.xml")]),
        ],
    ));
    let store = dir.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    for file in ["conf", "db"] {
        std::fs::copy(fixture_path("stores/e9b112a").join(file), store.join(file)).unwrap();
    }
    let expected = sorted(fixture_titles(&[
        "feeds/ireland-rte.xml",
        "feeds/cyprus-mail.xml",
    ]));

    let daemon = Daemon::start_in(dir);
    let served = titles(&get_feed(&daemon.url("/feeds/all.atom")).await);
    assert_eq!(sorted(served), expected, "the old store, as it is");
    let dir = daemon.into_dir();

    let migrate = || {
        let output = Daemon::run_cli(&["migrate"], dir.path());
        assert_eq!(output.status.code(), Some(0), "islands migrate");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let first = migrate();
    let rewritten: usize = first
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("islands migrate: {first}"));
    assert!(rewritten >= 8, "the 8 entries at least: {first}");
    let again = migrate();
    assert!(
        again.contains(": 0 of "),
        "nothing is left to rewrite: {again}"
    );

    let daemon = Daemon::start_in(dir);
    let served = titles(&get_feed(&daemon.url("/feeds/all.atom")).await);
    assert_eq!(sorted(served), expected, "the migrated store");
}

/// Issue 18: `islands compact` copies the store into a fresh one that serves the same entries
/// and stories, with its search index; beside a running daemon it refuses and touches nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compact_copies_the_store_and_refuses_beside_a_daemon() {
    let upstream = Upstream::start().await;
    serve_regional_fixtures(&upstream);
    let daemon = Daemon::start(&config(
        &upstream,
        &[("ireland", IRELAND), ("cyprus", CYPRUS)],
    ));
    let everything = fixture_titles(&[
        "feeds/ireland-rte.xml",
        "feeds/ireland-independent-atom.xml",
        "feeds/cyprus-mail.xml",
        "feeds/cyprus-philenews-iso-8859-7.xml",
    ]);
    wait_for_titles(&daemon.url("/feeds/all.atom"), &everything).await;
    let stories = get(&daemon.url("/feeds/stories/all.json"))
        .await
        .text()
        .await
        .unwrap();

    let beside = Daemon::run_cli(&["compact"], daemon.dir());
    assert_ne!(beside.status.code(), Some(0), "compact beside the daemon");
    let said = String::from_utf8_lossy(&beside.stderr);
    assert!(
        said.contains("is open in another process"),
        "says why: {said}"
    );
    let served = titles(&get_feed(&daemon.url("/feeds/all.atom")).await);
    assert_eq!(
        sorted(served),
        sorted(everything.clone()),
        "nothing touched"
    );

    let dir = daemon.into_dir();
    let output = Daemon::run_cli(&["compact"], dir.path());
    let said = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "islands compact: {said}");
    assert!(
        said.contains(" MB -> ") && said.contains(" keys in "),
        "{said}"
    );
    assert!(
        dir.path().join("store/search").is_dir(),
        "the search index moved along"
    );
    assert!(!dir.path().join("store.compacting").exists());
    assert!(!dir.path().join("store.old").exists());

    let daemon = Daemon::start_in(dir);
    let served = titles(&get_feed(&daemon.url("/feeds/all.atom")).await);
    assert_eq!(sorted(served), sorted(everything), "the compacted store");
    let again = get(&daemon.url("/feeds/stories/all.json"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(again, stories, "the same stories");
}
