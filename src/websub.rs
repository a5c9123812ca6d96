//! Push ingest: a WebSub subscriber (<https://www.w3.org/TR/websub/>).
//!
//! When `[websub] callback_base` is set and a source's feed names a hub (`link rel="hub"`) and
//! its own URL there (`rel="self"`), islands subscribes at `{callback_base}websub/{token}` with a
//! secret of its own per subscription. The hub verifies the intent (a GET that islands answers
//! with the challenge, for a subscription it asked for), then POSTs each new version of the
//! feed, signed with the secret (`X-Hub-Signature`); islands ingests a correctly signed one like
//! a fetched feed and ignores the rest, as the spec says. Leases are renewed before they end;
//! a removed source is unsubscribed. Polling goes on at `[websub] fallback_refresh` meanwhile.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use tracing::{info, warn};
use url::Url;

use crate::app::App;
use crate::config::Source;
use crate::model::SourceId;
use crate::store::{FetchState, Subscription, SubscriptionState};

/// A subscription the hub has not verified within this is asked for again.
const VERIFY_WITHIN: Duration = Duration::from_secs(60);

/// Whether the poll of `source` can be skipped: a hub pushes its feed under a live lease, and
/// it was fetched within `fallback_refresh`. Renews the subscription when it is due.
pub async fn pushed(app: &App, source: &Source, state: &FetchState, now: DateTime<Utc>) -> bool {
    let config = app.config();
    if config.websub.callback_base.is_none() {
        return false;
    }
    keep(app, source, None).await;
    let id = source.id();
    let subscription = app
        .store
        .blocking(move |store| store.subscription_of(&id))
        .await
        .ok()
        .flatten();
    let live = subscription.is_some_and(|(_, subscription)| {
        subscription.state == SubscriptionState::Active
            && subscription.lease_until.is_some_and(|until| until > now)
    });
    let fallback = chrono::Duration::from_std(config.websub.fallback_refresh).unwrap_or_default();
    live && state.last_fetch.is_some_and(|last| now - last < fallback)
}

/// Keeps `source`'s subscription as it should be: subscribes when its feed names a hub
/// (`advertised`: hub and topic, from a fetch just made), moves it when the hub or topic
/// changed, renews it before its lease ends, asks again when a hub never answered.
pub async fn keep(app: &App, source: &Source, advertised: Option<(Url, Url)>) {
    let config = app.config();
    let Some(callback_base) = config.websub.callback_base.clone() else {
        return;
    };
    let id = source.id();
    let existing = {
        let id = id.clone();
        match app
            .store
            .blocking(move |store| store.subscription_of(&id))
            .await
        {
            Ok(existing) => existing,
            Err(error) => {
                warn!(source = %source.name, "reading its subscription: {}", crate::report::Report(&error));
                return;
            }
        }
    };
    let now = Utc::now();
    let wanted = match (&existing, &advertised) {
        (None, Some((hub, topic))) => Some((new_token(), hub.to_string(), topic.to_string(), None)),
        (Some((token, subscription)), Some((hub, topic)))
            if subscription.hub != hub.as_str() || subscription.topic != topic.as_str() =>
        {
            unsubscribe(app, token.clone(), subscription.clone()).await;
            Some((new_token(), hub.to_string(), topic.to_string(), None))
        }
        (Some((token, subscription)), _) if due(subscription, now, &config.websub) => Some((
            token.clone(),
            subscription.hub.clone(),
            subscription.topic.clone(),
            Some(subscription.secret.clone()),
        )),
        _ => None,
    };
    let Some((token, hub, topic, secret)) = wanted else {
        return;
    };
    let subscription = Subscription {
        source: id,
        hub,
        topic,
        secret: secret.unwrap_or_else(new_token),
        // A renewal keeps the lease it has until the hub confirms the new one.
        state: match &existing {
            Some((_, old)) if old.state == SubscriptionState::Active => SubscriptionState::Active,
            _ => SubscriptionState::Requested,
        },
        lease_until: existing
            .as_ref()
            .filter(|(_, old)| old.state == SubscriptionState::Active)
            .and_then(|(_, old)| old.lease_until),
        requested: now,
    };
    subscribe(app, &callback_base, token, subscription).await;
}

/// Whether a subscription should be asked for (again) now.
fn due(
    subscription: &Subscription,
    now: DateTime<Utc>,
    config: &crate::config::WebSubConfig,
) -> bool {
    let since = (now - subscription.requested).to_std().unwrap_or_default();
    match &subscription.state {
        SubscriptionState::Active => match subscription.lease_until {
            Some(until) => {
                let lease = (until - subscription.requested)
                    .to_std()
                    .unwrap_or_default();
                // Renewed with a fifth of the lease left, and never later than half way for
                // short leases (a refresh may come only every so often).
                let margin = (lease / 5).max(lease.min(Duration::from_secs(120)) / 2);
                (until - now).to_std().unwrap_or_default() < margin
            }
            None => since > VERIFY_WITHIN,
        },
        SubscriptionState::Requested => since > VERIFY_WITHIN,
        SubscriptionState::Denied { .. } => since > config.fallback_refresh,
        SubscriptionState::Unsubscribing => false,
    }
}

