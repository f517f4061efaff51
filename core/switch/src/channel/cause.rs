//! Hangup causes: ITU-T Q.850 cause values with FreeSWITCH's names (what
//! `hangup_cause` and `Hangup-Cause` carry), FreeSWITCH's own causes above
//! 127, and the SIP status mapping of RFC 3398 in both directions.

/// Generates the cause enum, its numbers and FreeSWITCH names.
macro_rules! causes {
    ($($variant:ident = $code:literal, $name:literal;)*) => {
        /// A hangup cause.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum HangupCause {
            $(
                #[doc = concat!("`", $name, "` (", stringify!($code), ")")]
                $variant,
            )*
        }

        impl HangupCause {
            /// Every cause, in numeric order.
            pub const ALL: &'static [HangupCause] = &[$(HangupCause::$variant),*];

            /// The cause value (Q.850 for 0–127, FreeSWITCH's numbering above).
            pub fn code(self) -> u16 {
                match self { $(HangupCause::$variant => $code),* }
            }

            /// FreeSWITCH's name (`NORMAL_CLEARING`, `USER_BUSY`, …).
            pub fn name(self) -> &'static str {
                match self { $(HangupCause::$variant => $name),* }
            }
        }
    };
}

causes! {
    Unspecified = 0, "UNSPECIFIED";
    UnallocatedNumber = 1, "UNALLOCATED_NUMBER";
    NoRouteTransitNet = 2, "NO_ROUTE_TRANSIT_NET";
    NoRouteDestination = 3, "NO_ROUTE_DESTINATION";
    ChannelUnacceptable = 6, "CHANNEL_UNACCEPTABLE";
    CallAwardedDelivered = 7, "CALL_AWARDED_DELIVERED";
    NormalClearing = 16, "NORMAL_CLEARING";
    UserBusy = 17, "USER_BUSY";
    NoUserResponse = 18, "NO_USER_RESPONSE";
    NoAnswer = 19, "NO_ANSWER";
    SubscriberAbsent = 20, "SUBSCRIBER_ABSENT";
    CallRejected = 21, "CALL_REJECTED";
    NumberChanged = 22, "NUMBER_CHANGED";
    RedirectionToNewDestination = 23, "REDIRECTION_TO_NEW_DESTINATION";
    ExchangeRoutingError = 25, "EXCHANGE_ROUTING_ERROR";
    DestinationOutOfOrder = 27, "DESTINATION_OUT_OF_ORDER";
    InvalidNumberFormat = 28, "INVALID_NUMBER_FORMAT";
    FacilityRejected = 29, "FACILITY_REJECTED";
    ResponseToStatusEnquiry = 30, "RESPONSE_TO_STATUS_ENQUIRY";
    NormalUnspecified = 31, "NORMAL_UNSPECIFIED";
    NormalCircuitCongestion = 34, "NORMAL_CIRCUIT_CONGESTION";
    NetworkOutOfOrder = 38, "NETWORK_OUT_OF_ORDER";
    NormalTemporaryFailure = 41, "NORMAL_TEMPORARY_FAILURE";
    SwitchCongestion = 42, "SWITCH_CONGESTION";
    AccessInfoDiscarded = 43, "ACCESS_INFO_DISCARDED";
    RequestedChanUnavail = 44, "REQUESTED_CHAN_UNAVAIL";
    PreEmpted = 45, "PRE_EMPTED";
    FacilityNotSubscribed = 50, "FACILITY_NOT_SUBSCRIBED";
    OutgoingCallBarred = 52, "OUTGOING_CALL_BARRED";
    IncomingCallBarred = 54, "INCOMING_CALL_BARRED";
    BearerCapabilityNotAuth = 57, "BEARERCAPABILITY_NOTAUTH";
    BearerCapabilityNotAvail = 58, "BEARERCAPABILITY_NOTAVAIL";
    ServiceUnavailable = 63, "SERVICE_UNAVAILABLE";
    BearerCapabilityNotImpl = 65, "BEARERCAPABILITY_NOTIMPL";
    ChanNotImplemented = 66, "CHAN_NOT_IMPLEMENTED";
    FacilityNotImplemented = 69, "FACILITY_NOT_IMPLEMENTED";
    ServiceNotImplemented = 79, "SERVICE_NOT_IMPLEMENTED";
    InvalidCallReference = 81, "INVALID_CALL_REFERENCE";
    IncompatibleDestination = 88, "INCOMPATIBLE_DESTINATION";
    InvalidMsgUnspecified = 95, "INVALID_MSG_UNSPECIFIED";
    MandatoryIeMissing = 96, "MANDATORY_IE_MISSING";
    MessageTypeNonexist = 97, "MESSAGE_TYPE_NONEXIST";
    WrongMessage = 98, "WRONG_MESSAGE";
    IeNonexist = 99, "IE_NONEXIST";
    InvalidIeContents = 100, "INVALID_IE_CONTENTS";
    WrongCallState = 101, "WRONG_CALL_STATE";
    RecoveryOnTimerExpire = 102, "RECOVERY_ON_TIMER_EXPIRE";
    MandatoryIeLengthError = 103, "MANDATORY_IE_LENGTH_ERROR";
    ProtocolError = 111, "PROTOCOL_ERROR";
    Interworking = 127, "INTERWORKING";
    OriginatorCancel = 487, "ORIGINATOR_CANCEL";
    LoseRace = 502, "LOSE_RACE";
    ManagerRequest = 503, "MANAGER_REQUEST";
    BlindTransfer = 600, "BLIND_TRANSFER";
    AttendedTransfer = 601, "ATTENDED_TRANSFER";
    AllottedTimeout = 602, "ALLOTTED_TIMEOUT";
    UserChallenge = 603, "USER_CHALLENGE";
    MediaTimeout = 604, "MEDIA_TIMEOUT";
    PickedOff = 605, "PICKED_OFF";
    UserNotRegistered = 606, "USER_NOT_REGISTERED";
    ProgressTimeout = 607, "PROGRESS_TIMEOUT";
    InvalidGateway = 608, "INVALID_GATEWAY";
    GatewayDown = 609, "GATEWAY_DOWN";
    InvalidUrl = 610, "INVALID_URL";
    InvalidProfile = 611, "INVALID_PROFILE";
    NoPickup = 612, "NO_PICKUP";
    Crash = 700, "CRASH";
    SystemShutdown = 701, "SYSTEM_SHUTDOWN";
}

