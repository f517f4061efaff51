//! Switchyard's media engine. What is protocol is sans-IO here: parsers
//! and builders take bytes and give values (and the reverse), state
//! machines take time as an argument, nothing opens a socket or reads a
//! clock, and nothing from the network can make it panic. The switch
//! wires it to sockets and session threads.

pub mod codec;
pub mod dtmf;
pub mod jitter;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod tone;
pub mod wav;
