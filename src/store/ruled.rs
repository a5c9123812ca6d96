//! Entries the operator's rules changed: hidden (dropped or not kept) or rewritten. The tree
//! `ruled` keeps each such entry's original beside what the rules made of it, so the rules
//! always run on what upstream sent, and a change of rules can bring an entry back. An entry the
//! rules leave alone has no record here. A hidden entry is in no feed index.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::codec::encode;
use super::entries::merge;
use super::keys::index_keys;
use super::{Store, StoreError, Upsert};
use crate::model::{Entry, EntryId};
use crate::rules::Verdict;

/// What the rules did to one stored entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ruled {
    /// The entry as upstream sent it (merged over fetches, like any stored entry).
    original: Entry,
    /// The rule that hides it; `None` when it is published, rewritten.
    hidden_by: Option<String>,
    /// The rules that rewrote it.
    rewritten_by: Vec<String>,
}

/// What one rule did, for `/status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleReport {
    pub hidden: usize,
    pub rewritten: usize,
    /// The titles (as upstream wrote them) of the newest entries it hid or rewrote.
    pub recent: Vec<String>,
}

/// An entry's date and title, to pick the newest a rule changed.
type DatedTitle = (DateTime<Utc>, String);

/// How many titles a [`RuleReport`] shows.
const RECENT_TITLES: usize = 5;

impl Store {
    /// Stores an upstream entry and publishes what the rules make of it: merged with the stored
    /// original as [`Store::upsert`] merges, then judged. A hidden entry is kept (with its
    /// original) but listed in no feed.
    pub fn ingest(
        &self,
        incoming: Entry,
        dated: bool,
        now: DateTime<Utc>,
        judge: impl Fn(&Entry) -> Verdict,
    ) -> Result<Upsert, StoreError> {
        let stripe = &self.ingest_locks[usize::from(incoming.id.as_bytes()[15]) % 64];
        let _one_at_a_time = stripe.lock().unwrap_or_else(|e| e.into_inner());
        let old = self.original(incoming.id)?;
        let (original, outcome) = match old {
            None => (incoming, Upsert::Inserted),
            Some(old) => merge(old, incoming, dated, now),
        };
        if outcome != Upsert::Unchanged {
            self.settle(original, &judge)?;
        }
        Ok(outcome)
    }

    /// Judges every stored upstream entry again (the rules changed): an entry a rule no longer
    /// hides comes back, one it now hides leaves every feed. Returns how many changed.
    pub fn reapply_rules(&self, judge: impl Fn(&Entry) -> Verdict) -> Result<usize, StoreError> {
        let mut changed = 0;
        for original in self.upstream_originals()? {
            if self.settle(original, &judge)? {
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// Every stored upstream entry as upstream sent it (hidden ones included; the site's own
    /// articles not).
    pub fn upstream_originals(&self) -> Result<Vec<Entry>, StoreError> {
        let mut ids = BTreeSet::new();
        for key in self.entries.iter().keys().chain(self.ruled.iter().keys()) {
            let key = key.map_err(|e| self.error(e))?;
            if let Ok(bytes) = <[u8; 16]>::try_from(&key[..]) {
                ids.insert(EntryId(uuid::Uuid::from_bytes(bytes)));
            }
        }
        let mut originals = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(original) = self.original(id)?.filter(|e| e.article.is_none()) {
                originals.push(original);
            }
        }
        Ok(originals)
    }

    /// Per rule, what it hides and rewrites now.
    pub fn rule_reports(&self) -> Result<BTreeMap<String, RuleReport>, StoreError> {
        let mut by_rule: BTreeMap<String, (RuleReport, Vec<DatedTitle>)> = BTreeMap::new();
        for item in self.ruled.iter() {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            let ruled: Ruled = self.decode(&bytes, &format!("{key:?}"))?;
            let titled = (ruled.original.published, ruled.original.title.clone());
            if let Some(rule) = &ruled.hidden_by {
                let (report, titles) = by_rule.entry(rule.clone()).or_default();
                report.hidden += 1;
                titles.push(titled.clone());
            }
            for rule in &ruled.rewritten_by {
                let (report, titles) = by_rule.entry(rule.clone()).or_default();
                report.rewritten += 1;
                titles.push(titled.clone());
            }
        }
        Ok(by_rule
            .into_iter()
            .map(|(rule, (mut report, mut titles))| {
                titles.sort_by_key(|(published, _)| std::cmp::Reverse(*published));
                report.recent = titles
                    .into_iter()
                    .take(RECENT_TITLES)
                    .map(|(_, title)| title)
                    .collect();
                (rule, report)
            })
            .collect())
    }

    /// The entry as upstream sent it: its ruled original, else the stored entry itself.
    fn original(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        match self.ruled.get(id.as_bytes()).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(
                self.decode::<Ruled>(&bytes, &id.0.to_string())?.original,
            )),
            None => self.get(id),
        }
    }

