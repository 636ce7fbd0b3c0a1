//! A feed server on 127.0.0.1 for the sources tests and benchmark: routes
//! are set per path at run time, and every request is logged with its
//! conditional-GET headers and arrival time.
#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::response::Response;
use tokio::sync::mpsc;

use sahel_watch::config::Config;
use sahel_watch::model::Story;
use sahel_watch::source::FeedBatch;

/// What a path answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A document with optional validators; answers 304 when the request's
    /// If-None-Match / If-Modified-Since match them.
    Doc {
        body: Vec<u8>,
        content_type: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// A status with headers and a small body.
    Status {
        code: u16,
        headers: Vec<(String, String)>,
    },
    /// Retry-After as an HTTP date `secs` after the request.
    RetryAfterDate { code: u16, secs: u64 },
    /// Accept the request and never answer.
    Hang,
    /// `bytes` bytes streamed in 64 KiB chunks, without Content-Length.
    Huge { bytes: usize },
    /// A pre-compressed body sent with Content-Encoding: gzip.
    Gzip { body: Vec<u8> },
    /// A body sent one byte every `every`.
    Trickle { bytes: usize, every: Duration },
    /// A redirect to `to` (a path or a URL).
    Redirect { code: u16, to: String },
    /// Answer `then` after `delay`.
    Slow { delay: Duration, then: Box<Reply> },
    /// Successive requests get successive replies; the last one repeats.
    Seq(Vec<Reply>),
}

impl Reply {
    pub fn rss(body: impl Into<String>) -> Reply {
        Reply::Doc {
            body: body.into().into_bytes(),
            content_type: "application/rss+xml; charset=utf-8".into(),
            etag: None,
            last_modified: None,
        }
    }

    pub fn rss_etag(body: impl Into<String>, etag: &str) -> Reply {
        Reply::Doc {
            body: body.into().into_bytes(),
            content_type: "application/rss+xml; charset=utf-8".into(),
            etag: Some(etag.into()),
            last_modified: None,
        }
    }

    pub fn rss_last_modified(body: impl Into<String>, lm: &str) -> Reply {
        Reply::Doc {
            body: body.into().into_bytes(),
            content_type: "application/rss+xml; charset=utf-8".into(),
            etag: None,
            last_modified: Some(lm.into()),
        }
    }

    pub fn html(body: impl Into<String>) -> Reply {
        Reply::Doc {
            body: body.into().into_bytes(),
            content_type: "text/html; charset=utf-8".into(),
            etag: None,
            last_modified: None,
        }
    }

    pub fn status(code: u16) -> Reply {
        Reply::Status {
            code,
            headers: Vec::new(),
        }
    }

    pub fn status_with(code: u16, name: &str, value: &str) -> Reply {
        Reply::Status {
            code,
            headers: vec![(name.into(), value.into())],
        }
    }

    pub fn redirect(code: u16, to: &str) -> Reply {
        Reply::Redirect {
            code,
            to: to.into(),
        }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
    pub at: Instant,
    /// The status answered (0 when the answer never came, e.g. Hang).
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, (Reply, usize)>>,
    hits: Mutex<Vec<Hit>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// The server: `url(path)` gives the address of a path.
#[derive(Clone)]
pub struct FeedServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl FeedServer {
    /// Start a server on 127.0.0.1 (a free port) in the current runtime.
    pub async fn start() -> FeedServer {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("feed server");
        });
        FeedServer { addr, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), (reply, 0));
    }

    /// Every request so far, oldest first.
    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// Requests for `path`, oldest first.
    pub fn hits_of(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }

    /// The most requests ever under way at once.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let n = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(n, Ordering::SeqCst);
    let _guard = InFlight(shared.clone());
    let mut hit = {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        Hit {
            path: req.uri().path().to_string(),
            if_none_match: header("if-none-match"),
            if_modified_since: header("if-modified-since"),
            user_agent: header("user-agent"),
            at: Instant::now(),
            status: 0,
        }
    };
    drop(req);
    let path = hit.path.clone();
    let reply = {
        let mut routes = shared.routes.lock().unwrap();
        routes.get_mut(&path).map(|(r, count)| {
            *count += 1;
            match r {
                Reply::Seq(v) => v[(*count - 1).min(v.len() - 1)].clone(),
                r => r.clone(),
            }
        })
    };
    let index = {
        let mut hits = shared.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.len() - 1
    };
    let resp = match reply {
        None => simple(404, "not found"),
        Some(r) => answer(r, &hit).await,
    };
    hit.status = resp.status().as_u16();
    shared.hits.lock().unwrap()[index].status = hit.status;
    resp
}

fn simple(code: u16, body: &'static str) -> Response {
    Response::builder()
        .status(code)
        .body(Body::from(body))
        .unwrap()
}

