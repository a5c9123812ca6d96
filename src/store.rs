//! Owns sled: entries, the time index of every feed, and each source's fetch state.
//!
//! Layout (trees and keys; values carry a layout version, see `Stored`):
//! - `entries`: entry id (16 bytes) -> the entry;
//! - `index`: `feed \0 sort-time (8 bytes, big-endian) id` -> nothing, for the feeds `all`,
//!   `r:{region}` and `s:{source feed URL}`. A page of a feed is a reverse prefix scan that reads
//!   the keys it skips and the entries it returns: its cost follows the page, not the store;
//! - `sources`: source feed URL -> [`SourceState`].
//!
//! An entry and its index keys change in one transaction, so a crash never leaves an index key
//! without its entry. sled calls are blocking: the async callers wrap them in `spawn_blocking`.
//! The trap: sled flushes every 500 ms on its own; [`Store::flush`] after writes that must
//! survive a crash.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::model::{Entry, EntryId, FeedKey};

/// The store; cheap to clone (all handles are shared).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    entries: sled::Tree,
    index: sled::Tree,
    sources: sled::Tree,
    /// Articles deleted over Micropub, kept so they can be undeleted and answer 410.
    deleted: sled::Tree,
    path: PathBuf,
    generation: Arc<AtomicU64>,
    /// Entries were written since the last commit.
    dirty: Arc<AtomicBool>,
    changed: Arc<tokio::sync::Notify>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store {path}: the data is corrupt ({message}); nothing was deleted: restore a backup or move the folder aside"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("store {path}: {source}")]
    Sled {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    #[error("store {path}: record {key} cannot be read: {message}")]
    Decode {
        path: PathBuf,
        key: String,
        message: String,
    },
}

/// What [`Store::upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Inserted,
    /// The story changed (same id, new `updated`) or is now carried by another source.
    Updated,
    Unchanged,
}

/// How one source's fetches have gone; persisted so restarts keep ETags and backoff.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceState {
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
    /// The feed's own title and web page, for attribution.
    pub title: Option<String>,
    pub site_url: Option<String>,
}

/// One page of a feed, newest first.
#[derive(Debug, Clone)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub has_more: bool,
}

/// What store writes: the layout version beside the data, so a later layout can migrate.
#[derive(Serialize, Deserialize)]
struct Stored<T> {
    v: u32,
    #[serde(flatten)]
    data: T,
}

const LAYOUT: u32 = 1;

impl Store {
    pub fn open(path: &Path, cache_capacity_bytes: u64) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(path)
            // sled's default cache is 1 GiB and it really uses it (DEPENDENCIES.md 4.1).
            .cache_capacity(cache_capacity_bytes)
            .open()
            .map_err(|source| open_error(path, source))?;
        let tree = |name: &str| {
            db.open_tree(name)
                .map_err(|source| open_error(path, source))
        };
        Ok(Store {
            entries: tree("entries")?,
            index: tree("index")?,
            sources: tree("sources")?,
            deleted: tree("deleted")?,
            db,
            path: path.to_path_buf(),
            generation: Arc::new(AtomicU64::new(1)),
            dirty: Arc::new(AtomicBool::new(false)),
            changed: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Moves on at every [`Store::commit`] that follows a change; render caches compare it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Resolves after the next change (or at once if one happened since the last call): one
    /// waiter, the publisher, renders and announces changed feeds.
    pub async fn changed(&self) {
        self.changed.notified().await
    }

    /// Makes a batch of writes durable, then visible: flushes to disk and, if entries changed,
    /// moves the generation on so caches re-render and the publisher wakes. Publishing only
    /// what was flushed is what lets a `kill -9` lose nothing a subscriber has seen.
    ///
    /// Source state alone is left to sled's own flush every 500 ms: losing the time of the last
    /// fetch to a crash harms nothing, and a flush per 304 would cost every warm refresh.
    pub fn commit(&self) -> Result<bool, StoreError> {
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(false);
        }
        self.flush()?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
        Ok(true)
    }

    /// Moves the generation on without a write: what feeds show changed for another reason (a
    /// new config renamed a region, say).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
    }

