//! The HTTP client for feeds and article pages.
