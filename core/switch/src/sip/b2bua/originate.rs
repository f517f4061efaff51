//! `originate <dialstring> <exten>|&app(args) [XML] [<context>]`: the
//! switch places a call to the dial string and, once a leg answers, routes
//! that leg through the dialplan as if it had dialled `<exten>` (or runs
//! the one application, then hangs up).
//!
//! By default the switch anchors the leg's media: the INVITE carries our
//! offer, the 2xx is ACKed at once and the leg is a call like any other
//! (applications, bridges, `uuid_bridge`). With `{bypass_media=true}` in
//! the dial string, the placed INVITE carries no offer (a late offer): the answering leg
//! puts its offer in the 2xx, which is held un-ACKed until a `bridge`
//! gets the B leg's answer, which then goes in the ACK (RFC 3725, flow I:
//! without media anchored, this is how the two parties' SDP meet). If the
//! dialplan ends the call instead, the ACK rejects every stream (port 0,
//! RFC 3264 §6) and a BYE follows. The answering UA retransmits its 2xx
//! meanwhile; most give up after 32 s (64·T1) without an ACK.

use super::{ALeg, ASide, B2bua, transport_of};
use crate::channel::cause::HangupCause;
use crate::channel::{CallerProfile, Direction, NewChannel};
use std::sync::Arc;
use switchyard_sip::message::{Request, Response};
use switchyard_sip::transaction::{Peer, TransactionLayer};

/// The uuid of the answered leg, or why nothing answered (a cause name
/// and, for errors in the request itself, a sentence).
pub type OriginateReply = Result<String, String>;

/// What the API asks of `originate`.
#[derive(Debug)]
pub struct OriginateRequest {
    /// The dial string.
    pub dial: String,
    /// The destination number routed once a leg answers (or `&app(args)`);
    /// empty: the answered leg is left to whoever asked (a script's
    /// `freeswitch.Session`), anchored and idle.
    pub destination: String,
    /// The context (default: the tenant's own).
    pub context: Option<String>,
    /// Caller-ID name shown to the called party.
    pub caller_id_name: Option<String>,
    /// Caller-ID number shown to the called party.
    pub caller_id_number: Option<String>,
    /// Seconds to ring (`call_timeout`).
    pub timeout_secs: Option<u64>,
    /// Where the answer goes.
    pub reply: crossbeam_channel::Sender<OriginateReply>,
}

/// An originate whose dial string is ringing.
pub(super) struct Originating {
    reply: Option<crossbeam_channel::Sender<OriginateReply>>,
    destination: String,
    context: String,
}

impl Originating {
    /// Tells the API nothing answered.
    pub(super) fn reply_failure(&mut self, cause: HangupCause) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Err(cause.name().to_owned()));
        }
    }
}

/// An originated leg that answered: its 2xx waits for our ACK.
pub(super) struct Originated {
    invite: Request,
    /// Where the leg is.
    pub(super) peer: Peer,
    /// Its 2xx, with its offer.
    pub(super) ok: Response,
    /// The fork it answered as (its ACK is kept there for retransmissions).
    fork: usize,
    acked: bool,
    /// The leg sent BYE itself: nothing more to send it.
    pub(super) hung_up: bool,
}

