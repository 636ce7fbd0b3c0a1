//! Helpers shared by the integration tests (each helper in its own file).
pub mod http_receiver;
pub mod smtp;
