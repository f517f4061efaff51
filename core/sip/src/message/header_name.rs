//! Header names: the canonical spelling of every header the stack knows,
//! and the IANA compact forms (RFC 3261 §7.3.3 and the SIP parameter
//! registry) mapped onto them.

/// A header name the stack recognises, or [`HeaderName::Other`].
///
/// Matching is case-insensitive and maps compact forms (`v`, `f`, `i`, ...)
/// to their long form, so `v`, `Via` and `VIA` are all [`HeaderName::Via`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderName {
    /// `Accept`.
    Accept,
    /// `Accept-Contact` (compact form `a`).
    AcceptContact,
    /// `Accept-Encoding`.
    AcceptEncoding,
    /// `Accept-Language`.
    AcceptLanguage,
    /// `Alert-Info`.
    AlertInfo,
    /// `Allow`.
    Allow,
    /// `Allow-Events` (compact form `u`).
    AllowEvents,
    /// `Authentication-Info`.
    AuthenticationInfo,
    /// `Authorization`.
    Authorization,
    /// `Call-ID` (compact form `i`).
    CallId,
    /// `Call-Info`.
    CallInfo,
    /// `Contact` (compact form `m`).
    Contact,
    /// `Content-Disposition`.
    ContentDisposition,
    /// `Content-Encoding` (compact form `e`).
    ContentEncoding,
    /// `Content-Language`.
    ContentLanguage,
    /// `Content-Length` (compact form `l`).
    ContentLength,
    /// `Content-Type` (compact form `c`).
    ContentType,
    /// `CSeq`.
    CSeq,
    /// `Date`.
    Date,
    /// `Error-Info`.
    ErrorInfo,
    /// `Event` (compact form `o`).
    Event,
    /// `Expires`.
    Expires,
    /// `From` (compact form `f`).
    From,
    /// `Identity` (compact form `y`).
    Identity,
    /// `Identity-Info` (compact form `n`).
    IdentityInfo,
    /// `In-Reply-To`.
    InReplyTo,
    /// `Max-Forwards`.
    MaxForwards,
    /// `MIME-Version`.
    MimeVersion,
    /// `Min-Expires`.
    MinExpires,
    /// `Min-SE`.
    MinSe,
    /// `Organization`.
    Organization,
    /// `P-Asserted-Identity`.
    PAssertedIdentity,
    /// `P-Preferred-Identity`.
    PPreferredIdentity,
    /// `Path`.
    Path,
    /// `Priority`.
    Priority,
    /// `Privacy`.
    Privacy,
    /// `Proxy-Authenticate`.
    ProxyAuthenticate,
    /// `Proxy-Authorization`.
    ProxyAuthorization,
    /// `Proxy-Require`.
    ProxyRequire,
    /// `RAck`.
    RAck,
    /// `Reason`.
    Reason,
    /// `Record-Route`.
    RecordRoute,
    /// `Refer-To` (compact form `r`).
    ReferTo,
    /// `Referred-By` (compact form `b`).
    ReferredBy,
    /// `Reject-Contact` (compact form `j`).
    RejectContact,
    /// `Reply-To`.
    ReplyTo,
    /// `Request-Disposition` (compact form `d`).
    RequestDisposition,
    /// `Require`.
    Require,
    /// `Retry-After`.
    RetryAfter,
    /// `Route`.
    Route,
    /// `RSeq`.
    RSeq,
    /// `Server`.
    Server,
    /// `Service-Route`.
    ServiceRoute,
    /// `Session-Expires` (compact form `x`).
    SessionExpires,
    /// `Subject` (compact form `s`).
    Subject,
    /// `Subscription-State`.
    SubscriptionState,
    /// `Supported` (compact form `k`).
    Supported,
    /// `Timestamp`.
    Timestamp,
    /// `To` (compact form `t`).
    To,
    /// `Unsupported`.
    Unsupported,
    /// `User-Agent`.
    UserAgent,
    /// `Via` (compact form `v`).
    Via,
    /// `Warning`.
    Warning,
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// Any header the stack has no name for; the entry keeps the name as received.
    Other,
}

impl HeaderName {
    /// Recognises a header name as received (any case, long or compact form).
    pub fn from_name(name: &str) -> HeaderName {
        let bytes = name.as_bytes();
        if bytes.len() > 24 {
            return HeaderName::Other;
        }
        let mut lower = [0u8; 24];
        let lower = match lower.get_mut(..bytes.len()) {
            Some(slot) => slot,
            None => return HeaderName::Other,
        };
        for (dst, src) in lower.iter_mut().zip(bytes) {
            *dst = src.to_ascii_lowercase();
        }
        Self::from_lowercase(lower)
    }

