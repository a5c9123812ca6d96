//! Retention: `[store] keep_days` and `max_entries_per_source`.

use chrono::{DateTime, Utc};

use super::keys::{IndexKey, id_of, time_of};
use super::{Store, StoreError};
use crate::model::SourceId;

impl Store {
    /// Drops upstream entries published before `cutoff`, and each source's entries beyond its
    /// newest `max_per_source`. Local articles are never expired. An entry another source still
    /// carries is not removed, only detached from the source that dropped it. Returns how many
    /// entries were removed or detached; call [`Store::commit`] after.
    pub fn expire(
        &self,
        cutoff: Option<DateTime<Utc>>,
        max_per_source: Option<usize>,
        sources: &[SourceId],
    ) -> Result<usize, StoreError> {
        let mut expired = 0;
        if let Some(cutoff) = cutoff {
            let mut old = Vec::new();
            for key in self.index.scan_prefix(IndexKey::All.prefix()).keys() {
                let key = key.map_err(|e| self.error(e))?;
                if time_of(&key) >= cutoff.timestamp() {
                    break;
                }
                old.push(id_of(&key));
            }
            // Held-back entries are in their source's index only, hidden ones in none: they
            // expire by their date all the same.
            for source in sources {
                for key in self
                    .index
                    .scan_prefix(IndexKey::Source(source.clone()).prefix())
                    .keys()
                {
                    let key = key.map_err(|e| self.error(e))?;
                    if time_of(&key) >= cutoff.timestamp() {
                        break;
                    }
                    old.push(id_of(&key));
                }
            }
            old.extend(self.hidden_before(cutoff)?);
            old.sort();
            old.dedup();
            for id in old {
                let article = self.get(id)?.is_some_and(|entry| entry.article.is_some());
                if !article {
                    self.remove(id)?;
                    expired += 1;
                }
            }
        }
        if let Some(max) = max_per_source {
            for source in sources {
                let extra = self.all_of(&IndexKey::Source(source.clone()), max)?;
                for entry in extra {
                    expired += 1;
                    if entry.sources.iter().all(|s| &s.feed_url == source) {
                        self.remove(entry.id)?;
                        continue;
                    }
                    let mut detached = entry;
                    detached.sources.retain(|s| &s.feed_url != source);
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
}