impl B2bua {
    /// Starts an `originate`.
    pub fn originate(&mut self, layer: &mut TransactionLayer, request: OriginateRequest) {
        let dial = match crate::sip::dialstring::parse(&request.dial) {
            Ok(dial) => dial,
            Err(e) => {
                let _ = request.reply.send(Err(format!("INVALID_URL {e}")));
                return;
            }
        };
        let tenant = dial
            .groups
            .iter()
            .flatten()
            .find_map(|endpoint| match endpoint {
                crate::sip::dialstring::Endpoint::User {
                    domain: Some(domain),
                    ..
                } => Some(domain.clone()),
                _ => None,
            })
            .or_else(|| request.context.clone());
        let Some(tenant) = tenant
            .filter(|t| matches!(crate::directory::is_tenant(&self.switch.store, t), Ok(true)))
        else {
            let _ = request.reply.send(Err(
                "NO_ROUTE_DESTINATION no tenant: dial user/EXT@DOMAIN or give the tenant's context"
                    .into(),
            ));
            return;
        };
        // The switch anchors the originated leg's media (it can then run
        // applications and be bridged like any call) unless the dial
        // string asks for `bypass_media`, which keeps RFC 3725's flow.
        let anchored = !dial
            .variable("bypass_media")
            .is_some_and(crate::dialplan::is_true);
        let context = request.context.clone().unwrap_or_else(|| tenant.clone());
        let cid_name = request
            .caller_id_name
            .clone()
            .unwrap_or_else(|| "Switchyard".into());
        let cid_number = request
            .caller_id_number
            .clone()
            .unwrap_or_else(|| "0000000000".into());
        let profile = CallerProfile {
            username: cid_number.clone(),
            caller_id_name: cid_name,
            caller_id_number: cid_number.clone(),
            destination_number: request.destination.clone(),
            context: context.clone(),
            ani: cid_number,
            ..CallerProfile::default()
        };
        let mut spec = NewChannel::new(Direction::Outbound, tenant.clone(), "originate", profile);
        spec.variables.push(("domain_name".into(), tenant));
        if let Some(secs) = request.timeout_secs {
            spec.variables
                .push(("call_timeout".into(), secs.to_string()));
        }
        let channel = Arc::new(self.switch.channels.detached(spec));
        let call_id = self.insert_call(ALeg {
            side: ASide::Originating(Box::new(Originating {
                reply: Some(request.reply),
                destination: request.destination,
                context: context.clone(),
            })),
            dialog: None,
            channel,
            answered: false,
            finished: false,
            media: None,
        });
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.plan.context = context;
            call.anchored = anchored;
        }
        self.bridge(layer, call_id, &request.dial);
    }

    /// A leg of an originate answered: it becomes the A leg (its ACK
    /// waits) and is routed to the destination.
    pub(super) fn originate_answered(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        index: usize,
        response: &Response,
    ) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let Some(fork) = call.forks.get_mut(index) else {
            return;
        };
        fork.final_status = Some(response.status());
        let _ = fork.channel.answer(&self.switch.bus);
        let channel = Arc::clone(&fork.channel);
        // Anchored: the fork's media (configured with its answer, its 2xx
        // ACKed already) becomes the A leg's.
        let media = if call.anchored {
            fork.media.take()
        } else {
            None
        };
        let originated = Originated {
            invite: fork.invite.clone(),
            peer: fork.peer,
            ok: response.clone(),
            fork: index,
            acked: call.anchored,
            hung_up: false,
        };
        let dialog = fork.dialog.clone();
        let ASide::Originating(mut originating) =
            std::mem::replace(&mut call.a.side, ASide::Originated(Box::new(originated)))
        else {
            return;
        };
        if let Some(reply) = originating.reply.take() {
            let _ = reply.send(Ok(channel.id().as_str().to_owned()));
        }
        let settings = std::mem::replace(&mut call.a.channel, Arc::clone(&channel));
        self.by_uuid.remove(settings.id().as_str());
        self.by_uuid
            .insert(channel.id().as_str().to_owned(), call_id);
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        for (name, value) in settings.with(|c| c.variables().clone()) {
            if channel.variable(&name).is_none() {
                channel.set_variable(name, value);
            }
        }
        call.a.dialog = dialog;
        call.a.answered = true;
        call.a.media = media;
        call.dialing = None;
        call.no_answer_at = None;
        self.cancel_forks(layer, call_id, HangupCause::LoseRace, None);
        let (destination, context) = (originating.destination, originating.context);
        if destination.is_empty() {
            return;
        }
        match inline_application(&destination) {
            Some((application, data)) => {
                // `&app(args)`: that one application, then the call ends.
                if let Some(call) = self.calls.get_mut(&call_id) {
                    call.plan.actions = vec![(application, data)];
                    call.plan.next = 0;
                }
                self.run_actions(layer, call_id);
            }
            None => self.route(layer, call_id, &destination, &context),
        }
    }

    /// ACKs the originated leg's 2xx with `answer` (once).
    pub(super) fn ack_originated(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        answer: Vec<u8>,
        content_type: Option<String>,
    ) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let ASide::Originated(originated) = &call.a.side else {
            return;
        };
        if originated.acked {
            return;
        }
        let peer = originated.peer;
        let via = self.via(transport_of(&peer));
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let ASide::Originated(originated) = &mut call.a.side else {
            return;
        };
        let Some(dialog) = call.a.dialog.as_ref().and_then(|id| self.dialogs.get(id)) else {
            return;
        };
        let Ok(mut ack) = dialog.ack_for_2xx(&originated.invite, &originated.ok, &via) else {
            return;
        };
        if !answer.is_empty() {
            let _ = ack.headers_mut().push(
                "Content-Type",
                content_type.as_deref().unwrap_or("application/sdp"),
            );
            ack.set_body(answer);
        }
        let bytes = ack.to_bytes();
        layer.send_stateless(bytes.clone(), peer);
        originated.acked = true;
        let fork = originated.fork;
        if let Some(fork) = call.forks.get_mut(fork) {
            fork.ack = Some(bytes);
        }
    }

    /// Ends an originated A leg that was not bridged: its 2xx ACKed with
    /// every stream rejected, then BYE (unless it hung up itself).
    pub(super) fn end_originated(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        let Some(call) = self.calls.get(&call_id) else {
            return;
        };
        let ASide::Originated(originated) = &call.a.side else {
            return;
        };
        let (rejection, content_type, hung_up) = (
            reject_streams(originated.ok.body()),
            originated
                .ok
                .headers()
                .get("Content-Type")
                .map(str::to_owned),
            originated.hung_up,
        );
        let dialog = call.a.dialog.clone();
        self.ack_originated(layer, call_id, rejection, content_type);
        if !hung_up && let Some(dialog) = dialog {
            self.send_bye(layer, &dialog);
        }
    }
}

