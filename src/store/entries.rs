//! Entries and their index keys, always written together; pages of a feed.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::batch::{Batch, Tree};
use super::codec::encode;
use super::keys::{Cursor, IndexKey, PageStart, id_of, index_keys};
use super::{Store, StoreError};
use crate::model::{Entry, EntryId, FeedKey};
use crate::rules::Verdict;

/// What [`Store::upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Inserted,
    /// The story changed (same id, new `updated`) or is now carried by another source.
    Updated,
    Unchanged,
}

/// One page of a feed, newest first.
#[derive(Debug, Clone)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub has_more: bool,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

impl Store {
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
        self.ingest(incoming, dated, now, |entry| Verdict::Publish {
            entry: Box::new(entry.clone()),
            rewritten_by: Vec::new(),
        })
    }

    /// Writes an entry as given, replacing any stored (or deleted) one with its id.
    pub fn put(&self, entry: &Entry) -> Result<(), StoreError> {
        self.write(entry)?;
        self.deleted
            .remove(entry.id.as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Removes an entry, its index keys and its ruled record; true if it was there.
    pub fn remove(&self, id: EntryId) -> Result<bool, StoreError> {
        let _one_at_a_time = self.stripe(id);
        let Some(old) = self.get(id)? else {
            self.forget_ruled(id)?;
            return Ok(false);
        };
        let mut batch = Batch::default();
        batch.remove(Tree::Entries, id.as_bytes());
        for key in index_keys(&old) {
            batch.remove(Tree::Index, key);
        }
        batch.remove(Tree::Ruled, id.as_bytes());
        self.write_entry(batch, id, Some(old), None)?;
        Ok(true)
    }

    /// How many entries are stored (published, held back or hidden by no rule).
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// Every stored entry, in key order (not by date): for rebuilding derived indexes.
    pub fn entries_in_any_order(&self) -> impl Iterator<Item = Result<Entry, StoreError>> + '_ {
        self.entries.iter().map(|item| {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            self.decode::<Entry>(&bytes, &format!("{key:?}"))
        })
    }

    pub fn get(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let Some(bytes) = self.entries.get(id.as_bytes()).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        self.decode::<Entry>(&bytes, &id.0.to_string()).map(Some)
    }

    /// Entries `offset..offset + limit` of a feed, newest first.
    pub fn page(&self, feed: &FeedKey, offset: usize, limit: usize) -> Result<Page, StoreError> {
        self.page_of(&IndexKey::from(feed), PageStart::Skip(offset), limit)
    }

    /// The page of a feed that starts at `start`: see [`PageStart`].
    pub fn page_from(
        &self,
        feed: &FeedKey,
        start: PageStart,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.page_of(&IndexKey::from(feed), start, limit)
    }

    /// `limit` entries of an index from `start`, newest first.
    pub(super) fn page_of(
        &self,
        index: &IndexKey,
        start: PageStart,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let (keys, has_more) = self.keys_newest_first(index, start, limit)?;
        let next = keys
            .last()
            .filter(|_| has_more)
            .map(|key| Cursor::of_key(key));
        let ids = keys.iter().map(|key| id_of(key)).collect();
        Ok(Page {
            entries: self.entries_of(ids)?,
            has_more,
            next,
        })
    }

    /// Up to `limit` keys of an index from `start`, newest first, and whether more follow.
    pub(super) fn keys_newest_first(
        &self,
        index: &IndexKey,
        start: PageStart,
        limit: usize,
    ) -> Result<(Vec<sled::IVec>, bool), StoreError> {
        let mut keys = Vec::with_capacity(limit.min(1024) + 1);
        for key in self.index_scan(index, start) {
            keys.push(key.map_err(|e| self.error(e))?);
            if keys.len() > limit {
                break;
            }
        }
        let has_more = keys.len() > limit;
        keys.truncate(limit);
        Ok((keys, has_more))
    }

    /// Every entry of an index past its newest `skip`, newest first.
    pub(super) fn all_of(&self, index: &IndexKey, skip: usize) -> Result<Vec<Entry>, StoreError> {
        let ids = self
            .index_scan(index, PageStart::Skip(skip))
            .map(|key| key.map(|key| id_of(&key)).map_err(|e| self.error(e)))
            .collect::<Result<Vec<_>, _>>()?;
        self.entries_of(ids)
    }

    /// The keys an index lists from `start`, newest first: a reverse scan that reads the keys
    /// it skips and nothing else (none at all from a cursor).
    fn index_scan(
        &self,
        index: &IndexKey,
        start: PageStart,
    ) -> impl Iterator<Item = sled::Result<sled::IVec>> + '_ {
        let prefix = index.prefix();
        let (scan, skip) = match start {
            PageStart::Skip(skip) => (self.index.scan_prefix(prefix), skip),
            PageStart::After(cursor) => (self.index.range(prefix..cursor.key_in(index)), 0),
        };
        scan.keys().rev().skip(skip)
    }

    fn entries_of(&self, ids: Vec<EntryId>) -> Result<Vec<Entry>, StoreError> {
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids {
            // The index and the entries change in one transaction, so this is always there.
            if let Some(entry) = self.get(id)? {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    pub(super) fn write(&self, entry: &Entry) -> Result<(), StoreError> {
        let _one_at_a_time = self.stripe(entry.id);
        let old = self.get(entry.id)?;
        let mut batch = Batch::default();
        batch.insert(Tree::Entries, entry.id.as_bytes(), encode(entry));
        index_changes(&mut batch, old.as_ref(), Some(entry));
        self.write_entry(batch, entry.id, old, Some(entry.clone()))
    }
}

/// The index keys to remove and to add when an entry changes from `old` to `new`.
pub(super) fn index_changes(batch: &mut Batch, old: Option<&Entry>, new: Option<&Entry>) {
    let old_keys: BTreeSet<Vec<u8>> = old.iter().flat_map(|e| index_keys(e)).collect();
    let new_keys: BTreeSet<Vec<u8>> = new.iter().flat_map(|e| index_keys(e)).collect();
    for key in old_keys.difference(&new_keys) {
        batch.remove(Tree::Index, key.clone());
    }
    for key in new_keys.difference(&old_keys) {
        batch.insert(Tree::Index, key.clone(), []);
    }
}

pub(super) fn merge(
    old: Entry,
    incoming: Entry,
    dated: bool,
    now: DateTime<Utc>,
) -> (Entry, Upsert) {
    let story_changed = !old.same_story_as(&incoming);
    let mut merged = incoming;
    // Ids never change once stored, the public one included (readers track it): a later
    // rule of ours (stripping tracking parameters, say) must not give an entry a new one.
    merged.id = old.id;
    merged.public_id = old.public_id.clone();
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
    merged.held_back = old.held_back;
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
