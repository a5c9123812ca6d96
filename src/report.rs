//! An error and its causes on one line, for logs and the status page.
//!
//! Error types say what failed and on what; their causes sit in `source()`, never repeated in
//! their own message (so anyhow's `{:#}` at the edge prints each once). Library code that logs
//! an error, or keeps its text, writes `Report(&error)` to show the whole chain.

use std::error::Error;
use std::fmt;

/// Displays `error: cause: cause ...`.
pub struct Report<'a>(pub &'a (dyn Error + 'a));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Report;

    #[derive(Debug, thiserror::Error)]
    #[error("store at x")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn each_cause_is_shown_once() {
        let error = Outer(std::io::Error::other("disk full"));
        assert_eq!(Report(&error).to_string(), "store at x: disk full");
    }
}
