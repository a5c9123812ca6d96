//! Webmention (<https://www.w3.org/TR/webmention/>), both ways.
//!
//! Receiving: `POST /webmention` with `source` and `target` (one of our article permalinks)
//! is recorded and flushed, answered 202 with a status URL, and verified in the background
//! with the fetcher's limits: the source must link to the target (a source on a private
//! address is refused unless `[comments] allow_private_sources`). Its `h-entry` (author name,
//! URL and photo, content, published, and whether it replies, likes or reposts) becomes a
//! comment, moderated like the form's. A repeated Webmention updates it; a source that now
//! answers 410 or 404, or no longer links, removes it.
//!
//! Sending: after our articles change, each page an article links to is asked for its
//! endpoint (`Link` header, then `<link>`/`<a rel="webmention">`) and notified, with retries.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};
use url::Url;

use crate::app::App;
use crate::fetch::{FetchOutcome, Fetched, Validators};
use crate::store::{Comment, CommentId, CommentKind, CommentState, StoreError};

/// A received Webmention and what became of it (`/webmention/{id}` shows it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub id: CommentId,
    pub source: String,
    pub target: String,
    pub slug: String,
    #[serde(flatten)]
    pub status: Status,
    pub received: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    Pending,
    Verified,
    Rejected { reason: String },
}

/// Why a Webmention is refused at once (400).
pub fn check_request(app: &App, source: &str, target: &str) -> Result<(Url, String), String> {
    let config = app.config();
    let parse = |name: &str, value: &str| {
        Url::parse(value)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| format!("{name} must be an absolute http or https URL"))
    };
    let source_url = parse("source", source)?;
    let target_url = parse("target", target)?;
    if source_url == target_url {
        return Err("source and target are the same URL".to_string());
    }
    let mut bare = target_url.clone();
    bare.set_fragment(None);
    let slug = crate::urls::slug_of_permalink(&config.site.base_url, bare.as_str())
        .ok_or_else(|| "target is not one of this site's articles".to_string())?;
    Ok((source_url, slug))
}

/// Records a Webmention (flushed), for [`verify`] to check.
pub fn record(
    store: &crate::store::Store,
    source: &str,
    target: &str,
    slug: &str,
) -> Result<Option<Received>, StoreError> {
    if store
        .get(crate::articles::article_id(slug))?
        .filter(|entry| entry.article.is_some())
        .is_none()
    {
        return Ok(None);
    }
    let received = Received {
        id: CommentId::new(Utc::now()),
        source: source.to_string(),
        target: target.to_string(),
        slug: slug.to_string(),
        status: Status::Pending,
        received: Utc::now(),
    };
    store.put_webmention(
        received.id,
        &serde_json::to_vec(&received).expect("serializes"),
    )?;
    store.flush()?;
    Ok(Some(received))
}

