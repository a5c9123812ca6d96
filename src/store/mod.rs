//! Owns sled: entries, the time index of every feed, each source's fetch state, and the
//! articles deleted over Micropub. One file per concern:
//!
//! - `keys`: [`IndexKey`], the feeds' time indexes and their byte encoding (the one place that
//!   builds key bytes);
//! - `codec`: what is written to disk, with its layout version, checked on every read;
//! - `entries`: entries and their index keys, written together; pages of a feed;
//! - `batch`: writes gathered and applied in one transaction (an entry with its story, a
//!   refresh's entries with theirs);
//! - `articles`: the site's own articles: slug claims, deletion and undeletion;
//! - `sources`: each source's fetch state and its entries;
//! - `retention`: `keep_days` and `max_entries_per_source`.
//!
//! Layout (trees): `entries` (entry id, 16 bytes -> entry), `index` (`IndexKey` prefix, `\0`,
//! sort time (8 bytes, big-endian), id -> nothing), `sources` (source feed URL -> state) and
//! `deleted` (entry id -> a deleted article). A page of a feed is a reverse prefix scan that
//! reads the keys it skips and the entries it returns: its cost follows the page, not the store.
//!
//! An entry, its index keys and its story change in one transaction, so a crash never leaves an
//! index key without its entry. sled calls block: async code reaches the store through
//! [`Store::blocking`], never on the runtime.
//! The trap: sled flushes every 500 ms on its own; [`Store::commit`] after writes that must
//! survive a crash, before anything is published.

mod articles;
mod batch;
mod codec;
mod comments;
mod compact;
mod entries;
mod keys;
mod retention;
mod ruled;
mod sources;
mod stories;
mod websub;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use batch::Batch;
pub use codec::LAYOUT;
pub use comments::{Comment, CommentId, CommentKind, CommentState};
pub use compact::{CompactError, Compacted, compact};
pub use entries::{Page, Upsert};
pub use keys::{Cursor, IndexKey, PageStart};
pub use ruled::RuleReport;
pub use sources::FetchState;
pub use stories::{Story, StoryLookup, StoryPage, StoryReports, StorySettings};
pub use websub::{Subscription, SubscriptionState};

/// The store; cheap to clone (all handles are shared).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    entries: sled::Tree,
    index: sled::Tree,
    sources: sled::Tree,
    /// The `sources` tree's states in memory, and those waiting to be written to it.
    source_states: Arc<sources::SourceStates>,
    /// Articles deleted over Micropub, kept so they can be undeleted and answer 410.
    deleted: sled::Tree,
    /// Entries the operator's rules hid or rewrote, with their originals (see `ruled`).
    ruled: sled::Tree,
    /// Readers' comments, and their index (see `comments`).
    comments: sled::Tree,
    comment_index: sled::Tree,
    /// Stories (see `stories`): records, each entry's story, and the candidate keys.
    stories: sled::Tree,
    story_of: sled::Tree,
    story_keys: sled::Tree,
    story_members: sled::Tree,
    story_settings: Arc<std::sync::RwLock<StorySettings>>,
    /// Grouping is one entry at a time: two reports of one story never mint two stories.
    group_lock: Arc<std::sync::Mutex<()>>,
    /// The candidate postings of the window, in memory (see `stories::Postings`).
    postings: Arc<std::sync::Mutex<stories::Postings>>,
    /// An entry's read, merge and write is one at a time per entry (striped by id): two sources
    /// carrying one story at once must both end up in it.
    ingest_locks: Arc<[std::sync::Mutex<()>; 64]>,
    /// Small facts about the store itself: the fingerprint of the rules last applied.
    meta: sled::Tree,
    path: PathBuf,
    generation: Arc<AtomicU64>,
    /// Entries were written since the last commit.
    dirty: Arc<AtomicBool>,
    /// Group commit: every call to [`Store::commit`] takes the next number of this sequence...
    commits: Arc<AtomicU64>,
    /// ...and this lock, held through the flush, holds the last number a finished flush covers.
    flushed: Arc<std::sync::Mutex<u64>>,
    changed: Arc<tokio::sync::Notify>,
    /// What changed since the publisher last took the list.
    changes: Arc<std::sync::Mutex<Changes>>,
    /// Whether the checkpoint was moved on since it was last read (see [`Store::checkpoint`]).
    checkpoint_moved: Arc<AtomicBool>,
    /// Writes hold it shared from their checkpoint move to their change note; reading the
    /// checkpoint holds it alone, so no write straddles a reading.
    write_gate: Arc<std::sync::RwLock<()>>,
}