    fn from_lowercase(lower: &[u8]) -> HeaderName {
        match lower.len() {
            1 => match lower {
                b"a" => HeaderName::AcceptContact,
                b"u" => HeaderName::AllowEvents,
                b"i" => HeaderName::CallId,
                b"m" => HeaderName::Contact,
                b"e" => HeaderName::ContentEncoding,
                b"l" => HeaderName::ContentLength,
                b"c" => HeaderName::ContentType,
                b"o" => HeaderName::Event,
                b"f" => HeaderName::From,
                b"y" => HeaderName::Identity,
                b"n" => HeaderName::IdentityInfo,
                b"r" => HeaderName::ReferTo,
                b"b" => HeaderName::ReferredBy,
                b"j" => HeaderName::RejectContact,
                b"d" => HeaderName::RequestDisposition,
                b"x" => HeaderName::SessionExpires,
                b"s" => HeaderName::Subject,
                b"k" => HeaderName::Supported,
                b"t" => HeaderName::To,
                b"v" => HeaderName::Via,
                _ => HeaderName::Other,
            },
            2 => match lower {
                b"to" => HeaderName::To,
                _ => HeaderName::Other,
            },
            3 => match lower {
                b"via" => HeaderName::Via,
                _ => HeaderName::Other,
            },
            4 => match lower {
                b"cseq" => HeaderName::CSeq,
                b"date" => HeaderName::Date,
                b"from" => HeaderName::From,
                b"path" => HeaderName::Path,
                b"rack" => HeaderName::RAck,
                b"rseq" => HeaderName::RSeq,
                _ => HeaderName::Other,
            },
            5 => match lower {
                b"allow" => HeaderName::Allow,
                b"event" => HeaderName::Event,
                b"route" => HeaderName::Route,
                _ => HeaderName::Other,
            },
            6 => match lower {
                b"accept" => HeaderName::Accept,
                b"min-se" => HeaderName::MinSe,
                b"reason" => HeaderName::Reason,
                b"server" => HeaderName::Server,
                _ => HeaderName::Other,
            },
            7 => match lower {
                b"call-id" => HeaderName::CallId,
                b"contact" => HeaderName::Contact,
                b"expires" => HeaderName::Expires,
                b"privacy" => HeaderName::Privacy,
                b"require" => HeaderName::Require,
                b"subject" => HeaderName::Subject,
                b"warning" => HeaderName::Warning,
                _ => HeaderName::Other,
            },
            8 => match lower {
                b"identity" => HeaderName::Identity,
                b"priority" => HeaderName::Priority,
                b"refer-to" => HeaderName::ReferTo,
                b"reply-to" => HeaderName::ReplyTo,
                _ => HeaderName::Other,
            },
            9 => match lower {
                b"call-info" => HeaderName::CallInfo,
                b"supported" => HeaderName::Supported,
                b"timestamp" => HeaderName::Timestamp,
                _ => HeaderName::Other,
            },
            10 => match lower {
                b"alert-info" => HeaderName::AlertInfo,
                b"error-info" => HeaderName::ErrorInfo,
                b"user-agent" => HeaderName::UserAgent,
                _ => HeaderName::Other,
            },
            11 => match lower {
                b"in-reply-to" => HeaderName::InReplyTo,
                b"min-expires" => HeaderName::MinExpires,
                b"referred-by" => HeaderName::ReferredBy,
                b"retry-after" => HeaderName::RetryAfter,
                b"unsupported" => HeaderName::Unsupported,
                _ => HeaderName::Other,
            },
            12 => match lower {
                b"allow-events" => HeaderName::AllowEvents,
                b"content-type" => HeaderName::ContentType,
                b"max-forwards" => HeaderName::MaxForwards,
                b"mime-version" => HeaderName::MimeVersion,
                b"organization" => HeaderName::Organization,
                b"record-route" => HeaderName::RecordRoute,
                _ => HeaderName::Other,
            },
            13 => match lower {
                b"authorization" => HeaderName::Authorization,
                b"identity-info" => HeaderName::IdentityInfo,
                b"proxy-require" => HeaderName::ProxyRequire,
                b"service-route" => HeaderName::ServiceRoute,
                _ => HeaderName::Other,
            },
            14 => match lower {
                b"accept-contact" => HeaderName::AcceptContact,
                b"content-length" => HeaderName::ContentLength,
                b"reject-contact" => HeaderName::RejectContact,
                _ => HeaderName::Other,
            },
            15 => match lower {
                b"accept-encoding" => HeaderName::AcceptEncoding,
                b"accept-language" => HeaderName::AcceptLanguage,
                b"session-expires" => HeaderName::SessionExpires,
                _ => HeaderName::Other,
            },
            16 => match lower {
                b"content-encoding" => HeaderName::ContentEncoding,
                b"content-language" => HeaderName::ContentLanguage,
                b"www-authenticate" => HeaderName::WwwAuthenticate,
                _ => HeaderName::Other,
            },
            18 => match lower {
                b"proxy-authenticate" => HeaderName::ProxyAuthenticate,
                b"subscription-state" => HeaderName::SubscriptionState,
                _ => HeaderName::Other,
            },
            19 => match lower {
                b"authentication-info" => HeaderName::AuthenticationInfo,
                b"content-disposition" => HeaderName::ContentDisposition,
                b"p-asserted-identity" => HeaderName::PAssertedIdentity,
                b"proxy-authorization" => HeaderName::ProxyAuthorization,
                b"request-disposition" => HeaderName::RequestDisposition,
                _ => HeaderName::Other,
            },
            20 => match lower {
                b"p-preferred-identity" => HeaderName::PPreferredIdentity,
                _ => HeaderName::Other,
            },
            _ => HeaderName::Other,
        }
    }

