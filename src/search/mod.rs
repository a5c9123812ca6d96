//! Full-text search over every stored entry, with tantivy.
//!
//! The index lives beside the store (`[search] path`, default `store/search`) and is derived
//! from it: sled stays the source of truth. Every tantivy commit records the store checkpoint
//! it covers ([`Store::checkpoint`]); at start an index whose checkpoint is not the store's
//! (missing, deleted, or behind after a crash) is rebuilt in the background while `/search`
//! answers 503. After that the publisher hands over the entries each store commit touched, and
//! [`run_indexer`] applies them in one tantivy commit per batch, on a blocking thread.
//!
//! Each language has its own fields (English and Greek stemmed, others folded only); a query
//! word is analysed once per language and looked up in that language's fields.

pub mod analysis;
pub mod query;

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query as TantivyQuery, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::app::App;
use crate::config::Config;
use crate::model::{Entry, EntryId};
use crate::store::{Store, StoreError};
use analysis::Analysis;
use query::{ClauseKind, Filter, Query};

/// The writer's memory budget: tantivy's minimum for one thread is 15 MB.
const WRITER_HEAP: usize = 24 * 1024 * 1024;
/// What a commit payload starts with; a new layout of the index changes it, and the index is
/// rebuilt.
const LAYOUT: &str = "islands-search-1";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index {path}")]
    Index {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether the index can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ready,
    Building { done: usize, total: usize },
}

struct Fields {
    id: Field,
    /// `(analysis, title, body)` per language.
    text: Vec<(Analysis, Field, Field)>,
    region: Field,
    source: Field,
    author: Field,
    tag: Field,
    language: Field,
    published: Field,
}

pub struct SearchIndex {
    path: PathBuf,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    state: RwLock<State>,
    /// Entries to index or drop, and the store checkpoint they bring the index to.
    pending: Mutex<(BTreeSet<EntryId>, u64)>,
    wake: tokio::sync::Notify,
}

/// One page of results.
pub struct Hits {
    /// How many entries match in all.
    pub total: usize,
    pub hits: Vec<Hit>,
}

pub struct Hit {
    pub entry: Entry,
    /// The title with the matched words in `<mark>`, as HTML (escaped).
    pub title_html: String,
    /// A passage of the text with the matched words in `<mark>`, as HTML (escaped).
    pub snippet_html: String,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    Newest,
}

/// A query that reads well but names what is not there (an unknown region).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Unknown(pub String);

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let id = builder.add_text_field("id", STRING | STORED);
    let text = Analysis::ALL
        .into_iter()
        .map(|analysis| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(&analysis.tokenizer())
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            let title =
                builder.add_text_field(&format!("title_{}", analysis.name()), options.clone());
            let body = builder.add_text_field(&format!("body_{}", analysis.name()), options);
            (analysis, title, body)
        })
        .collect();
    let fields = Fields {
        id,
        text,
        region: builder.add_text_field("region", STRING),
        source: builder.add_text_field("source", STRING),
        author: builder.add_text_field("author", STRING),
        tag: builder.add_text_field("tag", STRING),
        language: builder.add_text_field("language", STRING),
        published: builder.add_i64_field("published", INDEXED | FAST),
    };
    (builder.build(), fields)
}

