//! Processing one REGISTER as RFC 3261 §10.3 says, with digest
//! authentication (RFC 8760) in the tenant's realm and bans of sources that
//! keep failing it.
//!
//! The steps, each with the answer it gives:
//!
//! 0. a banned source gets nothing at all ([`RegisterOutcome::Drop`]);
//! 1. the Request-URI host names the tenant: not `sip:`/`sips:` → `416`,
//!    no such tenant → `404 Unknown domain`;
//! 2. Call-ID, CSeq and To must be usable (`400`); a `Require` we do not
//!    support → `420` with `Unsupported`;
//! 3. To must be a `sip:`/`sips:` user of the same domain (`404` otherwise:
//!    a user of tenant A cannot register into tenant B);
//! 4. digest authentication with realm = domain: no or unusable
//!    credentials → `401` with a SHA-256 then an MD5 challenge; an expired
//!    nonce → `401` with `stale=true`; a wrong password or unknown user →
//!    `403 Authentication failed` (the same answer for both, so scanners
//!    cannot list extensions) and a failure counted against the source;
//!    success clears the source's failures;
//! 5. the authenticated user must be the To user (`403`);
//! 6. Contact and Expires (see [`contacts`]): `400`,
//!    `423` with `Min-Expires`;
//! 7. the bindings change atomically (see [`bindings::update`]): a
//!    REGISTER with the Call-ID of a binding and a CSeq not higher than its
//!    own gets `500 Out of order` — RFC 3261 §10.3 only says such a
//!    request "fails", and `500` is what §12.2.2 prescribes for an
//!    out-of-order CSeq; the server transaction absorbs true
//!    retransmissions before they get here. More contacts than allowed →
//!    `403 Too many contacts`; a store failure → `500`;
//! 8. `200 OK` listing every binding of the user with its remaining
//!    `expires`, and a `Date`.

use super::CallerAuth;
use super::bindings::{self, Change, RequestInfo, UpdateResult};
use super::contacts::{self, ContactError};
use super::{RegisterOutcome, Registrar};
use crate::bans::BanList;
use crate::directory::{self, User};
use crate::store::Store;
use rusqlite::OptionalExtension;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};
use switchyard_sip::auth::{self, Algorithm, Credentials, Outcome};
use switchyard_sip::message::{Request, Response, UriKind};

/// Longest `User-Agent` kept with a binding (longer ones are cut).
const MAX_USER_AGENT_LEN: usize = 256;

/// Everything [`Registrar::handle`] is given, borrowed for one request.
struct Ctx<'a> {
    registrar: &'a Registrar,
    store: &'a Store,
    bans: &'a BanList,
    request: &'a Request,
    source: SocketAddr,
    transport: &'a str,
    now: SystemTime,
    mono_now: Instant,
    /// Authenticating a call (`Proxy-Authorization`, 407) rather than a
    /// registration (`Authorization`, 401).
    proxy: bool,
}

/// A REGISTER that passed every check, whose change to the bindings is
/// still to be written: [`Registrar::handle_deferred`] makes it so that
/// several can be committed together by [`Registrar::complete`], which
/// answers them only once their change is durable.
#[derive(Debug)]
pub struct PendingRegister {
    request: Request,
    now: SystemTime,
    write: Write,
    source: SocketAddr,
    transport: String,
    user_agent: String,
}

/// What [`Registrar::handle_deferred`] decided.
#[derive(Debug)]
pub enum Deferred {
    /// Answered (or dropped) at once: nothing to write.
    Done(RegisterOutcome),
    /// To be written, then answered, by [`Registrar::complete`].
    Pending(Box<PendingRegister>),
}

/// The bindings change a REGISTER asks for, once it passed every check.
#[derive(Debug)]
struct Write {
    extension: String,
    domain: String,
    change: Change,
    call_id: String,
    cseq: u32,
}

/// Where processing a REGISTER ends before the store is written.
enum Plan {
    /// The final answer.
    Answer(Answer),
    /// Write this, and answer with the outcome.
    Write(Write),
}