impl HangupCause {
    /// The cause named `name` (FreeSWITCH's spelling, any case) or numbered
    /// `name` (`"17"`).
    pub fn parse(name: &str) -> Option<HangupCause> {
        let name = name.trim();
        if let Ok(code) = name.parse::<u16>() {
            return HangupCause::ALL.iter().copied().find(|c| c.code() == code);
        }
        HangupCause::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The cause for a final SIP failure response (RFC 3398 §8.2.6.1).
    pub fn from_sip_status(status: u16) -> HangupCause {
        use HangupCause::*;
        match status {
            200..=299 => NormalClearing,
            401 | 402 | 403 | 407 | 603 => CallRejected,
            404 | 485 | 604 => UnallocatedNumber,
            405 => ServiceUnavailable,
            406 | 415 | 501 => ServiceNotImplemented,
            408 | 504 => RecoveryOnTimerExpire,
            410 => NumberChanged,
            480 => NoUserResponse,
            482 | 483 => ExchangeRoutingError,
            484 => InvalidNumberFormat,
            486 | 600 => UserBusy,
            487 => OriginatorCancel,
            488 | 606 => BearerCapabilityNotAvail,
            502 => NetworkOutOfOrder,
            400 | 481 | 500 | 503 => NormalTemporaryFailure,
            413 | 414 | 416 | 420 | 421 | 423 | 505 | 513 => Interworking,
            _ => Interworking,
        }
    }

    /// The SIP status to send for this cause (RFC 3398 §7.2.4.1, with
    /// FreeSWITCH's choices for its own causes).
    pub fn sip_status(self) -> u16 {
        use HangupCause::*;
        match self {
            UnallocatedNumber | NoRouteTransitNet | NoRouteDestination => 404,
            UserBusy => 486,
            NoUserResponse => 408,
            NoAnswer | SubscriberAbsent | NormalUnspecified | UserNotRegistered => 480,
            CallRejected
            | FacilityNotSubscribed
            | IncomingCallBarred
            | OutgoingCallBarred
            | BearerCapabilityNotAuth => 403,
            NumberChanged | RedirectionToNewDestination => 410,
            DestinationOutOfOrder => 502,
            InvalidNumberFormat => 484,
            FacilityRejected | FacilityNotImplemented | ServiceNotImplemented => 501,
            NormalCircuitCongestion
            | NetworkOutOfOrder
            | NormalTemporaryFailure
            | SwitchCongestion
            | BearerCapabilityNotAvail
            | ServiceUnavailable
            | RequestedChanUnavail => 503,
            // FreeSWITCH answers a failed media negotiation (88) with 488.
            BearerCapabilityNotImpl | IncompatibleDestination => 488,
            RecoveryOnTimerExpire | ProgressTimeout => 504,
            OriginatorCancel => 487,
            InvalidGateway | GatewayDown => 502,
            InvalidUrl | InvalidProfile => 400,
            _ => 500,
        }
    }
}

impl std::fmt::Display for HangupCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_parse_both_ways() {
        assert_eq!(HangupCause::parse("user_busy"), Some(HangupCause::UserBusy));
        assert_eq!(HangupCause::parse("17"), Some(HangupCause::UserBusy));
        assert_eq!(HangupCause::parse("NO_SUCH_CAUSE"), None);
        for cause in HangupCause::ALL {
            assert_eq!(HangupCause::parse(cause.name()), Some(*cause));
            assert_eq!(HangupCause::parse(&cause.code().to_string()), Some(*cause));
        }
    }

    #[test]
    fn rfc_3398_mappings_for_the_common_cases() {
        assert_eq!(HangupCause::from_sip_status(486), HangupCause::UserBusy);
        assert_eq!(
            HangupCause::from_sip_status(404),
            HangupCause::UnallocatedNumber
        );
        assert_eq!(
            HangupCause::from_sip_status(480),
            HangupCause::NoUserResponse
        );
        assert_eq!(
            HangupCause::from_sip_status(487),
            HangupCause::OriginatorCancel
        );
        assert_eq!(
            HangupCause::from_sip_status(503),
            HangupCause::NormalTemporaryFailure
        );
        assert_eq!(HangupCause::from_sip_status(603), HangupCause::CallRejected);
        assert_eq!(HangupCause::UserBusy.sip_status(), 486);
        assert_eq!(HangupCause::NoAnswer.sip_status(), 480);
        assert_eq!(HangupCause::UnallocatedNumber.sip_status(), 404);
        assert_eq!(HangupCause::OriginatorCancel.sip_status(), 487);
        assert_eq!(HangupCause::RecoveryOnTimerExpire.sip_status(), 504);
        assert_eq!(HangupCause::CallRejected.sip_status(), 403);
    }

    #[test]
    fn busy_round_trips_through_sip() {
        for cause in [
            HangupCause::UserBusy,
            HangupCause::UnallocatedNumber,
            HangupCause::OriginatorCancel,
        ] {
            assert_eq!(HangupCause::from_sip_status(cause.sip_status()), cause);
        }
    }
}
