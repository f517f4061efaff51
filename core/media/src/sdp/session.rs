//! Session versions (RFC 3264 §8): ours, incremented only when what we
//! send changes, and the peer's, to recognise an unchanged re-offer.

use super::model::SessionDescription;

/// Our `o=` line across a dialog: a fixed session id and a version that
/// increments whenever the description we send differs from the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSession {
    session_id: u64,
    version: u64,
    last: Option<SessionDescription>,
}

impl LocalSession {
    /// A session with this id (the caller picks it, e.g. at random); the
    /// first description gets version 1.
    #[must_use]
    pub fn new(session_id: u64) -> Self {
        LocalSession {
            session_id,
            version: 1,
            last: None,
        }
    }

    /// The session id.
    #[must_use]
    pub fn session_id(&self) -> u64 {
        self.session_id
    }

    /// The version of the last description stamped.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The last description stamped (what the peer last got from us).
    #[must_use]
    pub fn last(&self) -> Option<&SessionDescription> {
        self.last.as_ref()
    }

    /// Sets the origin's session id and version before `sdp` is sent: the
    /// same version as last time if nothing else changed, the next one
    /// otherwise.
    pub fn stamp(&mut self, sdp: &mut SessionDescription) {
        sdp.origin.session_id = self.session_id.to_string();
        if let Some(last) = &self.last {
            sdp.origin.session_version = last.origin.session_version;
            if *last != *sdp {
                self.version = self.version.wrapping_add(1);
            }
        }
        sdp.origin.session_version = self.version;
        self.last = Some(sdp.clone());
    }
}

/// How a description from the peer relates to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdpChange {
    /// The first description from the peer.
    Initial,
    /// Identical to the last one, version included: a session refresh; the
    /// previous answer stands (RFC 3264 §8).
    Unchanged,
    /// Anything else: a new version, or (from peers that forget to
    /// increment) the same version with different content, or another
    /// origin altogether (a forked answer).
    Modified,
}

/// The peer's descriptions across a dialog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemoteSession {
    last: Option<SessionDescription>,
}

impl RemoteSession {
    /// No description seen yet.
    #[must_use]
    pub fn new() -> Self {
        RemoteSession::default()
    }

    /// How `sdp` relates to the last remembered description.
    #[must_use]
    pub fn classify(&self, sdp: &SessionDescription) -> SdpChange {
        match &self.last {
            None => SdpChange::Initial,
            Some(last) if last == sdp => SdpChange::Unchanged,
            Some(_) => SdpChange::Modified,
        }
    }

    /// Remembers `sdp` as the peer's current description (once it was
    /// accepted).
    pub fn remember(&mut self, sdp: &SessionDescription) {
        self.last = Some(sdp.clone());
    }

    /// The peer's current description.
    #[must_use]
    pub fn last(&self) -> Option<&SessionDescription> {
        self.last.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdp(version: u64, port: u16) -> SessionDescription {
        let text = format!(
            "v=0\r\no=- 7 {version} IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\n"
        );
        SessionDescription::parse(text.as_bytes()).expect("parses")
    }

    #[test]
    fn local_version_moves_only_on_change() {
        let mut session = LocalSession::new(42);
        let mut first = sdp(0, 4000);
        session.stamp(&mut first);
        assert_eq!(
            (
                first.origin.session_id.as_str(),
                first.origin.session_version
            ),
            ("42", 1)
        );
        let mut same = sdp(0, 4000);
        session.stamp(&mut same);
        assert_eq!(same.origin.session_version, 1);
        let mut changed = sdp(0, 4002);
        session.stamp(&mut changed);
        assert_eq!(changed.origin.session_version, 2);
        assert_eq!(session.version(), 2);
        assert_eq!(session.session_id(), 42);
        assert_eq!(session.last(), Some(&changed));
    }

    #[test]
    fn remote_changes_are_classified() {
        let mut remote = RemoteSession::new();
        assert_eq!(remote.classify(&sdp(1, 4000)), SdpChange::Initial);
        remote.remember(&sdp(1, 4000));
        assert_eq!(remote.classify(&sdp(1, 4000)), SdpChange::Unchanged);
        assert_eq!(remote.classify(&sdp(2, 4000)), SdpChange::Modified);
        assert_eq!(remote.classify(&sdp(1, 4002)), SdpChange::Modified);
        assert!(remote.last().is_some());
    }
}