/// A final answer: a status, a reason phrase and extra headers.
struct Answer {
    code: u16,
    reason: String,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    fn new(code: u16, reason: impl Into<String>) -> Answer {
        Answer {
            code,
            reason: reason.into(),
            headers: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.headers.push((name, value.into()));
        self
    }
}

impl Registrar {
    /// Processes one REGISTER that arrived from `source` over `transport`
    /// (`"udp"`, `"tcp"` …) at wall-clock `now` and monotonic `mono_now`
    /// (the ban list's clock). Never panics, whatever the request holds.
    ///
    /// Returns the response to send, or [`RegisterOutcome::Drop`] when the
    /// source is banned: it gets no answer at all, so that a password
    /// guesser learns nothing and costs us nothing. (`Drop` is also
    /// returned in the unreachable case where no response can be built.)
    #[allow(clippy::too_many_arguments)]
    pub fn handle(
        &self,
        store: &Store,
        bans: &BanList,
        request: &Request,
        source: SocketAddr,
        transport: &str,
        now: SystemTime,
        mono_now: Instant,
    ) -> RegisterOutcome {
        if bans.is_banned(source.ip(), mono_now) {
            return RegisterOutcome::Drop;
        }
        let ctx = Ctx {
            registrar: self,
            store,
            bans,
            request,
            source,
            transport,
            now,
            mono_now,
            proxy: false,
        };
        let answer = match ctx.plan() {
            Plan::Answer(answer) => answer,
            Plan::Write(write) => ctx.update(&write),
        };
        self.respond(request, answer, now)
    }

    /// [`handle`](Registrar::handle) up to the write: a REGISTER that
    /// changes bindings comes back [`Deferred::Pending`], to be given to
    /// [`complete`](Registrar::complete) with others (a group commit).
    #[allow(clippy::too_many_arguments)]
    pub fn handle_deferred(
        &self,
        store: &Store,
        bans: &BanList,
        request: &Request,
        source: SocketAddr,
        transport: &str,
        now: SystemTime,
        mono_now: Instant,
    ) -> Deferred {
        if bans.is_banned(source.ip(), mono_now) {
            return Deferred::Done(RegisterOutcome::Drop);
        }
        let ctx = Ctx {
            registrar: self,
            store,
            bans,
            request,
            source,
            transport,
            now,
            mono_now,
            proxy: false,
        };
        let write = match ctx.plan() {
            Plan::Answer(answer) => return Deferred::Done(self.respond(request, answer, now)),
            Plan::Write(write) => write,
        };
        if let Some(refusal) = ctx.too_many_contacts(&write.change) {
            return Deferred::Done(self.respond(request, refusal, now));
        }
        let (transport, user_agent) = ctx.stored_texts();
        Deferred::Pending(Box::new(PendingRegister {
            request: request.clone(),
            now,
            write,
            source,
            transport,
            user_agent,
        }))
    }

    /// Writes the bindings of `pending` REGISTERs in one transaction and
    /// returns their answers, in order. Each answer reflects what was
    /// committed: `200` only once its bindings are durable, `500` for all
    /// if the commit failed.
    pub fn complete(&self, store: &Store, pending: &[PendingRegister]) -> Vec<RegisterOutcome> {
        let limit = self.settings.max_contacts_per_user;
        let items: Vec<bindings::BatchItem<'_>> = pending
            .iter()
            .map(|p| bindings::BatchItem {
                extension: &p.write.extension,
                domain: &p.write.domain,
                change: &p.write.change,
                info: RequestInfo {
                    call_id: &p.write.call_id,
                    cseq: p.write.cseq,
                    source: p.source,
                    transport: &p.transport,
                    user_agent: &p.user_agent,
                },
                max_contacts: limit,
                now: p.now,
            })
            .collect();
        let results = bindings::update_batch(store, &items);
        pending
            .iter()
            .zip(results)
            .map(|(p, result)| {
                let answer = answer_update(result, limit, p.now);
                self.respond(&p.request, answer, p.now)
            })
            .collect()
    }

    /// Authenticates the caller of a request other than REGISTER (an
    /// INVITE) as a user of `realm` with `Proxy-Authorization` (RFC 3261
    /// §22.3): the authenticated extension, or the response to send
    /// (`407` with a challenge, `403`, `400`), or nothing for a banned
    /// source. Failures count towards bans as for registrations.
    #[allow(clippy::too_many_arguments)]
    pub fn authenticate_caller(
        &self,
        store: &Store,
        bans: &BanList,
        request: &Request,
        source: SocketAddr,
        realm: &str,
        now: SystemTime,
        mono_now: Instant,
    ) -> CallerAuth {
        if bans.is_banned(source.ip(), mono_now) {
            return CallerAuth::Drop;
        }
        let ctx = Ctx {
            registrar: self,
            store,
            bans,
            request,
            source,
            transport: "",
            now,
            mono_now,
            proxy: true,
        };
        match ctx.authenticate(realm) {
            Ok(user) => CallerAuth::Authenticated(user),
            Err(answer) => match self.respond(request, answer, now) {
                RegisterOutcome::Respond(response) => CallerAuth::Respond(response),
                RegisterOutcome::Drop => CallerAuth::Drop,
            },
        }
    }