impl SearchIndex {
    /// Opens the index at `path` (creating it, or starting it over when its layout is not
    /// this build's) and says whether it is current with `store`; when it is not, the caller
    /// runs [`SearchIndex::rebuild`] before anything is searched.
    pub fn open(path: &Path, store: &Store) -> Result<(SearchIndex, bool), SearchError> {
        let error = |source: tantivy::TantivyError| SearchError::Index {
            path: path.to_path_buf(),
            source,
        };
        let (schema, fields) = schema();
        let open = || -> tantivy::Result<Index> {
            std::fs::create_dir_all(path)?;
            let directory = MmapDirectory::open(path)?;
            Index::open_or_create(directory, schema.clone())
        };
        let index = match open() {
            Ok(index) => index,
            Err(previous) => {
                // Another layout (an older build's fields) or a damaged index: it is derived
                // data, so it is started over and rebuilt from the store.
                warn!(path = %path.display(), "search index replaced: {previous}");
                let _ = std::fs::remove_dir_all(path);
                open().map_err(error)?
            }
        };
        analysis::register(&index);
        let payload = index.load_metas().map_err(error)?.payload;
        let checkpoint = store.checkpoint()?;
        let current = payload.as_deref() == Some(&format!("{LAYOUT}:{checkpoint}"));
        let writer = index
            .writer_with_num_threads(1, WRITER_HEAP)
            .map_err(error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(error)?;
        let search = SearchIndex {
            path: path.to_path_buf(),
            reader,
            writer: Mutex::new(writer),
            fields,
            state: RwLock::new(if current {
                State::Ready
            } else {
                State::Building { done: 0, total: 0 }
            }),
            pending: Mutex::new((BTreeSet::new(), checkpoint)),
            wake: tokio::sync::Notify::new(),
        };
        Ok((search, !current))
    }

    pub fn state(&self) -> State {
        *self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn set_state(&self, state: State) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = state;
    }

    fn error(&self, source: tantivy::TantivyError) -> SearchError {
        SearchError::Index {
            path: self.path.clone(),
            source,
        }
    }

    /// Indexes every stored entry afresh, reporting `(done, total)` as it goes; one commit.
    pub fn rebuild(
        &self,
        config: &Config,
        store: &Store,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize, SearchError> {
        let checkpoint = store.checkpoint()?;
        let total = store.entry_count();
        self.set_state(State::Building { done: 0, total });
        let slugs = source_slugs(config);
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.delete_all_documents().map_err(|e| self.error(e))?;
        let mut done: usize = 0;
        for entry in store.entries_in_any_order() {
            let entry = entry?;
            writer
                .add_document(self.document(config, &slugs, &entry))
                .map_err(|e| self.error(e))?;
            done += 1;
            if done.is_multiple_of(1000) {
                progress(done, total);
                self.set_state(State::Building { done, total });
            }
        }
        self.commit(&mut writer, checkpoint)?;
        progress(done, total);
        self.set_state(State::Ready);
        Ok(done)
    }

    /// Queues entries a store commit touched, up to the checkpoint their list was taken at.
    pub fn enqueue(&self, entries: BTreeSet<EntryId>, checkpoint: u64) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.0.extend(entries);
        pending.1 = pending.1.max(checkpoint);
        drop(pending);
        self.wake.notify_one();
    }

    /// Indexes (or drops) what was queued, in one commit; returns how many entries it saw.
    pub fn apply_pending(&self, config: &Config, store: &Store) -> Result<usize, SearchError> {
        let (ids, checkpoint) = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut pending.0), pending.1)
        };
        if ids.is_empty() {
            return Ok(0);
        }
        let slugs = source_slugs(config);
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for id in &ids {
            writer.delete_term(Term::from_field_text(self.fields.id, &id.0.to_string()));
            if let Some(entry) = store.get(*id)? {
                writer
                    .add_document(self.document(config, &slugs, &entry))
                    .map_err(|e| self.error(e))?;
            }
        }
        self.commit(&mut writer, checkpoint)?;
        Ok(ids.len())
    }

    fn commit(
        &self,
        writer: &mut IndexWriter<TantivyDocument>,
        checkpoint: u64,
    ) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit().map_err(|e| self.error(e))?;
        prepared.set_payload(&format!("{LAYOUT}:{checkpoint}"));
        prepared.commit().map_err(|e| self.error(e))?;
        self.reader.reload().map_err(|e| self.error(e))?;
        Ok(())
    }

    fn document(&self, config: &Config, slugs: &SourceSlugs, entry: &Entry) -> TantivyDocument {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.id, entry.id.0.to_string());
        let language = entry.language.as_deref().unwrap_or(&config.site.language);
        let analysis = Analysis::of(language);
        let (_, title, body) = fields
            .text
            .iter()
            .find(|(a, _, _)| *a == analysis)
            .expect("every analysis has fields");
        doc.add_text(*title, &entry.title);
        doc.add_text(*body, body_text(entry));
        for author in &entry.authors {
            doc.add_text(*body, author);
            doc.add_text(fields.author, crate::urls::tag_slug(author));
        }
        if let Some(article) = &entry.article {
            doc.add_text(fields.author, &article.author);
        }
        for source in &entry.sources {
            doc.add_text(*body, &source.name);
            doc.add_text(fields.source, crate::urls::tag_slug(&source.name));
            if let Some(slug) = slugs.get(&source.feed_url) {
                doc.add_text(fields.source, slug);
            }
        }
        for category in &entry.categories {
            doc.add_text(*body, category);
            doc.add_text(fields.tag, crate::urls::tag_slug(category));
        }
        for region in &entry.regions {
            doc.add_text(fields.region, region);
        }
        doc.add_text(fields.language, language);
        doc.add_i64(fields.published, entry.published.timestamp());
        doc
    }

    /// Runs a query: `offset..offset + limit` of the matches, ordered by `sort`, with their
    /// highlighted titles and passages.
    pub fn search(
        &self,
        config: &Config,
        store: &Store,
        query: &Query,
        sort: Sort,
        offset: usize,
        limit: usize,
    ) -> Result<Result<Hits, Unknown>, SearchError> {
        self.run(config, store, query, sort, offset, limit, true)
    }

    /// The same without highlights (`title_html` and `snippet_html` left empty): what a
    /// search feed needs. Highlighting is most of a search's time (bench/RESULTS.md).
    pub fn search_entries(
        &self,
        config: &Config,
        store: &Store,
        query: &Query,
        sort: Sort,
        offset: usize,
        limit: usize,
    ) -> Result<Result<Hits, Unknown>, SearchError> {
        self.run(config, store, query, sort, offset, limit, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        config: &Config,
        store: &Store,
        query: &Query,
        sort: Sort,
        offset: usize,
        limit: usize,
        highlight: bool,
    ) -> Result<Result<Hits, Unknown>, SearchError> {
        let tantivy_query = match self.compile(config, query) {
            Ok(compiled) => compiled,
            Err(unknown) => return Ok(Err(unknown)),
        };
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(limit.max(1)).and_offset(offset);
        let (addresses, total): (Vec<DocAddress>, usize) = match sort {
            Sort::Relevance => {
                let (top, total) = searcher
                    .search(&tantivy_query, &(top.order_by_score(), Count))
                    .map_err(|e| self.error(e))?;
                (top.into_iter().map(|(_, address)| address).collect(), total)
            }
            Sort::Newest => {
                let (top, total) = searcher
                    .search(
                        &tantivy_query,
                        &(
                            top.order_by_fast_field::<i64>("published", Order::Desc),
                            Count,
                        ),
                    )
                    .map_err(|e| self.error(e))?;
                (top.into_iter().map(|(_, address)| address).collect(), total)
            }
        };
        let mut snippets = Vec::new();
        for (analysis, title, body) in self.fields.text.iter().filter(|_| highlight) {
            let generator = |field| -> Result<SnippetGenerator, SearchError> {
                SnippetGenerator::create(&searcher, &tantivy_query, field)
                    .map_err(|e| self.error(e))
            };
            let mut title = generator(*title)?;
            title.set_max_num_chars(400);
            let mut body = generator(*body)?;
            body.set_max_num_chars(240);
            snippets.push((*analysis, title, body));
        }
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses.into_iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
            let Some(id) = doc
                .get_first(self.fields.id)
                .and_then(|value| value.as_str())
                .and_then(|id| id.parse().ok())
            else {
                continue;
            };
            // An entry removed since the last index commit is left out.
            let Some(entry) = store.get(EntryId(id))? else {
                continue;
            };
            if !highlight {
                hits.push(Hit {
                    title_html: String::new(),
                    snippet_html: String::new(),
                    entry,
                });
                continue;
            }
            let language = entry.language.as_deref().unwrap_or(&config.site.language);
            let analysis = Analysis::of(language);
            let (_, title, body) = snippets
                .iter()
                .find(|(a, _, _)| *a == analysis)
                .expect("every analysis has generators");
            hits.push(Hit {
                title_html: highlighted(title, &entry.title, usize::MAX),
                snippet_html: highlighted(body, &body_text(&entry), 240),
                entry,
            });
        }
        Ok(Ok(Hits { total, hits }))
    }

    /// The tantivy query for a parsed one: every word or phrase must match in some language's
    /// title (boosted) or body, excluded ones in none; filters must hold.
    fn compile(&self, config: &Config, query: &Query) -> Result<Box<dyn TantivyQuery>, Unknown> {
        let fields = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        let mut positive = false;
        for clause in &query.clauses {
            let compiled: Option<Box<dyn TantivyQuery>> = match &clause.kind {
                ClauseKind::Word(text) | ClauseKind::Phrase(text) => self.text_query(text),
                ClauseKind::Filter(filter, value) => {
                    let (field, value) = match filter {
                        Filter::Region => {
                            let slug = value.to_lowercase();
                            if config.region(&slug).is_none() {
                                let known: Vec<&str> =
                                    config.regions.iter().map(|r| r.slug.as_str()).collect();
                                return Err(Unknown(format!(
                                    "there is no region {value:?}; the regions are {}",
                                    known.join(", ")
                                )));
                            }
                            (fields.region, slug)
                        }
                        Filter::Source => (fields.source, crate::urls::tag_slug(value)),
                        Filter::Author => (fields.author, crate::urls::tag_slug(value)),
                        Filter::Tag => (fields.tag, crate::urls::tag_slug(value)),
                    };
                    Some(Box::new(TermQuery::new(
                        Term::from_field_text(field, &value),
                        IndexRecordOption::Basic,
                    )))
                }
                ClauseKind::After(date) => Some(Box::new(RangeQuery::new(
                    Bound::Included(day_term(fields.published, *date)),
                    Bound::Unbounded,
                ))),
                ClauseKind::Before(date) => Some(Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Excluded(day_term(fields.published, *date)),
                ))),
            };
            // A word of punctuation alone has no terms: it asks for nothing.
            let Some(compiled) = compiled else { continue };
            if clause.excluded {
                clauses.push((Occur::MustNot, compiled));
            } else {
                positive = true;
                clauses.push((Occur::Must, compiled));
            }
        }
        if !positive {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Matches `text` (a word, or words as a phrase) in any language's title or body.
    fn text_query(&self, text: &str) -> Option<Box<dyn TantivyQuery>> {
        let mut alternatives: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        for (analysis, title, body) in &self.fields.text {
            let terms = analysis.terms(text);
            if terms.is_empty() {
                continue;
            }
            for (field, boost) in [(*title, 2.0), (*body, 1.0)] {
                let terms: Vec<Term> = terms
                    .iter()
                    .map(|term| Term::from_field_text(field, term))
                    .collect();
                let query: Box<dyn TantivyQuery> = if terms.len() == 1 {
                    Box::new(TermQuery::new(
                        terms.into_iter().next().expect("one"),
                        IndexRecordOption::WithFreqs,
                    ))
                } else {
                    Box::new(PhraseQuery::new(terms))
                };
                alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
            }
        }
        (!alternatives.is_empty())
            .then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn TantivyQuery>)
    }

    /// How many entries the index holds (for status and tests).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Each configured source's slug, by identity: looked up once per batch, not per entry.
