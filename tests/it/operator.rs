//! Issue 16, the operator's command line beside a running daemon: `islands source add` from a
//! web page that announces its feed (autodiscovery) keeps the comments of feeds.toml and the
//! daemon picks the source up by hot reload; `islands source remove` takes it out again; a page
//! without a feed, an unknown region or a name already taken change nothing.

use crate::support::{
    Behaviour, CHANGE_DEADLINE, Daemon, Upstream, config, fixture_titles, run_islands,
    wait_for_titles, wait_until,
};

const COMMENT: &str = "# Our sources. Keep this comment, islands.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_add_discovers_the_feed_of_a_page_and_remove_takes_it_out() {
    let upstream = Upstream::start().await;
    upstream.set("/rte.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    upstream.set(
        "/kypros/feed.xml",
        Behaviour::fixture("feeds/cyprus-mail.xml"),
    );
    let page = r#"<!doctype html><html lang="en"><head><title>Cyprus Mail</title>
        <link rel="stylesheet" href="/s.css">
        <link rel="alternate" type="application/rss+xml" title="Cyprus Mail" href="/kypros/feed.xml">
        </head><body><h1>News</h1></body></html>"#;
    upstream.set(
        "/kypros/",
        Behaviour::Status {
            code: 200,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: page.to_string(),
        },
    );
    upstream.set(
        "/plain.html",
        Behaviour::Status {
            code: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html><head><title>No feed here</title></head></html>".into(),
        },
    );
    let text = format!(
        "{COMMENT}{}",
        config(
            &upstream,
            &[("ireland", &[("RTÉ News", "/rte.xml")]), ("cyprus", &[])]
        )
    );
    let daemon = Daemon::start(&text);
    let dir = daemon.dir().to_path_buf();
    let file = || std::fs::read_to_string(dir.join("feeds.toml")).unwrap();

    let output = run_islands(
        &[
            "source",
            "add",
            &upstream.url("/kypros/"),
            "--region",
            "cyprus",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout.contains(&format!(
            "announces the feed {}",
            upstream.url("/kypros/feed.xml")
        )),
        "{stdout}"
    );
    let edited = file();
    assert!(edited.starts_with(COMMENT), "the comments stay: {edited}");
    assert!(
        edited.contains(&format!(
            "[[region.source]]\nname = \"Cyprus Mail\"\nurl = \"{}\"\n",
            upstream.url("/kypros/feed.xml")
        )),
        "{edited}"
    );
    assert!(
        edited.starts_with(&text[..text.find("[[region]]").unwrap()]),
        "{edited}"
    );
    // The running daemon picks the new source up by its hot reload.
    let titles = fixture_titles(&["feeds/cyprus-mail.xml"]);
    wait_for_titles(&daemon.url("/feeds/source/cyprus-mail.json"), &titles).await;

    // Mistakes change nothing and say why.
    for (args, says) in [
        (
            vec![
                "source",
                "add",
                &upstream.url("/plain.html"),
                "--region",
                "cyprus",
            ],
            "announces one",
        ),
        (
            vec![
                "source",
                "add",
                &upstream.url("/rte.xml"),
                "--region",
                "atlantis",
            ],
            "unknown region",
        ),
        (
            vec![
                "source",
                "add",
                &upstream.url("/kypros/feed.xml"),
                "--region",
                "ireland",
            ],
            "already there",
        ),
        (vec!["source", "remove", "Nobody"], "no source named"),
    ] {
        let before = file();
        let output = run_islands(&args, &dir);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(file(), before, "{args:?} changed feeds.toml");
    }

    let output = run_islands(&["source", "remove", "Cyprus Mail"], &dir);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        file(),
        text,
        "removing the source gives the file back as it was"
    );
    let status_url = daemon.url("/status.json");
    wait_until("the daemon drops the source", CHANGE_DEADLINE, || {
        let url = status_url.clone();
        async move {
            let status = crate::support::get_json(&url).await;
            status["sources"]
                .as_array()
                .is_some_and(|sources| sources.iter().all(|s| s["name"] != "Cyprus Mail"))
        }
    })
    .await;
}

/// Every command that opens the store works beside a running daemon, which does the work
/// through its socket (mode 0600 in the store's folder), and works alone once it is gone (a
/// socket left by a killed daemon is stale, not an obstacle).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_store_command_runs_through_the_daemon_while_it_holds_the_store() {
    let upstream = Upstream::start().await;
    upstream.set("/rte.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    upstream.set(
        "/independent.atom",
        Behaviour::fixture("feeds/ireland-independent-atom.xml"),
    );
    let text = config(
        &upstream,
        &[(
            "ireland",
            &[
                ("RTÉ News", "/rte.xml"),
                ("Irish Independent", "/independent.atom"),
            ],
        )],
    );
    let daemon = Daemon::start(&text);
    let dir = daemon.dir().to_path_buf();
    std::fs::write(
        dir.join("articles/ferry.md"),
        crate::support::article_text("Ferry strike ends", &["ireland"], "", "Sailings resume."),
    )
    .unwrap();
    let titles = fixture_titles(&["feeds/ireland-rte.xml"]);
    wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;
    wait_until("the article is published", CHANGE_DEADLINE, || {
        let url = daemon.url("/articles/ferry");
        async move { crate::support::get(&url).await.status() == 200 }
    })
    .await;
    let socket = dir.join("store/islands.sock");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may ask the daemon");
    }
    let run = |args: &[&str]| {
        let output = run_islands(args, &dir);
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let status = run(&["status"]);
    assert!(status.starts_with("SOURCE"), "{status}");
    let row = status
        .lines()
        .find(|line| line.starts_with("RTÉ News"))
        .unwrap();
    assert!(row.contains("ireland") && row.contains("200"), "{status}");
    // A line per source, whole, however the daemon's chunks gathered them.
    let fetched = run(&["fetch"]);
    let mut lines: Vec<&str> = fetched.lines().collect();
    lines.sort();
    assert_eq!(lines.len(), 2, "{fetched}");
    assert!(
        lines[0].starts_with(&format!(
            "Irish Independent ({}): ",
            upstream.url("/independent.atom")
        )),
        "{fetched}"
    );
    assert!(
        lines[1].starts_with(&format!("RTÉ News ({}): ", upstream.url("/rte.xml"))),
        "{fetched}"
    );
    let exported = run(&["export", "--out", "site"]);
    assert!(exported.contains("files"), "{exported}");
    assert!(
        dir.join("site/feeds/all.atom").is_file(),
        "the relative folder is the command's"
    );
    assert!(run(&["opml", "export"]).contains("<opml"));
    let articles = run_islands(&["article", "export", "written"], &dir);
    assert!(articles.status.success(), "{articles:?}");
    assert!(String::from_utf8_lossy(&articles.stderr).contains("1 articles written"));
    assert!(dir.join("written").read_dir().unwrap().count() == 1);
    let preview = run(&["check", "--preview"]);
    assert!(preview.contains("0 entries would be hidden"), "{preview}");
    let reindexed = run(&["reindex"]);
    assert!(reindexed.contains("entries indexed"), "{reindexed}");
    let unknown = run_islands(&["check", "--preview", "--source", "Nobody"], &dir);
    assert_eq!(unknown.status.code(), Some(1), "{unknown:?}");

    // Killed: the socket file stays, stale; the commands open the store themselves.
    let dir = daemon.into_dir();
    assert!(socket.exists());
    let output = run_islands(&["status"], dir.path());
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("RTÉ News"));
}
