//! Each source's fetch state (validators, failures, backoff) and the entries it contributed.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

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

/// The sources' fetch states in memory, as read from and written to the `sources` tree: a
/// warm refresh reads its state and records the outcome of a 304 without a hop to a blocking
/// thread (it made two, each a pair of thread wake-ups). sled stays the record; a
/// state waits in `staged` until [`Store::write_staged_states`] writes it: soon after, when
/// the refresh that staged it arranges it, and before every flush. Every access to the tree
/// goes through these methods (but `islands migrate` and `islands compact`, which have the
/// store to themselves), so memory and sled never disagree on what was written last.
#[derive(Default)]
pub(super) struct SourceStates {
    known: Mutex<Known>,
    /// Held through a write to the tree (see [`Store::write_staged_states`]).
    writing: Mutex<()>,
}

#[derive(Default)]
struct Known {
    states: HashMap<SourceId, FetchState>,
    staged: HashSet<SourceId>,
}

impl SourceStates {
    fn known(&self) -> MutexGuard<'_, Known> {
        lock(&self.known)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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

    /// A source's fetch state: from memory once read (see `SourceStates`), else from sled.
    pub fn source_state(&self, source: &SourceId) -> Result<FetchState, StoreError> {
        if let Some(state) = self.cached_source_state(source) {
            return Ok(state);
        }
        let state = match self
            .sources
            .get(source.as_str().as_bytes())
            .map_err(|e| self.error(e))?
        {
            Some(bytes) => self.decode(&bytes, source.as_str())?,
            None => FetchState::default(),
        };
        // A state staged while sled was read is newer than what was read.
        let mut known = self.source_states.known();
        Ok(known.states.entry(source.clone()).or_insert(state).clone())
    }

    /// A source's fetch state if it is in memory, without touching sled (so on the runtime):
    /// `None` when it was not read or written since the store opened.
    pub fn cached_source_state(&self, source: &SourceId) -> Option<FetchState> {
        self.source_states.known().states.get(source).cloned()
    }

    /// Records a source's fetch state in memory, where every read sees it at once, for
    /// [`Store::write_staged_states`] to write to sled. Touches no disk, so async code may
    /// call it. `true` when no other state was waiting: the caller arranges that write (a
    /// flush makes it too).
    pub fn stage_source_state(&self, source: &SourceId, state: FetchState) -> bool {
        let mut known = self.source_states.known();
        known.states.insert(source.clone(), state);
        known.staged.insert(source.clone()) && known.staged.len() == 1
    }

    /// Writes the staged fetch states to sled in one batch; returns how many. Writers hold a
    /// lock of their own through their write and take what is staged under it, so sled keeps
    /// each source's last state whatever order they run in.
    pub fn write_staged_states(&self) -> Result<usize, StoreError> {
        let _writing = lock(&self.source_states.writing);
        // Copied under the lock the runtime takes, encoded after it.
        let staged: Vec<(SourceId, FetchState)> = {
            let mut known = self.source_states.known();
            let Known { states, staged } = &mut *known;
            staged
                .drain()
                .filter_map(|id| {
                    let state = states.get(&id)?.clone();
                    Some((id, state))
                })
                .collect()
        };
        if staged.is_empty() {
            return Ok(0);
        }
        let mut batch = sled::Batch::default();
        for (id, state) in &staged {
            batch.insert(id.as_str().as_bytes(), encode(state));
        }
        if let Err(error) = self.sources.apply_batch(batch) {
            // Staged again, for the next write to try.
            let mut known = self.source_states.known();
            known.staged.extend(staged.into_iter().map(|(id, _)| id));
            return Err(self.error(error));
        }
        Ok(staged.len())
    }

    /// Forgets a source's fetch state (it left the config): if it comes back, it is new.
    pub fn forget_source(&self, source: &SourceId) -> Result<(), StoreError> {
        let _writing = lock(&self.source_states.writing);
        {
            let mut known = self.source_states.known();
            known.states.remove(source);
            known.staged.remove(source);
        }
        self.sources
            .remove(source.as_str().as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Writes a source's fetch state to sled now (with any other staged).
    pub fn put_source_state(
        &self,
        source: &SourceId,
        state: &FetchState,
    ) -> Result<(), StoreError> {
        self.stage_source_state(source, state.clone());
        self.write_staged_states().map(|_| ())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::open;

    fn id(name: &str) -> SourceId {
        SourceId::new(&format!("http://{name}/feed").parse().unwrap())
    }

    fn with_etag(etag: &str) -> FetchState {
        FetchState {
            etag: Some(etag.to_string()),
            ..FetchState::default()
        }
    }

    /// A staged state is what every read sees at once, and what sled holds after a flush: the
    /// store opened again has it.
    #[test]
    fn a_staged_state_is_read_at_once_and_kept_by_a_flush() {
        let (dir, store) = open();
        let (a, b) = (id("a"), id("b"));
        assert_eq!(store.cached_source_state(&a), None);
        assert!(store.stage_source_state(&a, with_etag("1")));
        // One write for both: only the first staged asks for it.
        assert!(!store.stage_source_state(&b, with_etag("2")));
        assert_eq!(store.cached_source_state(&a), Some(with_etag("1")));
        assert_eq!(store.source_state(&b).unwrap(), with_etag("2"));
        assert_eq!(store.sources.get(a.as_str()).unwrap(), None);
        store.flush().unwrap();
        drop(store);
        let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
        assert_eq!(store.cached_source_state(&a), None);
        assert_eq!(store.source_state(&a).unwrap(), with_etag("1"));
        assert_eq!(store.source_state(&b).unwrap(), with_etag("2"));
    }

    /// sled ends with a source's last state, whichever writer takes it; a forgotten source's
    /// staged state is not written after it was forgotten.
    #[test]
    fn the_last_state_staged_is_the_one_written_and_forgetting_drops_it() {
        let (_dir, store) = open();
        let (a, b) = (id("a"), id("b"));
        store.stage_source_state(&a, with_etag("old"));
        store.put_source_state(&a, &with_etag("new")).unwrap();
        assert_eq!(store.write_staged_states().unwrap(), 0);
        let written = store.sources.get(a.as_str()).unwrap().unwrap();
        let written: FetchState = store.decode(&written, "a").unwrap();
        assert_eq!(written, with_etag("new"));

        store.stage_source_state(&b, with_etag("b"));
        store.forget_source(&b).unwrap();
        assert_eq!(store.write_staged_states().unwrap(), 0);
        assert_eq!(store.sources.get(b.as_str()).unwrap(), None);
        assert_eq!(store.source_state(&b).unwrap(), FetchState::default());
    }
}
