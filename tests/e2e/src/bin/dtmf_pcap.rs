//! `dtmf_pcap`: writes a pcap of one RTP stream carrying RFC 4733 key
//! presses between PCMU silence, for SIPp's `play_pcap_audio` in load
//! scripts (not a test).
//!
//! ```text
//! dtmf_pcap OUT.pcap DIGITS
//! ```
//!
//! DIGITS are DTMF keys (`0-9*#A-D`); `W` is a second of silence. Each key
//! lasts 100 ms with 100 ms of silence after it; the stream starts with
//! 200 ms of silence.

use std::env;
use std::path::Path;
use std::process::ExitCode;

use switchyard_e2e::pcap::{DtmfTiming, dtmf_event_code, rfc4733_packets, write_rtp_pcap};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let [out, digits] = args.as_slice() else {
        eprintln!("usage: dtmf_pcap OUT.pcap DIGITS   (W = one second of silence)");
        return ExitCode::from(2);
    };
    if let Some(bad) = digits
        .chars()
        .find(|&c| c != 'W' && dtmf_event_code(c).is_none())
    {
        eprintln!("dtmf_pcap: {bad:?} is not a DTMF key or W");
        return ExitCode::from(2);
    }
    write_rtp_pcap(
        Path::new(out),
        &rfc4733_packets(digits, &DtmfTiming::default(), 101, 0x1f1f),
    );
    ExitCode::SUCCESS
}
