//! The site's own articles: a slug is claimed and its article written in one transaction;
//! articles deleted over Micropub are kept (for undelete and a 410 at their permalink).

use std::collections::BTreeSet;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::codec::encode;
use super::keys::{IndexKey, index_keys};
use super::{Page, Store, StoreError};
use crate::model::{Entry, EntryId};

impl Store {
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
        let _gate = self.begin_write()?;
        let replaced = std::cell::RefCell::new(None);
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
                *replaced.borrow_mut() = old;
                Ok(true)
            })
            .map_err(|error| match error {
                TransactionError::Storage(error) => self.error(error),
                TransactionError::Abort(error) => error,
            })?;
        if written {
            self.note_change(entry.id, replaced.borrow().as_ref(), Some(entry))?;
        }
        Ok(written)
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
        self.page_of(&IndexKey::Articles, super::PageStart::Skip(offset), limit)
    }

    /// Every one of the site's own articles, newest first.
    pub fn all_articles(&self) -> Result<Vec<Entry>, StoreError> {
        self.all_of(&IndexKey::Articles, 0)
    }
}
