//! Test helpers that run the real `sahel-watch run` binary the way systemd
//! does: a notify socket, a watchdog interval, signals; plus a tiny feed
//! server and a raw HTTP GET. Every wait is bounded.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The repository's `samples/` directory.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The sample feed files: (file name, bytes, content type).
pub fn sample_feeds() -> Vec<(String, Vec<u8>, &'static str)> {
    let dir = samples_dir().join("feeds");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).expect("read sample feed");
            let ct = content_type_of(&name, &bytes);
            (name, bytes, ct)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no sample feeds in {}", dir.display());
    out
}

fn content_type_of(name: &str, bytes: &[u8]) -> &'static str {
    if name.ends_with(".json") {
        "application/feed+json"
    } else if String::from_utf8_lossy(&bytes[..bytes.len().min(400)]).contains("<feed") {
        "application/atom+xml; charset=utf-8"
    } else {
        "application/rss+xml; charset=utf-8"
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

// ---------------------------------------------------------------------------
// Feed server

/// A minimal HTTP/1.1 server on 127.0.0.1:0 serving fixed bodies by path
/// (`/<file name>`), one thread, `Connection: close`. Stops on drop.
pub struct FeedServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
    routes: Routes,
    handle: Option<JoinHandle<()>>,
}

type Routes = Arc<std::sync::Mutex<HashMap<String, (Vec<u8>, &'static str)>>>;

impl FeedServer {
    pub fn start(files: Vec<(String, Vec<u8>, &'static str)>) -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind feed server");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let routes: Routes = Arc::new(std::sync::Mutex::new(
            files
                .into_iter()
                .map(|(name, body, ct)| (format!("/{name}"), (body, ct)))
                .collect(),
        ));
        let (stop2, requests2, routes2) = (stop.clone(), requests.clone(), routes.clone());
        let handle = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(path) = serve_one(stream, &routes2) {
                            requests2.lock().unwrap().push(path);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        FeedServer {
            addr,
            stop,
            requests,
            routes,
            handle: Some(handle),
        }
    }

    /// Serve `body` at `/<name>` from now on (a feed that gets a new item).
    pub fn set(&self, name: &str, body: Vec<u8>, content_type: &'static str) {
        self.routes
            .lock()
            .unwrap()
            .insert(format!("/{name}"), (body, content_type));
    }

    /// `http://127.0.0.1:<port>/<name>`
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }

    /// Paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn serve_one(stream: TcpStream, routes: &Routes) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    // drain the headers
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/").to_string();
    let mut stream = stream;
    let route = routes.lock().unwrap().get(&path).cloned();
    let (status, body, ct): (&str, &[u8], &str) = match &route {
        Some((body, ct)) if method == "GET" || method == "HEAD" => ("200 OK", body, ct),
        Some(_) => ("405 Method Not Allowed", b"", "text/plain"),
        None => ("404 Not Found", b"not found\n", "text/plain"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = stream.write_all(body);
    }
    let _ = stream.flush();
    Some(path)
}

// ---------------------------------------------------------------------------
// A raw HTTP GET (HTTP/1.0: no chunked bodies, the server closes)

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// GET `path` from `addr` ("127.0.0.1:port"), within `timeout`.
pub fn http_get(addr: &str, path: &str, timeout: Duration) -> std::io::Result<HttpResponse> {
    let sock: SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{e}")))?;
    let mut s = TcpStream::connect_timeout(&sock, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nUser-Agent: sahel-watch-test\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no end of headers"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(HttpResponse {
        status,
        headers,
        body: body.to_string(),
    })
}

// ---------------------------------------------------------------------------
// The notify socket

/// One datagram from the daemon, with its arrival time.
#[derive(Debug, Clone)]
pub struct Notification {
    pub at: Instant,
    pub text: String,
}

impl Notification {
    /// Does the message carry `KEY=VALUE` (e.g. "READY=1") as one of its lines?
    pub fn has(&self, assignment: &str) -> bool {
        self.text.lines().any(|l| l == assignment)
    }

    pub fn value(&self, key: &str) -> Option<&str> {
        self.text
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
    }
}

/// The service manager's end of `NOTIFY_SOCKET`.
pub struct NotifySocket {
    pub path: PathBuf,
    sock: UnixDatagram,
    /// Every message received so far, in order.
    pub log: Vec<Notification>,
}

impl NotifySocket {
    pub fn bind(dir: &Path) -> NotifySocket {
        let path = dir.join("notify.sock");
        assert!(
            path.as_os_str().len() < 100,
            "socket path too long: {}",
            path.display()
        );
        let sock = UnixDatagram::bind(&path).expect("bind notify socket");
        NotifySocket {
            path,
            sock,
            log: Vec::new(),
        }
    }