async fn subscribe(app: &App, callback_base: &Url, token: String, subscription: Subscription) {
    let callback = callback_url(callback_base, &token);
    let lease = app.config().websub.lease.as_secs().to_string();
    let hub = subscription.hub.clone();
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", subscription.topic.as_str()),
        ("hub.callback", callback.as_str()),
        ("hub.secret", subscription.secret.as_str()),
        ("hub.lease_seconds", lease.as_str()),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    // Stored before asking: the hub verifies while (or right after) it answers.
    let stored = {
        let (token, subscription) = (token.clone(), subscription.clone());
        app.store
            .blocking(move |store| {
                store
                    .put_subscription(&token, &subscription)
                    .and_then(|()| store.flush())
            })
            .await
    };
    if let Err(error) = stored {
        warn!(%hub, "storing a subscription: {}", crate::report::Report(&error));
        return;
    }
    let answer = post(app, &hub, &form).await;
    match answer {
        Ok(202 | 204) => info!(%hub, topic = %subscription.topic, "subscription asked for"),
        answer => {
            let reason = match answer {
                Ok(status) => format!("the hub answered {status}"),
                Err(error) => error,
            };
            warn!(%hub, topic = %subscription.topic, "subscribing: {reason}");
            let denied = Subscription {
                state: SubscriptionState::Denied { reason },
                ..subscription
            };
            let _ = app
                .store
                .blocking(move |store| store.put_subscription(&token, &denied))
                .await;
        }
    }
}

