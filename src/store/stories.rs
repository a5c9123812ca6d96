//! Stories (issue 13): every entry of the combined feed belongs to exactly one story.
//!
//! Trees: `stories` (story id -> [`StoryRecord`]; a story merged into an older one stays as a
//! record naming it, for the 301), `story_members` (story id + join number -> entry id: the
//! reports that joined that story, in the order they joined; a merge moves none), `story_of` (entry id -> story id and the entry's
//! features) and `story_keys` (`n` -> the counts; postings an earlier build kept there are
//! pruned). The stories' time indexes are in `index`, under `S:all` and `S:r:{slug}`, sorted by
//! last activity.
//!
//! A story's reports are keys of their own, not a list in its record: a join writes one small
//! key and a small record, whatever the story's size. With the list inline, every join
//! rewrote and every candidate check decoded up to [`MAX_REPORTS`] ids, half of a cold
//! ingest's CPU on the bench corpus (issue 18). Records of that layout are converted at open
//! ([`Store::members_out_of_records`]). A merge writes two records and moves no member: the
//! story that stays lists the stories merged into it (`absorbed`), whose members it reads too.
//!
//! An entry is grouped with its own write, in one transaction (see `batch`): candidates are
//! read in the window (in memory) and in sled under the grouping lock, and the writes gathered;
//! a refresh's entries are one batch, one lock turn. A crash leaves an entry with its story or
//! neither; an entry stored before stories existed has none, and
//! [`Store::group_ungrouped`] groups it at the next start (once per store: a mark in `meta`
//! says the walk is done, or that the store was new).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::batch::{Batch, EntryChange, Tree};
use super::codec::encode;
use super::keys::{Cursor, IndexKey, PageStart, id_of};
use super::{Store, StoreError};
use crate::model::{Entry, EntryId, StoryId};
use crate::stories::{self, Features};

/// The `meta` key that says every entry of the combined feed is in a story (see
/// [`Store::group_ungrouped`]).
pub(super) const ALL_GROUPED: &[u8] = b"stories:all-grouped";

/// What grouping into stories uses: the window and the site's language.
#[derive(Debug, Clone)]
pub struct StorySettings {
    pub window: Duration,
    pub language: String,
    /// Off only to measure what grouping costs (`examples/bench_stories.rs`).
    pub grouping: bool,
}

impl Default for StorySettings {
    fn default() -> StorySettings {
        StorySettings {
            window: Duration::hours(48),
            language: "en".to_string(),
            grouping: true,
        }
    }
}

/// A story as stored. Its reports are in `story_members`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoryRecord {
    /// How many reports the story has.
    #[serde(default)]
    reports: u32,
    /// The join number the next report takes (its key in `story_members`).
    #[serde(default)]
    next: u32,
    /// The reports, in the order they joined, as records kept them before issue 18; empty in
    /// every record written since, and converted at open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    entries: Vec<EntryId>,
    /// The stories merged into this one, whose members are its reports too (after its own).
    /// One string of hex ids: read with every candidate check, a JSON list of ids cost a
    /// tenth of a cold ingest where headlines chain into large stories.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "packed_ids")]
    absorbed: Vec<StoryId>,
    regions: Vec<String>,
    first_seen: DateTime<Utc>,
    /// The last activity: the newest entry's time when it joined.
    updated: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merged_into: Option<StoryId>,
}

impl StoryRecord {
    fn live(&self) -> bool {
        self.merged_into.is_none() && self.reports > 0
    }

    fn index_keys(&self, id: StoryId) -> Vec<Vec<u8>> {
        if !self.live() {
            return Vec::new();
        }
        std::iter::once(IndexKey::Stories(None))
            .chain(
                self.regions
                    .iter()
                    .cloned()
                    .map(Some)
                    .map(IndexKey::Stories),
            )
            .map(|index| index.story_key(self.updated, id))
            .collect()
    }
}

/// A story with its entries, in the order they joined.
#[derive(Debug, Clone)]
pub struct Story {
    pub id: StoryId,
    /// Its reports in the order they joined: all of them, or the first few (see
    /// [`Store::story_page`]).
    pub entries: Vec<Entry>,
    /// How many reports it has in all.
    pub reports: usize,
    pub regions: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// What a story id names now.
#[derive(Debug)]
pub enum StoryLookup {
    Found(Story),
    /// Merged into an older story: its address answers 301 to that one's.
    Merged(StoryId),
}

/// One page of a story's reports (see [`Store::story_reports`]).
#[derive(Debug)]
pub struct StoryReports {
    /// The story, with this page's reports as its `entries`.
    pub story: Story,
    /// The story's headline, the same on every page.
    pub headline: String,
    /// Whether a later page lists more reports.
    pub has_more: bool,
}

/// One page of stories, newest activity first.
#[derive(Debug)]
pub struct StoryPage {
    pub stories: Vec<Story>,
    pub has_more: bool,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// Postings read per candidate key: those nearest in time, within the window.
const POSTINGS: usize = 48;
/// Reports one story holds at most (see `join`).
const MAX_REPORTS: usize = 256;
/// Candidates verified per new entry, those sharing the most keys first.
const CANDIDATES: usize = 24;

/// The candidate postings of the window, in memory: candidate key (`l` + link hash, `b` +
/// band + band hash) -> `(published, entry)`, sorted by time. Kept in sled as one key per
/// posting, they were half of a cold ingest's CPU (range scans, node copies) and most of its
/// disk writes (issue 18). Derived, so a crash loses nothing: built on first use from the `all`
/// index (entries published within twice the window) and the features each grouped entry
/// keeps in `story_of`; pruned with retention.
///
/// Beside them, what grouping reads of the window, so that a join reads in sled only the
/// records of stories it has not met yet: each entry's story and features (as `story_of` keeps
/// them), the records of the live stories met and the merges met (a merge is never undone). Read from sled per candidate, they were a
/// third of a cold ingest's grouping (issue 18).
#[derive(Default)]
pub(super) struct Postings {
    built: bool,
    by_key: HashMap<Vec<u8>, Vec<(i64, EntryId)>>,
    kept: HashMap<EntryId, Kept>,
    merged: HashMap<StoryId, StoryId>,
    /// The records of the stories met (live, or left with no report by the batch being
    /// grouped), as written: every write of a record is under the grouping lock and updates
    /// this.
    records: HashMap<StoryId, StoryRecord>,
}

/// A grouped entry of the window: when it was published, the story it joined (before any
/// merge), its features.
struct Kept {
    time: i64,
    story: StoryId,
    features: Option<Features>,
}

impl Postings {
    fn add(&mut self, key: Vec<u8>, time: i64, id: EntryId) {
        let list = self.by_key.entry(key).or_default();
        let at = list.partition_point(|posting| *posting < (time, id));
        if list.get(at) != Some(&(time, id)) {
            list.insert(at, (time, id));
        }
    }

    /// At most [`POSTINGS`] of a key's postings within `window` of `time`, the nearest first.
    #[cfg(test)]
    fn around(&self, key: &[u8], time: i64, window: i64) -> Vec<(i64, EntryId)> {
        let mut near = Vec::new();
        self.around_into(key, time, window, &mut near);
        near
    }

