//! Issue 16, push ingest: islands subscribes to the hub a source's feed names, against a real
//! hub from PyPI (flask-websub, tests/websub/hub.py) on 127.0.0.1. The hub verifies the intent,
//! a publish reaches the feeds by push within seconds (polling is only the fallback), a body
//! with a bad signature is ignored, the lease is renewed before it ends, and a removed source
//! is unsubscribed.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::in_process::start_daemon;
use crate::support::{Behaviour, Upstream, config, edit_config, get_json, wait_until, workdir};

/// The hub's process, killed when dropped.
struct Hub {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the hub, or `None` after a loud skip where flask-websub is missing (CI fails).
async fn start_hub() -> Option<Hub> {
    let importable = Command::new("python3")
        .args(["-c", "import flask_websub, celery, flask"])
        .status()
        .is_ok_and(|status| status.success());
    if !importable {
        crate::support::skip_without("python3 with flask-websub and celery is not installed");
        return None;
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/websub/hub.py");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .arg(dir.path().join("hub.db"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the hub");
    let hub = Hub {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let ready = format!("{}/ready", hub.url);
    wait_until("the hub is up", Duration::from_secs(20), || {
        let ready = ready.clone();
        async move {
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(&ready)
                .send()
                .await
                .is_ok_and(|response| response.status() == 200)
        }
    })
    .await;
    Some(hub)
}

/// The topic: an RSS feed that names the hub and itself, in the document and in `Link`.
fn topic(hub: &str, topic: &str, titles: &[&str]) -> Behaviour {
    let items: String = titles
        .iter()
        .enumerate()
        .map(|(n, title)| {
            format!(
                "<item><title>{title}</title><link>https://pushed.example/{n}</link>\
                 <pubDate>Tue, 24 Nov 2026 0{n}:00:00 GMT</pubDate></item>"
            )
        })
        .collect();
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\
         <channel><title>Pushed News</title><link>https://pushed.example/</link>\
         <description>d</description><atom:link rel=\"hub\" href=\"{hub}\"/>\
         <atom:link rel=\"self\" href=\"{topic}\"/>{items}</channel></rss>"
    );
    Behaviour::Status {
        code: 200,
        headers: vec![
            ("content-type".into(), "application/rss+xml".into()),
            (
                "link".into(),
                format!("<{hub}>; rel=\"hub\", <{topic}>; rel=\"self\""),
            ),
        ],
        body,
    }
}

async fn post_form(url: &str, form: &[(&str, &str)]) -> reqwest::StatusCode {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        )
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_pushes_verified_signed_renewed_and_unsubscribed() {
    let Some(hub) = start_hub().await else { return };
    let hub_endpoint = format!("{}/hub", hub.url);
    let upstream = Upstream::start().await;
    let topic_url = upstream.url("/topic.xml");
    upstream.set(
        "/topic.xml",
        topic(&hub_endpoint, &topic_url, &["First story"]),
    );
    let port = free_port();
    let text = edit_config(
        &config(&upstream, &[("ireland", &[("Pushed News", "/topic.xml")])]),
        "[articles]",
        &format!(
            "[websub]\ncallback_base = \"http://127.0.0.1:{port}/\"\nlease = \"3s\"\n\
             fallback_refresh = \"1h\"\n\n[articles]"
        ),
    );
    let text = text.replace(
        &text[text.find("listen = ").unwrap()..]
            [..text[text.find("listen = ").unwrap()..].find('\n').unwrap()],
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    let dir = workdir(&text);
    let daemon = start_daemon(&dir).await;
    let status_url = daemon.url("/status.json");
    let source_status = || {
        let url = status_url.clone();
        async move { get_json(&url).await["sources"][0].clone() }
    };
    wait_until(
        "the hub verified the subscription",
        Duration::from_secs(20),
        || {
            let status = source_status();
            async move { status.await["websub"]["state"] == "active" }
        },
    )
    .await;
    let subscribed = source_status().await;
    assert_eq!(
        subscribed["websub"]["hub"],
        hub_endpoint.as_str(),
        "{subscribed}"
    );
    let subscriptions_url = format!("{}/subscriptions?topic={topic_url}", hub.url);
    let callbacks = get_json(&subscriptions_url).await;
    let callback = callbacks[0]
        .as_str()
        .expect("the hub holds our callback")
        .to_string();
    assert!(
        callback.starts_with(&format!("http://127.0.0.1:{port}/websub/")),
        "{callbacks}"
    );

    // A publish reaches the feeds by push (polling waits an hour while subscribed).
    upstream.set(
        "/topic.xml",
        topic(&hub_endpoint, &topic_url, &["First story", "Pushed story"]),
    );
    let published = post_form(
        &hub_endpoint,
        &[("hub.mode", "publish"), ("hub.topic", &topic_url)],
    )
    .await;
    assert_eq!(published, 202);
    let feed_url = daemon.url("/feeds/ireland.json");
    wait_until(
        "the pushed story is published",
        Duration::from_secs(10),
        || {
            let url = feed_url.clone();
            async move { get_json(&url).await.to_string().contains("Pushed story") }
        },
    )
    .await;
    assert!(source_status().await["last_push"].is_string());

    // A body that is not signed with our secret is ignored.
    let forged = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(&callback)
        .header("content-type", "application/rss+xml")
        .header("x-hub-signature", format!("sha512={}", "ab".repeat(64)))
        .body(match topic(&hub_endpoint, &topic_url, &["Forged story"]) {
            Behaviour::Status { body, .. } => body,
            _ => unreachable!(),
        })
        .send()
        .await
        .unwrap();
    assert!(
        forged.status().is_success(),
        "acknowledged, as the spec allows"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !get_json(&feed_url)
            .await
            .to_string()
            .contains("Forged story")
    );

    // The 3 s lease is renewed before it ends.
    let first_lease = source_status().await["websub"]["lease_until"]
        .as_str()
        .unwrap()
        .to_string();
    wait_until("the lease is renewed", Duration::from_secs(15), || {
        let status = source_status();
        let first = first_lease.clone();
        async move {
            let status = status.await;
            status["websub"]["state"] == "active"
                && status["websub"]["lease_until"]
                    .as_str()
                    .is_some_and(|until| until > first.as_str())
        }
    })
    .await;

    // Removed from feeds.toml: unsubscribed, and the hub lets go of our callback.
    let without = edit_config(
        &text,
        &text[text.find("[[region.source]]").unwrap()..][..text
            [text.find("[[region.source]]").unwrap()..]
            .find("\n\n")
            .unwrap_or(text.len() - text.find("[[region.source]]").unwrap())],
        "",
    );
    std::fs::write(dir.path().join("feeds.toml"), without).unwrap();
    wait_until(
        "the hub dropped the subscription",
        Duration::from_secs(20),
        || {
            let url = subscriptions_url.clone();
            async move { get_json(&url).await.as_array().is_some_and(Vec::is_empty) }
        },
    )
    .await;
    daemon.stop().await.unwrap();
}
