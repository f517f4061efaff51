//! Where an in-dialog request goes (RFC 3261 §12.2.1.1): the Request-URI
//! and the Route headers from the remote target and the route set, for
//! loose routers (`lr`) and strict routers alike.

use super::error::DialogError;
use super::text::uri;
use crate::message::UriKind;

/// The Request-URI and Route header values of an in-dialog request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestTarget {
    /// The Request-URI.
    pub(crate) request_uri: String,
    /// Route header values (`<uri>`), in order.
    pub(crate) routes: Vec<String>,
}

/// §12.2.1.1: with an empty route set, or a first route that is a loose
/// router, the Request-URI is the remote target and the route set becomes
/// the Route headers. If the first route is a strict router (no `lr`), it
/// becomes the Request-URI (minus what a Request-URI may not carry) and
/// the Route headers are the rest of the route set followed by the remote
/// target.
pub(crate) fn request_target(
    remote_target: &str,
    route_set: &[String],
) -> Result<RequestTarget, DialogError> {
    let bracket = |u: &String| format!("<{u}>");
    match route_set.split_first() {
        None => Ok(RequestTarget {
            request_uri: request_uri_form(remote_target)?,
            routes: Vec::new(),
        }),
        Some((first, rest)) if is_strict_router(first)? => {
            let mut routes: Vec<String> = rest.iter().map(bracket).collect();
            routes.push(format!("<{remote_target}>"));
            Ok(RequestTarget {
                request_uri: request_uri_form(first)?,
                routes,
            })
        }
        Some(_) => Ok(RequestTarget {
            request_uri: request_uri_form(remote_target)?,
            routes: route_set.iter().map(bracket).collect(),
        }),
    }
}

/// True when a route URI lacks `lr`: a strict router (RFC 2543).
fn is_strict_router(route: &str) -> Result<bool, DialogError> {
    let parsed = uri(route)?;
    Ok(!parsed.params().contains("lr"))
}

/// A URI as a Request-URI may carry it (RFC 3261 §19.1.1, table 1): a SIP
/// or SIPS URI loses its `method` parameter and its `?headers`. Other
/// schemes are kept as they are.
pub(crate) fn request_uri_form(text: &str) -> Result<String, DialogError> {
    let parsed = uri(text)?;
    let UriKind::Sip(sip) = parsed.kind() else {
        return Ok(text.to_owned());
    };
    if sip.headers.is_none() && !sip.params.contains("method") {
        return Ok(text.to_owned());
    }
    let mut out = format!("{}:", parsed.scheme());
    if let Some(user) = sip.user {
        out.push_str(user);
        if let Some(password) = sip.password {
            out.push(':');
            out.push_str(password);
        }
        out.push('@');
    }
    out.push_str(sip.host);
    if let Some(port) = sip.port {
        out.push_str(&format!(":{port}"));
    }
    for param in sip.params.iter() {
        if param.name.eq_ignore_ascii_case("method") {
            continue;
        }
        out.push(';');
        out.push_str(param.name);
        if let Some(value) = param.value {
            out.push('=');
            out.push_str(value);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(routes: &[&str]) -> Vec<String> {
        routes.iter().map(|r| (*r).to_owned()).collect()
    }

    #[test]
    fn empty_route_set_targets_the_remote_target() {
        let t = request_target("sip:bob@192.0.2.4", &[]).unwrap();
        assert_eq!(t.request_uri, "sip:bob@192.0.2.4");
        assert!(t.routes.is_empty());
    }

    #[test]
    fn loose_router_keeps_the_remote_target() {
        let routes = set(&["sip:p1.example.com;lr", "sip:p2.example.com;lr"]);
        let t = request_target("sip:bob@192.0.2.4", &routes).unwrap();
        assert_eq!(t.request_uri, "sip:bob@192.0.2.4");
        assert_eq!(
            t.routes,
            ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
        );
    }

    #[test]
    fn strict_router_becomes_the_request_uri() {
        let routes = set(&[
            "sip:p1.example.com;transport=udp;method=INVITE",
            "sip:p2.example.com;lr",
        ]);
        let t = request_target("sip:bob@192.0.2.4", &routes).unwrap();
        assert_eq!(t.request_uri, "sip:p1.example.com;transport=udp");
        assert_eq!(t.routes, ["<sip:p2.example.com;lr>", "<sip:bob@192.0.2.4>"]);
    }

    #[test]
    fn request_uri_form_drops_headers_and_method() {
        assert_eq!(
            request_uri_form("sips:u:pw@h.example.com:5061;method=BYE;x=1?Subject=hi").unwrap(),
            "sips:u:pw@h.example.com:5061;x=1"
        );
        assert_eq!(request_uri_form("tel:+1-555").unwrap(), "tel:+1-555");
        assert!(request_uri_form("not a uri").is_err());
    }
}
