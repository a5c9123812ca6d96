//! Each source's fetch state (validators, failures, backoff) and the entries it contributed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::encode;
use super::keys::IndexKey;
use super::{Page, Store, StoreError};
use crate::model::SourceId;

/// How one source's fetches have gone; persisted so restarts keep ETags and backoff.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// HTTP status of the last answer, if there was one.
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// No fetch before this time (backoff after failures, or the upstream's Retry-After).
    pub retry_at: Option<DateTime<Utc>>,
    /// Where a permanent redirect pointed, for the operator to update feeds.toml.
    pub moved_to: Option<String>,
    /// How many fetches in a row were permanently redirected to `moved_to`; at
    /// [`crate::moved::MOVES_TO_FOLLOW`] islands moves the source there.
    #[serde(default)]
    pub moved_count: u32,
    /// The URL this source had before islands moved it, and when.
    #[serde(default)]
    pub moved_from: Option<(String, DateTime<Utc>)>,
    /// When a WebSub hub last pushed this feed.
    #[serde(default)]
    pub last_push: Option<DateTime<Utc>>,
    /// The feed's own title and web page, for attribution.
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// A hash of the last body stored, with what normalizing it depended on (see
    /// `refresh::body_hash`): the same bytes again are not parsed, sanitized or rewritten.
    #[serde(default)]
    pub body_hash: Option<u64>,
}

impl Store {
    /// Entries of one source, newest first.
    pub fn source_page(
        &self,
        source: &SourceId,
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.page_of(
            &IndexKey::Source(source.clone()),
            super::PageStart::Skip(offset),
            limit,
        )
    }

    /// How many entries one source has contributed.
    pub fn source_entry_count(&self, source: &SourceId) -> usize {
        self.index
            .scan_prefix(IndexKey::Source(source.clone()).prefix())
            .count()
    }

    pub fn source_state(&self, source: &SourceId) -> Result<FetchState, StoreError> {
        match self
            .sources
            .get(source.as_str().as_bytes())
            .map_err(|e| self.error(e))?
        {
            Some(bytes) => self.decode(&bytes, source.as_str()),
            None => Ok(FetchState::default()),
        }
    }

    /// Forgets a source's fetch state (it left the config): if it comes back, it is new.
    pub fn forget_source(&self, source: &SourceId) -> Result<(), StoreError> {
        self.sources
            .remove(source.as_str().as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    pub fn put_source_state(
        &self,
        source: &SourceId,
        state: &FetchState,
    ) -> Result<(), StoreError> {
        let bytes = encode(state);
        self.sources
            .insert(source.as_str().as_bytes(), bytes)
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Moves a source to another feed URL: its fetch state (marked as moved from `from`) and
    /// every entry it carries (their attribution and source index) follow. Returns how many
    /// entries moved. Commit afterwards.
    pub fn move_source(
        &self,
        from: &SourceId,
        to: &SourceId,
        when: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut state = self.source_state(from)?;
        state.moved_from = Some((from.as_str().to_string(), when));
        state.moved_to = None;
        state.moved_count = 0;
        self.put_source_state(to, &state)?;
        let entries = self.all_of(&IndexKey::Source(from.clone()), 0)?;
        for mut entry in entries.iter().cloned() {
            for attribution in &mut entry.sources {
                if &attribution.feed_url == from {
                    attribution.feed_url = to.clone();
                }
            }
            self.write(&entry)?;
        }
        self.forget_source(from)?;
        Ok(entries.len())
    }
}