async fn unsubscribe(app: &App, token: String, subscription: Subscription) {
    let Some(callback_base) = app.config().websub.callback_base.clone() else {
        return;
    };
    let callback = callback_url(&callback_base, &token);
    let hub = subscription.hub.clone();
    let ending = Subscription {
        state: SubscriptionState::Unsubscribing,
        requested: Utc::now(),
        ..subscription
    };
    let form = [
        ("hub.mode", "unsubscribe"),
        ("hub.topic", ending.topic.as_str()),
        ("hub.callback", callback.as_str()),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let _ = app
        .store
        .blocking(move |store| store.put_subscription(&token, &ending))
        .await;
    match post(app, &hub, &form).await {
        Ok(202 | 204) => info!(%hub, "unsubscription asked for"),
        Ok(status) => warn!(%hub, status, "the hub refused the unsubscription"),
        Err(error) => warn!(%hub, "unsubscribing: {error}"),
    }
}

/// Unsubscribes the sources a reload removed.
pub async fn forget(app: &App, removed: Vec<SourceId>) {
    for id in removed {
        let found = {
            let id = id.clone();
            app.store
                .blocking(move |store| store.subscription_of(&id))
                .await
        };
        if let Ok(Some((token, subscription))) = found {
            unsubscribe(app, token, subscription).await;
        }
    }
}

async fn post(app: &App, hub: &str, form: &[(String, String)]) -> Result<u16, String> {
    let url = Url::parse(hub).map_err(|error| format!("hub {hub:?}: {error}"))?;
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.fetcher()
        .post_form(&url, &pairs)
        .await
        .map_err(|error| crate::report::Report(&error).to_string())
}

fn callback_url(base: &Url, token: &str) -> String {
    format!("{base}websub/{token}")
}

/// 128 random bits as hex: callback tokens and secrets.
fn new_token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /websub/{token}`: the hub verifies an intent (subscribe, unsubscribe) or says it
/// denied one. Only what islands asked for is confirmed.
pub async fn verify(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let lookup = token.clone();
    let Ok(Some(subscription)) = app
        .store
        .blocking(move |store| store.subscription(&lookup))
        .await
    else {
        return (StatusCode::NOT_FOUND, "no such subscription\n").into_response();
    };
    if param("hub.topic") != subscription.topic {
        return (
            StatusCode::NOT_FOUND,
            "not the topic of this subscription\n",
        )
            .into_response();
    }
    let now = Utc::now();
    let (answer, update) = match (param("hub.mode"), &subscription.state) {
        ("subscribe", SubscriptionState::Requested | SubscriptionState::Active) => {
            let lease = param("hub.lease_seconds")
                .parse::<i64>()
                .ok()
                .filter(|seconds| *seconds > 0)
                .unwrap_or(app.config().websub.lease.as_secs() as i64);
            let active = Subscription {
                state: SubscriptionState::Active,
                lease_until: Some(now + chrono::Duration::seconds(lease)),
                requested: now,
                ..subscription.clone()
            };
            info!(hub = %subscription.hub, topic = %subscription.topic, lease, "subscription verified");
            (Some(param("hub.challenge").to_string()), Some(Some(active)))
        }
        ("unsubscribe", SubscriptionState::Unsubscribing) => {
            (Some(param("hub.challenge").to_string()), Some(None))
        }
        ("denied", _) => {
            let denied = Subscription {
                state: SubscriptionState::Denied {
                    reason: param("hub.reason").to_string(),
                },
                ..subscription.clone()
            };
            (Some(String::new()), Some(Some(denied)))
        }
        _ => (None, None),
    };
    if let Some(update) = update {
        let saved = app
            .store
            .blocking(move |store| {
                match update {
                    Some(subscription) => store.put_subscription(&token, &subscription)?,
                    None => store.remove_subscription(&token)?,
                }
                store.flush()
            })
            .await;
        if let Err(error) = saved {
            warn!("saving a subscription: {}", crate::report::Report(&error));
            return (StatusCode::SERVICE_UNAVAILABLE, "try again\n").into_response();
        }
    }
    match answer {
        Some(challenge) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            challenge,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not an intent of this subscriber\n").into_response(),
    }
}

/// `POST /websub/{token}`: content distribution. A body whose signature does not match the
/// subscription's secret is ignored (and acknowledged, as the spec allows); a good one is
/// stored like a fetched feed. An unknown or ended subscription answers 410, so the hub stops.
pub async fn deliver(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lookup = token.clone();
    let subscription = match app
        .store
        .blocking(move |store| store.subscription(&lookup))
        .await
    {
        Ok(Some(subscription)) if subscription.state == SubscriptionState::Active => subscription,
        Ok(_) => return (StatusCode::GONE, "no such subscription\n").into_response(),
        Err(error) => {
            warn!("reading a subscription: {}", crate::report::Report(&error));
            return (StatusCode::SERVICE_UNAVAILABLE, "try again\n").into_response();
        }
    };
    let signature = headers
        .get("x-hub-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !signed(&subscription.secret, signature, &body) {
        warn!(hub = %subscription.hub, topic = %subscription.topic, "a push with a bad or missing signature was ignored");
        return (StatusCode::ACCEPTED, "ignored: bad signature\n").into_response();
    }
    let config = app.config();
    let Some(source) = config
        .sources()
        .find(|s| s.id() == subscription.source)
        .cloned()
    else {
        return (StatusCode::GONE, "the source was removed\n").into_response();
    };
    let Ok(topic) = Url::parse(&subscription.topic) else {
        return (StatusCode::GONE, "no such subscription\n").into_response();
    };
    let fetched = crate::fetch::Fetched {
        status: 200,
        body,
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string),
        link: None,
        validators: crate::fetch::Validators::default(),
        final_url: topic,
        moved_permanently_to: None,
    };
    match crate::refresh::ingest_pushed(&app, &source, fetched).await {
        Ok((new, updated)) => {
            info!(source = %source.name, new, updated, "pushed by the hub");
            (StatusCode::ACCEPTED, "stored\n").into_response()
        }
        Err(error) => {
            warn!(source = %source.name, "a pushed feed was not stored: {}", error.message());
            // The hub's content was bad, not its delivery: acknowledged, not retried.
            (StatusCode::ACCEPTED, "not a feed\n").into_response()
        }
    }
}

/// Whether `signature` (`sha1=HEX`, `sha256=HEX`, `sha384=HEX` or `sha512=HEX`) is the HMAC
/// of `body` with `secret`; compared in constant time.
fn signed(secret: &str, signature: &str, body: &[u8]) -> bool {
    let Some((method, hex)) = signature.split_once('=') else {
        return false;
    };
    let algorithm = match method.to_ascii_lowercase().as_str() {
        "sha1" => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        "sha256" => ring::hmac::HMAC_SHA256,
        "sha384" => ring::hmac::HMAC_SHA384,
        "sha512" => ring::hmac::HMAC_SHA512,
        _ => return false,
    };
    let Some(tag) = from_hex(hex.trim()) else {
        return false;
    };
    let key = ring::hmac::Key::new(algorithm, secret.as_bytes());
    ring::hmac::verify(&key, body, &tag).is_ok()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_with_each_algorithm_and_refused_when_wrong() {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"s3cret");
        let tag = ring::hmac::sign(&key, b"<rss/>");
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert!(signed("s3cret", &format!("sha256={hex}"), b"<rss/>"));
        assert!(!signed(
            "s3cret",
            &format!("sha256={hex}"),
            b"<rss>changed</rss>"
        ));
        assert!(!signed("other", &format!("sha256={hex}"), b"<rss/>"));
        assert!(!signed("s3cret", &format!("sha512={hex}"), b"<rss/>"));
        assert!(!signed("s3cret", "", b"<rss/>"));
        assert!(!signed("s3cret", "md5=00", b"<rss/>"));
        assert!(!signed("s3cret", "sha256=zz", b"<rss/>"));
    }
}