    /// The next message, or None after `timeout`.
    pub fn recv(&mut self, timeout: Duration) -> Option<Notification> {
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 4096];
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            if left.is_zero() {
                return None;
            }
            self.sock
                .set_read_timeout(Some(left))
                .expect("set_read_timeout");
            match self.sock.recv(&mut buf) {
                Ok(n) => {
                    let n = Notification {
                        at: Instant::now(),
                        text: String::from_utf8_lossy(&buf[..n]).into_owned(),
                    };
                    self.log.push(n.clone());
                    return Some(n);
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    return None
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => panic!("notify socket: {e}"),
            }
        }
    }

    /// Messages until one satisfies `pred` (returned last), or None after `timeout`.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Notification) -> bool,
    ) -> Option<(Notification, Vec<Notification>)> {
        let deadline = Instant::now() + timeout;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let n = self.recv(left)?;
            if pred(&n) {
                return Some((n, before));
            }
            before.push(n);
        }
    }

    /// Every message that arrives during `span`.
    pub fn collect(&mut self, span: Duration) -> Vec<Notification> {
        let deadline = Instant::now() + span;
        let mut out = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.recv(left) {
                Some(n) => out.push(n),
                None => break,
            }
        }
        out
    }

    /// The whole conversation so far, for failure messages.
    pub fn transcript(&self) -> String {
        let t0 = self.log.first().map(|n| n.at);
        self.log
            .iter()
            .map(|n| {
                format!(
                    "  +{:>6} ms  {}",
                    t0.map(|t| n.at.duration_since(t).as_millis()).unwrap_or(0),
                    n.text.trim_end().replace('\n', " | ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

// ---------------------------------------------------------------------------
// Configuration and the daemon process

/// What goes into a test configuration.
pub struct TestConfig<'a> {
    pub state_dir: &'a Path,
    pub listen: String,
    /// (name, url, language)
    pub feeds: Vec<(String, String, Option<&'a str>)>,
    pub jsonl: &'a Path,
    pub feed_interval: &'a str,
}

impl TestConfig<'_> {
    pub fn render(&self) -> String {
        let mut s = format!(
            r#"# written by the sahel-watch integration tests
[daemon]
state_dir = {state}
listen = "{listen}"
log_format = "text"
# the sample stories are dated October-November 2026: never "too old" here
max_story_age = "36500d"
first_poll_max_age = "36500d"
connect_timeout = "2s"
fetch_timeout = "5s"
shutdown_grace = "2s"

[alerts]
retry_delay = "1s"
max_retry_delay = "2s"

[[watchlist]]
name = "default"
countries = ["ML", "BF", "NE", "TD", "MR"]
channels = ["file"]

[[channel]]
name = "file"
type = "jsonl"
path = {jsonl}
"#,
            state = toml_str(&self.state_dir.display().to_string()),
            listen = self.listen,
            jsonl = toml_str(&self.jsonl.display().to_string()),
        );
        for (name, url, lang) in &self.feeds {
            s.push_str(&format!(
                "\n[[feed]]\nname = {}\nurl = {}\ninterval = \"{}\"\n",
                toml_str(name),
                toml_str(url),
                self.feed_interval
            ));
            if let Some(l) = lang {
                s.push_str(&format!("language = \"{l}\"\n"));
            }
        }
        s
    }
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `sahel-watch run` under test. Killed (SIGKILL) and reaped on drop, so a
/// failing assertion never leaves a daemon behind.
pub struct Daemon {
    child: Option<Child>,
    pub log_path: PathBuf,
    exit: Option<ExitStatus>,
}

impl Daemon {
    /// Start `sahel-watch run --config <config>` as systemd would: with
    /// `NOTIFY_SOCKET` and, when given, `WATCHDOG_USEC`. Its stderr (the log)
    /// goes to `<dir>/daemon.log`.
    pub fn start(
        dir: &Path,
        config: &Path,
        notify_socket: &Path,
        watchdog_usec: Option<u64>,
    ) -> Daemon {
        let log_path = dir.join("daemon.log");
        let log = File::create(&log_path).expect("create daemon.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sahel-watch"));
        cmd.arg("run")
            .arg("--config")
            .arg(config)
            .env("NOTIFY_SOCKET", notify_socket)
            .env("RUST_LOG", "info")
            .env_remove("WATCHDOG_PID")
            .env_remove("WATCHDOG_USEC")
            .env_remove("JOURNAL_STREAM")
            .env_remove("LISTEN_FDS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        if let Some(us) = watchdog_usec {
            cmd.env("WATCHDOG_USEC", us.to_string());
        }
        let child = cmd.spawn().expect("spawn sahel-watch");
        Daemon {
            child: Some(child),
            log_path,
            exit: None,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().expect("child").id() as i32
    }

    /// Send a signal (libc::SIGHUP, libc::SIGTERM...).
    pub fn signal(&self, sig: libc::c_int) {
        let rc = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(
            rc,
            0,
            "kill({}, {sig}): {}",
            self.pid(),
            std::io::Error::last_os_error()
        );
    }

    /// The exit status if the process has exited (not blocking).
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            if let Some(c) = self.child.as_mut() {
                self.exit = c.try_wait().expect("try_wait");
            }
        }
        self.exit
    }

    /// Wait at most `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_exit() {
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Wait at most `timeout` for a notify message satisfying `pred`; fail
    /// at once (with the log) if the daemon exits meanwhile.
    pub fn expect_notify(
        &mut self,
        notify: &mut NotifySocket,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Notification) -> bool,
    ) -> Notification {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(n) = notify.recv(Duration::from_millis(200)) {
                if pred(&n) {
                    return n;
                }
            } else if self.try_exit().is_some() {
                self.fail(
                    &format!("the daemon exited while waiting for {what}"),
                    notify,
                );
            }
            if Instant::now() >= deadline {
                self.fail(&format!("no {what} within {timeout:?}"), notify);
            }
        }
    }

    /// Panic with `what`, the daemon's log and the notify transcript.
    pub fn fail(&mut self, what: &str, notify: &NotifySocket) -> ! {
        let exit = self.try_exit();
        panic!(
            "{what}\n--- exit status: {exit:?}\n--- notify messages:\n{}\n--- daemon log ({}):\n{}",
            notify.transcript(),
            self.log_path.display(),
            self.log()
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if self.exit.is_none() && matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
    }
}

/// Poll `f` every `every` until it returns Some, for at most `timeout`.
pub fn poll_until<T>(
    timeout: Duration,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}