    /// [`Postings::around`], added to `near`.
    fn around_into(&self, key: &[u8], time: i64, window: i64, near: &mut Vec<(i64, EntryId)>) {
        let Some(list) = self.by_key.get(key) else {
            return;
        };
        let from = list.partition_point(|(at, _)| *at < time.saturating_sub(window));
        let to = list.partition_point(|(at, _)| *at <= time.saturating_add(window));
        if to - from <= POSTINGS {
            near.extend_from_slice(&list[from..to]);
            return;
        }
        // Outwards from `time`, the nearer side first (the earlier on a tie): the list is
        // sorted, so this reads POSTINGS postings, not the window's.
        let mut before = from + list[from..to].partition_point(|(at, _)| *at < time);
        let mut after = before;
        let limit = near.len() + POSTINGS;
        while near.len() < limit {
            let earlier = (before > from).then(|| time - list[before - 1].0);
            let later = (after < to).then(|| list[after].0 - time);
            match (earlier, later) {
                (Some(e), Some(l)) if e <= l => {
                    before -= 1;
                    near.push(list[before]);
                }
                (_, Some(_)) => {
                    near.push(list[after]);
                    after += 1;
                }
                (Some(_), None) => {
                    before -= 1;
                    near.push(list[before]);
                }
                (None, None) => break,
            }
        }
    }

    /// Drops postings published before `horizon`; returns how many.
    fn prune(&mut self, horizon: i64) -> usize {
        let mut dropped = 0;
        self.by_key.retain(|_, list| {
            let before = list.len();
            list.retain(|(at, _)| *at >= horizon);
            dropped += before - list.len();
            !list.is_empty()
        });
        self.kept.retain(|_, kept| kept.time >= horizon);
        // Read again from the records as needed.
        self.merged.clear();
        self.records.clear();
        dropped
    }

    /// Keeps a story's record as just written (a story left with no report too: sled has it
    /// only once the batch is applied).
    fn remember(&mut self, id: StoryId, record: StoryRecord) {
        self.records.insert(id, record);
    }

    /// The story `id` was last seen merged into, following the merges met; each story on
    /// the way then names that one directly, so chains of merges are walked once.
    fn merged_into(&mut self, id: StoryId) -> StoryId {
        let mut last = id;
        let mut steps = 0;
        while let Some(next) = self.merged.get(&last) {
            last = *next;
            steps += 1;
            if steps > 64 {
                break;
            }
        }
        if steps > 1 {
            let mut at = id;
            while let Some(next) = self.merged.insert(at, last) {
                if next == last {
                    break;
                }
                at = next;
            }
        }
        last
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_key.values().map(Vec::len).sum()
    }
}

/// What an entry that joins a story is compared by: its features and candidate keys.
struct Joining {
    features: Features,
    keys: Vec<Vec<u8>>,
}

impl Joining {
    fn of(entry: &Entry, language: &str) -> Joining {
        let features = Features::of(entry, language);
        let keys = candidate_keys(&features);
        Joining { features, keys }
    }
}

/// An entry's candidate keys: its link's, then one per band.
fn candidate_keys(features: &Features) -> Vec<Vec<u8>> {
    features
        .link
        .map(link_key)
        .into_iter()
        .chain(
            features
                .bands()
                .iter()
                .map(|(band, hash)| band_key(*band, *hash)),
        )
        .collect()
}

impl Store {
    /// Sets the window and language grouping uses (at start and on reload).
    pub fn set_story_settings(&self, settings: StorySettings) {
        *self
            .story_settings
            .write()
            .unwrap_or_else(|e| e.into_inner()) = settings;
    }

    /// Keeps the stories in step with writes of entries, each `(old, new)`: `old` as it was,
    /// `new` as it is (`None`: removed or hidden). Their grouping joins `batch`, which holds
    /// the entries' own writes, and the batch is applied in one transaction under the grouping
    /// lock (see `batch`).
    pub(super) fn regroup(
        &self,
        batch: &mut Batch,
        changes: &[EntryChange],
    ) -> Result<(), StoreError> {
        let settings = self
            .story_settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if !settings.grouping {
            if changes.iter().any(|(_, new)| new.is_some()) {
                self.meta.remove(ALL_GROUPED).map_err(|e| self.error(e))?;
            }
            return self.apply(batch);
        }
        // Grouping is one batch at a time (see `group_lock`): what needs no lock is done
        // before it, the features and candidate keys of the entries that will join (their text
        // read and stemmed, its MinHash).
        let mut features = Vec::with_capacity(changes.len());
        for (_, new) in changes {
            features.push(match new {
                Some(entry) if !entry.held_back && !self.grouped(entry.id)? => {
                    Some(Joining::of(entry, &settings.language))
                }
                _ => None,
            });
        }
        let _one = self.group_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut window = self.postings.lock().unwrap_or_else(|e| e.into_inner());
        self.build_window(&mut window, &settings)?;
        let grouped = changes
            .iter()
            .zip(features)
            .try_for_each(|((old, new), features)| {
                self.regroup_one(
                    batch,
                    &mut window,
                    &settings,
                    old.as_ref(),
                    new.as_ref(),
                    features,
                )
            })
            .and_then(|()| self.apply(batch));
        if grouped.is_err() {
            // What the window learned of writes that were not applied is not true: it is
            // built again from the store.
            *window = Postings::default();
        }
        grouped
    }

    /// One entry's part of [`Store::regroup`], under the grouping lock: the entry joins a
    /// story, widens its story's regions or leaves it.
    fn regroup_one(
        &self,
        batch: &mut Batch,
        window: &mut Postings,
        settings: &StorySettings,
        old: Option<&Entry>,
        new: Option<&Entry>,
        joining: Option<Joining>,
    ) -> Result<(), StoreError> {
        match new {
            Some(entry) if !entry.held_back => {
                if self.grouped(entry.id)? {
                    self.widen(batch, window, entry)
                } else {
                    let joining = joining.unwrap_or_else(|| Joining::of(entry, &settings.language));
                    self.join(batch, window, entry, joining, settings)
                }
            }
            _ => match old.or(new) {
                Some(entry) => self.leave(batch, window, entry.id),
                None => Ok(()),
            },
        }
    }

    /// Whether an entry is in a story (as the store holds it: a batch never writes one entry
    /// twice).
    fn grouped(&self, id: EntryId) -> Result<bool, StoreError> {
        self.story_of
            .contains_key(id.as_bytes())
            .map_err(|e| self.error(e))
    }

    /// The story an entry belongs to (after merges).
    pub fn story_of(&self, id: EntryId) -> Result<Option<StoryId>, StoreError> {
        let Some(bytes) = self
            .story_of
            .get(id.as_bytes())
            .map_err(|e| self.error(e))?
        else {
            return Ok(None);
        };
        self.live_story(story_id(&bytes)).map(Some)
    }

    /// A story by id with its first `reports` reports (0 reads none: enough to learn whether
    /// it is live), or the story it was merged into.
    pub fn story(&self, id: StoryId, reports: usize) -> Result<Option<StoryLookup>, StoreError> {
        let Some(record) = self.record(id)? else {
            return Ok(None);
        };
        if let Some(into) = record.merged_into {
            return Ok(Some(StoryLookup::Merged(self.live_story(into)?)));
        }
        Ok(Some(StoryLookup::Found(self.load(id, record, reports)?)))
    }