type SourceSlugs = std::collections::HashMap<crate::model::SourceId, String>;

fn source_slugs(config: &Config) -> SourceSlugs {
    config
        .sources()
        .map(|source| (source.id(), source.slug.clone()))
        .collect()
}

fn day_term(field: Field, date: chrono::NaiveDate) -> Term {
    let start = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    Term::from_field_i64(field, start.timestamp())
}

/// The searchable text of an entry: its summary and content as plain text.
fn body_text(entry: &Entry) -> String {
    let mut text = String::new();
    for html in [&entry.summary, &entry.content].into_iter().flatten() {
        if !text.is_empty() {
            text.push_str(" \u{2014} ");
        }
        text.push_str(&crate::normalize::html::html_to_text(html));
    }
    text
}

/// `text` with the generator's terms in `<mark>`, escaped; the whole text (up to `max` chars)
/// when nothing in it matched.
fn highlighted(generator: &SnippetGenerator, text: &str, max: usize) -> String {
    let mut snippet = generator.snippet(text);
    if snippet.is_empty() {
        let cut: String = text.chars().take(max).collect();
        let ellipsis = if cut.len() < text.len() {
            "\u{2026}"
        } else {
            ""
        };
        return format!("{}{ellipsis}", crate::normalize::html::text_to_html(&cut));
    }
    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
    snippet.to_html()
}