    fn respond(&self, request: &Request, answer: Answer, now: SystemTime) -> RegisterOutcome {
        let reason: String = answer
            .reason
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let built = Response::for_request(request, answer.code, &reason)
            .or_else(|_| Response::for_request(request, 500, "Server Internal Error"));
        let Ok(mut response) = built else {
            return RegisterOutcome::Drop;
        };
        // A To without `<>` but with parameters cannot take a tag; the
        // response is still worth sending.
        let _ = response.add_to_tag(&self.next_tag());
        let headers = response.headers_mut();
        for (name, value) in &answer.headers {
            let _ = headers.push(name, value);
        }
        if answer.code == 200 {
            let _ = headers.push("Date", &http_date(now));
        }
        RegisterOutcome::Respond(response)
    }
}

impl Ctx<'_> {
    fn settings(&self) -> &super::RegistrarSettings {
        &self.registrar.settings
    }

    fn plan(&self) -> Plan {
        match self.checked() {
            Ok(plan) => plan,
            Err(answer) => Plan::Answer(answer),
        }
    }

    /// Steps 1 to 6; the final answer as `Err`.
    fn checked(&self) -> Result<Plan, Answer> {
        if self.request.method_str() != "REGISTER" {
            return Err(Answer::new(
                500,
                "Registrar given a request that is not a REGISTER",
            ));
        }
        // Step 1: the tenant.
        let domain = self.request_domain()?;
        match tenant_exists(self.store, &domain) {
            Ok(true) => {}
            Ok(false) => return Err(Answer::new(404, "Unknown domain")),
            Err(e) => return Err(store_failed(&e)),
        }
        // Step 2: the headers we rely on.
        let headers = self.request.headers();
        let Ok(call_id) = headers.call_id() else {
            return Err(Answer::new(400, "Missing or bad Call-ID"));
        };
        let cseq = match headers.cseq() {
            Ok(cseq) if cseq.method.as_str() == "REGISTER" => cseq.number,
            Ok(_) => return Err(Answer::new(400, "CSeq method is not REGISTER")),
            Err(_) => return Err(Answer::new(400, "Missing or bad CSeq")),
        };
        let required: Vec<&str> = headers
            .get_all("Require")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if !required.is_empty() {
            return Err(Answer::new(420, "Bad Extension").with("Unsupported", required.join(", ")));
        }
        // Step 3: the address-of-record.
        let extension = self.to_user(&domain)?;
        if self.settings().reveal_unknown_users {
            match directory::find_user(self.store, &extension, &domain) {
                Ok(Some(_)) => {}
                Ok(None) => return Err(Answer::new(404, "Unknown user")),
                Err(e) => return Err(directory_failed(&e)),
            }
        }
        // Step 4: who is asking.
        let username = self.authenticate(&domain)?;
        // Step 5: may they change this address-of-record?
        if username != extension {
            return Err(Answer::new(403, "Authenticated user does not match To"));
        }
        // Steps 6 and 7: the bindings.
        let settings = self.settings();
        let change = match contacts::plan(headers, &settings.expiry_bounds()) {
            Ok(change) => change,
            Err(ContactError::Bad(reason)) => return Err(Answer::new(400, reason)),
            Err(ContactError::TooBrief) => {
                return Err(Answer::new(423, "Interval Too Brief")
                    .with("Min-Expires", settings.min_expires.to_string()));
            }
        };
        match change {
            None => match bindings::contacts_of(self.store, &extension, &domain, self.now) {
                Ok(bindings) => Ok(Plan::Answer(bindings_answer(&bindings, self.now))),
                Err(e) => Err(store_failed(&e)),
            },
            Some(change) => Ok(Plan::Write(Write {
                extension,
                domain,
                change,
                call_id: call_id.to_owned(),
                cseq,
            })),
        }
    }

    /// The tenant named by the Request-URI's host, lower-cased.
    fn request_domain(&self) -> Result<String, Answer> {
        let uri = self
            .request
            .uri()
            .map_err(|_| Answer::new(400, "Bad Request-URI"))?;
        match uri.kind() {
            UriKind::Sip(sip) => Ok(sip.host.to_ascii_lowercase()),
            _ => Err(Answer::new(416, "Unsupported URI Scheme")),
        }
    }