    /// One page of live story `id`'s reports as its page on the site lists them: our own
    /// articles first (on the first page), then the outlets' reports in the order they joined,
    /// `per_page` of them from `skip`. Reads the story's member ids, and only the page's
    /// entries: a story of thousands of reports costs its page, not its size.
    pub fn story_reports(
        &self,
        id: StoryId,
        skip: usize,
        per_page: usize,
    ) -> Result<Option<StoryReports>, StoreError> {
        let Some(record) = self.record(id)?.filter(|record| record.live()) else {
            return Ok(None);
        };
        let articles: std::collections::HashSet<EntryId> = self
            .index
            .scan_prefix(IndexKey::Articles.prefix())
            .keys()
            .map(|key| key.map(|key| id_of(&key)).map_err(|e| self.error(e)))
            .collect::<Result<_, _>>()?;
        let (ours, outlets): (Vec<EntryId>, Vec<EntryId>) = self
            .all_members(id, &record)?
            .into_iter()
            .map(|(_, member)| member)
            .partition(|member| articles.contains(member));
        let first_page = if skip == 0 { &ours[..] } else { &[] };
        let page = outlets.iter().skip(skip).take(per_page);
        let mut entries = Vec::with_capacity(first_page.len() + per_page.min(outlets.len()));
        for member in first_page.iter().chain(page) {
            entries.extend(self.get(*member)?);
        }
        // The story's name on every page: our headline, or the first outlet's.
        let headline = match entries.first().filter(|_| skip == 0) {
            Some(lead) => lead.title.clone(),
            None => match ours.first().or(outlets.first()) {
                Some(lead) => self.get(*lead)?.map(|lead| lead.title).unwrap_or_default(),
                None => String::new(),
            },
        };
        Ok(Some(StoryReports {
            story: Story {
                id,
                reports: (record.reports as usize).max(ours.len() + outlets.len()),
                entries,
                regions: record.regions,
                first_seen: record.first_seen,
                updated: record.updated,
            },
            headline,
            has_more: outlets.len() > skip.saturating_add(per_page),
        }))
    }

    /// `limit` stories of the combined list (`None`) or a region's from `start`, newest
    /// activity first, each with its first `reports` reports at most (issue 18: where
    /// headlines chain into stories of thousands of reports, reading all of them made a stories
    /// feed page cost thousands of entry reads and weigh 4 MB).
    pub fn story_page(
        &self,
        region: Option<&str>,
        start: PageStart,
        limit: usize,
        reports: usize,
    ) -> Result<StoryPage, StoreError> {
        let index = IndexKey::Stories(region.map(str::to_string));
        let (keys, has_more) = self.keys_newest_first(&index, start, limit)?;
        let next = keys
            .last()
            .filter(|_| has_more)
            .map(|key| Cursor::of_key(key));
        let mut stories = Vec::with_capacity(keys.len());
        for key in keys {
            let id = StoryId(id_of(&key).0);
            if let Some(record) = self.record(id)? {
                stories.push(self.load(id, record, reports)?);
            }
        }
        Ok(StoryPage {
            stories,
            has_more,
            next,
        })
    }

    /// Every live story, newest activity first.
    pub fn story_ids(&self) -> Result<Vec<StoryId>, StoreError> {
        self.index
            .scan_prefix(IndexKey::Stories(None).prefix())
            .keys()
            .rev()
            .map(|key| {
                key.map(|key| StoryId(id_of(&key).0))
                    .map_err(|e| self.error(e))
            })
            .collect()
    }

    /// How many stories there are, and how many of them more than one entry reports.
    pub fn story_counts(&self) -> Result<(u64, u64), StoreError> {
        let bytes = self.story_keys.get(b"n").map_err(|e| self.error(e))?;
        Ok(counts(bytes.as_deref()))
    }

    /// Groups every entry of the combined feed that has no story yet, oldest first: a store
    /// written before stories existed, or a crash between an entry's write and its grouping.
    /// Returns how many it grouped.
    pub fn group_ungrouped(&self) -> Result<usize, StoreError> {
        // Every write groups its entries in its own batch: once a store has been walked (or
        // was new), only a write with grouping off can leave an entry ungrouped, and it takes
        // the mark away. Walking a 35,000-entry store at every start cost CPU and filled the
        // page cache of the idle daemon (issue 18).
        if self
            .meta
            .contains_key(ALL_GROUPED)
            .map_err(|e| self.error(e))?
        {
            return Ok(0);
        }
        let mut grouped = 0;
        let ids: Vec<EntryId> = self
            .index
            .scan_prefix(IndexKey::All.prefix())
            .keys()
            .map(|key| key.map(|key| id_of(&key)).map_err(|e| self.error(e)))
            .collect::<Result<_, _>>()?;
        for id in ids {
            if self
                .story_of
                .contains_key(id.as_bytes())
                .map_err(|e| self.error(e))?
            {
                continue;
            }
            if let Some(entry) = self.get(id)? {
                self.mark_dirty();
                let mut batch = Batch::default();
                self.regroup(&mut batch, &[(None, Some(entry))])?;
                grouped += 1;
            }
        }
        let grouping = (self.story_settings.read())
            .unwrap_or_else(|e| e.into_inner())
            .grouping;
        if grouping {
            self.meta
                .insert(ALL_GROUPED, &[][..])
                .map_err(|e| self.error(e))?;
        }
        Ok(grouped)
    }

    fn join(
        &self,
        batch: &mut Batch,
        window: &mut Postings,
        entry: &Entry,
        Joining { features, keys }: Joining,
        settings: &StorySettings,
    ) -> Result<(), StoreError> {
        let kept_features = features.to_bytes();
        let now = Utc::now();
        // What the join reads, it reads in the window or in sled under the grouping lock that
        // every write of these trees holds (the window knows the batch's writes not applied
        // yet): what it reads stays true until the batch is applied.
        let matched = self.matching(entry, &features, &keys, window, settings)?;
        let mut targets: Vec<(StoryId, StoryRecord)> = Vec::new();
        for story in matched {
            let id = window.merged_into(story);
            if targets.iter().any(|(t, _)| *t == id) {
                continue;
            }
            let Some((id, record)) = self.live_record(window, id)? else {
                continue;
            };
            if record.live() && !targets.iter().any(|(t, _)| *t == id) {
                targets.push((id, record));
            }
        }
        targets.sort_by_key(|(id, record)| (record.first_seen, *id));
        // A story at its size limit takes no more reports, and no merge makes one past it: a
        // chain of alike headlines must not grow one story without end.
        targets.retain(|(_, record)| (record.reports as usize) < MAX_REPORTS);
        let mut size = 1;
        targets.retain(|(_, record)| {
            size += record.reports as usize;
            size <= MAX_REPORTS
        });
        let mut targets = targets.into_iter();
        let (target, before) = match targets.next() {
            Some(first) => first,
            None => {
                let id = StoryId::of_first(entry.id);
                // The entry's own story, left when the entry was hidden, lives on.
                let known = window.records.get(&id).cloned();
                let record = known.map_or_else(|| self.record(id), |r| Ok(Some(r)))?;
                let record = record.unwrap_or_else(|| StoryRecord {
                    reports: 0,
                    next: 0,
                    entries: Vec::new(),
                    absorbed: Vec::new(),
                    regions: Vec::new(),
                    first_seen: entry.published,
                    updated: entry.published,
                    merged_into: None,
                });
                (id, record)
            }
        };
        // The stories merged into the target.
        let merged: Vec<(StoryId, StoryRecord)> = targets.collect();
        let merges = merged.len() as u64 + u64::from(before.reports > 0);
        // The target's record after the join; the merged stories become pointers to it.
        let mut record = before.clone();
        for (other, merged) in &merged {
            record.absorbed.push(*other);
            record.absorbed.extend_from_slice(&merged.absorbed);
            record.reports += merged.reports;
            union(&mut record.regions, &merged.regions);
            record.first_seen = record.first_seen.min(merged.first_seen);
            record.updated = record.updated.max(merged.updated);
            let pointer = StoryRecord {
                reports: 0,
                absorbed: Vec::new(),
                merged_into: Some(target),
                ..merged.clone()
            };
            self.rewrite(batch, *other, merged, &pointer);
        }
        // Not a member yet: an entry joins only while it has no `story_of`, and leaving
        // removes both.
        batch.insert(
            Tree::StoryMembers,
            member_key(target, record.next),
            entry.id.as_bytes(),
        );
        record.next += 1;
        record.reports += 1;
        union(&mut record.regions, &entry.regions);
        record.first_seen = record.first_seen.min(entry.published);
        record.updated = record.updated.max(entry.published.min(now));
        self.rewrite(batch, target, &before, &record);
        let mut value = target.as_bytes().to_vec();
        value.extend_from_slice(&kept_features);
        batch.insert(Tree::StoryOf, entry.id.as_bytes(), value);
        batch.merges += merges;
        // The entry's postings and what the window keeps of it (the postings are hints:
        // `matching` checks each candidate is still kept).
        let time = entry.published.timestamp();
        for key in keys {
            window.add(key, time, entry.id);
        }
        for (other, _) in &merged {
            window.merged.insert(*other, target);
            window.records.remove(other);
        }
        window.records.insert(target, record);
        window.kept.insert(
            entry.id,
            Kept {
                time,
                story: target,
                features: Some(features),
            },
        );
        Ok(())
    }

