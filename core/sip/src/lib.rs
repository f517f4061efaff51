//! Switchyard's SIP stack, sans-IO: bytes and time in, messages, datagrams
//! and timer deadlines out. Sockets and clocks live in the switch.

pub mod auth;
pub mod dialog;
pub mod message;
pub mod transaction;
