//! A mistake in a file that a person wrote (feeds.toml, an article): the file, the line and
//! column when known, and what is wrong, shown as `FILE:LINE:COL: message` so an editor can
//! jump to it. Config errors and article errors are both this.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct LocatedError {
    pub file: PathBuf,
    /// One-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match self.position {
            Some((line, column)) => write!(f, "{file}:{line}:{column}: {}", self.message),
            None => write!(f, "{file}: {}", self.message),
        }
    }
}

impl std::error::Error for LocatedError {}
