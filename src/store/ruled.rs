//! Entries the operator's rules changed: hidden (dropped or not kept) or rewritten. The tree
//! `ruled` keeps each such entry's original beside what the rules made of it, so the rules
//! always run on what upstream sent, and a change of rules can bring an entry back. An entry the
//! rules leave alone has no record here. A hidden entry is in no feed index.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::batch::{Batch, EntryChange, Tree};
use super::codec::encode;
use super::entries::{index_changes, merge};
use super::{Store, StoreError, Upsert, stripe_of};
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
        let mut outcomes = self.ingest_all(vec![(incoming, dated)], now, judge)?;
        Ok(outcomes.pop().expect("one outcome per entry"))
    }

    /// [`Store::ingest`] of a refresh's entries (each with whether upstream dated it), written
    /// with their stories in one transaction (see `batch`); the outcome of each, in order. An
    /// entry listed twice splits the batch: its second write reads the first.
    pub fn ingest_all(
        &self,
        incoming: Vec<(Entry, bool)>,
        now: DateTime<Utc>,
        judge: impl Fn(&Entry) -> Verdict,
    ) -> Result<Vec<Upsert>, StoreError> {
        let mut outcomes = Vec::with_capacity(incoming.len());
        let mut incoming = incoming.into_iter().peekable();
        while incoming.peek().is_some() {
            let mut ids = BTreeSet::new();
            let mut run = Vec::new();
            while let Some((entry, _)) = incoming.peek() {
                if !ids.insert(entry.id) {
                    break;
                }
                run.extend(incoming.next());
            }
            outcomes.extend(self.ingest_run(run, now, &judge)?);
        }
        Ok(outcomes)
    }

    /// Entries of distinct ids, in one batch: each entry's read, merge and write is one at a
    /// time per entry (striped by id), so the batch holds the stripes of all of them, taken in
    /// order.
    fn ingest_run(
        &self,
        run: Vec<(Entry, bool)>,
        now: DateTime<Utc>,
        judge: &impl Fn(&Entry) -> Verdict,
    ) -> Result<Vec<Upsert>, StoreError> {
        let stripes: BTreeSet<usize> = run.iter().map(|(entry, _)| stripe_of(entry.id)).collect();
        let _one_at_a_time: Vec<_> = stripes
            .into_iter()
            .map(|stripe| {
                self.ingest_locks[stripe]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
            })
            .collect();
        let mut batch = Batch::default();
        let mut changes = Vec::new();
        let mut outcomes = Vec::with_capacity(run.len());
        for (incoming, dated) in run {
            let old = self.original(incoming.id)?;
            let (original, outcome) = match old {
                None => (incoming, Upsert::Inserted),
                Some(old) => merge(old, incoming, dated, now),
            };
            if outcome != Upsert::Unchanged {
                changes.extend(self.settle_into(&mut batch, original, judge)?);
            }
            outcomes.push(outcome);
        }
        self.regroup(&mut batch, &changes)?;
        Ok(outcomes)
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

    /// Writes what the rules make of `original`, with its story, in one transaction. Returns
    /// whether anything changed.
    fn settle(
        &self,
        original: Entry,
        judge: &impl Fn(&Entry) -> Verdict,
    ) -> Result<bool, StoreError> {
        let mut batch = Batch::default();
        let Some(change) = self.settle_into(&mut batch, original, judge)? else {
            return Ok(false);
        };
        self.regroup(&mut batch, &[change])?;
        Ok(true)
    }

    /// Adds to `batch` what the rules make of `original`: the published entry and its index
    /// keys, and the ruled record. Returns the published entry as it was and as it will be, or
    /// `None` when nothing changes.
    fn settle_into(
        &self,
        batch: &mut Batch,
        original: Entry,
        judge: &impl Fn(&Entry) -> Verdict,
    ) -> Result<Option<EntryChange>, StoreError> {
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
            return Ok(None);
        }
        match &visible {
            Some(entry) => batch.insert(Tree::Entries, key, encode(entry)),
            None => batch.remove(Tree::Entries, key),
        }
        index_changes(batch, old_visible.as_ref(), visible.as_ref());
        match &record {
            Some(record) => batch.insert(Tree::Ruled, key, encode(record)),
            None => batch.remove(Tree::Ruled, key),
        }
        batch.changed(id, old_visible.as_ref(), visible.as_ref());
        Ok(Some((old_visible, visible)))
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
