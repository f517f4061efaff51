//! The SIP edge of the switch: UDP and TCP transports on one address
//! (RFC 3261 §18), and the dispatcher that answers requests.
//!
//! Transports run on the IO runtime and parse what they receive; parsed
//! messages go to the `sip-core` thread, which validates them and answers.
//! Responses go back the way the request came: over the same TCP
//! connection, or over UDP to the source address (RFC 3581 `rport`).

mod b2bua;
pub mod dialstring;
mod dispatch;
mod outbound;
mod tcp;
mod udp;

use crate::channel::cause::HangupCause;
use crate::switch::Switch;
use outbound::Outbound;
use std::net::SocketAddr;
use std::sync::Arc;
use switchyard_sip::message::{Limits, Message};

pub(crate) use b2bua::finish_channel;
pub use b2bua::{OriginateReply, OriginateRequest};
pub use dispatch::ALLOWED_METHODS;

/// How a message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A UDP datagram.
    Udp,
    /// A TCP connection, by the switch's id for it.
    Tcp(u64),
}

impl Transport {
    /// The Via transport token.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp(_) => "tcp",
        }
    }
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The remote address.
    pub peer: SocketAddr,
    /// The transport (and connection).
    pub transport: Transport,
}

/// What the transports hand to the dispatcher, in arrival order.
#[derive(Debug)]
pub enum Inbound {
    /// A parsed message and where it came from.
    Message {
        /// The message.
        message: Message,
        /// Its origin.
        origin: Origin,
    },
    /// A TCP connection ends: send `last_words` (the answer to a framing
    /// error) after everything queued before, then close it.
    CloseConnection {
        /// The connection.
        id: u64,
        /// A final response, if the stream ended in a framing error.
        last_words: Option<Vec<u8>>,
    },
    /// Call control from the API (`originate`, `uuid_kill`, `hupall`).
    Command(CallCommand),
}

/// Call control the API asks of the SIP thread, with where to answer.
#[derive(Debug)]
pub enum CallCommand {
    /// Place a call and route it once answered (`originate`).
    Originate(OriginateRequest),
    /// Hang up the call that leg `uuid` belongs to.
    Kill {
        /// The leg.
        uuid: String,
        /// The cause.
        cause: HangupCause,
        /// Whether such a leg existed.
        reply: crossbeam_channel::Sender<bool>,
    },
    /// Report what the SIP thread holds (`sofia status`).
    Status {
        /// Where the counts go.
        reply: crossbeam_channel::Sender<SipStatus>,
    },
    /// A session thread asks to ring, pre-answer or answer its call.
    Answer {
        /// The leg.
        uuid: String,
        /// How far.
        stage: crate::session::AnswerStage,
        /// Whether it was done.
        reply: crossbeam_channel::Sender<bool>,
    },
    /// A session thread finished a dialplan application.
    AppDone {
        /// The leg.
        uuid: String,
        /// What the dialplan does next.
        outcome: crate::session::AppOutcome,
    },
    /// A session thread bridges its call (`channel_bridge` of a module):
    /// the reply comes when the bridged call ends (`Ok`) or the bridge
    /// fails (`Err` with the cause).
    Bridge {
        /// The leg.
        uuid: String,
        /// The dial string.
        dial_string: String,
        /// Where the outcome goes.
        reply: crossbeam_channel::Sender<Result<(), HangupCause>>,
    },
    /// Hold or resume a channel's far end (`uuid_hold`).
    Hold {
        /// The leg.
        uuid: String,
        /// Hold, resume or toggle.
        action: HoldAction,
        /// Whether the re-INVITE went out, or why not.
        reply: crossbeam_channel::Sender<Result<(), String>>,
    },
    /// Route a call again (`transfer` from a session thread,
    /// `uuid_transfer`): what it runs now stops, a bridged partner is hung
    /// up, and the dialplan hunts `destination` in `context` (default: the
    /// call's current context).
    Transfer {
        /// The leg (an A leg).
        uuid: String,
        /// The new destination number.
        destination: String,
        /// The context; `None` keeps the current one.
        context: Option<String>,
        /// Whether the transfer was taken, or why not.
        reply: crossbeam_channel::Sender<Result<(), String>>,
    },
    /// Join two calls' anchored A legs (`uuid_bridge`).
    UuidBridge {
        /// One leg.
        a: String,
        /// The other.
        b: String,
        /// Join at once, without waiting for what runs on the legs to stop.
        now: bool,
        /// Whether the bridge was taken, or why not.
        reply: crossbeam_channel::Sender<Result<(), String>>,
    },
    /// Hang up every call (of one tenant, when given).
    HangupAll {
        /// The cause.
        cause: HangupCause,
        /// Only this tenant's calls.
        tenant: Option<String>,
        /// How many calls were hung up.
        reply: crossbeam_channel::Sender<usize>,
    },
}

