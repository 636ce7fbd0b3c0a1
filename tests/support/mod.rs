pub mod http_feeds;
