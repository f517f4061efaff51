//! End-to-end test harness for Switchyard.
//!
//! Everything here drives the real release binary (`target/release/switchyard`)
//! from the outside, the way an operator or an ESL client library would. The
//! crate deliberately does not depend on the `switchyard` crate: an independent
//! client is a more honest judge of the wire protocol and the CLI.
//!
//! - [`Switch`] starts the binary on a free loopback port in its own temporary
//!   directories and stops it with SIGTERM.
//! - [`EslClient`] is a small std-only event socket client.
//! - [`c_module`] and [`rust_module`] build test modules against the ABI.
//! - Media: [`audio`] makes test signals and DTMF and measures how well a
//!   recording matches what was sent; [`pcap`] builds RTP (PCMU, in-band
//!   DTMF, RFC 4733 events) into pcaps for SIPp's `play_pcap_audio`;
//!   [`g711`] is a test-side µ-law codec; [`baresip`] runs phones that
//!   record both directions.
//!
//! Every wait in this crate is bounded by a deadline; no test asserts timing.

pub mod audio;
pub mod baresip;
pub mod binary;
pub mod c_module;
pub mod calls;
pub mod esl;
pub mod esl_event;
pub mod esl_frame;
pub mod g711;
pub mod http_peer;
pub mod paths;
pub mod pcap;
pub mod ports;
pub mod proc_stats;
pub mod process;
pub mod rust_module;
pub mod sip_wire;
pub mod sipp;
pub mod switch;
pub mod temp_dir;
pub mod wait;

pub use esl::EslClient;
pub use esl_event::EslEvent;
pub use esl_frame::Frame;
pub use process::CommandOutput;
pub use switch::{Switch, SwitchOptions};
pub use temp_dir::TempDir;
