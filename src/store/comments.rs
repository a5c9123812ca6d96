//! Readers' comments on our articles, from the comment form and from Webmention.
//!
//! `comments` holds each comment by id (time first, so keys sort by arrival); `comment_index`
//! lists them for each reading: `a`+article+id (approved, per article, oldest first), `g`+id
//! (approved, all articles), `p`+id (held for moderation), `w`+article+source (a Webmention's
//! comment, by its source URL). A comment and its index keys change in one transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::codec::encode;
use super::{Store, StoreError};
use crate::model::EntryId;

/// A comment's identity: its arrival time (microseconds) then 8 random bytes, shown (and
/// serialized) as 32 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentId(pub [u8; 16]);

impl Serialize for CommentId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CommentId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        CommentId::parse(&hex).ok_or_else(|| serde::de::Error::custom("not a comment id"))
    }
}

impl CommentId {
    pub fn new(at: DateTime<Utc>) -> CommentId {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(at.timestamp_micros() as u64).to_be_bytes());
        id[8..].copy_from_slice(&fastrand::u64(..).to_be_bytes());
        CommentId(id)
    }

    pub fn parse(hex: &str) -> Option<CommentId> {
        if hex.len() != 32 {
            return None;
        }
        let mut id = [0u8; 16];
        for (at, byte) in id.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(at * 2..at * 2 + 2)?, 16).ok()?;
        }
        Some(CommentId(id))
    }
}

impl std::fmt::Display for CommentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    /// The article it is on, and that article's slug.
    pub article: EntryId,
    pub slug: String,
    /// The commenter's name, as given (plain text).
    pub author: String,
    /// The commenter's site (http or https), shown as their link.
    pub url: Option<String>,
    /// Stored for the moderators, never shown or published.
    pub email: Option<String>,
    /// A Webmention author's photo (http or https).
    pub photo: Option<String>,
    /// Plain text, as written; escaped wherever it is shown.
    pub text: String,
    pub kind: CommentKind,
    /// A Webmention's source URL.
    pub source: Option<String>,
    pub published: DateTime<Utc>,
    pub state: CommentState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    /// From the comment form.
    Comment,
    Reply,
    Like,
    Repost,
    Mention,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentState {
    Pending,
    Approved,
    Spam,
}

fn keys(comment: &Comment) -> BTreeSet<Vec<u8>> {
    let id = comment.id.0;
    let mut keys = BTreeSet::new();
    match comment.state {
        CommentState::Approved => {
            keys.insert([&b"a"[..], comment.article.as_bytes(), &id].concat());
            keys.insert([&b"g"[..], &id].concat());
        }
        CommentState::Pending => {
            keys.insert([&b"p"[..], &id].concat());
        }
        CommentState::Spam => {}
    }
    if let Some(source) = &comment.source {
        keys.insert([&b"w"[..], comment.article.as_bytes(), source.as_bytes()].concat());
    }
    keys
}