    /// Writes what the rules make of `original`, in one transaction: the published entry and
    /// its index keys, and the ruled record. Returns whether anything changed.
    fn settle(
        &self,
        original: Entry,
        judge: &impl Fn(&Entry) -> Verdict,
    ) -> Result<bool, StoreError> {
        let (visible, record) = match judge(&original) {
            Verdict::Publish {
                entry,
                rewritten_by,
            } if rewritten_by.is_empty() => (Some(*entry), None),
            Verdict::Publish {
                entry,
                rewritten_by,
            } => (
                Some(*entry),
                Some(Ruled {
                    original,
                    hidden_by: None,
                    rewritten_by,
                }),
            ),
            Verdict::Hide { rule } => (
                None,
                Some(Ruled {
                    original,
                    hidden_by: Some(rule),
                    rewritten_by: Vec::new(),
                }),
            ),
        };
        let id = record
            .as_ref()
            .map(|record| record.original.id)
            .or(visible.as_ref().map(|entry| entry.id))
            .expect("one of them is there");
        let key = &id.as_bytes()[..];
        let old_visible = self.get(id)?;
        let old_record = match self.ruled.get(key).map_err(|e| self.error(e))? {
            Some(bytes) => Some(self.decode::<Ruled>(&bytes, &id.0.to_string())?),
            None => None,
        };
        if old_visible == visible && old_record == record {
            return Ok(false);
        }
        let old_keys: BTreeSet<Vec<u8>> = old_visible.iter().flat_map(index_keys).collect();
        let new_keys: BTreeSet<Vec<u8>> = visible.iter().flat_map(index_keys).collect();
        let visible_bytes = visible.as_ref().map(encode);
        let record_bytes = record.as_ref().map(encode);
        let _gate = self.begin_write()?;
        (&self.entries, &self.index, &self.ruled)
            .transaction(|(entries, index, ruled)| {
                match &visible_bytes {
                    Some(bytes) => entries.insert(key, bytes.as_slice())?,
                    None => entries.remove(key)?,
                };
                for old in old_keys.difference(&new_keys) {
                    index.remove(old.as_slice())?;
                }
                for new in new_keys.difference(&old_keys) {
                    index.insert(new.as_slice(), &[][..])?;
                }
                match &record_bytes {
                    Some(bytes) => ruled.insert(key, bytes.as_slice())?,
                    None => ruled.remove(key)?,
                };
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|error| match error {
                TransactionError::Storage(error) => self.error(error),
                TransactionError::Abort(()) => {
                    self.error(sled::Error::Unsupported("transaction aborted".to_string()))
                }
            })?;
        self.note_change(id, old_visible.as_ref(), visible.as_ref())?;
        Ok(true)
    }

    /// Forgets the ruled record of an entry that is removed.
    pub(super) fn forget_ruled(&self, id: EntryId) -> Result<(), StoreError> {
        self.ruled
            .remove(id.as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Hidden entries published before `cutoff`: retention drops them too (they are in no
    /// index, so the index scan of retention does not see them).
    pub(super) fn hidden_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<EntryId>, StoreError> {
        let mut old = Vec::new();
        for item in self.ruled.iter() {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            let ruled: Ruled = self.decode(&bytes, &format!("{key:?}"))?;
            if ruled.hidden_by.is_some() && ruled.original.published < cutoff {
                old.push(ruled.original.id);
            }
        }
        Ok(old)
    }
}