/// Keeps the index current: rebuilds it first when [`SearchIndex::open`] said so, then
/// applies each batch the publisher queues, until shutdown (and once more then).
pub async fn run_indexer(
    app: Arc<App>,
    search: Arc<SearchIndex>,
    rebuild: bool,
    shutdown: CancellationToken,
) {
    if rebuild {
        let (app_for_build, search_for_build) = (app.clone(), search.clone());
        let built = tokio::task::spawn_blocking(move || {
            let config = app_for_build.config();
            let started = std::time::Instant::now();
            let mut last_log = std::time::Instant::now();
            let built = search_for_build
                .rebuild(&config, &app_for_build.store, &mut |done, total| {
                    if last_log.elapsed().as_secs() >= 2 {
                        info!(done, total, "rebuilding the search index");
                        last_log = std::time::Instant::now();
                    }
                })
                .map(|entries| (entries, started.elapsed()));
            crate::memory::trim();
            built
        })
        .await;
        match built {
            Ok(Ok((entries, took))) => info!(entries, ?took, "search index rebuilt"),
            Ok(Err(error)) => warn!(
                "rebuilding the search index: {}",
                crate::report::Report(&error)
            ),
            Err(error) => warn!("rebuilding the search index: {error}"),
        }
    }
    loop {
        let stopping = tokio::select! {
            _ = search.wake.notified() => false,
            _ = shutdown.cancelled() => true,
        };
        let (app, search_now) = (app.clone(), search.clone());
        let applied = tokio::task::spawn_blocking(move || {
            let applied = search_now.apply_pending(&app.config(), &app.store);
            crate::memory::trim();
            applied
        })
        .await;
        match applied {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => warn!(
                "updating the search index: {}",
                crate::report::Report(&error)
            ),
            Err(error) => warn!("updating the search index: {error}"),
        }
        if stopping {
            return;
        }
    }
}
