//! Helpers shared by the integration tests (each helper in its own file).
#![allow(dead_code)]
pub mod cap_schema;
pub mod cdp;
pub mod chat_apis;
pub mod daemon;
pub mod faults;
pub mod http_feeds;
pub mod http_receiver;
pub mod logs;
pub mod smtp;
pub mod synapse;