    /// Builds the postings of the window on first use (see [`Postings`]). Called under the
    /// grouping lock.
    fn build_window(
        &self,
        postings: &mut Postings,
        settings: &StorySettings,
    ) -> Result<(), StoreError> {
        if postings.built {
            return Ok(());
        }
        let horizon = Utc::now().timestamp() - 2 * settings.window.num_seconds();
        for key in self.index.scan_prefix(IndexKey::All.prefix()).keys().rev() {
            let key = key.map_err(|e| self.error(e))?;
            let time = super::keys::time_of(&key);
            if time < horizon {
                break;
            }
            let id = id_of(&key);
            if let Some((story, features)) = self.kept(id)? {
                for candidate in features.iter().flat_map(candidate_keys) {
                    postings.add(candidate, time, id);
                }
                postings.kept.insert(
                    id,
                    Kept {
                        time,
                        story,
                        features,
                    },
                );
            }
        }
        postings.built = true;
        Ok(())
    }

    /// Drops the postings of entries published more than twice the window before `now`: no
    /// new entry compares with them any more. Run with retention; returns how many it dropped.
    pub fn prune_story_keys(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let window = self
            .story_settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .window;
        let horizon = now.timestamp().saturating_sub(2 * window.num_seconds());
        let mut dropped = self
            .postings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .prune(horizon);
        // Postings an earlier build kept in sled.
        for prefix in [&b"l"[..], &b"b"[..]] {
            for key in self.story_keys.scan_prefix(prefix).keys() {
                let key = key.map_err(|e| self.error(e))?;
                if posting_of(&key).1 < horizon {
                    self.story_keys.remove(key).map_err(|e| self.error(e))?;
                    dropped += 1;
                }
            }
        }
        Ok(dropped)
    }

    /// The stories (as joined, before merges) of the candidates (entries sharing the link or a
    /// band, within the window) that report the same story as `entry`.
    fn matching(
        &self,
        entry: &Entry,
        features: &Features,
        keys: &[Vec<u8>],
        postings: &Postings,
        settings: &StorySettings,
    ) -> Result<Vec<StoryId>, StoreError> {
        // (entry, weight, published) per posting met, summed per entry below.
        let mut met: Vec<(EntryId, usize, i64)> = Vec::with_capacity(keys.len() * POSTINGS);
        let mut near = Vec::with_capacity(POSTINGS);
        let time = entry.published.timestamp();
        let window = settings.window.num_seconds();
        for key in keys {
            let weight = if key[0] == b'l' { 1000 } else { 1 };
            near.clear();
            postings.around_into(key, time, window, &mut near);
            met.extend(
                near.iter()
                    .filter(|(_, id)| *id != entry.id)
                    .map(|(at, id)| (*id, weight, *at)),
            );
        }
        met.sort_unstable_by_key(|(id, ..)| *id);
        let mut ranked: Vec<(EntryId, usize, i64)> = Vec::new();
        for (id, weight, at) in met {
            match ranked.last_mut() {
                Some(last) if last.0 == id => last.1 += weight,
                _ => ranked.push((id, weight, at)),
            }
        }
        // The most shared keys first; only the first CANDIDATES are put in order.
        let order = |a: &(EntryId, usize, i64), b: &(EntryId, usize, i64)| {
            b.1.cmp(&a.1).then(a.0.cmp(&b.0))
        };
        if ranked.len() > CANDIDATES {
            ranked.select_nth_unstable_by(CANDIDATES, order);
            ranked.truncate(CANDIDATES);
        }
        ranked.sort_unstable_by(order);
        let mut matched = Vec::new();
        for (id, shared, time) in ranked.into_iter().take(CANDIDATES) {
            // Not kept: the candidate left its story (hidden, removed) since its postings.
            let Some(kept) = postings.kept.get(&id) else {
                continue;
            };
            // A candidate met through its link is the same story whatever its text says.
            let same = shared >= 1000
                || kept.features.as_ref().is_some_and(|theirs| {
                    let gap = Duration::seconds(entry.published.timestamp() - time);
                    stories::same_story(features, theirs, gap)
                });
            if same {
                matched.push(kept.story);
            }
        }
        Ok(matched)
    }

    /// An entry of a story is written again: the story lists its regions too.
    fn widen(
        &self,
        batch: &mut Batch,
        window: &mut Postings,
        entry: &Entry,
    ) -> Result<(), StoreError> {
        let Some((story, _)) = self.kept(entry.id)? else {
            return Ok(());
        };
        let Some((id, record)) = self.live_record(window, story)? else {
            return Ok(());
        };
        let mut widened = record.clone();
        union(&mut widened.regions, &entry.regions);
        if widened != record {
            self.rewrite(batch, id, &record, &widened);
            window.remember(id, widened);
        }
        Ok(())
    }

    /// An entry left the combined feed (removed, hidden): it leaves its story, and a story
    /// left with no entry goes.
    fn leave(
        &self,
        batch: &mut Batch,
        window: &mut Postings,
        entry: EntryId,
    ) -> Result<(), StoreError> {
        let Some((story, _)) = self.kept(entry)? else {
            return Ok(());
        };
        batch.remove(Tree::StoryOf, entry.as_bytes());
        window.kept.remove(&entry);
        let Some((id, record)) = self.live_record(window, story)? else {
            return Ok(());
        };
        let mut left = record.clone();
        // Its own member key was applied with its join, before this batch (a batch never
        // writes one entry twice), and a merge moves no member.
        for (key, member) in self.all_members(id, &record)? {
            if member == entry {
                batch.remove(Tree::StoryMembers, key);
                left.reports = left.reports.saturating_sub(1);
            }
        }
        self.rewrite(batch, id, &record, &left);
        window.remember(id, left);
        Ok(())
    }

