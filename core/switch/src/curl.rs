//! `curl`: an HTTP request from the dialplan or the API, as FreeSWITCH's
//! mod_curl makes it (a webhook to a CRM, a lookup):
//!
//! `curl <url> [headers|json] [content-type <mime>] [append_headers <Name:value>]...
//! [connect-timeout <s>] [timeout <s>] [proxy <url>] [secure] [get|head|post|put|delete [<data>]]`
//!
//! The application sets `curl_response_code` (`0` when no answer came),
//! `curl_response_data` (the body; with `headers`, the status line and
//! headers, a blank line, then the body; with `json`, FreeSWITCH's
//! `{"status_code":..,"body":..,"headers":[{"key":..,"value":..}]}`) and
//! `curl_method`; the API command returns the same text. Request data is
//! URL-decoded, as FreeSWITCH does; quote it (`'...'`) when it has spaces.
//!
//! A request never takes longer than its timeout (default 5 s, connecting
//! included), so a dead server cannot stall a call beyond it; a failure is
//! logged as a warning with the URL. Redirects are followed (up to 15);
//! responses are read up to 64 KB. HTTPS certificates are always verified
//! (`insecure` is refused); `http_proxy`/`https_proxy`/`no_proxy` in the
//! environment apply, as with curl, unless `proxy` names one.

use crate::session::Session;
use crate::switch::Switch;
use std::io::Read as _;
use std::sync::Arc;
use std::time::Duration;

/// The timeout of a request when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest timeout accepted.
const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// Most bytes of a response body kept (FreeSWITCH's default `max-bytes`).
pub const MAX_BYTES: u64 = 64_000;

/// Usage of the application and API command.
pub const SYNTAX: &str = "curl <url> [headers|json] [content-type <mime>] [append_headers <Name:value>] [connect-timeout <s>] [timeout <s>] [proxy <url>] [get|head|post|put|delete [<data>]]";

/// The HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurlMethod {
    /// GET (the default).
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl CurlMethod {
    /// The lower-case name (`curl_method`).
    pub fn as_str(self) -> &'static str {
        match self {
            CurlMethod::Get => "get",
            CurlMethod::Head => "head",
            CurlMethod::Post => "post",
            CurlMethod::Put => "put",
            CurlMethod::Delete => "delete",
        }
    }
}

/// What the response is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurlOutput {
    /// The body.
    Body,
    /// Status line and headers, a blank line, the body.
    Headers,
    /// FreeSWITCH's JSON object.
    Json,
}

/// A parsed `curl` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurlRequest {
    /// `http://` or `https://` URL.
    pub url: String,
    /// The method.
    pub method: CurlMethod,
    /// The request body (URL-decoded), for methods that send one.
    pub data: Option<String>,
    /// `Content-Type` of the body.
    pub content_type: Option<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// How the response is rendered.
    pub output: CurlOutput,
    /// The whole request's limit.
    pub timeout: Duration,
    /// The connection's limit (never above `timeout`).
    pub connect_timeout: Duration,
    /// The proxy to go through (`http://host:port`), instead of the
    /// environment's.
    pub proxy: Option<String>,
}

fn seconds(what: &str, word: Option<&String>) -> Result<Duration, String> {
    let word = word.ok_or_else(|| format!("{what} needs a number of seconds"))?;
    match word.parse::<u64>() {
        Ok(s) if s > 0 => Ok(Duration::from_secs(s).min(MAX_TIMEOUT)),
        _ => Err(format!("{what} '{word}' is not a number of seconds")),
    }
}

