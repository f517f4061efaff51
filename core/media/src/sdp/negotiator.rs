//! One leg's offer/answer state across a dialog: initial offer or answer,
//! early media, re-INVITEs (hold, resume, codec changes) and session
//! refreshes.
//!
//! SIP decides who offers; glare (both offering at once) is the SIP
//! layer's to resolve with 491 before anything reaches here.

use super::answer::answer_offer;
use super::local::LocalMedia;
use super::model::SessionDescription;
use super::negotiated::NegotiatedMedia;
use super::negotiation_error::NegotiationError;
use super::offer::{build_offer, build_reoffer};
use super::process_answer::process_answer;
use super::session::{LocalSession, RemoteSession, SdpChange};

/// Offer/answer state for one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiator {
    local: LocalSession,
    remote: RemoteSession,
    pending_offer: Option<SessionDescription>,
    last_answer: Option<SessionDescription>,
    current: Option<NegotiatedMedia>,
}

/// What receiving an offer produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferOutcome {
    /// The answer to send, stamped.
    pub sdp: SessionDescription,
    /// The media to configure.
    pub media: NegotiatedMedia,
    /// How the offer relates to the peer's previous description; for
    /// [`SdpChange::Unchanged`] the answer is the previous one, same version.
    pub change: SdpChange,
}

impl Negotiator {
    /// A leg with no description exchanged yet; `session_id` goes in our
    /// `o=` lines (pick it at random).
    #[must_use]
    pub fn new(session_id: u64) -> Self {
        Negotiator {
            local: LocalSession::new(session_id),
            remote: RemoteSession::new(),
            pending_offer: None,
            last_answer: None,
            current: None,
        }
    }

    /// Our offer (initial or re-offer: hold is `local.direction =
    /// SendOnly`), stamped, and remembered until answers arrive.
    ///
    /// # Errors
    /// [`NegotiationError::NoCodecs`].
    pub fn create_offer(
        &mut self,
        local: &LocalMedia,
    ) -> Result<SessionDescription, NegotiationError> {
        let mut sdp = match self.local.last() {
            Some(previous) => build_reoffer(local, previous)?,
            None => build_offer(local)?,
        };
        self.local.stamp(&mut sdp);
        self.pending_offer = Some(sdp.clone());
        Ok(sdp)
    }

    /// An answer to our outstanding offer, from a reliable 183 (early
    /// media) or the 200. A repeat of the previous answer (the 200 after
    /// a 183 with the same SDP) gives the media already negotiated.
    ///
    /// # Errors
    /// [`NegotiationError::NoPendingOffer`] or why the answer is unusable;
    /// the state is unchanged then.
    pub fn receive_answer(
        &mut self,
        answer: &SessionDescription,
    ) -> Result<NegotiatedMedia, NegotiationError> {
        let offer = self
            .pending_offer
            .as_ref()
            .ok_or(NegotiationError::NoPendingOffer)?;
        if self.remote.classify(answer) == SdpChange::Unchanged
            && let Some(current) = &self.current
        {
            return Ok(current.clone());
        }
        let media = process_answer(offer, answer)?;
        self.remote.remember(answer);
        self.current = Some(media.clone());
        Ok(media)
    }

    /// A peer's offer (initial INVITE or re-INVITE): the stamped answer and
    /// the media to configure. An unchanged re-offer gets the previous
    /// answer again.
    ///
    /// # Errors
    /// Why the offer cannot be accepted (answer with
    /// [`NegotiationError::sip_status`]); the state is unchanged then, so
    /// the earlier media stays in force.
    pub fn receive_offer(
        &mut self,
        offer: &SessionDescription,
        local: &LocalMedia,
    ) -> Result<OfferOutcome, NegotiationError> {
        let change = self.remote.classify(offer);
        if change == SdpChange::Unchanged
            && let (Some(sdp), Some(media)) = (&self.last_answer, &self.current)
        {
            return Ok(OfferOutcome {
                sdp: sdp.clone(),
                media: media.clone(),
                change,
            });
        }
        let mut answer = answer_offer(offer, local)?;
        self.local.stamp(&mut answer.sdp);
        self.remote.remember(offer);
        self.pending_offer = None;
        self.last_answer = Some(answer.sdp.clone());
        self.current = Some(answer.media.clone());
        Ok(OfferOutcome {
            sdp: answer.sdp,
            media: answer.media,
            change,
        })
    }

    /// The media in force, once negotiated.
    #[must_use]
    pub fn current(&self) -> Option<&NegotiatedMedia> {
        self.current.as_ref()
    }

    /// Our session (id, version, last description sent).
    #[must_use]
    pub fn local_session(&self) -> &LocalSession {
        &self.local
    }

    /// The peer's session (last description accepted).
    #[must_use]
    pub fn remote_session(&self) -> &RemoteSession {
        &self.remote
    }
}