    /// The To user, which must belong to `domain`.
    fn to_user(&self, domain: &str) -> Result<String, Answer> {
        let to = self
            .request
            .headers()
            .to()
            .map_err(|_| Answer::new(400, "Missing or bad To"))?;
        let Some(sip) = to.uri.as_sip() else {
            return Err(Answer::new(404, "To is not a SIP address of this domain"));
        };
        if !sip.host.eq_ignore_ascii_case(domain) {
            return Err(Answer::new(404, "To domain does not match the Request-URI"));
        }
        let user = sip
            .user_decoded()
            .and_then(|bytes| String::from_utf8(bytes.into_owned()).ok())
            .filter(|user| !user.is_empty());
        user.ok_or_else(|| Answer::new(404, "To names no user"))
    }

    /// Digest authentication in realm `domain`: the username, or the
    /// answer to give instead.
    fn authenticate(&self, domain: &str) -> Result<String, Answer> {
        let credentials = match self.pick_credentials(domain) {
            Ok(Some(credentials)) => credentials,
            Ok(None) => return Err(self.challenge(domain, false)),
            Err(auth::ParseError::NotDigest { .. }) => return Err(self.challenge(domain, false)),
            Err(e) => return Err(Answer::new(400, format!("Bad Authorization: {e}"))),
        };
        let user = if credentials.realm == domain {
            match directory::find_user(self.store, &credentials.username, domain) {
                Ok(user) => user,
                Err(e) => return Err(directory_failed(&e)),
            }
        } else {
            None
        };
        let outcome = {
            let mut nonces = self
                .registrar
                .nonces
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            nonces.verify_parsed(
                self.now,
                &credentials,
                self.request.method_str(),
                self.request.uri_str(),
                domain,
                |_, _, algorithm| user.as_ref().map(|u| ha1_of(u, algorithm)),
            )
        };
        match outcome {
            Outcome::Ok { username, .. } => {
                self.bans.record_success(self.source.ip());
                Ok(username)
            }
            Outcome::Stale => Err(self.challenge(domain, true)),
            Outcome::BadResponse { username } | Outcome::UnknownUser { username } => {
                let policy = &self.settings().ban_policy;
                if self
                    .bans
                    .record_failure(self.source.ip(), self.mono_now, policy)
                {
                    tracing::warn!(
                        "banning {} for {} s after {} failed authentications (last as {}@{})",
                        self.source.ip(),
                        policy.ban_for.as_secs(),
                        policy.max_failures,
                        username,
                        domain
                    );
                } else {
                    tracing::info!(
                        "failed REGISTER authentication as {}@{} from {}",
                        username,
                        domain,
                        self.source
                    );
                }
                Err(Answer::new(403, "Authentication failed"))
            }
            Outcome::Malformed(auth::ParseError::NotDigest { .. })
            | Outcome::NonceReplay
            | Outcome::WrongRealm { .. }
            | Outcome::UnsupportedAlgorithm { .. }
            | Outcome::UnsupportedQop { .. } => Err(self.challenge(domain, false)),
            Outcome::Malformed(e) => Err(Answer::new(400, format!("Bad Authorization: {e}"))),
            Outcome::UriMismatch { .. } => Err(Answer::new(
                400,
                "Authorization uri does not match the Request-URI",
            )),
        }
    }