/// A write in progress (see [`Store::begin_write`]). Ending it marks the store dirty again: a
/// commit that cleared the mark while the write ran flushed only part of it, so the writer's own
/// commit must still see something to flush.
struct WriteGuard<'a> {
    _gate: std::sync::RwLockReadGuard<'a, ()>,
    dirty: &'a AtomicBool,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.dirty.store(true, Ordering::Release);
    }
}

/// The version of the set of indexes an entry is listed in (see [`Store::backfill_indexes`]).
const INDEXES: u32 = 2;

/// What changed since the last [`Store::take_changes`]: the publisher's worklist (which tag
/// feeds to announce, which entries to index for search).
#[derive(Debug, Default)]
pub struct Changes {
    /// Entries written or removed.
    pub entries: std::collections::BTreeSet<crate::model::EntryId>,
    /// Tags (slugs) whose lists may read differently now.
    pub tags: std::collections::BTreeSet<String>,
    /// Sources whose lists may read differently now: those the written entries name.
    pub sources: std::collections::BTreeSet<crate::model::SourceId>,
    /// The store's checkpoint when the list was taken: every write before it is in the list
    /// (or an earlier one); see [`Store::checkpoint`].
    pub checkpoint: u64,
}

/// What failed in the store, and on which store; the cause is in the error's source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store {path}: the data is corrupt ({message}); nothing was deleted: restore a backup or move the folder aside"
    )]
    Corrupt { path: PathBuf, message: String },
    /// Another process (a running daemon) holds the store's lock.
    #[error("store {path} is open in another process (a running daemon?): stop it first")]
    Busy { path: PathBuf },
    #[error("store {path}")]
    Sled {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    #[error("store {path}: record {key} cannot be read")]
    Decode {
        path: PathBuf,
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "store {path}: record {key} has layout version {found}, and this islands reads versions {} to {}: run the islands that wrote it, or a newer one that migrates it",
        codec::OLDEST_READ,
        LAYOUT
    )]
    Layout {
        path: PathBuf,
        key: String,
        found: u32,
    },
}