    /// The canonical spelling, e.g. `Call-ID`; `""` for [`HeaderName::Other`].
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderName::Accept => "Accept",
            HeaderName::AcceptContact => "Accept-Contact",
            HeaderName::AcceptEncoding => "Accept-Encoding",
            HeaderName::AcceptLanguage => "Accept-Language",
            HeaderName::AlertInfo => "Alert-Info",
            HeaderName::Allow => "Allow",
            HeaderName::AllowEvents => "Allow-Events",
            HeaderName::AuthenticationInfo => "Authentication-Info",
            HeaderName::Authorization => "Authorization",
            HeaderName::CallId => "Call-ID",
            HeaderName::CallInfo => "Call-Info",
            HeaderName::Contact => "Contact",
            HeaderName::ContentDisposition => "Content-Disposition",
            HeaderName::ContentEncoding => "Content-Encoding",
            HeaderName::ContentLanguage => "Content-Language",
            HeaderName::ContentLength => "Content-Length",
            HeaderName::ContentType => "Content-Type",
            HeaderName::CSeq => "CSeq",
            HeaderName::Date => "Date",
            HeaderName::ErrorInfo => "Error-Info",
            HeaderName::Event => "Event",
            HeaderName::Expires => "Expires",
            HeaderName::From => "From",
            HeaderName::Identity => "Identity",
            HeaderName::IdentityInfo => "Identity-Info",
            HeaderName::InReplyTo => "In-Reply-To",
            HeaderName::MaxForwards => "Max-Forwards",
            HeaderName::MimeVersion => "MIME-Version",
            HeaderName::MinExpires => "Min-Expires",
            HeaderName::MinSe => "Min-SE",
            HeaderName::Organization => "Organization",
            HeaderName::PAssertedIdentity => "P-Asserted-Identity",
            HeaderName::PPreferredIdentity => "P-Preferred-Identity",
            HeaderName::Path => "Path",
            HeaderName::Priority => "Priority",
            HeaderName::Privacy => "Privacy",
            HeaderName::ProxyAuthenticate => "Proxy-Authenticate",
            HeaderName::ProxyAuthorization => "Proxy-Authorization",
            HeaderName::ProxyRequire => "Proxy-Require",
            HeaderName::RAck => "RAck",
            HeaderName::Reason => "Reason",
            HeaderName::RecordRoute => "Record-Route",
            HeaderName::ReferTo => "Refer-To",
            HeaderName::ReferredBy => "Referred-By",
            HeaderName::RejectContact => "Reject-Contact",
            HeaderName::ReplyTo => "Reply-To",
            HeaderName::RequestDisposition => "Request-Disposition",
            HeaderName::Require => "Require",
            HeaderName::RetryAfter => "Retry-After",
            HeaderName::Route => "Route",
            HeaderName::RSeq => "RSeq",
            HeaderName::Server => "Server",
            HeaderName::ServiceRoute => "Service-Route",
            HeaderName::SessionExpires => "Session-Expires",
            HeaderName::Subject => "Subject",
            HeaderName::SubscriptionState => "Subscription-State",
            HeaderName::Supported => "Supported",
            HeaderName::Timestamp => "Timestamp",
            HeaderName::To => "To",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::UserAgent => "User-Agent",
            HeaderName::Via => "Via",
            HeaderName::Warning => "Warning",
            HeaderName::WwwAuthenticate => "WWW-Authenticate",
            HeaderName::Other => "",
        }
    }

    /// The IANA compact form, if the header has one.
    pub fn compact(self) -> Option<&'static str> {
        match self {
            HeaderName::AcceptContact => Some("a"),
            HeaderName::AllowEvents => Some("u"),
            HeaderName::CallId => Some("i"),
            HeaderName::Contact => Some("m"),
            HeaderName::ContentEncoding => Some("e"),
            HeaderName::ContentLength => Some("l"),
            HeaderName::ContentType => Some("c"),
            HeaderName::Event => Some("o"),
            HeaderName::From => Some("f"),
            HeaderName::Identity => Some("y"),
            HeaderName::IdentityInfo => Some("n"),
            HeaderName::ReferTo => Some("r"),
            HeaderName::ReferredBy => Some("b"),
            HeaderName::RejectContact => Some("j"),
            HeaderName::RequestDisposition => Some("d"),
            HeaderName::SessionExpires => Some("x"),
            HeaderName::Subject => Some("s"),
            HeaderName::Supported => Some("k"),
            HeaderName::To => Some("t"),
            HeaderName::Via => Some("v"),
            _ => None,
        }
    }
}