    /// Inserts an entry or merges it into the stored one with the same id.
    ///
    /// Merging keeps the stored id, first-seen date (when upstream gives none, `dated` is false)
    /// and every source and region that ever carried the story; a changed story gets a new
    /// `updated`, never earlier than the stored one.
    pub fn upsert(
        &self,
        incoming: Entry,
        dated: bool,
        now: DateTime<Utc>,
    ) -> Result<Upsert, StoreError> {
        let old = self.get(incoming.id)?;
        let (entry, outcome) = match old {
            None => (incoming, Upsert::Inserted),
            Some(old) => merge(old, incoming, dated, now),
        };
        if outcome != Upsert::Unchanged {
            self.write(&entry)?;
        }
        Ok(outcome)
    }

    /// Writes an entry as given, replacing any stored (or deleted) one with its id.
    pub fn put(&self, entry: &Entry) -> Result<(), StoreError> {
        self.write(entry)?;
        self.deleted
            .remove(entry.id.as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Writes an article if `may_take` allows it, given what holds its slug now: the stored
    /// article with its id, and whether a deleted one does (its permalink answers 410 and can be
    /// undeleted). The check and the write are one transaction, so two writers racing for one
    /// slug can never both take it (issue 11: 32 concurrent Micropub creates made 22 articles).
    /// Returns false, writing nothing, when refused.
    pub fn put_article_if(
        &self,
        entry: &Entry,
        may_take: impl Fn(Option<&Entry>, bool) -> bool,
    ) -> Result<bool, StoreError> {
        let id = &entry.id.as_bytes()[..];
        let bytes = encode(entry);
        let new_keys: BTreeSet<Vec<u8>> = index_keys(entry).into_iter().collect();
        let written = (&self.entries, &self.index, &self.deleted)
            .transaction(|(entries, index, deleted)| {
                let old = match entries.get(id)? {
                    Some(old) => Some(
                        self.decode::<Entry>(&old, &entry.id.0.to_string())
                            .map_err(ConflictableTransactionError::Abort)?,
                    ),
                    None => None,
                };
                if !may_take(old.as_ref(), deleted.get(id)?.is_some()) {
                    return Ok(false);
                }
                let old_keys: BTreeSet<Vec<u8>> = old.iter().flat_map(index_keys).collect();
                entries.insert(id, bytes.as_slice())?;
                for key in old_keys.difference(&new_keys) {
                    index.remove(key.as_slice())?;
                }
                for key in new_keys.difference(&old_keys) {
                    index.insert(key.as_slice(), &[][..])?;
                }
                Ok(true)
            })
            .map_err(|error| match error {
                TransactionError::Storage(error) => self.error(error),
                TransactionError::Abort(error) => error,
            })?;
        if written {
            self.dirty.store(true, Ordering::Release);
        }
        Ok(written)
    }

    /// Removes an entry and its index keys; true if it was there.
    pub fn remove(&self, id: EntryId) -> Result<bool, StoreError> {
        let Some(old) = self.get(id)? else {
            return Ok(false);
        };
        let old_keys = index_keys(&old);
        self.transact(|entries, index| {
            entries.remove(&id.as_bytes()[..])?;
            for key in &old_keys {
                index.remove(key.as_slice())?;
            }
            Ok(())
        })?;
        self.dirty.store(true, Ordering::Release);
        Ok(true)
    }

    pub fn get(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let Some(bytes) = self.entries.get(id.as_bytes()).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        self.decode::<Entry>(&bytes, &id.0.to_string()).map(Some)
    }

    /// Entries `offset..offset + limit` of a feed, newest first.
    pub fn page(&self, feed: &FeedKey, offset: usize, limit: usize) -> Result<Page, StoreError> {
        let prefix = feed_prefix(&feed_index_name(feed));
        self.page_of(&prefix, offset, limit)
    }

    /// Entries of one source, newest first.
    pub fn source_page(
        &self,
        feed_url: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.page_of(&feed_prefix(&source_index_name(feed_url)), offset, limit)
    }

    /// Drops upstream entries published before `cutoff`, and each source's entries beyond its
    /// newest `max_per_source`. Local articles are never expired. An entry another source still
    /// carries is not removed, only detached from the source that dropped it. Returns how many
    /// entries were removed or detached; call [`Store::commit`] after.
    pub fn expire(
        &self,
        cutoff: Option<DateTime<Utc>>,
        max_per_source: Option<usize>,
        source_urls: &[String],
    ) -> Result<usize, StoreError> {
        let mut expired = 0;
        if let Some(cutoff) = cutoff {
            let prefix = feed_prefix(&feed_index_name(&FeedKey::All));
            let mut old = Vec::new();
            for key in self.index.scan_prefix(&prefix).keys() {
                let key = key.map_err(|e| self.error(e))?;
                if time_of_index_key(&key) >= cutoff.timestamp() {
                    break;
                }
                old.push(id_of_index_key(&key));
            }
            for id in old {
                let article = self.get(id)?.is_some_and(|entry| entry.article.is_some());
                if !article {
                    self.remove(id)?;
                    expired += 1;
                }
            }
        }
        if let Some(max) = max_per_source {
            for feed_url in source_urls {
                let extra = self.source_page(feed_url, max, usize::MAX - 1)?.entries;
                for entry in extra {
                    expired += 1;
                    if entry.sources.iter().all(|s| &s.feed_url == feed_url) {
                        self.remove(entry.id)?;
                        continue;
                    }
                    let mut detached = entry;
                    detached.sources.retain(|s| &s.feed_url != feed_url);
                    let mut regions: Vec<String> = Vec::new();
                    for source in &detached.sources {
                        if !regions.contains(&source.region) {
                            regions.push(source.region.clone());
                        }
                    }
                    detached.regions = regions;
                    self.write(&detached)?;
                }
            }
        }
        Ok(expired)
    }

    /// Unpublishes an article but keeps it, for undelete and for a 410 at its permalink.
    pub fn delete_article(&self, id: EntryId) -> Result<bool, StoreError> {
        let Some(entry) = self.get(id)? else {
            return Ok(false);
        };
        self.deleted
            .insert(id.as_bytes(), encode(&entry))
            .map_err(|e| self.error(e))?;
        self.remove(id)
    }

    /// Publishes a deleted article again, as it was; `None` if it was not deleted.
    pub fn undelete_article(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let Some(entry) = self.deleted_article(id)? else {
            return Ok(None);
        };
        self.write(&entry)?;
        self.deleted
            .remove(id.as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(Some(entry))
    }

    /// A deleted article, if `id` names one.
    pub fn deleted_article(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        match self.deleted.get(id.as_bytes()).map_err(|e| self.error(e))? {
            Some(bytes) => self.decode(&bytes, &id.0.to_string()).map(Some),
            None => Ok(None),
        }
    }

    /// The site's own articles, newest first.
    pub fn articles(&self, offset: usize, limit: usize) -> Result<Page, StoreError> {
        self.page_of(&feed_prefix(ARTICLES_INDEX), offset, limit)
    }

    /// How many entries one source has contributed.
    pub fn source_entry_count(&self, feed_url: &str) -> usize {
        self.index
            .scan_prefix(feed_prefix(&source_index_name(feed_url)))
            .count()
    }

    pub fn source_state(&self, feed_url: &str) -> Result<SourceState, StoreError> {
        match self
            .sources
            .get(feed_url.as_bytes())
            .map_err(|e| self.error(e))?
        {
            Some(bytes) => self.decode(&bytes, feed_url),
            None => Ok(SourceState::default()),
        }
    }

    pub fn put_source_state(&self, feed_url: &str, state: &SourceState) -> Result<(), StoreError> {
        let bytes = encode(state);
        self.sources
            .insert(feed_url.as_bytes(), bytes)
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Makes every write so far survive a crash of the process (not visible: see `commit`).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(|e| self.error(e))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn page_of(&self, prefix: &[u8], offset: usize, limit: usize) -> Result<Page, StoreError> {
        let mut ids = Vec::with_capacity(limit.min(1024) + 1);
        for key in self.index.scan_prefix(prefix).keys().rev().skip(offset) {
            let key = key.map_err(|e| self.error(e))?;
            ids.push(id_of_index_key(&key));
            if ids.len() > limit {
                break;
            }
        }
        let has_more = ids.len() > limit;
        ids.truncate(limit);
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids {
            // The index and the entries change in one transaction, so this is always there.
            if let Some(entry) = self.get(id)? {
                entries.push(entry);
            }
        }
        Ok(Page { entries, has_more })
    }

    fn write(&self, entry: &Entry) -> Result<(), StoreError> {
        let old_keys: BTreeSet<Vec<u8>> = match self.get(entry.id)? {
            Some(old) => index_keys(&old).into_iter().collect(),
            None => BTreeSet::new(),
        };
        let new_keys: BTreeSet<Vec<u8>> = index_keys(entry).into_iter().collect();
        let bytes = encode(entry);
        self.transact(|entries, index| {
            entries.insert(&entry.id.as_bytes()[..], bytes.as_slice())?;
            for key in old_keys.difference(&new_keys) {
                index.remove(key.as_slice())?;
            }
            for key in new_keys.difference(&old_keys) {
                index.insert(key.as_slice(), &[][..])?;
            }
            Ok(())
        })?;
        self.dirty.store(true, Ordering::Release);
        Ok(())
    }

    fn transact(
        &self,
        work: impl Fn(
            &sled::transaction::TransactionalTree,
            &sled::transaction::TransactionalTree,
        ) -> Result<(), ConflictableTransactionError<()>>,
    ) -> Result<(), StoreError> {
        (&self.entries, &self.index)
            .transaction(|(entries, index)| work(entries, index))
            .map_err(|error| match error {
                TransactionError::Storage(error) => self.error(error),
                TransactionError::Abort(()) => {
                    self.error(sled::Error::Unsupported("transaction aborted".to_string()))
                }
            })
    }

    fn decode<T: for<'de> Deserialize<'de>>(
        &self,
        bytes: &[u8],
        key: &str,
    ) -> Result<T, StoreError> {
        serde_json::from_slice::<Stored<T>>(bytes)
            .map(|stored| stored.data)
            .map_err(|error| StoreError::Decode {
                path: self.path.clone(),
                key: key.to_string(),
                message: error.to_string(),
            })
    }

    fn error(&self, source: sled::Error) -> StoreError {
        open_error(&self.path, source)
    }
}

fn open_error(path: &Path, source: sled::Error) -> StoreError {
    match source {
        sled::Error::Corruption { at, .. } => StoreError::Corrupt {
            path: path.to_path_buf(),
            message: match at {
                Some(at) => format!("corruption at {at}"),
                None => "corruption found while reading".to_string(),
            },
        },
        source => StoreError::Sled {
            path: path.to_path_buf(),
            source,
        },
    }
}

fn encode<T: Serialize>(data: &T) -> Vec<u8> {
    serde_json::to_vec(&Stored { v: LAYOUT, data }).expect("our types always serialize")
}

fn merge(old: Entry, incoming: Entry, dated: bool, now: DateTime<Utc>) -> (Entry, Upsert) {
    let story_changed = !old.same_story_as(&incoming);
    let mut merged = incoming;
    merged.id = old.id;
    if !dated {
        merged.published = old.published;
    }
    merged.updated = if story_changed {
        if merged.updated > old.updated {
            merged.updated
        } else {
            now.max(old.updated)
        }
    } else {
        old.updated
    };
    let mut sources = old.sources.clone();
    for source in merged.sources.drain(..) {
        match sources.iter_mut().find(|s| s.feed_url == source.feed_url) {
            Some(existing) => *existing = source,
            None => sources.push(source),
        }
    }
    merged.sources = sources;
    let mut regions = old.regions.clone();
    for region in merged.regions.drain(..) {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    merged.regions = regions;
    let outcome = if story_changed
        || merged.sources != old.sources
        || merged.regions != old.regions
        || merged.published != old.published
    {
        Upsert::Updated
    } else {
        Upsert::Unchanged
    };
    (merged, outcome)
}

/// The index of the site's own articles.
const ARTICLES_INDEX: &str = "a";

fn feed_index_name(feed: &FeedKey) -> String {
    match feed {
        FeedKey::All => "all".to_string(),
        FeedKey::Region(slug) => format!("r:{slug}"),
    }
}

fn source_index_name(feed_url: &str) -> String {
    format!("s:{feed_url}")
}

fn feed_prefix(name: &str) -> Vec<u8> {
    let mut prefix = name.as_bytes().to_vec();
    prefix.push(0);
    prefix
}

/// Every index key an entry has: the combined feed, each region, each source.
fn index_keys(entry: &Entry) -> Vec<Vec<u8>> {
    let mut names = vec![feed_index_name(&FeedKey::All)];
    names.extend(
        entry
            .regions
            .iter()
            .map(|slug| feed_index_name(&FeedKey::Region(slug.clone()))),
    );
    names.extend(
        entry
            .sources
            .iter()
            .map(|source| source_index_name(&source.feed_url)),
    );
    if entry.article.is_some() {
        names.push(ARTICLES_INDEX.to_string());
    }
    // Flip the sign bit so that earlier dates, negative ones included, sort first.
    let time = (entry.published.timestamp() as u64) ^ (1 << 63);
    names
        .into_iter()
        .map(|name| {
            let mut key = feed_prefix(&name);
            key.extend_from_slice(&time.to_be_bytes());
            key.extend_from_slice(entry.id.as_bytes());
            key
        })
        .collect()
}

fn time_of_index_key(key: &[u8]) -> i64 {
    let start = key.len() - 24;
    let bytes: [u8; 8] = key[start..start + 8]
        .try_into()
        .expect("index keys end in 8 time bytes and a 16-byte id");
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

fn id_of_index_key(key: &[u8]) -> EntryId {
    let bytes: [u8; 16] = key[key.len() - 16..]
        .try_into()
        .expect("index keys end in a 16-byte id");
    EntryId(uuid::Uuid::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceRef;
    use chrono::TimeZone;

    fn entry(key: &str, minute: u32, region: &str) -> Entry {
        let published = Utc.with_ymd_and_hms(2026, 11, 24, 10, minute, 0).unwrap();
        Entry {
            id: EntryId::from_key(key),
            public_id: key.to_string(),
            title: format!("title {key}"),
            link: Some(key.to_string()),
            published,
            updated: published,
            authors: vec![],
            summary: None,
            content: None,
            categories: vec![],
            enclosures: vec![],
            sources: vec![SourceRef {
                name: region.to_string(),
                feed_url: format!("http://{region}/feed"),
                title: None,
                site_url: None,
                region: region.to_string(),
            }],
            regions: vec![region.to_string()],
            article: None,
        }
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
        (dir, store)
    }

    fn titles(page: &Page) -> Vec<String> {
        page.entries.iter().map(|e| e.title.clone()).collect()
    }

    #[test]
    fn pages_are_newest_first_and_per_region() {
        let (_dir, store) = open();
        let now = Utc::now();
        for (key, minute, region) in [("a", 1, "ie"), ("b", 3, "cy"), ("c", 2, "ie")] {
            store.upsert(entry(key, minute, region), true, now).unwrap();
        }
        let all = store.page(&FeedKey::All, 0, 2).unwrap();
        assert_eq!(titles(&all), ["title b", "title c"]);
        assert!(all.has_more);
        let rest = store.page(&FeedKey::All, 2, 2).unwrap();
        assert_eq!(titles(&rest), ["title a"]);
        assert!(!rest.has_more);
        let ireland = store.page(&FeedKey::Region("ie".into()), 0, 10).unwrap();
        assert_eq!(titles(&ireland), ["title c", "title a"]);
        assert_eq!(store.source_entry_count("http://ie/feed"), 2);
    }

    #[test]
    fn the_same_story_twice_is_unchanged_and_an_edit_updates_in_place() {
        let (_dir, store) = open();
        let now = Utc::now();
        assert_eq!(
            store.upsert(entry("a", 1, "ie"), true, now).unwrap(),
            Upsert::Inserted
        );
        assert_eq!(
            store.upsert(entry("a", 1, "ie"), true, now).unwrap(),
            Upsert::Unchanged
        );
        let mut edited = entry("a", 1, "ie");
        edited.title = "new title".into();
        assert_eq!(store.upsert(edited, true, now).unwrap(), Upsert::Updated);
        let stored = store.get(EntryId::from_key("a")).unwrap().unwrap();
        assert_eq!(stored.title, "new title");
        assert_eq!(stored.updated, now);
        assert_eq!(store.page(&FeedKey::All, 0, 10).unwrap().entries.len(), 1);
    }

    #[test]
    fn a_story_from_two_regions_is_one_entry_in_both_region_feeds() {
        let (_dir, store) = open();
        let now = Utc::now();
        store.upsert(entry("x", 1, "ie"), true, now).unwrap();
        store.upsert(entry("x", 1, "cy"), true, now).unwrap();
        for feed in [
            FeedKey::All,
            FeedKey::Region("ie".into()),
            FeedKey::Region("cy".into()),
        ] {
            assert_eq!(store.page(&feed, 0, 10).unwrap().entries.len(), 1);
        }
        let stored = store.get(EntryId::from_key("x")).unwrap().unwrap();
        assert_eq!(stored.sources.len(), 2);
    }

    #[test]
    fn an_undated_story_keeps_its_first_seen_date() {
        let (_dir, store) = open();
        let first = entry("a", 1, "ie");
        store.upsert(first.clone(), false, Utc::now()).unwrap();
        let mut later = entry("a", 1, "ie");
        later.published = first.published + chrono::Duration::hours(1);
        store.upsert(later, false, Utc::now()).unwrap();
        let stored = store.get(first.id).unwrap().unwrap();
        assert_eq!(stored.published, first.published);
    }

    #[test]
    fn expiry_drops_old_and_extra_entries_but_never_articles_or_shared_stories() {
        let (_dir, store) = open();
        let now = Utc::now();
        for (key, minute) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
            store.upsert(entry(key, minute, "ie"), true, now).unwrap();
        }
        let mut article = entry("article", 0, "ie");
        article.sources.clear();
        article.article = Some(crate::model::Article {
            slug: "s".into(),
            author: "grace-kennedy".into(),
            file: None,
            markdown: String::new(),
            summary: None,
        });
        store.put(&article).unwrap();
        store.upsert(entry("d", 4, "cy"), true, now).unwrap();

        let cutoff = Utc.with_ymd_and_hms(2026, 11, 24, 10, 2, 0).unwrap();
        assert_eq!(store.expire(Some(cutoff), None, &[]).unwrap(), 1);
        let all = titles(&store.page(&FeedKey::All, 0, 10).unwrap());
        assert_eq!(all, ["title d", "title c", "title b", "title article"]);

        let urls = ["http://ie/feed".to_string()];
        assert_eq!(store.expire(None, Some(1), &urls).unwrap(), 2);
        let ireland = titles(&store.page(&FeedKey::Region("ie".into()), 0, 10).unwrap());
        assert_eq!(ireland, ["title d", "title article"]);
        // Keeping 0 of Ireland's: d is still carried by Cyprus, so it stays, in Cyprus only.
        let mut shared = store.get(EntryId::from_key("d")).unwrap().unwrap();
        assert_eq!(shared.regions, ["ie", "cy"]);
        store.expire(None, Some(0), &urls).unwrap();
        shared = store.get(EntryId::from_key("d")).unwrap().unwrap();
        assert_eq!(shared.regions, ["cy"]);
    }

    #[test]
    fn remove_drops_the_entry_from_every_index() {
        let (_dir, store) = open();
        store.upsert(entry("a", 1, "ie"), true, Utc::now()).unwrap();
        assert!(store.remove(EntryId::from_key("a")).unwrap());
        assert!(store.page(&FeedKey::All, 0, 10).unwrap().entries.is_empty());
        assert_eq!(store.source_entry_count("http://ie/feed"), 0);
    }
}
