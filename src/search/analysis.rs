//! How text becomes search terms: words, folded for case and accents ("Λεμεσός", "ΛΕΜΕΣΟΣ"
//! and "λεμεσος" are one term, "Dún" and "dun" another), then stemmed by the language they are
//! written in (English and Greek; other languages are folded only).

use std::mem;

use tantivy::Index;
use tantivy::tokenizer::{
    Language, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};

/// The languages the index analyses apart, each with its own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    English,
    Greek,
    /// Any other language: folded, not stemmed.
    Folded,
}

impl Analysis {
    pub const ALL: [Analysis; 3] = [Analysis::English, Analysis::Greek, Analysis::Folded];

    /// The analysis for a BCP 47 language tag (`en`, `en-IE`, `el`, ...).
    pub fn of(language: &str) -> Analysis {
        let primary = language
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Analysis::English,
            "el" => Analysis::Greek,
            _ => Analysis::Folded,
        }
    }

    /// The name its analyzer is registered under, and the suffix of its fields.
    pub fn name(self) -> &'static str {
        match self {
            Analysis::English => "en",
            Analysis::Greek => "el",
            Analysis::Folded => "folded",
        }
    }

    pub fn tokenizer(self) -> String {
        format!("islands_{}", self.name())
    }

    fn analyzer(self) -> TextAnalyzer {
        let words = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(64))
            .filter(Fold);
        match self {
            Analysis::English => words.filter(Stemmer::new(Language::English)).build(),
            Analysis::Greek => words.filter(Stemmer::new(Language::Greek)).build(),
            Analysis::Folded => words.build(),
        }
    }

    /// The terms `text` becomes under this analysis, in order.
    pub fn terms(self, text: &str) -> Vec<String> {
        self.terms_at(text)
            .into_iter()
            .map(|(term, _)| term)
            .collect()
    }

    /// The terms `text` becomes, in order, each with the byte offset of the word it came from.
    pub fn terms_at(self, text: &str) -> Vec<(String, usize)> {
        let mut analyzer = self.analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            let token = stream.token();
            terms.push((token.text.clone(), token.offset_from));
        }
        terms
    }
}

/// Registers every analyzer with the index.
pub fn register(index: &Index) {
    for analysis in Analysis::ALL {
        index
            .tokenizers()
            .register(&analysis.tokenizer(), analysis.analyzer());
    }
}

/// Case and accent folding as a token filter (see [`crate::rules::fold`]).
#[derive(Clone)]
struct Fold;

impl TokenFilter for Fold {
    type Tokenizer<T: Tokenizer> = FoldFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FoldFilter<T> {
        FoldFilter { tokenizer }
    }
}

#[derive(Clone)]
struct FoldFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for FoldFilter<T> {
    type TokenStream<'a> = FoldStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FoldStream {
            tail: self.tokenizer.token_stream(text),
        }
    }
}

struct FoldStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for FoldStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if token.text.is_ascii() {
            token.text.make_ascii_lowercase();
        } else {
            let folded = crate::rules::fold(&token.text);
            let _ = mem::replace(&mut token.text, folded);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_accents_and_stem_by_language() {
        assert_eq!(
            Analysis::English.terms("Approved: Dún Laoghaire"),
            ["approv", "dun", "laoghair"]
        );
        assert_eq!(Analysis::English.terms("approve"), ["approv"]);
        let greek =
            ["Λεμεσός", "ΛΕΜΕΣΟΣ", "λεμεσος", "Λεμεσού"].map(|word| Analysis::Greek.terms(word));
        assert!(greek.iter().all(|terms| terms == &greek[0]), "{greek:?}");
        assert_eq!(Analysis::Folded.terms("Ωραία ΠΌΛΗ"), ["ωραια", "πολη"]);
        assert_eq!(Analysis::of("en-IE"), Analysis::English);
        assert_eq!(Analysis::of("el"), Analysis::Greek);
        assert_eq!(Analysis::of("ga"), Analysis::Folded);
    }
}