/// `&app(args)` (or `&app`): the application an originate runs instead of
/// routing an extension.
pub(super) fn inline_application(destination: &str) -> Option<(String, String)> {
    let rest = destination.strip_prefix('&')?;
    match rest.split_once('(') {
        Some((name, args)) => Some((
            name.trim().to_owned(),
            args.strip_suffix(')').unwrap_or(args).to_owned(),
        )),
        None => match rest.split_once(' ') {
            Some((name, args)) => Some((name.trim().to_owned(), args.trim().to_owned())),
            None => Some((rest.trim().to_owned(), String::new())),
        },
    }
    .filter(|(name, _)| !name.is_empty())
}

/// An SDP answer rejecting every stream of `offer` (port 0 on each `m=`
/// line, RFC 3264 §6); empty when there was no offer.
fn reject_streams(offer: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(offer) else {
        return Vec::new();
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match line.strip_prefix("m=") {
            Some(media) => {
                let mut parts = media.splitn(3, ' ');
                let kind = parts.next().unwrap_or("audio");
                let _port = parts.next();
                let rest = parts.next().unwrap_or("RTP/AVP 0");
                out.push_str(&format!("m={kind} 0 {rest}\r\n"));
            }
            None => {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_applications_are_read_as_freeswitch_writes_them() {
        assert_eq!(
            inline_application("&playback(/tmp/a b.wav)"),
            Some(("playback".into(), "/tmp/a b.wav".into()))
        );
        assert_eq!(
            inline_application("&park()"),
            Some(("park".into(), String::new()))
        );
        assert_eq!(
            inline_application("&park"),
            Some(("park".into(), String::new()))
        );
        assert_eq!(
            inline_application("&echo x"),
            Some(("echo".into(), "x".into()))
        );
        assert_eq!(inline_application("1000"), None);
        assert_eq!(inline_application("&"), None);
        assert_eq!(inline_application("&(x)"), None);
    }

    #[test]
    fn a_rejecting_answer_zeroes_every_media_port() {
        let offer = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 8\r\nm=video 6002 RTP/AVP 96\r\n";
        let answer = String::from_utf8(reject_streams(offer)).unwrap();
        assert!(answer.contains("m=audio 0 RTP/AVP 0 8\r\n"));
        assert!(answer.contains("m=video 0 RTP/AVP 96\r\n"));
        assert!(answer.starts_with("v=0\r\n"));
        assert!(reject_streams(b"").is_empty());
    }
}
