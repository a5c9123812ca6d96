//! Writes gathered in memory and applied in one sled transaction: an entry's write and its
//! grouping into a story, or a whole refresh's entries and their groupings
//! ([`Store::ingest_all`]).
//!
//! Why: each sled transaction seals and writes sled's IO buffer twice (its batch manifest), a
//! write and a thread wake-up each. Two transactions per entry (its write, then its join) were
//! most of a cold ingest's system time and context switches (issue 18). A refresh of 40 entries
//! now makes one.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{Store, StoreError};
use crate::model::{Entry, EntryId, SourceId};

/// The trees a [`Batch`] writes, in the order [`Store::apply`] opens them.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tree {
    Entries,
    Index,
    Ruled,
    Stories,
    StoryOf,
    StoryMembers,
}

/// An entry as it was and as it is (`None`: not there, or hidden).
pub(super) type EntryChange = (Option<Entry>, Option<Entry>);

/// Writes waiting for [`Store::apply`], in the order they were made (a later write of a key
/// wins, as in sled).
#[derive(Default)]
pub(super) struct Batch {
    writes: Vec<(Tree, Vec<u8>, Option<Vec<u8>>)>,
    /// Added to the story counts (stories, stories of several entries).
    pub(super) counts: (i64, i64),
    /// Stories merged by the joins of the batch.
    pub(super) merges: u64,
    /// The entries written, with the tag slugs and the sources they had and have: the changes
    /// noted once the writes are applied.
    changed: Vec<(EntryId, Vec<String>, Vec<SourceId>)>,
}

impl Batch {
    pub(super) fn insert(
        &mut self,
        tree: Tree,
        key: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) {
        self.writes.push((tree, key.into(), Some(value.into())));
    }

    pub(super) fn remove(&mut self, tree: Tree, key: impl Into<Vec<u8>>) {
        self.writes.push((tree, key.into(), None));
    }

    /// Notes that entry `id` was written (`old` as it was, `new` as it is).
    pub(super) fn changed(&mut self, id: EntryId, old: Option<&Entry>, new: Option<&Entry>) {
        let mut tags = Vec::new();
        let mut sources = Vec::new();
        for entry in old.into_iter().chain(new) {
            for category in &entry.categories {
                let slug = crate::urls::tag_slug(category);
                if !slug.is_empty() {
                    tags.push(slug);
                }
            }
            sources.extend(entry.sources.iter().map(|source| source.feed_url.clone()));
        }
        self.changed.push((id, tags, sources));
    }

    fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.counts == (0, 0) && self.changed.is_empty()
    }
}

impl Store {
    /// Applies a batch in one transaction, then notes its changes for the publisher; the batch
    /// is empty after. Called under the grouping lock when the batch groups entries (see
    /// `Store::regroup`).
    pub(super) fn apply(&self, batch: &mut Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(batch);
        // A key written more than once (a story's record and time keys, at each join of a
        // batch) is written once, as last written: a transaction's write reads the key first.
        let mut seen = std::collections::HashSet::new();
        let writes: Vec<_> = batch
            .writes
            .iter()
            .rev()
            .filter(|(tree, key, _)| seen.insert((*tree as usize, &key[..])))
            .collect();
        let _gate = self.begin_write()?;
        let trees = [
            &self.entries,
            &self.index,
            &self.ruled,
            &self.stories,
            &self.story_of,
            &self.story_members,
            &self.story_keys,
        ];
        trees[..]
            .transaction(|trees| {
                for (tree, key, value) in &writes {
                    let tree = &trees[*tree as usize];
                    match value {
                        Some(value) => tree.insert(&key[..], &value[..])?,
                        None => tree.remove(&key[..])?,
                    };
                }
                super::stories::add_counts(&trees[6], batch.counts)?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|error| match error {
                TransactionError::Storage(error) => self.error(error),
                TransactionError::Abort(()) => {
                    self.error(sled::Error::Unsupported("transaction aborted".to_string()))
                }
            })?;
        metrics::counter!(crate::metrics::STORY_MERGES).increment(batch.merges);
        let mut changes = self.changes.lock().unwrap_or_else(|e| e.into_inner());
        for (id, tags, sources) in batch.changed {
            changes.entries.insert(id);
            changes.tags.extend(tags);
            changes.sources.extend(sources);
        }
        Ok(())
    }
}
