//! Micropub (W3C Recommendation, <https://www.w3.org/TR/micropub/>): journalists publish from any
//! Micropub client. This module reads requests (form-encoded or JSON) into [`Action`]s and
//! applies them to the store; `serve::micropub` does HTTP and authentication.
//!
//! Posts become articles like the file ones (the same `ArticleText`, the same id from the slug,
//! the same permalink), stored in sled only. A `category` that names a region places the article
//! there; other categories become tags. Articles written as files stay the files' to edit.
//!
//! The trap: nothing may be half-written. Every request is parsed and validated completely
//! before the store is touched, and one `Store::put` writes the result.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::articles::{ArticleText, article_id, slugify};
use crate::config::Config;
use crate::model::Entry;
use crate::normalize::clamp_future;
use crate::normalize::date::parse_date;
use crate::normalize::html::html_to_text;
use crate::store::{Store, StoreError};

/// Property name -> values, as Micropub's JSON syntax has them.
pub type Properties = BTreeMap<String, Vec<Value>>;

/// What a request asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Create(Properties),
    Update {
        url: String,
        replace: Properties,
        add: Properties,
        /// Whole properties to remove, and values to remove from properties.
        delete_properties: Vec<String>,
        delete_values: Properties,
    },
    Delete {
        url: String,
    },
    Undelete {
        url: String,
    },
}

/// A Micropub error response: an HTTP status, an error code from the spec, and words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct MicropubError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl MicropubError {
    pub fn invalid(description: impl Into<String>) -> MicropubError {
        MicropubError {
            status: 400,
            error: "invalid_request",
            description: description.into(),
        }
    }

    fn forbidden(url: &str) -> MicropubError {
        MicropubError {
            status: 403,
            error: "forbidden",
            description: format!("{url} belongs to another author"),
        }
    }

    fn not_found(url: &str) -> MicropubError {
        MicropubError {
            status: 400,
            error: "invalid_request",
            description: format!("no article at {url}"),
        }
    }

    /// The JSON body the spec asks for.
    pub fn body(&self) -> Value {
        json!({ "error": self.error, "error_description": self.description })
    }
}

impl From<StoreError> for MicropubError {
    fn from(error: StoreError) -> MicropubError {
        tracing::error!("micropub: {}", crate::report::Report(&error));
        MicropubError {
            status: 500,
            error: "server_error",
            description: "the article could not be stored".to_string(),
        }
    }
}

/// What a successful request did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 201 with `Location`.
    Created { permalink: String },
    /// 204.
    Done,
}

/// Reads a form-encoded body (`h=entry&name=...&category[]=...`). Returns the action and the
/// `access_token` field, if the client sent its token that way.
pub fn parse_form(body: &[u8]) -> Result<(Action, Option<String>), MicropubError> {
    let mut properties = Properties::new();
    let mut token = None;
    let mut action = None;
    let mut url = None;
    let mut kind = None;
    for (key, value) in url::form_urlencoded::parse(body) {
        let key = key.strip_suffix("[]").unwrap_or(&key).to_string();
        let value = value.into_owned();
        match key.as_str() {
            "access_token" => token = Some(value),
            "action" => action = Some(value),
            "url" => url = Some(value),
            "h" => kind = Some(value),
            _ => properties
                .entry(key)
                .or_default()
                .push(Value::String(value)),
        }
    }
    let action = match action.as_deref() {
        None => {
            if kind.as_deref().unwrap_or("entry") != "entry" {
                return Err(MicropubError::invalid("only h=entry posts are supported"));
            }
            Action::Create(properties)
        }
        Some("delete") => Action::Delete {
            url: url.ok_or_else(|| MicropubError::invalid("delete needs a url"))?,
        },
        Some("undelete") => Action::Undelete {
            url: url.ok_or_else(|| MicropubError::invalid("undelete needs a url"))?,
        },
        Some("update") => {
            return Err(MicropubError::invalid(
                "updates are sent as JSON (Micropub 3.4)",
            ));
        }
        Some(other) => return Err(MicropubError::invalid(format!("unknown action {other:?}"))),
    };
    Ok((action, token))
}