impl Store {
    pub fn open(path: &Path, cache_capacity_bytes: u64) -> Result<Store, StoreError> {
        // sled's background threads let go of a dropped store's file lock a moment after the
        // drop, so a store opened again in the same process (a daemon restarted as a library,
        // the tests) found it busy now and then: it waits up to a second before saying so.
        let deadline = Instant::now() + Duration::from_secs(1);
        let db = loop {
            let opened = sled::Config::new()
                .path(path)
                // sled's default cache_capacity is 1 GiB, and real memory can exceed the
                // setting (sled issues #1309, #1410): it is always set from `[store] cache_mb`.
                .cache_capacity(cache_capacity_bytes)
                .open();
            match opened.map_err(|source| open_error(path, source)) {
                Ok(db) => break db,
                Err(StoreError::Busy { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(error) => return Err(error),
            }
        };
        let tree = |name: &str| {
            db.open_tree(name)
                .map_err(|source| open_error(path, source))
        };
        let store = Store {
            entries: tree("entries")?,
            index: tree("index")?,
            sources: tree("sources")?,
            source_states: Arc::default(),
            deleted: tree("deleted")?,
            ruled: tree("ruled")?,
            comments: tree("comments")?,
            comment_index: tree("comment_index")?,
            meta: tree("meta")?,
            stories: tree("stories")?,
            story_of: tree("story_of")?,
            story_keys: tree("story_keys")?,
            story_members: tree("story_members")?,
            story_settings: Arc::default(),
            group_lock: Arc::default(),
            postings: Arc::default(),
            ingest_locks: Arc::new(std::array::from_fn(|_| std::sync::Mutex::new(()))),
            db,
            path: path.to_path_buf(),
            generation: Arc::new(AtomicU64::new(1)),
            dirty: Arc::new(AtomicBool::new(false)),
            commits: Arc::default(),
            flushed: Arc::default(),
            changed: Arc::new(tokio::sync::Notify::new()),
            changes: Arc::default(),
            checkpoint_moved: Arc::new(AtomicBool::new(false)),
            write_gate: Arc::default(),
        };
        // A store with no entries has every index there is and every entry in a story: nothing
        // to backfill or group, ever (a store first filled by `islands fetch` was backfilled,
        // all of it, at the daemon's first start: 35,000 entries read and 176,000 keys written
        // again at 1,000 sources).
        if store.entries.is_empty() {
            let marks: [(&[u8], &[u8]); 2] = [
                (b"indexes", &INDEXES.to_be_bytes()),
                (stories::ALL_GROUPED, &[]),
            ];
            for (key, value) in marks {
                store.meta.insert(key, value).map_err(|e| store.error(e))?;
            }
        }
        let converted = store.members_out_of_records()?;
        if converted > 0 {
            store.flush()?;
            tracing::info!(
                stories = converted,
                "stories' reports moved to keys of their own"
            );
        }
        Ok(store)
    }

    /// Runs store work on a blocking thread: the one way async code touches sled, so the rule
    /// "never on the runtime" is kept by this signature, not by convention. A panic in `work`
    /// is resumed in the caller.
    pub async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> T {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || work(&store)).await {
            Ok(done) => done,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
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
    /// Source state alone is left to sled's own flush every 500 ms (after a 304 or a failed
    /// fetch it is staged in memory first, see `sources::SourceStates`): losing the time of the
    /// last fetch to a crash harms nothing, and a flush per 304 would cost every warm refresh.
    ///
    /// Group commit: callers that arrive while a flush runs wait for it, and the first of them
    /// then flushes once for all (a cold pass of 1,000 sources did 1,000 flushes). A call
    /// returns only once a flush that began after it was called has finished, so what the
    /// caller wrote before calling is durable; `true` when this call did the flush.
    pub fn commit(&self) -> Result<bool, StoreError> {
        let ticket = self.commits.fetch_add(1, Ordering::AcqRel) + 1;
        let mut flushed = self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        if *flushed >= ticket {
            // A flush that began after this call's writes has finished meanwhile.
            return Ok(false);
        }
        let covers = self.commits.load(Ordering::Acquire);
        if !self.dirty.swap(false, Ordering::AcqRel) {
            // Every earlier write was flushed by a commit that held this lock before.
            *flushed = covers;
            return Ok(false);
        }
        if let Err(error) = self.flush() {
            self.mark_dirty();
            return Err(error);
        }
        *flushed = covers;
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

    /// Lists every stored entry in every index it belongs to, once per store: indexes added
    /// by a later build (the tag index) then cover entries stored before it. Idempotent;
    /// returns how many entries it read (0 when the store was already current).
    pub fn backfill_indexes(&self) -> Result<usize, StoreError> {
        let current = self
            .meta
            .get(b"indexes")
            .map_err(|e| self.error(e))?
            .and_then(|bytes| <[u8; 4]>::try_from(&bytes[..]).ok())
            .map(u32::from_be_bytes);
        if current >= Some(INDEXES) {
            return Ok(0);
        }
        let mut read = 0;
        for item in self.entries.iter() {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            let entry: crate::model::Entry = self.decode(&bytes, &format!("{key:?}"))?;
            for index_key in keys::index_keys(&entry) {
                self.index
                    .insert(index_key, &[][..])
                    .map_err(|e| self.error(e))?;
            }
            read += 1;
        }
        self.meta
            .insert(b"indexes", &INDEXES.to_be_bytes())
            .map_err(|e| self.error(e))?;
        self.flush()?;
        Ok(read)
    }

    /// The tags that have entries, by slug.
    pub fn tags(&self) -> Result<Vec<String>, StoreError> {
        let mut tags: Vec<String> = Vec::new();
        for key in self.index.scan_prefix(b"t:").keys() {
            let key = key.map_err(|e| self.error(e))?;
            if let Some(tag) = keys::tag_of_key(&key)
                && tags.last() != Some(&tag)
            {
                tags.push(tag);
            }
        }
        Ok(tags)
    }

    /// The fingerprint of the rules the stored entries were last judged by.
    pub fn rules_fingerprint(&self) -> Result<Option<u64>, StoreError> {
        let value = self.meta.get(b"rules").map_err(|e| self.error(e))?;
        Ok(value.and_then(|bytes| <[u8; 8]>::try_from(&bytes[..]).ok().map(u64::from_be_bytes)))
    }

    pub fn set_rules_fingerprint(&self, fingerprint: u64) -> Result<(), StoreError> {
        self.meta
            .insert(b"rules", &fingerprint.to_be_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Makes every write so far survive a crash of the process (not visible: see `commit`).
    /// Writes the staged source states and makes every write durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.write_staged_states()?;
        self.db.flush().map_err(|e| self.error(e))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes are waiting for a commit: what is read now may be a refresh half way through.
    pub fn has_uncommitted(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// Entries are about to be written: the next commit publishes them. Marked before the
    /// write, so a render that can see it also sees that it is not committed yet.
    fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// A random secret of this store, made at its first use and kept: signs comment form
    /// tokens, moderators' sessions and CSRF tokens.
    pub fn secret(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        let key = format!("secret/{name}");
        if let Some(secret) = self.meta.get(key.as_bytes()).map_err(|e| self.error(e))? {
            return Ok(secret.to_vec());
        }
        use ring::rand::SecureRandom;
        let mut secret = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut secret)
            .expect("the system's random source works");
        // Two first uses at once: the first one written wins for both.
        let _ = self
            .meta
            .compare_and_swap(key.as_bytes(), None as Option<&[u8]>, Some(&secret[..]))
            .map_err(|e| self.error(e))?;
        self.flush()?;
        let stored = self.meta.get(key.as_bytes()).map_err(|e| self.error(e))?;
        Ok(stored.map_or_else(|| secret.to_vec(), |s| s.to_vec()))
    }

    /// Takes the list of what changed since the last call.
    pub fn take_changes(&self) -> Result<Changes, StoreError> {
        let _alone = self.write_gate.write().unwrap_or_else(|e| e.into_inner());
        let checkpoint = self.read_checkpoint()?;
        self.checkpoint_moved.store(false, Ordering::Release);
        let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken = std::mem::take(&mut *changes);
        taken.checkpoint = checkpoint;
        Ok(taken)
    }

    /// A number that moves on, durably, before the first write after each time it is read: a
    /// state derived from the store (the search index) that records the checkpoint it was
    /// built from is current exactly when the store's checkpoint is still that number. A
    /// crash after a write and before the derived state caught up leaves them different.
    pub fn checkpoint(&self) -> Result<u64, StoreError> {
        let _alone = self.write_gate.write().unwrap_or_else(|e| e.into_inner());
        let checkpoint = self.read_checkpoint()?;
        self.checkpoint_moved.store(false, Ordering::Release);
        Ok(checkpoint)
    }

    fn read_checkpoint(&self) -> Result<u64, StoreError> {
        Ok(self
            .meta
            .get(b"checkpoint")
            .map_err(|e| self.error(e))?
            .and_then(|bytes| <[u8; 8]>::try_from(&bytes[..]).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Starts a write of entries: marks the store uncommitted and, if the checkpoint was read
    /// since it last moved, moves it on, so the move is in sled's log before the write it
    /// covers. Hold the guard until the change is noted.
    fn begin_write(&self) -> Result<WriteGuard<'_>, StoreError> {
        self.mark_dirty();
        let gate = WriteGuard {
            _gate: self.write_gate.read().unwrap_or_else(|e| e.into_inner()),
            dirty: &self.dirty,
        };
        if !self.checkpoint_moved.swap(true, Ordering::AcqRel) {
            let next = self.read_checkpoint()? + 1;
            self.meta
                .insert(b"checkpoint", &next.to_be_bytes())
                .map_err(|e| self.error(e))?;
        }
        Ok(gate)
    }

    /// Holds the stripe of entry `id`: writes of one entry are one at a time.
    fn stripe(&self, id: crate::model::EntryId) -> std::sync::MutexGuard<'_, ()> {
        self.ingest_locks[stripe_of(id)]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Applies `batch`, the write of an entry (`old` as it was, `new` as it is), with what it
    /// does to its story (see `stories`), and notes the change.
    fn write_entry(
        &self,
        mut batch: Batch,
        id: crate::model::EntryId,
        old: Option<crate::model::Entry>,
        new: Option<crate::model::Entry>,
    ) -> Result<(), StoreError> {
        batch.changed(id, old.as_ref(), new.as_ref());
        self.regroup(&mut batch, &[(old, new)])
    }

    fn error(&self, source: sled::Error) -> StoreError {
        open_error(&self.path, source)
    }
}

/// Which of the 64 `ingest_locks` an entry's writes hold.
fn stripe_of(id: crate::model::EntryId) -> usize {
    usize::from(id.as_bytes()[15]) % 64
}

fn open_error(path: &Path, source: sled::Error) -> StoreError {
    match source {
        // sled 0.34 says so only in the message of an `ErrorKind::Other`.
        sled::Error::Io(io) if io.to_string().starts_with("could not acquire lock") => {
            StoreError::Busy {
                path: path.to_path_buf(),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attribution, Entry, EntryId, FeedKey, SourceId};
    use chrono::{TimeZone, Utc};

    /// An upstream entry of `region`'s source, published at 10:`minute` on 24 November 2026.
    pub(super) fn entry(key: &str, minute: u32, region: &str) -> Entry {
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
            sources: vec![Attribution {
                name: region.to_string(),
                feed_url: source_id(region),
                title: None,
                site_url: None,
                region: region.to_string(),
            }],
            regions: vec![region.to_string()],
            article: None,
            held_back: false,
            language: None,
            image: None,
        }
    }

    fn source_id(region: &str) -> SourceId {
        SourceId::new(&format!("http://{region}/feed").parse().unwrap())
    }

    /// A store in a temporary folder (the other modules' tests use it too).
    pub(super) fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
        (dir, store)
    }

    /// A store dropped while another open waits (a daemon restarted in the same process) is
    /// opened once sled lets go of it, not refused as busy.
    #[test]
    fn a_store_let_go_of_within_a_second_opens() {
        let (dir, store) = open();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(store);
        });
        let again = Store::open(&dir.path().join("store"), 8 << 20);
        holder.join().unwrap();
        assert!(again.is_ok(), "{:?}", again.err());
    }

    fn titles(page: &Page) -> Vec<String> {
        page.entries.iter().map(|e| e.title.clone()).collect()
    }

    #[test]
    fn a_record_of_another_layout_is_refused_by_name_not_misread() {
        let (_dir, store) = open();
        let id = EntryId::from_key("x");
        store
            .entries
            .insert(id.as_bytes(), &br#"{"v":99,"title":"from the future"}"#[..])
            .unwrap();
        let error = store.get(id).unwrap_err();
        assert!(
            matches!(error, StoreError::Layout { found: 99, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("layout version 99"), "{error}");
    }

    /// A store that was empty when opened needs no backfill at its next start.
    #[test]
    fn a_store_filled_from_empty_is_not_backfilled() {
        let (dir, store) = open();
        store.upsert(entry("a", 1, "ie"), true, Utc::now()).unwrap();
        store.commit().unwrap();
        drop(store);
        let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
        assert_eq!(store.backfill_indexes().unwrap(), 0);
    }

    /// A store written before the tag index gets its tag keys once, at the next start.
    #[test]
    fn backfill_lists_older_entries_in_newer_indexes_once() {
        let (_dir, store) = open();
        let mut tagged = entry("a", 1, "ie");
        tagged.categories = vec!["Dún Laoghaire".into()];
        store.upsert(tagged, true, Utc::now()).unwrap();
        let tag = FeedKey::Tag("dun-laoghaire".into());
        // As an older build left it: no tag key, no marker.
        for key in store.index.scan_prefix(b"t:").keys() {
            store.index.remove(key.unwrap()).unwrap();
        }
        store.meta.remove(b"indexes").unwrap();
        assert!(store.page(&tag, 0, 10).unwrap().entries.is_empty());
        assert_eq!(store.backfill_indexes().unwrap(), 1);
        assert_eq!(titles(&store.page(&tag, 0, 10).unwrap()), ["title a"]);
        assert_eq!(store.tags().unwrap(), ["dun-laoghaire"]);
        assert_eq!(store.backfill_indexes().unwrap(), 0, "once per store");
    }

    /// One story carried by two sources, stored by both refreshes at once, keeps both (a
    /// full-suite run lost one: the read, merge and write of an entry was not one step).
    #[test]
    fn concurrent_upserts_of_one_entry_keep_every_source() {
        let (_dir, store) = open();
        let now = Utc::now();
        let together = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            for region in ["ie", "cy"] {
                let (store, together) = (&store, &together);
                scope.spawn(move || {
                    for n in 0..300 {
                        together.wait();
                        let mut entry = entry(&format!("shared {n}"), 0, region);
                        entry.title = "shared".to_string();
                        store.upsert(entry, true, now).unwrap();
                    }
                });
            }
        });
        for n in 0..300 {
            let stored = store
                .get(EntryId::from_key(&format!("shared {n}")))
                .unwrap()
                .unwrap();
            assert_eq!(stored.regions.len(), 2, "entry {n}: {:?}", stored.regions);
        }
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
        assert_eq!(store.source_entry_count(&source_id("ie")), 2);
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

        let urls = [source_id("ie")];
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
        assert_eq!(store.source_entry_count(&source_id("ie")), 0);
    }
}
