//! WebSub subscriptions to the hubs that sources name, by callback token (`websub/{token}` in
//! the meta tree). A record outlives its source until the hub confirms the unsubscription.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::encode;
use super::{Store, StoreError};
use crate::model::SourceId;

const PREFIX: &str = "websub/";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub source: SourceId,
    pub hub: String,
    pub topic: String,
    /// The HMAC secret the hub signs content with (`X-Hub-Signature`).
    pub secret: String,
    pub state: SubscriptionState,
    /// When the hub's lease ends (set when the hub verified the subscription).
    pub lease_until: Option<DateTime<Utc>>,
    /// When it was last asked for (subscribe or unsubscribe).
    pub requested: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SubscriptionState {
    /// Asked for; the hub has not verified it yet.
    Requested,
    /// Verified: the hub pushes until `lease_until`.
    Active,
    /// Asked to end (the source was removed); kept to answer the hub's verification.
    Unsubscribing,
    /// The hub refused it.
    Denied { reason: String },
}

impl Store {
    pub fn subscription(&self, token: &str) -> Result<Option<Subscription>, StoreError> {
        let key = format!("{PREFIX}{token}");
        match self.meta.get(key.as_bytes()).map_err(|e| self.error(e))? {
            Some(bytes) => self.decode(&bytes, &key).map(Some),
            None => Ok(None),
        }
    }

    pub fn put_subscription(
        &self,
        token: &str,
        subscription: &Subscription,
    ) -> Result<(), StoreError> {
        self.meta
            .insert(format!("{PREFIX}{token}").as_bytes(), encode(subscription))
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    pub fn remove_subscription(&self, token: &str) -> Result<(), StoreError> {
        self.meta
            .remove(format!("{PREFIX}{token}").as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Every subscription, by token.
    pub fn subscriptions(&self) -> Result<Vec<(String, Subscription)>, StoreError> {
        let mut all = Vec::new();
        for item in self.meta.scan_prefix(PREFIX.as_bytes()) {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            let key = String::from_utf8_lossy(&key).into_owned();
            let subscription = self.decode(&bytes, &key)?;
            all.push((key[PREFIX.len()..].to_string(), subscription));
        }
        Ok(all)
    }

    /// The subscription of a source (not one being ended), with its token.
    pub fn subscription_of(
        &self,
        source: &SourceId,
    ) -> Result<Option<(String, Subscription)>, StoreError> {
        Ok(self.subscriptions()?.into_iter().find(|(_, subscription)| {
            &subscription.source == source && subscription.state != SubscriptionState::Unsubscribing
        }))
    }
}
