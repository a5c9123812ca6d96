//! The site's own articles: a slug is claimed and its article written in one step;
//! articles deleted over Micropub are kept (for undelete and a 410 at their permalink).

use super::batch::{Batch, Tree};
use super::codec::encode;
use super::entries::index_changes;
use super::keys::IndexKey;
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
        // Writes of one id are one at a time (striped by id): the check and the write are
        // one step for every writer of it.
        let _one_at_a_time = self.stripe(entry.id);
        let old = self.get(entry.id)?;
        let deleted = self
            .deleted
            .contains_key(entry.id.as_bytes())
            .map_err(|e| self.error(e))?;
        if !may_take(old.as_ref(), deleted) {
            return Ok(false);
        }
        let mut batch = Batch::default();
        batch.insert(Tree::Entries, entry.id.as_bytes(), encode(entry));
        index_changes(&mut batch, old.as_ref(), Some(entry));
        self.write_entry(batch, entry.id, old, Some(entry.clone()))?;
        Ok(true)
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
