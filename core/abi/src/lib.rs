//! The Switchyard module ABI.
//!
//! `include/switchyard.h` is the contract; [`ffi`] is its `repr(C)` mirror,
//! used by the host and by anyone writing a module against the raw ABI.
//! [`sdk`] is the safe way to write a module in Rust.

pub mod ffi;
pub mod sdk;
