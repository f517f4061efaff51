//! The caller profile: the fixed fields a condition's `field` can name.

/// A caller profile field that conditions may test by bare name
/// (`field="destination_number"`), as FreeSWITCH's caller profile offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    /// `username`
    Username,
    /// `dialplan`
    Dialplan,
    /// `caller_id_name`
    CallerIdName,
    /// `caller_id_number`
    CallerIdNumber,
    /// `orig_caller_id_name`
    OrigCallerIdName,
    /// `orig_caller_id_number`
    OrigCallerIdNumber,
    /// `callee_id_name`
    CalleeIdName,
    /// `callee_id_number`
    CalleeIdNumber,
    /// `ani`
    Ani,
    /// `aniii`
    Aniii,
    /// `network_addr`
    NetworkAddr,
    /// `rdnis`
    Rdnis,
    /// `destination_number`
    DestinationNumber,
    /// `uuid`
    Uuid,
    /// `source`
    Source,
    /// `context`
    Context,
    /// `chan_name`
    ChanName,
    /// `transfer_source`
    TransferSource,
}

impl ProfileField {
    /// Every field, for listing in error messages.
    pub const ALL: [ProfileField; 18] = [
        ProfileField::Username,
        ProfileField::Dialplan,
        ProfileField::CallerIdName,
        ProfileField::CallerIdNumber,
        ProfileField::OrigCallerIdName,
        ProfileField::OrigCallerIdNumber,
        ProfileField::CalleeIdName,
        ProfileField::CalleeIdNumber,
        ProfileField::Ani,
        ProfileField::Aniii,
        ProfileField::NetworkAddr,
        ProfileField::Rdnis,
        ProfileField::DestinationNumber,
        ProfileField::Uuid,
        ProfileField::Source,
        ProfileField::Context,
        ProfileField::ChanName,
        ProfileField::TransferSource,
    ];

    /// The field's name as written in the dialplan.
    pub fn name(self) -> &'static str {
        match self {
            ProfileField::Username => "username",
            ProfileField::Dialplan => "dialplan",
            ProfileField::CallerIdName => "caller_id_name",
            ProfileField::CallerIdNumber => "caller_id_number",
            ProfileField::OrigCallerIdName => "orig_caller_id_name",
            ProfileField::OrigCallerIdNumber => "orig_caller_id_number",
            ProfileField::CalleeIdName => "callee_id_name",
            ProfileField::CalleeIdNumber => "callee_id_number",
            ProfileField::Ani => "ani",
            ProfileField::Aniii => "aniii",
            ProfileField::NetworkAddr => "network_addr",
            ProfileField::Rdnis => "rdnis",
            ProfileField::DestinationNumber => "destination_number",
            ProfileField::Uuid => "uuid",
            ProfileField::Source => "source",
            ProfileField::Context => "context",
            ProfileField::ChanName => "chan_name",
            ProfileField::TransferSource => "transfer_source",
        }
    }

    /// Looks a field up by name, ignoring ASCII case as FreeSWITCH does.
    pub fn from_name(name: &str) -> Option<ProfileField> {
        ProfileField::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// The caller profile a hunt runs against. Empty strings stand for unset
/// fields (FreeSWITCH treats a missing field as the empty string when matching).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerProfile {
    /// Authenticated user name of the caller.
    pub username: String,
    /// Dialplan type (`XML`).
    pub dialplan: String,
    /// Caller ID name.
    pub caller_id_name: String,
    /// Caller ID number.
    pub caller_id_number: String,
    /// Caller ID name as first received.
    pub orig_caller_id_name: String,
    /// Caller ID number as first received.
    pub orig_caller_id_number: String,
    /// Callee ID name.
    pub callee_id_name: String,
    /// Callee ID number.
    pub callee_id_number: String,
    /// ANI.
    pub ani: String,
    /// ANI II digits.
    pub aniii: String,
    /// Network address the call came from.
    pub network_addr: String,
    /// Redirecting number.
    pub rdnis: String,
    /// The number dialled; what most conditions test.
    pub destination_number: String,
    /// Channel UUID.
    pub uuid: String,
    /// Module or endpoint that created the channel.
    pub source: String,
    /// Dialplan context to hunt in.
    pub context: String,
    /// Channel name.
    pub chan_name: String,
    /// What transferred the call here, if anything.
    pub transfer_source: String,
}

impl CallerProfile {
    /// A profile with the given destination number and context, other fields empty.
    pub fn new(destination_number: impl Into<String>, context: impl Into<String>) -> Self {
        Self {
            destination_number: destination_number.into(),
            context: context.into(),
            dialplan: "XML".into(),
            ..Self::default()
        }
    }

    /// The value of one field.
    pub fn get(&self, field: ProfileField) -> &str {
        match field {
            ProfileField::Username => &self.username,
            ProfileField::Dialplan => &self.dialplan,
            ProfileField::CallerIdName => &self.caller_id_name,
            ProfileField::CallerIdNumber => &self.caller_id_number,
            ProfileField::OrigCallerIdName => &self.orig_caller_id_name,
            ProfileField::OrigCallerIdNumber => &self.orig_caller_id_number,
            ProfileField::CalleeIdName => &self.callee_id_name,
            ProfileField::CalleeIdNumber => &self.callee_id_number,
            ProfileField::Ani => &self.ani,
            ProfileField::Aniii => &self.aniii,
            ProfileField::NetworkAddr => &self.network_addr,
            ProfileField::Rdnis => &self.rdnis,
            ProfileField::DestinationNumber => &self.destination_number,
            ProfileField::Uuid => &self.uuid,
            ProfileField::Source => &self.source,
            ProfileField::Context => &self.context,
            ProfileField::ChanName => &self.chan_name,
            ProfileField::TransferSource => &self.transfer_source,
        }
    }

    /// The value of a field named as in the dialplan, if the name is a profile field.
    pub fn field(&self, name: &str) -> Option<&str> {
        ProfileField::from_name(name).map(|f| self.get(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ignore_case() {
        for f in ProfileField::ALL {
            assert_eq!(ProfileField::from_name(f.name()), Some(f));
        }
        assert_eq!(
            ProfileField::from_name("Destination_Number"),
            Some(ProfileField::DestinationNumber)
        );
        assert_eq!(ProfileField::from_name("destination-number"), None);
    }

    #[test]
    fn field_lookup() {
        let mut p = CallerProfile::new("1001", "default");
        p.caller_id_number = "2000".into();
        assert_eq!(p.field("destination_number"), Some("1001"));
        assert_eq!(p.field("caller_id_number"), Some("2000"));
        assert_eq!(p.field("rdnis"), Some(""));
        assert_eq!(p.field("nope"), None);
    }
}
