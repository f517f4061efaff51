//! RTCP (RFC 3550 §6): compound packet validation and iteration, typed
//! views of SR, RR, SDES, BYE and APP, a compound builder, NTP time and
//! round-trip time, and the rtcp-mux demultiplexing rule (RFC 5761).

mod builder;
mod bye;
mod compound;
mod mux;
mod ntp;
mod packet;
mod report;
mod sdes;

pub use builder::{CompoundBuilder, RtcpBuildError};
pub use bye::Goodbye;
pub use compound::{
    PT_APP, PT_BYE, PT_RR, PT_SDES, PT_SR, RTCP_HEADER_LEN, RTCP_MAX_PACKET_LEN, RtcpCompound,
    RtcpError, RtcpPackets,
};
pub use mux::is_rtcp;
pub use ntp::{
    NTP_UNIX_OFFSET_SECS, NtpTimestamp, from_compact, lsr_dlsr, round_trip_time, to_compact,
};
pub use packet::{App, RtcpPacket};
pub use report::{
    REPORT_BLOCK_LEN, ReceiverReport, ReportBlock, ReportBlocks, SENDER_INFO_LEN, SenderInfo,
    SenderReport,
};
pub use sdes::{SDES_CNAME, SdesChunk, SdesChunks, SdesItem, SdesItems, SourceDescription};