/// Reads a JSON body (`{"type":["h-entry"],"properties":{...}}` or `{"action":...}`).
pub fn parse_json(body: &[u8]) -> Result<Action, MicropubError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| MicropubError::invalid(format!("malformed JSON: {error}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| MicropubError::invalid("the body must be a JSON object"))?;
    let url = || {
        object
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| MicropubError::invalid("the action needs a url"))
    };
    match object.get("action").and_then(Value::as_str) {
        None => {
            let kinds = object.get("type").and_then(Value::as_array);
            let is_entry = kinds.is_some_and(|kinds| kinds.iter().any(|k| k == "h-entry"));
            if !is_entry {
                return Err(MicropubError::invalid("type must be [\"h-entry\"]"));
            }
            Ok(Action::Create(properties_of(object.get("properties"))?))
        }
        Some("update") => {
            let (delete_properties, delete_values) = match object.get("delete") {
                None => (Vec::new(), Properties::new()),
                Some(Value::Array(names)) => (
                    names
                        .iter()
                        .map(|name| {
                            name.as_str().map(str::to_string).ok_or_else(|| {
                                MicropubError::invalid("delete lists property names")
                            })
                        })
                        .collect::<Result<_, _>>()?,
                    Properties::new(),
                ),
                Some(values) => (Vec::new(), properties_of(Some(values))?),
            };
            Ok(Action::Update {
                url: url()?,
                replace: properties_of(object.get("replace"))?,
                add: properties_of(object.get("add"))?,
                delete_properties,
                delete_values,
            })
        }
        Some("delete") => Ok(Action::Delete { url: url()? }),
        Some("undelete") => Ok(Action::Undelete { url: url()? }),
        Some(other) => Err(MicropubError::invalid(format!("unknown action {other:?}"))),
    }
}

fn properties_of(value: Option<&Value>) -> Result<Properties, MicropubError> {
    let Some(value) = value else {
        return Ok(Properties::new());
    };
    let object = value
        .as_object()
        .ok_or_else(|| MicropubError::invalid("properties must be an object of arrays"))?;
    object
        .iter()
        .map(|(name, values)| match values {
            Value::Array(values) => Ok((name.clone(), values.clone())),
            _ => Err(MicropubError::invalid(format!(
                "property {name:?} must be an array"
            ))),
        })
        .collect()
}