/// What `uuid_hold` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldAction {
    /// Hold (`a=sendonly` to the far end, music on hold to the other leg).
    Hold,
    /// Resume.
    Unhold,
    /// Hold when not held, else resume.
    Toggle,
}

/// What the SIP thread holds at one moment: for operators, and for tests
/// that check nothing outlives its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipStatus {
    /// The address UDP and TCP listen on.
    pub address: SocketAddr,
    /// Live transactions (completed ones kept for their timers included).
    pub transactions: usize,
    /// Dialogs of live calls.
    pub dialogs: usize,
    /// Calls being routed, ringing or bridged.
    pub calls: usize,
}

/// Size limits for SIP messages on every transport.
pub fn limits() -> Limits {
    Limits::default()
}

/// The UDP receive buffer asked for (Linux caps it at `net.core.rmem_max`).
/// At 10,000 requests per second the default of about 200 KB holds 15 ms
/// of traffic: any longer pause of the SIP core (a SQLite checkpoint, the
/// scheduler) lost datagrams, which clients then retransmit after 500 ms.
const UDP_RECEIVE_BUFFER: usize = 4 << 20;

/// The running SIP edge.
pub struct SipEdge {
    /// The address UDP and TCP listen on.
    pub address: SocketAddr,
}

/// Binds UDP and TCP on `address` (TCP on the port UDP got, so port 0
/// works) and starts the transports and the dispatcher.
pub async fn start(switch: Arc<Switch>, address: SocketAddr) -> Result<SipEdge, String> {
    let udp = tokio::net::UdpSocket::bind(address)
        .await
        .map_err(|e| format!("cannot listen for SIP on udp {address}: {e}"))?;
    let address = udp
        .local_addr()
        .map_err(|e| format!("SIP udp socket: {e}"))?;
    let tcp = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen for SIP on tcp {address}: {e}"))?;
    let buffer = socket2::SockRef::from(&udp);
    match buffer
        .set_recv_buffer_size(UDP_RECEIVE_BUFFER)
        .and_then(|()| buffer.recv_buffer_size())
    {
        Ok(size) => tracing::debug!("SIP udp receive buffer: {size} bytes"),
        Err(e) => tracing::warn!("SIP udp: cannot enlarge the receive buffer: {e}"),
    }
    let udp = Arc::new(udp);
    let outbound = Arc::new(Outbound::new(Arc::clone(&udp)));
    let (inbound_tx, inbound_rx) = crossbeam_channel::bounded(65_536);
    outbound.set_connector(outbound::Connector {
        runtime: tokio::runtime::Handle::current(),
        inbound: inbound_tx.clone(),
        shutdown: switch.shutdown_signal(),
    });
    switch.set_call_control(inbound_tx.clone());
    tokio::spawn(udp::receive(
        Arc::clone(&udp),
        inbound_tx.clone(),
        switch.shutdown_signal(),
    ));
    tokio::spawn(tcp::accept(
        tcp,
        Arc::clone(&outbound),
        inbound_tx,
        switch.shutdown_signal(),
    ));
    let dispatcher = dispatch::Dispatcher::new(Arc::clone(&switch), outbound, address);
    std::thread::Builder::new()
        .name("sip-core".into())
        .spawn(move || dispatcher.run(inbound_rx))
        .map_err(|e| format!("cannot start the SIP thread: {e}"))?;
    tracing::info!("SIP listening on udp and tcp {address}");
    Ok(SipEdge { address })
}
