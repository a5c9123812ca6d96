//! Feed bytes -> normalized entries -> rendered feeds: nothing panics, and whatever islands
//! accepts, it republishes as feeds that parse again.
#![no_main]

use std::collections::HashMap;

use chrono::{TimeZone, Utc};
use islands::normalize::{FeedOrigin, normalize_feed};
use islands::render::{FeedPage, Format, atom, json_feed, rss};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libFuzzer's panic hook aborts at once, before islands can catch feed-rs's panics (it
    // turns them into an error for the source). A quiet hook lets them unwind to that catch;
    // a panic anywhere else still unwinds to libfuzzer-sys, which reports it as a crash.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    // The first byte picks the HTTP charset, so undeclared documents get transcoded too.
    let (content_type, body) = match data.split_first() {
        Some((0, rest)) => (Some("text/xml; charset=ISO-8859-7"), rest),
        Some((1, rest)) => (Some("text/xml; charset=windows-1252"), rest),
        _ => (None, data),
    };
    let url = url::Url::parse("https://news.example/feed.xml").unwrap();
    let source = FeedOrigin {
        name: "Fuzz".into(),
        feed_url: url.clone(),
        base_url: url,
        region: "ireland".into(),
        document_base: None,
        strip_params: Vec::new(),
        language: None,
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let Ok(feed) = normalize_feed(body, content_type, &source, now) else {
        return;
    };
    let entries: Vec<_> = feed.entries.into_iter().map(|n| n.entry).collect();
    let site = islands::config::Site {
        title: "Islands".into(),
        subtitle: String::new(),
        base_url: url::Url::parse("http://127.0.0.1:8080/").unwrap(),
        language: "en".into(),
        contact: String::new(),
        about: String::new(),
        logo: "http://127.0.0.1:8080/icon.png".into(),
        icon: "http://127.0.0.1:8080/icon.png".into(),
    };
    let names = HashMap::new();
    let page = FeedPage {
        site: &site,
        name: "all",
        title: "Islands".into(),
        description: String::new(),
        html_url: site.base_url.to_string(),
        page: 1,
        has_more: false,
        next_after: None,
        entries: &entries,
        region_names: &names,
        hub: None,
        address: None,
        story_links: None,
    };
    for format in Format::ALL {
        let bytes = match format {
            Format::Rss => rss::render_rss(&page),
            Format::Atom => atom::render_atom(&page),
            Format::Json => json_feed::render_json_feed(&page),
        };
        let parsed = feed_rs::parser::parse(&bytes[..]);
        assert!(parsed.is_ok(), "{format:?} output does not parse: {parsed:?}");
        assert_eq!(parsed.unwrap().entries.len(), entries.len());
    }
});