pub fn read(store: &crate::store::Store, id: CommentId) -> Result<Option<Received>, StoreError> {
    Ok(store
        .webmention(id)?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

fn save(store: &crate::store::Store, received: &Received) -> Result<(), StoreError> {
    store.put_webmention(
        received.id,
        &serde_json::to_vec(received).expect("serializes"),
    )?;
    store.flush()
}

/// Verifies the Webmentions received and not yet checked (at start: those a stop interrupted).
pub async fn resume(app: Arc<App>) {
    let pending = app
        .store
        .blocking(|store| {
            store.webmentions().map(|all| {
                all.into_iter()
                    .filter_map(|bytes| serde_json::from_slice::<Received>(&bytes).ok())
                    .filter(|received| received.status == Status::Pending)
                    .collect::<Vec<_>>()
            })
        })
        .await
        .unwrap_or_default();
    for received in pending {
        tokio::spawn(verify(app.clone(), received));
    }
}

/// Fetches the source and makes, updates or removes its comment.
pub async fn verify(app: Arc<App>, mut received: Received) {
    let outcome = check_source(&app, &received).await;
    let store = app.store.clone();
    let config = app.config();
    let result = store
        .blocking(move |store| {
            let article = crate::articles::article_id(&received.slug);
            let existing = store.webmention_comment(article, &received.source)?;
            match outcome {
                Ok(mention) => {
                    let state = match &existing {
                        Some(old) => old.state,
                        None => super::initial_state(
                            &config,
                            store,
                            None,
                            mention.author_url.as_deref(),
                        )?,
                    };
                    let comment = Comment {
                        id: existing.as_ref().map_or(received.id, |old| old.id),
                        article,
                        slug: received.slug.clone(),
                        author: mention.author,
                        url: mention.author_url,
                        email: None,
                        photo: mention.photo,
                        text: mention.text,
                        kind: mention.kind,
                        source: Some(received.source.clone()),
                        published: mention.published.unwrap_or(received.received),
                        state,
                    };
                    store.put_comment(&comment)?;
                    received.status = Status::Verified;
                    if state == CommentState::Approved {
                        store.invalidate();
                    }
                }
                Err(reason) => {
                    if let Some(old) = existing {
                        store.remove_comment(old.id)?;
                        if old.state == CommentState::Approved {
                            store.invalidate();
                        }
                    }
                    received.status = Status::Rejected { reason };
                }
            }
            save(store, &received)?;
            Ok::<_, StoreError>(received)
        })
        .await;
    match result {
        Ok(received) => {
            info!(source = %received.source, target = %received.target, status = ?received.status, "webmention checked")
        }
        Err(error) => warn!("checking a webmention: {}", crate::report::Report(&error)),
    }
}

/// What a verified source says.
struct Mention {
    author: String,
    author_url: Option<String>,
    photo: Option<String>,
    text: String,
    kind: CommentKind,
    published: Option<DateTime<Utc>>,
}

async fn fetch_public(app: &App, url: &Url) -> Result<Result<Fetched, u16>, String> {
    if !app.config().comments.allow_private_sources && !crate::fetch::leads_to_public(url).await {
        return Err(format!("{url} is on a private or local address"));
    }
    match app.fetcher().fetch(url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(fetched)) => Ok(Ok(*fetched)),
        Ok(FetchOutcome::NotModified { .. }) => {
            Err("answered 304 to an unconditional GET".to_string())
        }
        Err(error) => match error.status() {
            Some(status) => Ok(Err(status)),
            None => Err(crate::report::Report(&error).to_string()),
        },
    }
}

async fn check_source(app: &App, received: &Received) -> Result<Mention, String> {
    let source = Url::parse(&received.source).map_err(|e| e.to_string())?;
    let fetched = match fetch_public(app, &source).await? {
        Ok(fetched) => fetched,
        Err(status @ (404 | 410)) => return Err(format!("the source answers {status}: deleted")),
        Err(status) => return Err(format!("the source answers {status}")),
    };
    let html = String::from_utf8_lossy(&fetched.body);
    let document = Html::parse_document(&html);
    let target = Url::parse(&received.target).map_err(|e| e.to_string())?;
    let links_to = |element: ElementRef| {
        ["href", "src"].iter().any(|name| {
            element
                .value()
                .attr(name)
                .and_then(|href| fetched.final_url.join(href.trim()).ok())
                .is_some_and(|url| same_page(&url, &target))
        })
    };
    let any = Selector::parse("[href], [src]").expect("a valid selector");
    if !document.select(&any).any(links_to) {
        return Err("the source does not link to the target".to_string());
    }
    fn select<'a>(scope: ElementRef<'a>, css: &str) -> Option<ElementRef<'a>> {
        let selector = Selector::parse(css).ok()?;
        scope.select(&selector).next()
    }
    let text_of = |element: ElementRef| {
        crate::normalize::html::collapse_whitespace(&element.text().collect::<String>())
    };
    let root = document.root_element();
    let entry = select(root, ".h-entry").unwrap_or(root);
    let card = select(entry, ".p-author.h-card, .h-card").or_else(|| select(root, ".h-card"));
    let author = card
        .and_then(|card| {
            select(card, ".p-name")
                .map(text_of)
                .or_else(|| Some(text_of(card)))
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| source.host_str().unwrap_or("someone").to_string());
    let web = |value: Option<&str>| {
        value
            .and_then(|href| fetched.final_url.join(href.trim()).ok())
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .map(|url| url.to_string())
    };
    let author_url = card.and_then(|card| {
        web(select(card, ".u-url")
            .and_then(|link| link.value().attr("href"))
            .or_else(|| card.value().attr("href")))
    });
    let photo =
        card.and_then(|card| web(select(card, ".u-photo").and_then(|img| img.value().attr("src"))));
    let points_here = |class: &str| {
        Selector::parse(&format!(".{class}"))
            .ok()
            .is_some_and(|selector| entry.select(&selector).any(links_to))
    };
    let kind = if points_here("u-in-reply-to") {
        CommentKind::Reply
    } else if points_here("u-like-of") {
        CommentKind::Like
    } else if points_here("u-repost-of") {
        CommentKind::Repost
    } else {
        CommentKind::Mention
    };
    let text = select(entry, ".e-content")
        .or_else(|| select(entry, ".p-content"))
        .or_else(|| select(entry, ".p-summary"))
        .or_else(|| select(entry, ".p-name"))
        .map(text_of)
        .unwrap_or_else(|| format!("Mentioned this article at {source}"));
    let text: String = text.chars().take(super::MAX_CHARS).collect();
    let published = select(entry, ".dt-published")
        .and_then(|time| {
            time.value()
                .attr("datetime")
                .map(str::to_string)
                .or_else(|| Some(text_of(time)))
        })
        .and_then(|date| DateTime::parse_from_rfc3339(date.trim()).ok())
        .map(|date| date.with_timezone(&Utc));
    Ok(Mention {
        author: author.chars().take(100).collect(),
        author_url,
        photo,
        text,
        kind,
        published,
    })
}

/// The same page: scheme, host, port, path (a trailing slash aside) and query; no fragment.
fn same_page(a: &Url, b: &Url) -> bool {
    let key = |url: &Url| {
        (
            url.host_str().map(str::to_ascii_lowercase),
            url.port_or_known_default(),
            url.path().trim_end_matches('/').to_string(),
            url.query().map(str::to_string),
        )
    };
    key(a) == key(b)
}