impl CurlRequest {
    /// Parses the application's or API command's arguments.
    ///
    /// # Errors
    /// A message naming what is wrong: no URL, not http(s), an unknown
    /// word, a missing or bad option value.
    pub fn parse(data: &str) -> Result<CurlRequest, String> {
        let args = crate::session::args::split_args(data, 32);
        let Some(url) = args.first() else {
            return Err(format!("no URL given (usage: {SYNTAX})"));
        };
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(format!("'{url}' is not an http:// or https:// URL"));
        }
        let mut request = CurlRequest {
            url: url.clone(),
            method: CurlMethod::Get,
            data: None,
            content_type: None,
            headers: Vec::new(),
            output: CurlOutput::Body,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_TIMEOUT,
            proxy: None,
        };
        let mut connect_timeout = None;
        let mut i = 1;
        while let Some(word) = args.get(i) {
            i += 1;
            match word.to_ascii_lowercase().as_str() {
                "headers" => request.output = CurlOutput::Headers,
                "json" => request.output = CurlOutput::Json,
                "content-type" => {
                    let mime = args.get(i).ok_or("content-type needs a MIME type")?;
                    request.content_type = Some(mime.clone());
                    i += 1;
                }
                "append_headers" => {
                    let header = args.get(i).ok_or("append_headers needs <Name:value>")?;
                    let Some((name, value)) = header.split_once(':') else {
                        return Err(format!("append_headers '{header}' is not Name:value"));
                    };
                    if name.trim().is_empty() {
                        return Err(format!("append_headers '{header}' has no name"));
                    }
                    request
                        .headers
                        .push((name.trim().to_owned(), value.trim().to_owned()));
                    i += 1;
                }
                "timeout" => {
                    request.timeout = seconds("timeout", args.get(i))?;
                    i += 1;
                }
                "connect-timeout" => {
                    connect_timeout = Some(seconds("connect-timeout", args.get(i))?);
                    i += 1;
                }
                "proxy" => {
                    let proxy = args.get(i).ok_or("proxy needs a URL")?;
                    ureq::Proxy::new(proxy)
                        .map_err(|e| format!("proxy '{proxy}' is not usable: {e}"))?;
                    request.proxy = Some(proxy.clone());
                    i += 1;
                }
                "secure" => {}
                "insecure" => {
                    return Err("'insecure': certificate checks cannot be turned off".into());
                }
                "get" => request.method = CurlMethod::Get,
                "head" => request.method = CurlMethod::Head,
                method @ ("post" | "put" | "delete") => {
                    request.method = match method {
                        "post" => CurlMethod::Post,
                        "put" => CurlMethod::Put,
                        _ => CurlMethod::Delete,
                    };
                    // Everything after the method is its data.
                    let rest: Vec<&str> = args[i..].iter().map(String::as_str).collect();
                    let raw = rest.join(" ");
                    let decoded = percent_encoding::percent_decode_str(&raw)
                        .decode_utf8_lossy()
                        .into_owned();
                    request.data = Some(decoded);
                    break;
                }
                other => return Err(format!("'{other}' is not understood (usage: {SYNTAX})")),
            }
        }
        request.connect_timeout = connect_timeout
            .unwrap_or(DEFAULT_TIMEOUT)
            .min(request.timeout);
        Ok(request)
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurlResponse {
    /// The HTTP status; 0 when no response came (refused, timeout, bad
    /// TLS, …).
    pub code: u16,
    /// `HTTP/1.1` and so on (empty without a response).
    pub version: String,
    /// The reason phrase.
    pub phrase: String,
    /// Response headers in order.
    pub headers: Vec<(String, String)>,
    /// The body (up to [`MAX_BYTES`]; invalid UTF-8 replaced).
    pub body: String,
}

/// Performs `request`; never takes much longer than its timeout. A
/// failure is logged (WARN, with the URL) and gives code 0 and no body.
pub fn perform(request: &CurlRequest) -> CurlResponse {
    match try_perform(request) {
        Ok(response) => response,
        Err(e) => {
            tracing::warn!(
                "curl {} {}: {e}",
                request.method.as_str().to_ascii_uppercase(),
                request.url
            );
            CurlResponse::default()
        }
    }
}

fn try_perform(request: &CurlRequest) -> Result<CurlResponse, ureq::Error> {
    let mut builder = ureq::Agent::config_builder();
    if let Some(proxy) = &request.proxy {
        builder = builder.proxy(Some(ureq::Proxy::new(proxy)?));
    }
    let config = builder
        .timeout_global(Some(request.timeout))
        .timeout_connect(Some(request.connect_timeout))
        .http_status_as_error(false)
        .max_redirects(15)
        .user_agent(format!("switchyard-curl/{}", crate::VERSION))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let data = request.data.as_deref().unwrap_or("");
    let url = request.url.as_str();
    macro_rules! with_headers {
        ($builder:expr) => {{
            let mut builder = $builder;
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            if let Some(mime) = &request.content_type {
                builder = builder.header("Content-Type", mime.as_str());
            }
            builder
        }};
    }
    let mut response = match request.method {
        CurlMethod::Get => with_headers!(agent.get(url)).call()?,
        CurlMethod::Head => with_headers!(agent.head(url)).call()?,
        CurlMethod::Post => with_headers!(agent.post(url)).send(data)?,
        CurlMethod::Put => with_headers!(agent.put(url)).send(data)?,
        CurlMethod::Delete if data.is_empty() => with_headers!(agent.delete(url)).call()?,
        CurlMethod::Delete => with_headers!(agent.delete(url))
            .force_send_body()
            .send(data)?,
    };
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let version = format!("{:?}", response.version());
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_BYTES)
        .read_to_end(&mut bytes)
        .map_err(ureq::Error::Io)?;
    Ok(CurlResponse {
        code: status.as_u16(),
        version,
        phrase: status.canonical_reason().unwrap_or("").to_owned(),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// The response as the request's output asks.
pub fn render(output: CurlOutput, response: &CurlResponse) -> String {
    match output {
        CurlOutput::Body => response.body.clone(),
        CurlOutput::Headers => {
            let mut out = String::new();
            if response.code != 0 {
                out.push_str(&format!(
                    "{} {} {}\n",
                    response.version, response.code, response.phrase
                ));
            }
            for (name, value) in &response.headers {
                out.push_str(&format!("{name}: {value}\n"));
            }
            out.push('\n');
            out.push_str(&response.body);
            out
        }
        CurlOutput::Json => {
            let mut top = serde_json::Map::new();
            top.insert("status_code".into(), response.code.into());
            if !response.body.is_empty() {
                top.insert("body".into(), response.body.clone().into());
            }
            if response.code != 0 {
                top.insert("version".into(), response.version.clone().into());
                top.insert("phrase".into(), response.phrase.clone().into());
            }
            let headers: Vec<serde_json::Value> = response
                .headers
                .iter()
                .map(|(k, v)| serde_json::json!({ "key": k, "value": v }))
                .collect();
            top.insert("headers".into(), headers.into());
            serde_json::Value::Object(top).to_string()
        }
    }
}

/// The `curl` application: sets `curl_response_code`,
/// `curl_response_data` and `curl_method`. Bad arguments are logged and
/// set nothing.
pub fn app(session: &Session, data: &str) {
    let request = match CurlRequest::parse(data) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!("curl: {e}; skipped");
            return;
        }
    };
    let response = perform(&request);
    let channel = session.channel();
    channel.set_variable("curl_response_data", render(request.output, &response));
    channel.set_variable("curl_response_code", response.code.to_string());
    channel.set_variable("curl_method", request.method.as_str());
}

/// The `curl` API command: the rendered response.
pub fn api(_switch: &Arc<Switch>, args: &str) -> String {
    match CurlRequest::parse(args) {
        Ok(request) => render(request.output, &perform(&request)),
        Err(e) => format!("-ERR {e}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::net::TcpListener;
    use std::time::Instant;

    /// A mock HTTP peer: answers one request with `reply` and hands back
    /// what it received.
    fn serve_once(reply: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let peer = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            loop {
                let n = stream.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if seen.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            stream.write_all(reply.as_bytes()).unwrap();
            String::from_utf8_lossy(&seen).into_owned()
        });
        (url, peer)
    }

    const CREATED: &str = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Crm: yes\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

    #[test]
    fn requests_parse_like_mod_curl() {
        let r = CurlRequest::parse(
            "http://crm/hook json content-type application/json append_headers X-Key:abc timeout 2 post a%20b c",
        )
        .unwrap();
        assert_eq!(r.method, CurlMethod::Post);
        assert_eq!(r.data.as_deref(), Some("a b c"));
        assert_eq!(r.output, CurlOutput::Json);
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        assert_eq!(r.headers, [("X-Key".to_owned(), "abc".to_owned())]);
        assert_eq!(r.timeout, Duration::from_secs(2));
        assert_eq!(
            r.connect_timeout,
            Duration::from_secs(2),
            "capped by timeout"
        );
        let r =
            CurlRequest::parse("https://x/ secure proxy http://127.0.0.1:3128 headers").unwrap();
        assert_eq!(r.proxy.as_deref(), Some("http://127.0.0.1:3128"));
        assert_eq!(
            (r.method, r.output, r.timeout),
            (CurlMethod::Get, CurlOutput::Headers, DEFAULT_TIMEOUT)
        );
        for (data, wanted) in [
            ("", "no URL"),
            ("ftp://x/", "not an http"),
            ("http://x/ fetch", "'fetch' is not understood"),
            ("http://x/ timeout", "needs a number"),
            ("http://x/ timeout soon", "'soon' is not a number"),
            ("http://x/ append_headers nocolon", "not Name:value"),
            ("http://x/ insecure", "cannot be turned off"),
            ("http://x/ proxy", "needs a URL"),
        ] {
            let e = CurlRequest::parse(data).unwrap_err();
            assert!(e.contains(wanted), "{data}: {e}");
        }
    }

    #[test]
    fn a_post_reaches_the_server_and_the_response_is_rendered() {
        let (url, peer) = serve_once(CREATED);
        let request = CurlRequest::parse(&format!(
            "{url}/hook content-type application/json append_headers X-Key:abc post '{{\"id\":%201}}'"
        ))
        .unwrap();
        let response = perform(&request);
        let seen = peer.join().unwrap();
        assert!(seen.starts_with("POST /hook HTTP/1.1\r\n"), "{seen}");
        assert!(
            seen.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{seen}"
        );
        assert!(seen.to_ascii_lowercase().contains("x-key: abc"), "{seen}");
        assert!(seen.ends_with("{\"id\": 1}"), "{seen}");
        assert_eq!((response.code, response.body.as_str()), (201, "hello"));
        let headers = render(CurlOutput::Headers, &response);
        assert!(headers.starts_with("HTTP/1.1 201 Created\n"), "{headers}");
        assert!(headers.contains("x-crm: yes\n"), "{headers}");
        assert!(headers.ends_with("\n\nhello"), "{headers}");
        let json: serde_json::Value =
            serde_json::from_str(&render(CurlOutput::Json, &response)).unwrap();
        assert_eq!(json["status_code"], 201);
        assert_eq!(json["body"], "hello");
        assert_eq!(json["phrase"], "Created");
        assert!(
            json["headers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["key"] == "x-crm")
        );
    }

    #[test]
    fn a_server_that_never_answers_costs_no_more_than_the_timeout() {
        // A mock peer that accepts the connection and then says nothing.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (done, finished) = crossbeam_channel::bounded::<()>(1);
        let holder = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            // Hold the connection open, silent, until the client gave up.
            let _ = finished.recv_timeout(Duration::from_secs(10));
            drop(stream);
        });
        let started = Instant::now();
        let response = perform(&CurlRequest::parse(&format!("{url} timeout 1")).unwrap());
        let took = started.elapsed();
        let _ = done.send(());
        assert_eq!(response, CurlResponse::default());
        assert!(took < Duration::from_secs(3), "took {took:?}");
        holder.join().unwrap();
    }

    #[test]
    fn a_refused_connection_gives_code_zero() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let response = perform(&CurlRequest::parse(&format!("http://127.0.0.1:{port}/")).unwrap());
        assert_eq!(response.code, 0);
        assert_eq!(render(CurlOutput::Body, &response), "");
        assert_eq!(
            render(CurlOutput::Json, &response),
            "{\"headers\":[],\"status_code\":0}"
        );
    }

    #[test]
    fn the_application_sets_the_variables_and_the_api_returns_the_body() {
        let (switch, _dirs) = crate::switch::test_switch();
        let channel = crate::channel::test_support::live_inbound(&switch);
        let session =
            crate::session::module_apps::test_session(Arc::clone(&switch), Arc::clone(&channel));
        let (url, peer) = serve_once(CREATED);
        app(&session, &format!("{url}/x"));
        assert!(peer.join().unwrap().starts_with("GET /x HTTP/1.1"));
        assert_eq!(
            channel.variable("curl_response_code").as_deref(),
            Some("201")
        );
        assert_eq!(
            channel.variable("curl_response_data").as_deref(),
            Some("hello")
        );
        assert_eq!(channel.variable("curl_method").as_deref(), Some("get"));
        let (url, peer) = serve_once(CREATED);
        assert_eq!(
            crate::api::execute(&switch, &format!("curl {url}/y")),
            "hello"
        );
        peer.join().unwrap();
        assert!(crate::api::execute(&switch, "curl").starts_with("-ERR no URL"));
    }
}