    /// The `Authorization` to check: the first for our realm, else the
    /// first that parses (it will be challenged), else the first error.
    fn pick_credentials(&self, domain: &str) -> Result<Option<Credentials>, auth::ParseError> {
        let mut first_ok = None;
        let mut first_err = None;
        let header = if self.proxy {
            "Proxy-Authorization"
        } else {
            "Authorization"
        };
        for value in self.request.headers().get_all(header) {
            match Credentials::parse(value) {
                Ok(c) if c.realm == domain => return Ok(Some(c)),
                Ok(c) => {
                    first_ok.get_or_insert(c);
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match (first_ok, first_err) {
            (Some(c), _) => Ok(Some(c)),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(None),
        }
    }

    fn challenge(&self, domain: &str, stale: bool) -> Answer {
        let values = self
            .registrar
            .nonces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .challenge(
                self.now,
                domain,
                &self.registrar.settings().digest_algorithms,
                stale,
            );
        let (answer, header) = if self.proxy {
            (
                Answer::new(407, "Proxy Authentication Required"),
                "Proxy-Authenticate",
            )
        } else {
            (Answer::new(401, "Unauthorized"), "WWW-Authenticate")
        };
        values
            .into_iter()
            .fold(answer, |answer, value| answer.with(header, value))
    }

    /// `403` if the REGISTER itself names more contacts than allowed.
    fn too_many_contacts(&self, change: &Change) -> Option<Answer> {
        let limit = self.settings().max_contacts_per_user;
        match change {
            Change::Contacts(list) if list.iter().filter(|c| c.expires > 0).count() > limit => {
                Some(too_many(limit))
            }
            _ => None,
        }
    }

    /// The transport and `User-Agent` as stored with the bindings.
    fn stored_texts(&self) -> (String, String) {
        let user_agent = clean(
            self.request.headers().get("User-Agent").unwrap_or(""),
            MAX_USER_AGENT_LEN,
        );
        (clean(&self.transport.to_ascii_lowercase(), 16), user_agent)
    }

    /// Step 7 at once, and the answer.
    fn update(&self, write: &Write) -> Answer {
        if let Some(refusal) = self.too_many_contacts(&write.change) {
            return refusal;
        }
        let limit = self.settings().max_contacts_per_user;
        let (transport, user_agent) = self.stored_texts();
        let info = RequestInfo {
            call_id: &write.call_id,
            cseq: write.cseq,
            source: self.source,
            transport: &transport,
            user_agent: &user_agent,
        };
        let result = bindings::update(
            self.store,
            &write.extension,
            &write.domain,
            &write.change,
            &info,
            self.now,
            limit,
        );
        answer_update(result, limit, self.now)
    }
}

fn too_many(limit: usize) -> Answer {
    Answer::new(403, format!("Too many contacts (at most {limit} per user)"))
}

/// The answer to a REGISTER whose bindings change ended with `result`.
fn answer_update(
    result: Result<UpdateResult, crate::store::StoreError>,
    limit: usize,
    now: SystemTime,
) -> Answer {
    match result {
        Ok(UpdateResult::Updated(bindings)) => bindings_answer(&bindings, now),
        Ok(UpdateResult::OutOfOrder { .. }) => Answer::new(
            500,
            "Out of order: CSeq not higher than the last REGISTER with this Call-ID",
        ),
        Ok(UpdateResult::TooManyContacts { .. }) => too_many(limit),
        Err(e) => store_failed(&e),
    }
}

/// Step 8: `200 OK` listing every binding with its remaining `expires`.
fn bindings_answer(bindings: &[bindings::Binding], now: SystemTime) -> Answer {
    bindings.iter().fold(Answer::new(200, "OK"), |answer, b| {
        let mut value = format!("<{}>;expires={}", b.contact, b.expires_in(now));
        if let Some(q) = b.q_text() {
            value.push_str(";q=");
            value.push_str(&q);
        }
        answer.with("Contact", value)
    })
}

fn ha1_of(user: &User, algorithm: Algorithm) -> String {
    match algorithm {
        Algorithm::Md5 => user.ha1_md5.clone(),
        Algorithm::Sha256 => user.ha1_sha256.clone(),
    }
}

fn store_failed(e: &crate::store::StoreError) -> Answer {
    tracing::error!("registrar: the store failed: {e}");
    Answer::new(500, "Location service unavailable")
}

fn directory_failed(e: &directory::DirectoryError) -> Answer {
    tracing::error!("registrar: the directory failed: {e}");
    Answer::new(500, "Directory unavailable")
}

/// Whether the directory has this tenant (domain already lower-cased).
/// On the soft-state connection, as [`directory::find_user`] explains.
fn tenant_exists(store: &Store, domain: &str) -> Result<bool, crate::store::StoreError> {
    store.with_soft_conn(|conn| {
        conn.prepare_cached("SELECT 1 FROM tenants WHERE domain = ?1")?
            .query_row([domain], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
    })
}

/// `text` without control characters, cut to `max` bytes on a character
/// boundary.
fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// The `Date` header value (RFC 3261 §20.17: RFC 1123 date in GMT).
fn http_date(now: SystemTime) -> String {
    let secs = i64::try_from(bindings::unix_secs(now)).unwrap_or(0);
    jiff::Timestamp::from_second(secs)
        .ok()
        .and_then(|ts| {
            jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_rfc9110_string(&ts)
                .ok()
        })
        .unwrap_or_else(|| "Thu, 01 Jan 1970 00:00:00 GMT".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_are_rfc_1123_in_gmt() {
        let t = UNIX_EPOCH + Duration::from_secs(1_289_690_940);
        assert_eq!(http_date(t), "Sat, 13 Nov 2010 23:29:00 GMT");
    }

    #[test]
    fn cleaning_cuts_on_character_boundaries() {
        assert_eq!(clean("a\u{7}b", 10), "ab");
        assert_eq!(clean("ééé", 5), "éé");
        assert_eq!(clean("", 5), "");
    }
}
