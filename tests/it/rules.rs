//! The operator's tools of issue 16, through the real daemon: rules in feeds.toml, tracking
//! parameters stripped, the flood guard, five-field cron.
//!
//! What these tests check:
//! - a source's `drop` rule hides its sponsored entries from every feed format, and
//!   `/status.json` counts them under the rule's name with their titles; a region's `keep`
//!   rule with `contains` matches across case and Greek accents; a global `rewrite` rule
//!   changes titles in the feeds;
//! - a rule added by hot reload hides stored entries, and removing it brings them back;
//! - `utm_*` and `fbclid` leave the links of the feeds, other parameters stay;
//! - the first fetch of a 40-entry source puts its 5 newest in the combined and region feeds,
//!   and a later fetch neither floods them with the backlog nor holds back what is new;
//! - `islands check` accepts a five-field crontab line.

use crate::support::{
    Behaviour, CHANGE_DEADLINE, Daemon, FORMATS, RssItem, Upstream, config, edit_config,
    numbered_feed, rss_feed, run_islands, status_json, titles_in_every_format, wait_until,
    wait_until_listed, wait_until_unlisted, workdir, write_atomically,
};
use chrono::{DateTime, Duration, Utc};

/// A feed of `titles` (newest first), with links
/// `https://news.example/{prefix}/N?utm_source=rss&id=N&fbclid=abc`.
fn feed_of(prefix: &str, titles: &[&str]) -> Vec<u8> {
    let first: DateTime<Utc> = "2026-11-24T23:00:00Z".parse().unwrap();
    let items: Vec<RssItem> = titles
        .iter()
        .enumerate()
        .map(|(n, title)| RssItem {
            title: title.to_string(),
            link: format!(
                "https://news.example/{prefix}/{n}?utm_source=rss&amp;id={n}&amp;fbclid=abc"
            ),
            guid: None,
            published: first - Duration::hours(n as i64),
            description: format!("&lt;p&gt;About {title}&lt;/p&gt;"),
        })
        .collect();
    rss_feed("Rules news", "https://news.example/", &items)
}

const IRISH: &[&str] = &[
    "SPONSORED: win a weekend in Kerry",
    "Dáil passes housing bill - RTÉ News",
    "Advertorial: the best broadband deals",
    "Storm warning for the west coast - RTÉ News",
];
const CYPRIOT: &[&str] = &[
    "Λεμεσός: new marina opens",
    "Nicosia traffic plan approved",
    "ΛΕΜΕΣΟΣ port strike ends",
];

/// The config with rules in their places: `global` before the regions, `ireland_source` right
/// after the Irish source (a `[[region.source.rule]]` belongs to the source above it), and
/// `cyprus_region` after Cyprus's name.
fn with_rules(base: &str, global: &str, ireland_source: &str, cyprus_region: &str) -> String {
    let base = edit_config(
        base,
        "\n[[region]]\nslug = \"ireland\"",
        &format!("\n{global}\n[[region]]\nslug = \"ireland\""),
    );
    let mut text = String::new();
    for line in base.lines() {
        text.push_str(line);
        text.push('\n');
        if line.starts_with("url = ") && line.contains("/ie.xml") {
            text.push_str(ireland_source);
        }
        if line == "name = \"Cyprus\"" {
            text.push_str(cyprus_region);
        }
    }
    text
}

const DROP_SPONSORED: &str = "\n[[region.source.rule]]\naction = \"drop\"\nfield = \"title\"\nmatch = \"(?i)^(sponsored|advertorial)\"\n";
const KEEP_LIMASSOL: &str =
    "\n[[region.rule]]\naction = \"keep\"\nfield = \"title\"\ncontains = \"λεμεσος\"\n";
const REWRITE_SUFFIX: &str =
    "[[rule]]\naction = \"rewrite\"\nfield = \"title\"\nmatch = \" - RTÉ News$\"\nreplace = \"\"\n";

