//! Helpers shared by the integration tests (each helper in its own file).
#![allow(dead_code)]
pub mod cdp;
pub mod daemon;
pub mod faults;
pub mod http_feeds;
pub mod http_receiver;
pub mod smtp;