/// Attempts per Webmention sent, with doubling delays.
const SEND_ATTEMPTS: u32 = 3;

/// Notifies every page `html` (the content of our article at `permalink`) links to.
pub async fn send_all(app: Arc<App>, permalink: String, html: String) {
    let base = app.config().site.base_url.clone();
    let targets: Vec<Url> = {
        let document = Html::parse_fragment(&html);
        let links = Selector::parse("a[href]").expect("a valid selector");
        let mut targets: Vec<Url> = Vec::new();
        for link in document.select(&links) {
            let Some(url) = link
                .value()
                .attr("href")
                .and_then(|href| Url::parse(href.trim()).ok())
            else {
                continue;
            };
            if matches!(url.scheme(), "http" | "https")
                && !url.as_str().starts_with(base.as_str())
                && !targets.contains(&url)
            {
                targets.push(url);
            }
        }
        targets
    };
    for target in targets {
        let mut delay = Duration::from_secs(1);
        for attempt in 1..=SEND_ATTEMPTS {
            match send(&app, &permalink, &target).await {
                Ok(Some(status)) => {
                    info!(%target, source = %permalink, status, "webmention sent");
                    break;
                }
                // No endpoint: nothing to tell.
                Ok(None) => break,
                Err(error) if attempt < SEND_ATTEMPTS => {
                    warn!(%target, attempt, "sending a webmention: {error}; trying again");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(error) => warn!(%target, "giving up on a webmention: {error}"),
            }
        }
    }
}

/// Discovers `target`'s endpoint and posts to it; `None` when it has none.
async fn send(app: &App, source: &str, target: &Url) -> Result<Option<u16>, String> {
    let fetched = match fetch_public(app, target).await? {
        Ok(fetched) => fetched,
        Err(status) => return Err(format!("the target answers {status}")),
    };
    let Some(endpoint) = discover(&fetched) else {
        return Ok(None);
    };
    if !app.config().comments.allow_private_sources
        && !crate::fetch::leads_to_public(&endpoint).await
    {
        return Err(format!(
            "the endpoint {endpoint} is on a private or local address"
        ));
    }
    let status = app
        .fetcher()
        .post_form(
            &endpoint,
            &[("source", source), ("target", target.as_str())],
        )
        .await
        .map_err(|error| crate::report::Report(&error).to_string())?;
    if (200..300).contains(&status) {
        Ok(Some(status))
    } else {
        Err(format!("the endpoint answered {status}"))
    }
}

/// A page's Webmention endpoint: the `Link` header, then the first `<link>` or `<a>` with
/// `rel="webmention"`, resolved against the page (an empty href is the page itself).
fn discover(fetched: &Fetched) -> Option<Url> {
    if let Some(link) = &fetched.link {
        for part in link.split(',') {
            let Some((url, params)) = part.split_once(';') else {
                continue;
            };
            let is_webmention = params.split(';').any(|param| {
                param
                    .trim()
                    .strip_prefix("rel=")
                    .map(|rel| rel.trim_matches('"'))
                    .is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "webmention"))
            });
            if is_webmention {
                let url = url.trim().trim_start_matches('<').trim_end_matches('>');
                return fetched.final_url.join(url).ok();
            }
        }
    }
    let html = String::from_utf8_lossy(&fetched.body);
    let document = Html::parse_document(&html);
    let selector = Selector::parse("link[rel][href], a[rel][href]").expect("a valid selector");
    document
        .select(&selector)
        .find(|element| {
            element
                .value()
                .attr("rel")
                .is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "webmention"))
        })
        .and_then(|element| fetched.final_url.join(element.value().attr("href")?).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(link: Option<&str>, body: &str) -> Fetched {
        Fetched {
            status: 200,
            body: body.as_bytes().to_vec().into(),
            content_type: Some("text/html".into()),
            link: link.map(str::to_string),
            validators: Validators::default(),
            final_url: Url::parse("https://blog.example/posts/1").unwrap(),
            moved_permanently_to: None,
        }
    }

    #[test]
    fn endpoints_are_discovered_in_the_header_first_then_the_page() {
        let header = page(
            Some("<https://blog.example/feed>; rel=\"alternate\", </wm>; rel=\"webmention\""),
            "",
        );
        assert_eq!(
            discover(&header).unwrap().as_str(),
            "https://blog.example/wm"
        );
        let link = page(
            None,
            "<html><head><link rel=\"webmention\" href=\"https://wm.example/e\"></head></html>",
        );
        assert_eq!(discover(&link).unwrap().as_str(), "https://wm.example/e");
        let anchor = page(None, "<a rel=\"me webmention\" href=\"\">x</a>");
        assert_eq!(
            discover(&anchor).unwrap().as_str(),
            "https://blog.example/posts/1"
        );
        assert_eq!(discover(&page(None, "<p>none</p>")), None);
    }
}
