//! Typed views of the headers a SIP core needs, parsed on access from the
//! raw values (nothing is parsed until asked for, nothing is cached).

use super::cseq::CSeq;
use super::error::ParseError;
use super::header_name::HeaderName;
use super::headers::Headers;
use super::media_type::MediaType;
use super::name_addr::{Contact, NameAddr, saturating_seconds};
use super::syntax::{parse_u32, parse_u64, split_list, trim_ws};
use super::via::Via;

impl Headers {
    /// Every Via hop, top first, across Via lines and comma-separated values.
    pub fn vias(&self) -> impl Iterator<Item = Result<Via<'_>, ParseError>> + '_ {
        self.values(HeaderName::Via)
            .flat_map(split_list)
            .map(Via::parse)
    }

    /// The topmost Via hop.
    pub fn top_via(&self) -> Result<Via<'_>, ParseError> {
        self.vias()
            .next()
            .unwrap_or(Err(ParseError::Missing("Via")))
    }

    /// The From address (the first From header).
    pub fn from(&self) -> Result<NameAddr<'_>, ParseError> {
        self.single_address(HeaderName::From, "From")
    }

    /// The To address (the first To header).
    pub fn to(&self) -> Result<NameAddr<'_>, ParseError> {
        self.single_address(HeaderName::To, "To")
    }

    fn single_address(
        &self,
        kind: HeaderName,
        what: &'static str,
    ) -> Result<NameAddr<'_>, ParseError> {
        let value = self.first(kind).ok_or(ParseError::Missing(what))?;
        NameAddr::parse(value, what)
    }

    /// Every Contact value, across lines and commas (`*` is [`Contact::Wildcard`]).
    pub fn contacts(&self) -> impl Iterator<Item = Result<Contact<'_>, ParseError>> + '_ {
        self.values(HeaderName::Contact)
            .flat_map(split_list)
            .map(Contact::parse)
    }

    /// Every Route value, in order.
    pub fn routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, ParseError>> + '_ {
        self.address_list(HeaderName::Route, "Route")
    }

    /// Every Record-Route value, in order.
    pub fn record_routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, ParseError>> + '_ {
        self.address_list(HeaderName::RecordRoute, "Record-Route")
    }

    /// Every P-Asserted-Identity value, in order.
    pub fn asserted_identities(
        &self,
    ) -> impl Iterator<Item = Result<NameAddr<'_>, ParseError>> + '_ {
        self.address_list(HeaderName::PAssertedIdentity, "P-Asserted-Identity")
    }

    fn address_list(
        &self,
        kind: HeaderName,
        what: &'static str,
    ) -> impl Iterator<Item = Result<NameAddr<'_>, ParseError>> + '_ {
        self.values(kind)
            .flat_map(split_list)
            .map(move |v| NameAddr::parse(v, what))
    }

    /// The CSeq (the first CSeq header).
    pub fn cseq(&self) -> Result<CSeq<'_>, ParseError> {
        CSeq::parse(
            self.first(HeaderName::CSeq)
                .ok_or(ParseError::Missing("CSeq"))?,
        )
    }

    /// The Call-ID (the first Call-ID header).
    pub fn call_id(&self) -> Result<&str, ParseError> {
        let value = self
            .first(HeaderName::CallId)
            .ok_or(ParseError::Missing("Call-ID"))?;
        if value.is_empty() || value.bytes().any(|b| b <= 0x20 || b == 0x7f) {
            return Err(ParseError::Malformed {
                what: "Call-ID",
                detail: "empty or contains whitespace",
            });
        }
        Ok(value)
    }

    /// The Content-Length, if present (the first one).
    pub fn content_length(&self) -> Result<Option<u64>, ParseError> {
        self.first(HeaderName::ContentLength)
            .map(|v| parse_u64(trim_ws(v)).ok_or(ParseError::BadContentLength))
            .transpose()
    }

    /// The Max-Forwards, if present.
    pub fn max_forwards(&self) -> Result<Option<u32>, ParseError> {
        self.first(HeaderName::MaxForwards)
            .map(|v| {
                parse_u32(trim_ws(v)).ok_or(ParseError::Bad {
                    what: "Max-Forwards",
                    detail: "not a number in range",
                })
            })
            .transpose()
    }

    /// The Expires value in seconds, if present; values beyond 2^32-1 read
    /// as 2^32-1.
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.first(HeaderName::Expires)
            .map(|v| {
                saturating_seconds(v).ok_or(ParseError::Bad {
                    what: "Expires",
                    detail: "not a number",
                })
            })
            .transpose()
    }

    /// The Content-Type, if present.
    pub fn content_type(&self) -> Result<Option<MediaType<'_>>, ParseError> {
        self.first(HeaderName::ContentType)
            .map(MediaType::parse)
            .transpose()
    }
}