    /// Writes a story's new record (or removes it when it has no entry left), moving its
    /// index keys and counting the change.
    fn rewrite(&self, batch: &mut Batch, id: StoryId, before: &StoryRecord, after: &StoryRecord) {
        for key in before.index_keys(id) {
            batch.remove(Tree::Index, key);
        }
        for key in after.index_keys(id) {
            batch.insert(Tree::Index, key, []);
        }
        count(&mut batch.counts, before, -1);
        count(&mut batch.counts, after, 1);
        if after.reports == 0 && after.merged_into.is_none() {
            batch.remove(Tree::Stories, id.as_bytes());
        } else {
            batch.insert(Tree::Stories, id.as_bytes(), encode(after));
        }
    }

    fn record(&self, id: StoryId) -> Result<Option<StoryRecord>, StoreError> {
        match self.stories.get(id.as_bytes()).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(self.decode(&bytes, &format!("story {id}"))?)),
            None => Ok(None),
        }
    }

    /// The live story `id` names: itself, or the one it was merged into.
    fn live_story(&self, mut id: StoryId) -> Result<StoryId, StoreError> {
        for _ in 0..32 {
            match self.record(id)? {
                Some(StoryRecord {
                    merged_into: Some(next),
                    ..
                }) => id = next,
                _ => break,
            }
        }
        Ok(id)
    }

    /// The story a grouped entry joined and the features it kept in `story_of` (`None`:
    /// unreadable); `None` when the entry is in no story.
    fn kept(&self, id: EntryId) -> Result<Option<(StoryId, Option<Features>)>, StoreError> {
        let value = self
            .story_of
            .get(id.as_bytes())
            .map_err(|e| self.error(e))?;
        Ok(value.map(|value| {
            (
                story_id(&value),
                Features::from_bytes(value.get(16..).unwrap_or_default()),
            )
        }))
    }

    /// The live story `id` names, and its record: merges followed in the window's map of them
    /// first, then in the records (and noted in the map). `None` when it has no record.
    fn live_record(
        &self,
        window: &mut Postings,
        id: StoryId,
    ) -> Result<Option<(StoryId, StoryRecord)>, StoreError> {
        let mut id = window.merged_into(id);
        if let Some(record) = window.records.get(&id) {
            return Ok(Some((id, record.clone())));
        }
        for _ in 0..32 {
            match self.record(id)? {
                Some(StoryRecord {
                    merged_into: Some(next),
                    ..
                }) => {
                    window.merged.insert(id, next);
                    id = window.merged_into(next);
                }
                Some(record) => {
                    if record.live() {
                        window.records.insert(id, record.clone());
                    }
                    return Ok(Some((id, record)));
                }
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// A live story's reports: its own members, then those of the stories merged into it.
    fn all_members(&self, id: StoryId, record: &StoryRecord) -> Result<Vec<Member>, StoreError> {
        let mut all = self.members(id)?;
        for absorbed in &record.absorbed {
            all.extend(self.members(*absorbed)?);
        }
        Ok(all)
    }

    /// The members that joined story `id` itself, in the order they joined: keys and entries.
    fn members(&self, id: StoryId) -> Result<Vec<Member>, StoreError> {
        self.story_members
            .scan_prefix(id.as_bytes())
            .map(|item| {
                let (key, value) = item.map_err(|e| self.error(e))?;
                Ok((key.to_vec(), self.member(id, &value)?))
            })
            .collect()
    }

    /// The entry of a `story_members` value of story `id`.
    fn member(&self, id: StoryId, value: &[u8]) -> Result<EntryId, StoreError> {
        let bytes: [u8; 16] = value.try_into().map_err(|_| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("a member of story {id} is not an entry id"),
        })?;
        Ok(EntryId(uuid::Uuid::from_bytes(bytes)))
    }

    /// Converts records that list their reports inline (the layout before issue 18) to
    /// member keys, each record in one transaction; returns how many it converted. Run at open.
    pub(super) fn members_out_of_records(&self) -> Result<usize, StoreError> {
        // Once a store: the mark says its records were converted (or written converted).
        const CONVERTED: &[u8] = b"stories:members";
        if self
            .meta
            .contains_key(CONVERTED)
            .map_err(|e| self.error(e))?
        {
            return Ok(0);
        }
        let mut converted = 0;
        for item in self.stories.iter() {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            let id = story_id(&key);
            let mut record: StoryRecord = self.decode(&bytes, &format!("story {id}"))?;
            if record.entries.is_empty() {
                continue;
            }
            let inline = std::mem::take(&mut record.entries);
            record.reports = inline.len() as u32;
            record.next = inline.len() as u32;
            (&self.stories, &self.story_members)
                .transaction(|(stories, members)| {
                    for (at, entry) in inline.iter().enumerate() {
                        members.insert(&member_key(id, at as u32)[..], entry.as_bytes())?;
                    }
                    stories.insert(id.as_bytes(), encode(&record))?;
                    Ok::<_, ConflictableTransactionError<StoreError>>(())
                })
                .map_err(|error| match error {
                    TransactionError::Storage(error) => self.error(error),
                    TransactionError::Abort(error) => error,
                })?;
            converted += 1;
        }
        self.meta
            .insert(CONVERTED, &[][..])
            .map_err(|e| self.error(e))?;
        Ok(converted)
    }

    /// Story `id` with its first `limit` reports (its own members, then the merged stories').
    fn load(&self, id: StoryId, record: StoryRecord, limit: usize) -> Result<Story, StoreError> {
        let mut entries = Vec::with_capacity((record.reports as usize).min(limit));
        'stories: for story in std::iter::once(id).chain(record.absorbed.iter().copied()) {
            for value in self.story_members.scan_prefix(story.as_bytes()).values() {
                if entries.len() >= limit {
                    break 'stories;
                }
                let value = value.map_err(|e| self.error(e))?;
                if let Some(entry) = self.get(self.member(story, &value)?)? {
                    entries.push(entry);
                }
            }
        }
        Ok(Story {
            id,
            reports: (record.reports as usize).max(entries.len()),
            entries,
            regions: record.regions,
            first_seen: record.first_seen,
            updated: record.updated,
        })
    }
}

/// The story of a `story_of` value: its first 16 bytes (the entry's features follow).
fn story_id(bytes: &[u8]) -> StoryId {
    let bytes: [u8; 16] = bytes
        .get(..16)
        .and_then(|id| id.try_into().ok())
        .unwrap_or([0; 16]);
    StoryId(uuid::Uuid::from_bytes(bytes))
}

/// Story ids as one string of 32 hex digits each.
mod packed_ids {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::model::StoryId;