impl Store {
    /// Writes a comment (new or changed) with its index keys, in one transaction.
    pub fn put_comment(&self, comment: &Comment) -> Result<(), StoreError> {
        let old = self.comment(comment.id)?;
        let old_keys = old.as_ref().map(keys).unwrap_or_default();
        let new_keys = keys(comment);
        let bytes = encode(comment);
        let id = comment.id.0;
        (&self.comments, &self.comment_index)
            .transaction(|(comments, index)| {
                comments.insert(&id[..], bytes.as_slice())?;
                for key in old_keys.difference(&new_keys) {
                    index.remove(key.as_slice())?;
                }
                for key in &new_keys {
                    // The Webmention key names its comment; the others are bare.
                    let value: &[u8] = if key.first() == Some(&b'w') { &id } else { &[] };
                    index.insert(key.as_slice(), value)?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|error| self.transaction_error(error))?;
        Ok(())
    }

    /// Deletes a comment and its index keys; true if it was there.
    pub fn remove_comment(&self, id: CommentId) -> Result<bool, StoreError> {
        let Some(old) = self.comment(id)? else {
            return Ok(false);
        };
        let old_keys = keys(&old);
        (&self.comments, &self.comment_index)
            .transaction(|(comments, index)| {
                comments.remove(&id.0[..])?;
                for key in &old_keys {
                    index.remove(key.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|error| self.transaction_error(error))?;
        Ok(true)
    }

    pub fn comment(&self, id: CommentId) -> Result<Option<Comment>, StoreError> {
        match self.comments.get(id.0).map_err(|e| self.error(e))? {
            Some(bytes) => self.decode(&bytes, &id.to_string()).map(Some),
            None => Ok(None),
        }
    }

    fn comments_listed(
        &self,
        prefix: &[u8],
        newest_first: bool,
        limit: usize,
    ) -> Result<Vec<Comment>, StoreError> {
        let keys = self.comment_index.scan_prefix(prefix).keys();
        let keys: Box<dyn Iterator<Item = _>> = if newest_first {
            Box::new(keys.rev())
        } else {
            Box::new(keys)
        };
        let mut listed = Vec::new();
        for key in keys.take(limit) {
            let key = key.map_err(|e| self.error(e))?;
            let id: [u8; 16] = key[key.len() - 16..]
                .try_into()
                .expect("keys end with an id");
            if let Some(comment) = self.comment(CommentId(id))? {
                listed.push(comment);
            }
        }
        Ok(listed)
    }

    /// An article's approved comments, oldest first.
    pub fn approved_comments(&self, article: EntryId) -> Result<Vec<Comment>, StoreError> {
        self.comments_listed(&[&b"a"[..], article.as_bytes()].concat(), false, usize::MAX)
    }

    /// How many approved comments an article has.
    pub fn comment_count(&self, article: EntryId) -> usize {
        self.comment_index
            .scan_prefix([&b"a"[..], article.as_bytes()].concat())
            .count()
    }

    /// Comments held for moderation, oldest first.
    pub fn pending_comments(&self) -> Result<Vec<Comment>, StoreError> {
        self.comments_listed(b"p", false, usize::MAX)
    }

    pub fn pending_count(&self) -> usize {
        self.comment_index.scan_prefix(b"p").count()
    }

    /// Approved comments of every article, newest first: `offset..offset + limit`.
    pub fn newest_comments(&self, offset: usize, limit: usize) -> Result<Vec<Comment>, StoreError> {
        let mut listed = self.comments_listed(b"g", true, offset.saturating_add(limit))?;
        Ok(listed.split_off(offset.min(listed.len())))
    }

    /// The comment a Webmention from `source` made on `article`, if any.
    pub fn webmention_comment(
        &self,
        article: EntryId,
        source: &str,
    ) -> Result<Option<Comment>, StoreError> {
        let key = [&b"w"[..], article.as_bytes(), source.as_bytes()].concat();
        match self.comment_index.get(key).map_err(|e| self.error(e))? {
            Some(id) => match <[u8; 16]>::try_from(&id[..]) {
                Ok(id) => self.comment(CommentId(id)),
                Err(_) => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Whether an approved comment came from this email or site before (`first-time`
    /// moderation lets such a commenter through).
    pub fn known_commenter(
        &self,
        email: Option<&str>,
        url: Option<&str>,
    ) -> Result<bool, StoreError> {
        if email.is_none() && url.is_none() {
            return Ok(false);
        }
        for comment in self.comments_listed(b"g", true, usize::MAX)? {
            let same_email = email.is_some() && comment.email.as_deref() == email;
            let same_url = url.is_some() && comment.url.as_deref() == url;
            if same_email || same_url {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Every comment, in arrival order (for `islands comments export`).
    pub fn all_comments(&self) -> Result<Vec<Comment>, StoreError> {
        let mut all = Vec::new();
        for item in self.comments.iter() {
            let (key, bytes) = item.map_err(|e| self.error(e))?;
            all.push(self.decode(&bytes, &format!("{key:?}"))?);
        }
        Ok(all)
    }

    /// A received Webmention's record (`comment_index` key `m`+id), as the caller encoded it.
    pub fn put_webmention(&self, id: CommentId, record: &[u8]) -> Result<(), StoreError> {
        self.comment_index
            .insert([&b"m"[..], &id.0].concat(), record)
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    pub fn webmention(&self, id: CommentId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .comment_index
            .get([&b"m"[..], &id.0].concat())
            .map_err(|e| self.error(e))?
            .map(|bytes| bytes.to_vec()))
    }

    /// Every received Webmention's record.
    pub fn webmentions(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.comment_index
            .scan_prefix(b"m")
            .values()
            .map(|value| value.map(|bytes| bytes.to_vec()).map_err(|e| self.error(e)))
            .collect()
    }

    /// The version (`updated`, in seconds) of an article whose links were last notified.
    pub fn webmentions_sent(&self, article: EntryId) -> Result<Option<i64>, StoreError> {
        Ok(self
            .comment_index
            .get([&b"s"[..], article.as_bytes()].concat())
            .map_err(|e| self.error(e))?
            .and_then(|bytes| <[u8; 8]>::try_from(&bytes[..]).ok())
            .map(i64::from_be_bytes))
    }

    pub fn set_webmentions_sent(&self, article: EntryId, version: i64) -> Result<(), StoreError> {
        self.comment_index
            .insert(
                [&b"s"[..], article.as_bytes()].concat(),
                &version.to_be_bytes(),
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    fn transaction_error(&self, error: TransactionError<()>) -> StoreError {
        match error {
            TransactionError::Storage(error) => self.error(error),
            TransactionError::Abort(()) => {
                self.error(sled::Error::Unsupported("transaction aborted".to_string()))
            }
        }
    }
}
