//! Bytes in any declared charset -> bytes feed-rs decodes correctly.
//!
//! feed-rs decodes from the BOM or the XML declaration's `encoding`, and never sees HTTP. So we
//! transcode to UTF-8 only when the document declares nothing and the HTTP `charset` names
//! something else (RFC 7303 lets HTTP's charset speak for an undeclared document). Passing
//! decoded text would decode it twice (feed-rs issues #69 and #172).

use std::borrow::Cow;

use encoding_rs::Encoding;

/// Returns the bytes to hand to feed-rs: unchanged, or transcoded to UTF-8.
pub fn prepare<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, [u8]> {
    if has_bom(body) || declares_encoding(body) {
        return Cow::Borrowed(body);
    }
    let Some(encoding) = content_type
        .and_then(http_charset)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
    else {
        return Cow::Borrowed(body);
    };
    if encoding == encoding_rs::UTF_8 {
        return Cow::Borrowed(body);
    }
    let (text, _, _) = encoding.decode(body);
    Cow::Owned(text.into_owned().into_bytes())
}

fn has_bom(body: &[u8]) -> bool {
    body.starts_with(&[0xEF, 0xBB, 0xBF])
        || body.starts_with(&[0xFF, 0xFE])
        || body.starts_with(&[0xFE, 0xFF])
}

/// True when the XML declaration carries an `encoding` pseudo-attribute.
fn declares_encoding(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    if !body.starts_with(b"<?xml") {
        return false;
    }
    let end = body
        .windows(2)
        .position(|w| w == b"?>")
        .unwrap_or(body.len().min(200));
    body[..end].windows(8).any(|w| w == b"encoding")
}

fn http_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undeclared_document_takes_the_http_charset() {
        let (greek, _, _) = encoding_rs::ISO_8859_7.encode("<rss><t>Λεμεσός</t></rss>");
        let prepared = prepare(&greek, Some("text/xml; charset=ISO-8859-7"));
        assert_eq!(
            std::str::from_utf8(&prepared).unwrap(),
            "<rss><t>Λεμεσός</t></rss>"
        );
    }

    #[test]
    fn a_declared_document_is_left_to_its_declaration() {
        let body = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss/>";
        let prepared = prepare(body, Some("text/xml; charset=ISO-8859-7"));
        assert!(matches!(prepared, Cow::Borrowed(_)));
    }
}
