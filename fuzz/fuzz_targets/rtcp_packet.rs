//! Arbitrary bytes as an RTCP datagram: compound validation, iteration
//! and every typed accessor must never panic, and the rtcp-mux rule must
//! agree with what parses as a full compound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_media::rtcp::{
    NtpTimestamp, RtcpCompound, RtcpPacket, is_rtcp, round_trip_time,
};

fuzz_target!(|data: &[u8]| {
    let mux = is_rtcp(data);
    if let Ok(compound) = RtcpCompound::parse(data) {
        // A full compound starts with SR or RR: the mux rule must see RTCP.
        assert!(mux);
        visit(compound);
    }
    if let Ok(compound) = RtcpCompound::parse_reduced_size(data) {
        visit(compound);
    }
});

fn visit(compound: RtcpCompound<'_>) {
    let mut total = 0;
    for packet in compound.packets() {
        total += 1;
        match packet {
            RtcpPacket::SenderReport(sr) => {
                let _ = (sr.ssrc(), sr.sender_info());
                for block in sr.report_blocks() {
                    let _ = round_trip_time(&block, NtpTimestamp(u64::MAX));
                    assert!((-0x80_0000..0x80_0000).contains(&block.cumulative_lost));
                }
            }
            RtcpPacket::ReceiverReport(rr) => {
                let _ = rr.ssrc();
                for block in rr.report_blocks() {
                    let _ = round_trip_time(&block, NtpTimestamp(0));
                }
            }
            RtcpPacket::SourceDescription(sdes) => {
                for chunk in sdes.chunks() {
                    let _ = chunk.cname();
                    for item in chunk.items() {
                        assert!(item.value.len() <= 255);
                    }
                    let _ = sdes.cname(chunk.ssrc);
                }
            }
            RtcpPacket::Goodbye(bye) => {
                let _ = bye.sources().count();
                let _ = bye.reason();
            }
            RtcpPacket::App(app) => {
                let _ = (app.subtype, app.ssrc, app.name, app.data.len());
            }
            RtcpPacket::Unknown { body, .. } => {
                let _ = body.len();
            }
        }
    }
    assert!(total >= 1);
}
