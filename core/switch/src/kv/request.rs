//! The argument syntax of `hash` and `db`: `<op>/<realm>/<key>[/<value>]`,
//! with the value taking the rest of the text (it may contain `/`).

/// What a `hash` or `db` request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvOp {
    /// `insert/<realm>/<key>/<value>`: sets the value.
    Insert,
    /// `insert_ifempty/<realm>/<key>/<value>`: sets it only when unset.
    InsertIfEmpty,
    /// `delete/<realm>/<key>`: removes it.
    Delete,
    /// `delete_ifmatch/<realm>/<key>/<value>`: removes it only when it
    /// holds that value.
    DeleteIfMatch,
    /// `select/<realm>/<key>`: reads it (API only).
    Select,
    /// `exists/<realm>/<key>`: `true` or `false` (API only).
    Exists,
    /// `count/<realm>`: how many keys the realm has (API only).
    Count,
    /// `list/<realm>`: the realm's keys, comma-separated (API only).
    List,
}

impl KvOp {
    /// Whether this operation changes the store (what the dialplan
    /// applications may do; reading is for the API and `${...}`).
    pub fn writes(self) -> bool {
        matches!(
            self,
            KvOp::Insert | KvOp::InsertIfEmpty | KvOp::Delete | KvOp::DeleteIfMatch
        )
    }

    fn parse(word: &str) -> Option<KvOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "insert" => KvOp::Insert,
            "insert_ifempty" => KvOp::InsertIfEmpty,
            "delete" => KvOp::Delete,
            "delete_ifmatch" => KvOp::DeleteIfMatch,
            "select" => KvOp::Select,
            "exists" => KvOp::Exists,
            "count" => KvOp::Count,
            "list" => KvOp::List,
            _ => return None,
        })
    }
}

/// A parsed `hash` or `db` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvRequest {
    /// The operation.
    pub op: KvOp,
    /// The realm (a name space of keys).
    pub realm: String,
    /// The key (empty for `count` and `list`).
    pub key: String,
    /// The value, for `insert`, `insert_ifempty` and `delete_ifmatch`.
    pub value: Option<String>,
}

/// The syntax, for messages.
pub const SYNTAX: &str = "insert|insert_ifempty|delete_ifmatch/<realm>/<key>/<value>, \
     delete|select|exists/<realm>/<key>, count|list/<realm>";

impl KvRequest {
    /// Parses `<op>/<realm>/<key>[/<value>]`.
    ///
    /// # Errors
    /// A message naming what is wrong: an unknown operation, a missing or
    /// empty realm or key, or a missing value.
    pub fn parse(text: &str) -> Result<KvRequest, String> {
        let text = text.trim();
        let mut parts = text.splitn(4, '/');
        let op_word = parts.next().unwrap_or("");
        let op = KvOp::parse(op_word)
            .ok_or_else(|| format!("'{op_word}' is not an operation (use {SYNTAX})"))?;
        let realm = parts.next().unwrap_or("");
        if realm.is_empty() {
            return Err(format!("'{text}' has no realm (use {SYNTAX})"));
        }
        if matches!(op, KvOp::Count | KvOp::List) {
            if parts.next().is_some() {
                return Err(format!("'{text}': {op_word} takes only a realm"));
            }
            return Ok(KvRequest {
                op,
                realm: realm.to_owned(),
                key: String::new(),
                value: None,
            });
        }
        let key = parts.next().unwrap_or("");
        if key.is_empty() {
            return Err(format!("'{text}' has no key (use {SYNTAX})"));
        }
        let value = parts.next();
        let needs_value = matches!(op, KvOp::Insert | KvOp::InsertIfEmpty | KvOp::DeleteIfMatch);
        match (needs_value, value) {
            (true, None) => Err(format!("'{text}' has no value (use {SYNTAX})")),
            (false, Some(_)) => Err(format!("'{text}': {op_word} takes no value")),
            _ => Ok(KvRequest {
                op,
                realm: realm.to_owned(),
                key: key.to_owned(),
                value: value.map(str::to_owned),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_with_values_keeping_slashes() {
        let r = KvRequest::parse("insert/calls/last/http://x/y").unwrap();
        assert_eq!(r.op, KvOp::Insert);
        assert_eq!((r.realm.as_str(), r.key.as_str()), ("calls", "last"));
        assert_eq!(r.value.as_deref(), Some("http://x/y"));
        let r = KvRequest::parse(" SELECT/calls/last ").unwrap();
        assert_eq!(r.op, KvOp::Select);
        assert_eq!(r.value, None);
        let r = KvRequest::parse("insert/r/k/").unwrap();
        assert_eq!(r.value.as_deref(), Some(""));
        let r = KvRequest::parse("count/r").unwrap();
        assert_eq!((r.op, r.key.as_str()), (KvOp::Count, ""));
        assert!(KvOp::Insert.writes() && !KvOp::Select.writes());
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        for (text, wanted) in [
            ("", "is not an operation"),
            ("upsert/r/k/v", "'upsert' is not an operation"),
            ("insert", "has no realm"),
            ("insert//k/v", "has no realm"),
            ("insert/r", "has no key"),
            ("insert/r/k", "has no value"),
            ("select/r/k/v", "takes no value"),
            ("count/r/k", "takes only a realm"),
        ] {
            let e = KvRequest::parse(text).unwrap_err();
            assert!(e.contains(wanted), "{text}: {e}");
        }
    }
}