/// Applies an action for `author` (the token's owner). Blocking (sled).
pub fn apply(
    config: &Config,
    store: &Store,
    author: &str,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Outcome, MicropubError> {
    match action {
        Action::Create(properties) => create(config, store, author, &properties, now),
        Action::Update {
            url,
            replace,
            add,
            delete_properties,
            delete_values,
        } => {
            let entry = own_article(config, store, &url, author)?;
            let slug = slug_of_entry(&entry);
            let mut text = ArticleText::from_entry(&entry).expect("articles have their text");
            let mut properties = properties_of_text(config, &text);
            for (name, values) in replace {
                properties.insert(name, values);
            }
            for (name, values) in add {
                properties.entry(name).or_default().extend(values);
            }
            for name in delete_properties {
                properties.remove(&name);
            }
            for (name, values) in delete_values {
                if let Some(existing) = properties.get_mut(&name) {
                    existing.retain(|value| !values.contains(value));
                }
            }
            let updated = text_of(config, &properties, &text.author, now)?;
            text = ArticleText {
                published: text.published,
                updated: now,
                ..updated
            };
            store.put(&text.to_entry(config, &slug, None))?;
            store.commit()?;
            Ok(Outcome::Done)
        }
        Action::Delete { url } => {
            let entry = own_article(config, store, &url, author)?;
            store.delete_article(entry.id)?;
            store.commit()?;
            Ok(Outcome::Done)
        }
        Action::Undelete { url } => {
            let slug = slug_of_url(config, &url).ok_or_else(|| MicropubError::not_found(&url))?;
            let deleted = store
                .deleted_article(article_id(&slug))?
                .ok_or_else(|| MicropubError::invalid(format!("{url} is not deleted")))?;
            if deleted.article.as_ref().map(|a| a.author.as_str()) != Some(author) {
                return Err(MicropubError::forbidden(&url));
            }
            match store.undelete_article(article_id(&slug))? {
                Some(_) => {
                    store.commit()?;
                    Ok(Outcome::Done)
                }
                None => Err(MicropubError::invalid(format!("{url} is not deleted"))),
            }
        }
    }
}

fn create(
    config: &Config,
    store: &Store,
    author: &str,
    properties: &Properties,
    now: DateTime<Utc>,
) -> Result<Outcome, MicropubError> {
    let text = text_of(config, properties, author, now)?;
    let wanted = first_text(properties, "mp-slug")
        .map(|slug| slugify(&slug))
        .unwrap_or_else(|| slugify(&text.title));
    // A slug already used (published or deleted, by a post or a file) gets a number: permalinks
    // are never reused. Taking the slug and writing the article are one transaction.
    let mut slug = wanted.clone();
    let mut number = 2;
    let entry = loop {
        let entry = text.to_entry(config, &slug, None);
        if store.put_article_if(&entry, |held, deleted| held.is_none() && !deleted)? {
            break entry;
        }
        slug = format!("{wanted}-{number}");
        number += 1;
    };
    let permalink = entry.link.clone().expect("articles have a permalink");
    store.commit()?;
    tracing::info!(author, slug, "micropub: article created");
    Ok(Outcome::Created { permalink })
}

/// An article's fields from Micropub properties; `content` is required.
fn text_of(
    config: &Config,
    properties: &Properties,
    author: &str,
    now: DateTime<Utc>,
) -> Result<ArticleText, MicropubError> {
    let markdown = match properties.get("content").and_then(|values| values.first()) {
        Some(Value::String(text)) => text.clone(),
        // {"html": "..."}: raw HTML is valid Markdown, and is sanitized on rendering.
        Some(Value::Object(object)) => object
            .get("html")
            .or_else(|| object.get("value"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| MicropubError::invalid("content must be text or {\"html\": ...}"))?,
        _ => return Err(MicropubError::invalid("content is required")),
    };
    if markdown.trim().is_empty() {
        return Err(MicropubError::invalid("content is empty"));
    }
    let title = match first_text(properties, "name").filter(|name| !name.trim().is_empty()) {
        Some(name) => name.trim().to_string(),
        None => {
            let text = html_to_text(&markdown);
            let words: String = text.chars().take(60).collect();
            words.trim().to_string()
        }
    };
    let published = match first_text(properties, "published") {
        // A date in the future would pin the post to the top of every feed and set
        // Last-Modified ahead of the clock: clamped like an upstream one (issue 11).
        Some(date) => clamp_future(
            parse_date(&date).ok_or_else(|| {
                MicropubError::invalid(format!("published {date:?} is not a date"))
            })?,
            now,
        ),
        None => now,
    };
    let mut regions = Vec::new();
    let mut tags = Vec::new();
    for category in properties.get("category").into_iter().flatten() {
        let Some(category) = category.as_str() else {
            return Err(MicropubError::invalid("category values must be strings"));
        };
        let list = if config.region(category).is_some() {
            &mut regions
        } else {
            &mut tags
        };
        if !list.iter().any(|c| c == category) {
            list.push(category.to_string());
        }
    }
    Ok(ArticleText {
        title,
        author: author.to_string(),
        regions,
        published,
        updated: published,
        summary: first_text(properties, "summary"),
        tags,
        markdown,
    })
}

/// The Micropub properties of an article (for `q=source` and updates).
pub fn properties_of_text(_config: &Config, text: &ArticleText) -> Properties {
    let mut properties = Properties::new();
    properties.insert("name".into(), vec![json!(text.title)]);
    properties.insert("content".into(), vec![json!(text.markdown)]);
    let categories: Vec<Value> = text
        .regions
        .iter()
        .chain(&text.tags)
        .map(|category| json!(category))
        .collect();
    if !categories.is_empty() {
        properties.insert("category".into(), categories);
    }
    properties.insert("published".into(), vec![json!(text.published.to_rfc3339())]);
    if let Some(summary) = &text.summary {
        properties.insert("summary".into(), vec![json!(summary)]);
    }
    properties
}

/// `q=source`: the article at `url` as Micropub JSON.
pub fn post_source(config: &Config, store: &Store, url: &str) -> Result<Value, MicropubError> {
    let slug = slug_of_url(config, url).ok_or_else(|| MicropubError::not_found(url))?;
    let entry = store
        .get(article_id(&slug))?
        .ok_or_else(|| MicropubError::not_found(url))?;
    let text = ArticleText::from_entry(&entry).ok_or_else(|| MicropubError::not_found(url))?;
    Ok(json!({ "type": ["h-entry"], "properties": properties_of_text(config, &text) }))
}

/// `q=config`: what this endpoint supports.
pub fn capabilities(config: &Config) -> Value {
    let regions: Vec<&str> = config.regions.iter().map(|r| r.slug.as_str()).collect();
    json!({
        "q": ["config", "source", "category"],
        "syndicate-to": [],
        "post-types": [{ "type": "article", "name": "Article" }],
        "categories": regions,
    })
}

/// The Micropub-written article at `url`, if `author` wrote it; file articles are edited as
/// files, and nobody edits another author's words under that author's byline.
fn own_article(
    config: &Config,
    store: &Store,
    url: &str,
    author: &str,
) -> Result<Entry, MicropubError> {
    let slug = slug_of_url(config, url).ok_or_else(|| MicropubError::not_found(url))?;
    let entry = store
        .get(article_id(&slug))?
        .filter(|entry| entry.article.is_some())
        .ok_or_else(|| MicropubError::not_found(url))?;
    let article = entry.article.as_ref().expect("filtered to articles");
    if let Some(file) = &article.file {
        return Err(MicropubError::invalid(format!(
            "this article is written as the file {file}: edit the file"
        )));
    }
    if article.author != author {
        return Err(MicropubError::forbidden(url));
    }
    Ok(entry)
}

/// The slug in a permalink: `{base_url}articles/{slug}` (or just its path).
fn slug_of_url(config: &Config, url: &str) -> Option<String> {
    crate::urls::slug_of_permalink(&config.site.base_url, url)
}

fn slug_of_entry(entry: &Entry) -> String {
    entry
        .article
        .as_ref()
        .map(|article| article.slug.clone())
        .expect("articles have a slug")
}

fn first_text(properties: &Properties, name: &str) -> Option<String> {
    properties.get(name)?.first()?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_posts_read_repeated_categories_and_the_token() {
        let (action, token) = parse_form(
            b"h=entry&name=Hello&content=Body+text&category[]=cyprus&category[]=sea&access_token=t0k",
        )
        .unwrap();
        assert_eq!(token.as_deref(), Some("t0k"));
        let Action::Create(properties) = action else {
            panic!("{action:?}")
        };
        assert_eq!(properties["category"], [json!("cyprus"), json!("sea")]);
        assert_eq!(properties["content"], [json!("Body text")]);
    }

    #[test]
    fn json_updates_read_replace_add_and_delete() {
        let action = parse_json(
            br#"{"action":"update","url":"http://x/articles/a","replace":{"content":["new"]},"add":{"category":["t"]},"delete":["summary"]}"#,
        )
        .unwrap();
        let Action::Update {
            replace,
            add,
            delete_properties,
            ..
        } = action
        else {
            panic!("{action:?}")
        };
        assert_eq!(replace["content"], [json!("new")]);
        assert_eq!(add["category"], [json!("t")]);
        assert_eq!(delete_properties, ["summary"]);
    }

    #[test]
    fn malformed_requests_are_invalid_requests() {
        for body in [
            &b"{not json"[..],
            br#"{"type":["h-card"],"properties":{}}"#,
            br#"{"type":["h-entry"],"properties":{"content":"not an array"}}"#,
            br#"{"action":"update"}"#,
        ] {
            let error = parse_json(body).unwrap_err();
            assert_eq!(error.error, "invalid_request", "{error}");
            assert_eq!(error.status, 400);
        }
        assert!(parse_form(b"action=update&url=x").is_err());
    }
}