    pub fn serialize<S: Serializer>(ids: &[StoryId], serializer: S) -> Result<S::Ok, S::Error> {
        let mut packed = String::with_capacity(32 * ids.len());
        for id in ids {
            packed.push_str(id.0.simple().encode_lower(&mut uuid::Uuid::encode_buffer()));
        }
        serializer.serialize_str(&packed)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<StoryId>, D::Error> {
        let packed = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        if packed.len() % 32 != 0 {
            return Err(D::Error::custom(
                "story ids: not a whole number of 32 hex digits",
            ));
        }
        packed
            .as_bytes()
            .chunks(32)
            .map(|hex| {
                uuid::Uuid::try_parse_ascii(hex)
                    .map(StoryId)
                    .map_err(D::Error::custom)
            })
            .collect()
    }
}

/// A member of a story: its key in `story_members`, and the entry.
type Member = (Vec<u8>, EntryId);

/// A member's key: the story, then its join number (big-endian, so in join order).
fn member_key(story: StoryId, at: u32) -> [u8; 20] {
    let mut key = [0; 20];
    key[..16].copy_from_slice(story.as_bytes());
    key[16..].copy_from_slice(&at.to_be_bytes());
    key
}

fn link_key(hash: u64) -> Vec<u8> {
    let mut key = b"l".to_vec();
    key.extend_from_slice(&hash.to_be_bytes());
    key
}

fn band_key(band: u8, hash: u64) -> Vec<u8> {
    let mut key = vec![b'b', band];
    key.extend_from_slice(&hash.to_be_bytes());
    key
}

/// The entry and time of a posting an earlier build kept in sled (the candidate key, the
/// published time in 8 bytes, big-endian with the sign bit flipped, and the entry's id).
fn posting_of(posting: &[u8]) -> (EntryId, i64) {
    let start = posting.len() - 24;
    let time: [u8; 8] = posting[start..start + 8].try_into().expect("8 time bytes");
    let id: [u8; 16] = posting[start + 8..].try_into().expect("16 id bytes");
    (
        EntryId(uuid::Uuid::from_bytes(id)),
        (u64::from_be_bytes(time) ^ (1 << 63)) as i64,
    )
}

fn union(into: &mut Vec<String>, more: &[String]) {
    for item in more {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// Counts a record in (+1) or out (-1) of (stories, stories of several entries).
fn count(delta: &mut (i64, i64), record: &StoryRecord, sign: i64) {
    if record.live() {
        delta.0 += sign;
        if record.reports > 1 {
            delta.1 += sign;
        }
    }
}

fn counts(bytes: Option<&[u8]>) -> (u64, u64) {
    match bytes {
        Some(bytes) if bytes.len() == 16 => (
            u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes")),
            u64::from_be_bytes(bytes[8..].try_into().expect("8 bytes")),
        ),
        _ => (0, 0),
    }
}

pub(super) fn add_counts(
    story_keys: &TransactionalTree,
    delta: (i64, i64),
) -> Result<(), sled::transaction::UnabortableTransactionError> {
    if delta == (0, 0) {
        return Ok(());
    }
    let (stories, multi) = counts(story_keys.get(b"n")?.as_deref());
    let mut bytes = Vec::with_capacity(16);
    bytes.extend_from_slice(&(stories as i64 + delta.0).max(0).to_be_bytes());
    bytes.extend_from_slice(&(multi as i64 + delta.1).max(0).to_be_bytes());
    story_keys.insert(&b"n"[..], bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;
    use crate::store::tests::{entry, open};
    use chrono::TimeZone;

    fn report(outlet: &str, link: &str, title: &str, lead: &str, hour: u32, region: &str) -> Entry {
        let mut report = entry(link, 0, region);
        report.published = Utc.with_ymd_and_hms(2026, 11, 24, hour, 0, 0).unwrap();
        report.updated = report.published;
        report.title = title.to_string();
        report.summary = Some(lead.to_string());
        report.sources[0].name = outlet.to_string();
        report.sources[0].feed_url =
            SourceId::new(&format!("http://{outlet}.example/feed").parse().unwrap());
        report
    }

    fn bill(outlet: &str, hour: u32) -> Entry {
        report(
            outlet,
            &format!("https://{outlet}.example/housing-bill"),
            "Dáil passes Housing Bill after late-night sitting",
            "The Housing (Miscellaneous Provisions) Bill passed the Dáil by 82 votes to 61 after a late-night sitting, Minister Darragh O'Brien said.",
            hour,
            "ireland",
        )
    }

    #[test]
    fn reports_of_one_story_share_its_id_and_the_newest_moves_it_up() {
        let (_dir, store) = open();
        let now = Utc::now();
        store.upsert(bill("rte", 9), true, now).unwrap();
        let weather = report(
            "met",
            "https://met.example/fog",
            "Fog warning for Munster roads",
            "Met Éireann issued a status yellow fog warning for Cork, Kerry and Limerick.",
            10,
            "ireland",
        );
        store.upsert(weather.clone(), true, now).unwrap();
        store.upsert(bill("journal", 11), true, now).unwrap();
        let first = store.story_of(bill("rte", 9).id).unwrap().unwrap();
        assert_eq!(first, StoryId::of_first(bill("rte", 9).id));
        assert_eq!(store.story_of(bill("journal", 11).id).unwrap(), Some(first));
        assert_ne!(store.story_of(weather.id).unwrap(), Some(first));
        let page = store
            .story_page(None, PageStart::Skip(0), 10, usize::MAX)
            .unwrap();
        let ids: Vec<StoryId> = page.stories.iter().map(|s| s.id).collect();
        assert_eq!(ids[0], first, "the story with the newest report is first");
        assert_eq!(page.stories[0].entries.len(), 2);
        assert_eq!(store.story_counts().unwrap(), (2, 1));
        assert_eq!(
            store
                .story_page(Some("ireland"), PageStart::Skip(0), 10, usize::MAX)
                .unwrap()
                .stories
                .len(),
            2
        );

        // A removed report leaves its story; the last one takes the story with it.
        store.remove(bill("journal", 11).id).unwrap();
        assert_eq!(store.story_counts().unwrap(), (2, 0));
        store.remove(bill("rte", 9).id).unwrap();
        assert_eq!(store.story_counts().unwrap(), (1, 0));
        assert!(store.story(first, usize::MAX).unwrap().is_none());
    }

    /// Issue 18: a stories feed item lists its first reports and counts the rest, and the page
    /// reads no more of them than it lists.
    #[test]
    fn a_story_page_reads_and_lists_the_first_reports_and_counts_the_rest() {
        let (_dir, store) = open();
        let now = Utc::now();
        let outlets: Vec<String> = (0..13).map(|n| format!("outlet{n}")).collect();
        for (hour, outlet) in outlets.iter().enumerate() {
            store
                .upsert(bill(outlet, 8 + hour as u32 % 12), true, now)
                .unwrap();
        }
        let page = store.story_page(None, PageStart::Skip(0), 10, 3).unwrap();
        assert_eq!(page.stories.len(), 1, "one story of 13 reports");
        let story = &page.stories[0];
        assert_eq!((story.entries.len(), story.reports), (3, 13));
        assert_eq!(
            story.entries[0].id,
            bill("outlet0", 8).id,
            "the first report first"
        );

        let config = crate::config::Config::from_toml(
            std::path::Path::new("feeds.toml"),
            "[site]\ntitle = \"T\"\nbase_url = \"http://islands.example/\"\n[server]\nlisten = \"127.0.0.1:0\"\n[store]\npath = \"store\"\n[schedule]\nrefresh = \"0 */15 * * * *\"\n",
        )
        .unwrap();
        let full = store
            .story_page(
                None,
                PageStart::Skip(0),
                10,
                crate::render::stories::ITEM_REPORTS,
            )
            .unwrap();
        let (item, related) = crate::render::stories::story_item(&config, &full.stories[0]);
        let list = item.summary.unwrap();
        assert_eq!(related.len(), crate::render::stories::ITEM_REPORTS);
        assert_eq!(
            list.matches("<li>").count(),
            crate::render::stories::ITEM_REPORTS + 1
        );
        assert!(list.contains(">3 more reports</a></li>"), "{list}");
        assert!(list.contains(&crate::urls::story_url(&config.site.base_url, story.id)));
    }

    /// A story's page on the site: our coverage first, then the outlets a page at a time; the
    /// headline the same on every page.
    #[test]
    fn a_storys_reports_come_a_page_at_a_time_with_ours_first() {
        let (_dir, store) = open();
        let now = Utc::now();
        for n in 0..7 {
            store
                .upsert(bill(&format!("outlet{n}"), 8 + n), true, now)
                .unwrap();
        }
        let mut ours = bill("islands", 16);
        ours.article = Some(crate::model::Article {
            slug: "housing-bill".to_string(),
            author: "editor".to_string(),
            file: None,
            markdown: String::new(),
            summary: None,
        });
        store.upsert(ours.clone(), true, now).unwrap();
        let id = store
            .story_of(ours.id)
            .unwrap()
            .expect("ours joined the story");
        assert_eq!(id, StoryId::of_first(bill("outlet0", 8).id));

        let first = store.story_reports(id, 0, 3).unwrap().unwrap();
        let titles = |page: &StoryReports| -> Vec<EntryId> {
            page.story.entries.iter().map(|entry| entry.id).collect()
        };
        assert_eq!(
            titles(&first),
            vec![
                ours.id,
                bill("outlet0", 8).id,
                bill("outlet1", 9).id,
                bill("outlet2", 10).id
            ],
            "ours, then the first three outlets"
        );
        assert_eq!(first.story.reports, 8);
        assert!(first.has_more);
        let third = store.story_reports(id, 6, 3).unwrap().unwrap();
        assert_eq!(titles(&third), vec![bill("outlet6", 14).id]);
        assert!(!third.has_more);
        assert_eq!(third.headline, first.headline, "one headline on every page");
        assert_eq!(first.headline, ours.title);
        let past = store.story_reports(id, 9, 3).unwrap().unwrap();
        assert!(past.story.entries.is_empty() && !past.has_more);
        assert!(
            store
                .story_reports(StoryId::of_first(ours.id), 0, 3)
                .unwrap()
                .is_none(),
            "no such story"
        );
    }

    #[test]
    fn a_report_that_matches_two_stories_merges_them_into_the_older() {
        let (_dir, store) = open();
        let now = Utc::now();
        let a = report(
            "a",
            "https://a.example/x",
            "Aaa bbb ccc ddd eee",
            "fff ggg hhh iii",
            9,
            "ie",
        );
        let b = report(
            "b",
            "https://b.example/y",
            "Jjj kkk lll mmm nnn",
            "ooo ppp qqq rrr",
            10,
            "ie",
        );
        store.upsert(a.clone(), true, now).unwrap();
        store.upsert(b.clone(), true, now).unwrap();
        assert_eq!(store.story_counts().unwrap(), (2, 0));
        let both = report(
            "c",
            "https://c.example/z",
            "Aaa bbb ccc ddd eee jjj kkk lll mmm nnn",
            "fff ggg hhh iii ooo ppp qqq rrr",
            11,
            "ie",
        );
        store.upsert(both.clone(), true, now).unwrap();
        let older = StoryId::of_first(a.id);
        assert_eq!(store.story_of(b.id).unwrap(), Some(older));
        assert_eq!(store.story_of(both.id).unwrap(), Some(older));
        match store.story(StoryId::of_first(b.id), usize::MAX).unwrap() {
            Some(StoryLookup::Merged(into)) => assert_eq!(into, older),
            other => panic!("the newer story answers with the older: {other:?}"),
        }
        assert_eq!(store.story_counts().unwrap(), (1, 1));
        assert_eq!(
            store
                .story_page(None, PageStart::Skip(0), 10, usize::MAX)
                .unwrap()
                .stories
                .len(),
            1
        );
        // The older story's reports first, then the merged one's (no member moved).
        let ids = |store: &Store| -> Vec<EntryId> {
            match store.story(older, usize::MAX).unwrap() {
                Some(StoryLookup::Found(story)) => story.entries.iter().map(|e| e.id).collect(),
                other => panic!("the story is there: {other:?}"),
            }
        };
        assert_eq!(ids(&store), vec![a.id, both.id, b.id]);
        // A report of the merged story leaves the story it is in now.
        store.remove(b.id).unwrap();
        assert_eq!(ids(&store), vec![a.id, both.id]);
        assert_eq!(store.story_counts().unwrap(), (1, 1));
        store.remove(a.id).unwrap();
        store.remove(both.id).unwrap();
        assert_eq!(store.story_counts().unwrap(), (0, 0));
        assert!(store.story(older, usize::MAX).unwrap().is_none());
    }

    #[test]
    fn a_refresh_grouped_in_one_batch_merges_and_leaves_as_one_entry_at_a_time() {
        let (_dir, store) = open();
        let now = Utc::now();
        let publish = |entry: &Entry| crate::rules::Verdict::Publish {
            entry: Box::new(entry.clone()),
            rewritten_by: Vec::new(),
        };
        let a = report(
            "a",
            "https://a.example/x",
            "Aaa bbb ccc ddd eee",
            "fff ggg hhh iii",
            9,
            "ie",
        );
        let b = report(
            "b",
            "https://b.example/y",
            "Jjj kkk lll mmm nnn",
            "ooo ppp qqq rrr",
            10,
            "ie",
        );
        let both = report(
            "c",
            "https://c.example/z",
            "Aaa bbb ccc ddd eee jjj kkk lll mmm nnn",
            "fff ggg hhh iii ooo ppp qqq rrr",
            11,
            "ie",
        );
        // One batch: two reports of one story meet in it (the second finds the first in the
        // window before either is applied); an entry listed twice is stored once.
        let outcomes = store
            .ingest_all(
                vec![
                    (a.clone(), true),
                    (bill("rte", 9), true),
                    (bill("journal", 11), true),
                    (b.clone(), true),
                    (a.clone(), true),
                ],
                now,
                publish,
            )
            .unwrap();
        use crate::store::Upsert::*;
        assert_eq!(
            outcomes,
            vec![Inserted, Inserted, Inserted, Inserted, Unchanged]
        );
        let housing = StoryId::of_first(bill("rte", 9).id);
        assert_eq!(
            store.story_of(bill("journal", 11).id).unwrap(),
            Some(housing)
        );
        assert_eq!(store.story_counts().unwrap(), (3, 1));

        // The next batch merges a's and b's stories, then hides b: it leaves the merged story
        // whose record the batch itself rewrote.
        let hide_b = |entry: &Entry| {
            if entry.id == b.id {
                crate::rules::Verdict::Hide {
                    rule: "no-b".to_string(),
                }
            } else {
                publish(entry)
            }
        };
        let mut b_again = b.clone();
        b_again.title.push_str(" again");
        store
            .ingest_all(vec![(both.clone(), true), (b_again, true)], now, hide_b)
            .unwrap();
        let older = StoryId::of_first(a.id);
        assert_eq!(store.story_of(both.id).unwrap(), Some(older));
        assert_eq!(store.story_of(b.id).unwrap(), None);
        match store.story(older, usize::MAX).unwrap() {
            Some(StoryLookup::Found(story)) => assert_eq!(
                story.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
                vec![a.id, both.id]
            ),
            other => panic!("the story is there: {other:?}"),
        }
        assert_eq!(store.story_counts().unwrap(), (2, 2));
        let page = store
            .story_page(None, PageStart::Skip(0), 10, usize::MAX)
            .unwrap();
        assert_eq!(page.stories.len(), 2);
    }

    #[test]
    fn candidates_past_twice_the_window_are_pruned() {
        let (_dir, store) = open();
        store.upsert(bill("rte", 9), true, Utc::now()).unwrap();
        let postings = || store.postings.lock().unwrap().len();
        assert!(postings() > 0);
        let day = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert_eq!(store.prune_story_keys(day).unwrap(), 0, "within the window");
        let later = day + Duration::days(4);
        assert!(store.prune_story_keys(later).unwrap() > 0);
        assert_eq!(postings(), 0);
        assert_eq!(store.story_counts().unwrap(), (1, 0), "the story stays");
    }

    /// The postings live in memory: a reopened store rebuilds them from the `all` index and the
    /// kept features, so a report after a restart still joins its story.
    #[test]
    fn a_report_after_a_restart_joins_the_story_of_one_before_it() {
        let (dir, store) = open();
        let now = Utc::now();
        let mut first = bill("rte", 9);
        first.published = now - Duration::hours(2);
        store.upsert(first, true, now).unwrap();
        drop(store);
        let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
        let mut second = bill("journal", 10);
        second.published = now - Duration::hours(1);
        store.upsert(second, true, now).unwrap();
        assert_eq!(
            store.story_counts().unwrap(),
            (1, 1),
            "one story of two reports"
        );
    }

    #[test]
    fn entries_stored_before_stories_are_grouped_once_at_start() {
        let (_dir, store) = open();
        let now = Utc::now();
        store.upsert(bill("rte", 9), true, now).unwrap();
        store.upsert(bill("journal", 10), true, now).unwrap();
        // As an older build left it: no story trees.
        for tree in [&store.stories, &store.story_of, &store.story_keys] {
            tree.clear().unwrap();
        }
        for key in store.index.scan_prefix(b"S:").keys() {
            store.index.remove(key.unwrap()).unwrap();
        }
        store.meta.remove(ALL_GROUPED).unwrap();
        // ...and opened afresh: nothing of the window in memory.
        *store.postings.lock().unwrap() = Postings::default();
        assert_eq!(store.group_ungrouped().unwrap(), 2);
        assert_eq!(store.story_counts().unwrap(), (1, 1));
        assert_eq!(store.group_ungrouped().unwrap(), 0);
    }

    /// Issue 18: the walk at start runs once per store; an entry written with grouping off
    /// (a benchmark's setting) takes the mark away, so the next start groups it.
    #[test]
    fn the_walk_at_start_is_once_unless_grouping_was_off() {
        let (_dir, store) = open();
        let now = Utc::now();
        assert_eq!(
            store.group_ungrouped().unwrap(),
            0,
            "a new store is all grouped"
        );
        store.set_story_settings(StorySettings {
            grouping: false,
            ..StorySettings::default()
        });
        store.upsert(bill("rte", 9), true, now).unwrap();
        assert!(store.story_of(bill("rte", 9).id).unwrap().is_none());
        store.set_story_settings(StorySettings::default());
        assert_eq!(store.group_ungrouped().unwrap(), 1);
        assert!(store.story_of(bill("rte", 9).id).unwrap().is_some());
        assert_eq!(store.group_ungrouped().unwrap(), 0);
    }

    /// A store written before issue 18 lists each story's reports in its record: they move to
    /// member keys at open, in the same order, and the story goes on taking reports.
    #[test]
    fn stories_of_the_inline_layout_are_converted_at_open() {
        #[derive(Serialize)]
        struct Before {
            entries: Vec<EntryId>,
            regions: Vec<String>,
            first_seen: DateTime<Utc>,
            updated: DateTime<Utc>,
        }
        let (dir, store) = open();
        let now = Utc::now();
        // Recent, so that the postings rebuilt at open still hold them.
        let recent = |mut report: Entry, hours| {
            report.published = now - Duration::hours(hours);
            report
        };
        let (rte, journal) = (recent(bill("rte", 9), 3), recent(bill("journal", 10), 2));
        store.upsert(rte.clone(), true, now).unwrap();
        store.upsert(journal.clone(), true, now).unwrap();
        let id = store.story_of(rte.id).unwrap().unwrap();
        let record = store.record(id).unwrap().unwrap();
        assert_eq!((record.reports, record.next), (2, 2));
        store
            .stories
            .insert(
                id.as_bytes(),
                encode(&Before {
                    entries: vec![rte.id, journal.id],
                    regions: record.regions.clone(),
                    first_seen: record.first_seen,
                    updated: record.updated,
                }),
            )
            .unwrap();
        store.story_members.clear().unwrap();
        store.meta.remove(b"stories:members").unwrap();
        store.flush().unwrap();
        drop(store);

        let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
        assert_eq!(store.record(id).unwrap(), Some(record));
        let ids = |store: &Store| -> Vec<EntryId> {
            match store.story(id, usize::MAX).unwrap() {
                Some(StoryLookup::Found(story)) => story.entries.iter().map(|e| e.id).collect(),
                other => panic!("the story is there: {other:?}"),
            }
        };
        assert_eq!(ids(&store), vec![rte.id, journal.id]);
        assert_eq!(store.members_out_of_records().unwrap(), 0, "converted once");
        let rtl = recent(bill("rtl", 11), 1);
        store.upsert(rtl.clone(), true, now).unwrap();
        assert_eq!(ids(&store), vec![rte.id, journal.id, rtl.id]);
        store.remove(journal.id).unwrap();
        assert_eq!(ids(&store), vec![rte.id, rtl.id]);
        assert_eq!(store.story_counts().unwrap(), (1, 1));
    }

    /// `around` reads outwards from the time: what sorting the whole window by distance gave.
    #[test]
    fn postings_around_a_time_are_the_nearest_in_the_window() {
        let mut postings = Postings::default();
        let id = |n: u64| EntryId(uuid::Uuid::from_u64_pair(0, n));
        // Uneven times, some equal, the nearest on either side in turn.
        let times: Vec<i64> = (0..300u64)
            .map(|n| ((n * n * 7919) % 10_007) as i64)
            .collect();
        for (n, at) in times.iter().enumerate() {
            postings.add(b"k".to_vec(), *at, id(n as u64));
        }
        for (time, window) in [
            (5_000, 2_000),
            (0, 10_000),
            (10_006, 300),
            (4_321, 10),
            (-50, 40),
        ] {
            let mut expected: Vec<(i64, EntryId)> = times
                .iter()
                .enumerate()
                .map(|(n, at)| (*at, id(n as u64)))
                .filter(|(at, _)| (at - time).abs() <= window)
                .collect();
            expected.sort_by_key(|(at, _)| (at - time).abs());
            expected.truncate(POSTINGS);
            let got = postings.around(b"k", time, window);
            // The same distances (which of two postings at one time is taken may differ).
            let distances = |list: &[(i64, EntryId)]| -> Vec<i64> {
                let mut distances: Vec<i64> =
                    list.iter().map(|(at, _)| (at - time).abs()).collect();
                distances.sort();
                distances
            };
            assert_eq!(distances(&got), distances(&expected), "{time} {window}");
        }
        assert!(postings.around(b"none", 0, 10).is_empty());
    }

    /// The ids of merged stories are one string; a cut one is an error, not a wrong id.
    #[test]
    fn merged_story_ids_are_packed_in_one_string() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Ids(#[serde(with = "packed_ids")] Vec<StoryId>);
        let ids = Ids(vec![
            StoryId(uuid::Uuid::from_u64_pair(1, 2)),
            StoryId(uuid::Uuid::from_u64_pair(u64::MAX, 3)),
        ]);
        let json = serde_json::to_string(&ids).unwrap();
        assert_eq!(json.len(), 2 + 64, "{json}");
        assert_eq!(serde_json::from_str::<Ids>(&json).unwrap(), ids);
        assert!(serde_json::from_str::<Ids>(&json[..json.len() - 2]).is_err());
        assert!(serde_json::from_str::<Ids>(&format!("\"{}\"", "g".repeat(32))).is_err());
    }
}
