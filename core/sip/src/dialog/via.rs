//! The Via this UA puts on requests it sends in a dialog: transport and
//! sent-by are the caller's (the dialog does not know them), the branch is
//! fresh for every request.

use crate::transaction::BranchGenerator;

/// How to write our top Via: `SIP/2.0/{transport} {host}[:{port}];branch=…[;rport]`.
///
/// ```
/// use switchyard_sip::dialog::LocalVia;
/// let via = LocalVia::new("UDP", "192.0.2.1", Some(5060));
/// assert_eq!(via.value("z9hG4bK1"), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalVia {
    transport: String,
    host: String,
    port: Option<u16>,
    rport: bool,
}

impl LocalVia {
    /// A Via for `transport` (`UDP`, `TCP`, `TLS`, ...) and sent-by
    /// `host[:port]`, asking for `rport` (RFC 3581).
    pub fn new(transport: impl Into<String>, host: impl Into<String>, port: Option<u16>) -> Self {
        LocalVia {
            transport: transport.into(),
            host: host.into(),
            port,
            rport: true,
        }
    }

    /// The same Via with or without the `rport` parameter.
    pub fn with_rport(mut self, rport: bool) -> Self {
        self.rport = rport;
        self
    }

    /// The Via value with `branch`.
    pub fn value(&self, branch: &str) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let rport = if self.rport { ";rport" } else { "" };
        format!(
            "SIP/2.0/{} {}{port};branch={branch}{rport}",
            self.transport, self.host
        )
    }

    /// The Via value with a fresh branch from `branches`.
    pub fn fresh(&self, branches: &mut BranchGenerator) -> String {
        self.value(&branches.branch())
    }
}