async fn start(global: &str, ireland_source: &str, cyprus_region: &str) -> (Upstream, Daemon) {
    let upstream = Upstream::start().await;
    upstream.set("/ie.xml", Behaviour::rss(feed_of("ie", IRISH)));
    upstream.set("/cy.xml", Behaviour::rss(feed_of("cy", CYPRIOT)));
    let base = config(
        &upstream,
        &[
            ("ireland", &[("RTÉ News", "/ie.xml")]),
            ("cyprus", &[("Cyprus Mail", "/cy.xml")]),
        ],
    );
    let text = with_rules(&base, global, ireland_source, cyprus_region);
    (upstream, Daemon::start(&text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_keep_and_rewrite_rules_shape_every_feed_and_status_counts_them() {
    let (_upstream, daemon) = start(REWRITE_SUFFIX, DROP_SPONSORED, KEEP_LIMASSOL).await;
    wait_until_listed(&daemon, "ireland", "Dáil passes housing bill").await;
    wait_until_listed(&daemon, "cyprus", "ΛΕΜΕΣΟΣ port strike ends").await;
    for (format, listed) in titles_in_every_format(&daemon, "all").await {
        assert!(
            listed.contains(&"Storm warning for the west coast".to_string()),
            "{format}: {listed:?}"
        );
        assert!(
            listed.contains(&"Λεμεσός: new marina opens".to_string()),
            "{format}: {listed:?}"
        );
        for hidden in [IRISH[0], IRISH[2], "Nicosia traffic plan approved"] {
            assert!(
                !listed.iter().any(|t| t == hidden),
                "{format} lists {hidden:?}"
            );
        }
        assert!(
            !listed.iter().any(|t| t.ends_with("RTÉ News")),
            "{format}: {listed:?}"
        );
    }
    let status = status_json(&daemon).await;
    let rules = status["rules"].as_array().expect("rules in /status.json");
    let rule = |name: &str| {
        rules
            .iter()
            .find(|rule| rule["name"] == name)
            .unwrap_or_else(|| panic!("no rule {name:?} in {rules:?}"))
            .clone()
    };
    let drop = rule("source \"RTÉ News\" rule 1");
    assert_eq!(drop["hidden"], 2, "{drop}");
    assert!(
        drop["recent"]
            .to_string()
            .contains("SPONSORED: win a weekend"),
        "{drop}"
    );
    assert_eq!(rule("region cyprus rule 1")["hidden"], 1);
    assert_eq!(rule("rule 1")["rewritten"], 2);
    let html = crate::support::body_text(&daemon, "/status").await;
    assert!(html.contains("region cyprus rule 1"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_added_by_hot_reload_hides_stored_entries_and_removing_it_brings_them_back() {
    let (_upstream, daemon) = start("", "", "").await;
    wait_until_listed(&daemon, "all", IRISH[0]).await;
    let path = daemon.dir().join("feeds.toml");
    let without = std::fs::read_to_string(&path).unwrap();
    let with = with_rules(&without, "", DROP_SPONSORED, "");
    let search = daemon.url("/search.json?q=kerry+weekend");
    let found = |expected: bool| {
        let url = search.clone();
        async move {
            wait_until(
                &format!("search finds the sponsored entry: {expected}"),
                crate::support::CHANGE_DEADLINE,
                || {
                    let url = url.clone();
                    async move {
                        let response = crate::support::get(&url).await;
                        response.status() == 200
                            && response.text().await.unwrap().contains("win a weekend") == expected
                    }
                },
            )
            .await;
        }
    };
    found(true).await;
    write_atomically(&path, &with);
    wait_until_unlisted(&daemon, "all", IRISH[0]).await;
    wait_until_unlisted(&daemon, "ireland", IRISH[2]).await;
    found(false).await;
    write_atomically(&path, &without);
    wait_until_listed(&daemon, "all", IRISH[0]).await;
    wait_until_listed(&daemon, "ireland", IRISH[2]).await;
    found(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_parameters_leave_every_link() {
    let (_upstream, daemon) = start("", "", "").await;
    wait_until_listed(&daemon, "all", IRISH[1]).await;
    for (format, _) in FORMATS {
        let (_, body) = crate::support::page(&daemon, &format!("/feeds/all.{format}")).await;
        assert!(
            !body.contains("utm_source") && !body.contains("fbclid"),
            "{format}: {body}"
        );
        assert!(
            body.contains("id=1"),
            "{format} keeps other parameters: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_source_of_forty_entries_puts_five_in_the_feeds_and_never_floods_them() {
    let upstream = Upstream::start().await;
    upstream.set("/big.xml", Behaviour::rss(numbered_feed(40, "big")));
    let text = edit_config(
        &config(&upstream, &[("ireland", &[("Big", "/big.xml")])]),
        "first_fetch_items = 100000",
        "first_fetch_items = 5",
    );
    let daemon = Daemon::start(&text);
    wait_until_listed(&daemon, "ireland", "big story 0").await;
    let count = |daemon: &Daemon, feed: &'static str| {
        let url = daemon.url(&format!("/feeds/{feed}.json"));
        async move {
            let json = crate::support::get_json(&url).await;
            json["items"].as_array().map_or(0, Vec::len)
        }
    };
    assert_eq!(count(&daemon, "all").await, 5);
    assert_eq!(count(&daemon, "ireland").await, 5);
    // The next fetches carry the same 40 and one new story: only the new one joins.
    let mut next = String::from_utf8(numbered_feed(40, "big")).unwrap();
    next = next.replacen(
        "<item>",
        "<item><title>big story new</title><link>https://news.example/big/new</link>\
         <pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate><description>New</description></item><item>",
        1,
    );
    upstream.set("/big.xml", Behaviour::rss(next.into_bytes()));
    wait_until_listed(&daemon, "ireland", "big story new").await;
    wait_until("a few more fetches", CHANGE_DEADLINE, || async {
        upstream.count("/big.xml") >= 4
    })
    .await;
    assert_eq!(count(&daemon, "ireland").await, 6);
    assert_eq!(count(&daemon, "all").await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_accepts_a_five_field_crontab_line() {
    let upstream = Upstream::start().await;
    let text = edit_config(
        &config(&upstream, &[("ireland", &[])]),
        "refresh = \"*/1 * * * * *\"",
        "refresh = \"*/15 * * * *\"",
    );
    let dir = workdir(&text);
    let output = run_islands(&["check"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_preview_prints_what_the_rules_would_do_and_changes_nothing() {
    let (_upstream, mut daemon) = start("", "", "").await;
    wait_until_listed(&daemon, "all", IRISH[0]).await;
    daemon.terminate(std::time::Duration::from_secs(10));
    let dir = daemon.into_dir();
    let path = dir.path().join("feeds.toml");
    let without = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        with_rules(&without, REWRITE_SUFFIX, DROP_SPONSORED, ""),
    )
    .unwrap();
    let preview = || {
        let output = run_islands(&["check", "--preview", "--source", "RTÉ News"], dir.path());
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let first = preview();
    assert!(
        first.contains("source \"RTÉ News\" rule 1: hides \"SPONSORED: win a weekend in Kerry\""),
        "{first}"
    );
    assert!(
        first.contains("rule 1: rewrites \"Dáil passes housing bill - RTÉ News\" -> \"Dáil passes housing bill\""),
        "{first}"
    );
    assert!(
        first.contains("2 entries would be hidden, 2 rewritten"),
        "{first}"
    );
    assert_eq!(
        preview(),
        first,
        "a preview changes nothing, so a second one says the same"
    );
    // --fetch judges a fresh fetch instead of the store (which it never opens).
    std::fs::rename(dir.path().join("store"), dir.path().join("store-aside")).unwrap();
    let output = run_islands(
        &["check", "--preview", "--fetch", "--source", "RTÉ News"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let fetched = String::from_utf8(output.stdout).unwrap();
    let lines = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(
        lines(&fetched),
        lines(&first),
        "the upstream has not changed, so the fresh fetch says what the store did (in feed order)"
    );
    assert!(!dir.path().join("store").exists(), "no store was made");
}