fn answer(
    r: Reply,
    hit: &Hit,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send + '_>> {
    Box::pin(async move {
        match r {
            Reply::Doc {
                body,
                content_type,
                etag,
                last_modified,
            } => {
                let fresh_etag = etag.is_some() && hit.if_none_match == etag;
                let fresh_lm = last_modified.is_some() && hit.if_modified_since == last_modified;
                let mut b = Response::builder();
                if let Some(e) = &etag {
                    b = b.header("etag", e);
                }
                if let Some(l) = &last_modified {
                    b = b.header("last-modified", l);
                }
                if fresh_etag || (fresh_lm && hit.if_none_match.is_none()) {
                    return b.status(304).body(Body::empty()).unwrap();
                }
                b.status(200)
                    .header("content-type", content_type)
                    .body(Body::from(body))
                    .unwrap()
            }
            Reply::Status { code, headers } => {
                let mut b = Response::builder().status(code);
                for (k, v) in headers {
                    b = b.header(k, v);
                }
                b.body(Body::from(format!("status {code}"))).unwrap()
            }
            Reply::RetryAfterDate { code, secs } => {
                let when = chrono::Utc::now() + chrono::Duration::seconds(secs as i64);
                let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                Response::builder()
                    .status(code)
                    .header("retry-after", date)
                    .body(Body::empty())
                    .unwrap()
            }
            Reply::Hang => {
                std::future::pending::<()>().await;
                unreachable!()
            }
            Reply::Huge { bytes } => {
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                let n = bytes.div_ceil(chunk.len());
                let stream =
                    futures::stream::iter((0..n).map(move |_| Ok::<_, Infallible>(chunk.clone())));
                Response::builder()
                    .status(200)
                    .header("content-type", "application/rss+xml")
                    .body(Body::from_stream(stream))
                    .unwrap()
            }
            Reply::Gzip { body } => Response::builder()
                .status(200)
                .header("content-type", "application/rss+xml")
                .header("content-encoding", "gzip")
                .body(Body::from(body))
                .unwrap(),
            Reply::Trickle { bytes, every } => {
                let stream = futures::stream::unfold(0usize, move |i| async move {
                    if i >= bytes {
                        return None;
                    }
                    tokio::time::sleep(every).await;
                    Some((Ok::<_, Infallible>(Bytes::from_static(b"<")), i + 1))
                });
                Response::builder()
                    .status(200)
                    .header("content-type", "application/rss+xml")
                    .body(Body::from_stream(stream))
                    .unwrap()
            }
            Reply::Redirect { code, to } => Response::builder()
                .status(code)
                .header("location", HeaderValue::from_str(&to).unwrap())
                .body(Body::empty())
                .unwrap(),
            Reply::Slow { delay, then } => {
                tokio::time::sleep(delay).await;
                answer(*then, hit).await
            }
            Reply::Seq(_) => simple(500, "nested Seq"),
        }
    })
}

/// An RSS 2.0 document; items are (guid, title, link, description).
pub fn rss(title: &str, items: &[(&str, &str, &str, &str)]) -> String {
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://news.example/</link><description>test</description>\n");
    for (guid, t, link, desc) in items {
        s.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{t}</title><link>{}</link><description>{}</description><pubDate>Tue, 07 May 2024 08:00:00 +0000</pubDate></item>\n",
            xml_escape(link),
            xml_escape(desc)
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A configuration from TOML (without the file-level validation, so that
/// tests may use sub-second intervals).
pub fn config(toml_text: &str) -> Config {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("test config: {e}\n{toml_text}"))
}

/// (feed, its stories) per batch, in arrival order.
type Received = Vec<(String, Vec<Story>)>;

/// Received batches, acknowledged as they come.
#[derive(Clone, Default)]
pub struct Batches(Arc<Mutex<Received>>);

impl Batches {
    pub fn all(&self) -> Vec<(String, Vec<Story>)> {
        self.0.lock().unwrap().clone()
    }

    pub fn of(&self, feed: &str) -> Vec<Vec<Story>> {
        self.all()
            .into_iter()
            .filter(|(f, _)| f == feed)
            .map(|(_, s)| s)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A channel for the scheduler and a task that records and acknowledges
/// every batch.
pub fn consumer() -> (mpsc::Sender<FeedBatch>, Batches) {
    let (tx, mut rx) = mpsc::channel::<FeedBatch>(64);
    let batches = Batches::default();
    let b = batches.clone();
    tokio::spawn(async move {
        while let Some(batch) = rx.recv().await {
            b.0.lock()
                .unwrap()
                .push((batch.feed.clone(), batch.stories));
            let _ = batch.done.send(());
        }
    });
    (tx, batches)
}

/// Poll `cond` every 20 ms until it holds or `limit` passes.
pub async fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}
