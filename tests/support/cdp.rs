//! Headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol through
//! a pipe (`--remote-debugging-pipe`: JSON messages ended by NUL, commands on the browser's
//! fd 3, answers and events on its fd 4): no WebSocket, no driver, no port. Host names
//! resolve to nothing (`--host-resolver-rules`), so a request to any other host fails
//! without leaving the machine; the tests also record every request the pages make.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Chromium: `$CHROMIUM`, else `chromium` (Debian) or `chromium-browser` on the PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

pub struct Chromium {
    child: Child,
    to: std::io::PipeWriter,
    rx: mpsc::Receiver<Value>,
    next_id: u64,
    /// Events not yet taken, in arrival order.
    events: VecDeque<Value>,
    /// Every `Network.requestWillBeSent` seen: (session, URL).
    pub requests: Vec<(String, String)>,
    pub log_path: PathBuf,
    _profile: tempfile::TempDir,
}

/// Put `fds[i]` at descriptor `3 + i` in the child (called between fork and exec: only
/// async-signal-safe calls). First copied above 10 (closed at exec), so that one already
/// at 3 or 4 is not overwritten before it is moved.
fn place_fds(fds: [i32; 2]) -> std::io::Result<()> {
    let mut high = [0i32; 2];
    for (i, fd) in fds.iter().enumerate() {
        let h = unsafe { libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 10) };
        if h < 0 {
            return Err(std::io::Error::last_os_error());
        }
        high[i] = h;
    }
    for (i, h) in high.iter().enumerate() {
        // dup2 leaves the new descriptor open across exec
        if unsafe { libc::dup2(*h, 3 + i as i32) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

impl Chromium {
    /// Start it headless with a fresh profile; its stderr goes to `<log_dir>/chromium.log`.
    pub fn launch(exe: &Path, log_dir: &Path) -> std::io::Result<Chromium> {
        let profile = tempfile::Builder::new().prefix("sw-chromium").tempdir()?;
        let log_path = log_dir.join("chromium.log");
        let log = std::fs::File::create(&log_path)?;
        let (cmd_r, cmd_w) = std::io::pipe()?;
        let (out_r, out_w) = std::io::pipe()?;
        let fds = [cmd_r.as_raw_fd(), out_w.as_raw_fd()];
        let mut cmd = Command::new(exe);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-dev-shm-usage",
            "--no-proxy-server",
            "--mute-audio",
            "--hide-scrollbars",
            // every name resolves to nothing: no lookup, no connection leaves the machine
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--remote-debugging-pipe",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log));
        unsafe {
            cmd.pre_exec(move || place_fds(fds));
        }
        let child = cmd.spawn()?;
        drop(cmd_r);
        drop(out_w);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out_r);
            loop {
                let mut buf = Vec::new();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if buf.last() == Some(&0) {
                            buf.pop();
                        }
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        Ok(Chromium {
            child,
            to: cmd_w,
            rx,
            next_id: 0,
            events: VecDeque::new(),
            requests: Vec::new(),
            log_path,
            _profile: profile,
        })
    }

    fn note(&mut self, v: Value) {
        if v["method"] == "Network.requestWillBeSent" {
            self.requests.push((
                v["sessionId"].as_str().unwrap_or("").to_string(),
                v["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ));
        }
        self.events.push_back(v);
    }

    /// Send a command (to a page's session, or the browser) and wait for its answer.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("{method}: writing to chromium: {e}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if v["id"] == id => {
                    if let Some(e) = v.get("error") {
                        panic!("{method}: {e}");
                    }
                    return v["result"].clone();
                }
                Ok(v) => self.note(v),
                Err(_) => panic!(
                    "{method}: no answer from chromium in 30 s; its log:\n{}",
                    std::fs::read_to_string(&self.log_path).unwrap_or_default()
                ),
            }
        }
    }

    /// Take the first event `method` of `session` (waiting up to `timeout`); the events
    /// before it stay for later.
    pub fn wait_event(&mut self, session: &str, method: &str, timeout: Duration) -> Option<Value> {
        let matches = |v: &Value| v["method"] == method && v["sessionId"] == session;
        if let Some(i) = self.events.iter().position(matches) {
            return self.events.remove(i);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if matches(&v) => {
                    self.note(v.clone());
                    self.events.pop_back();
                    return Some(v);
                }
                Ok(v) => self.note(v),
                Err(_) => return None,
            }
        }
    }

    /// Take in whatever arrived, and drop the events of `session` `method` so far.
    pub fn forget(&mut self, session: &str, method: &str) {
        while let Ok(v) = self.rx.try_recv() {
            self.note(v);
        }
        self.events
            .retain(|v| !(v["method"] == method && v["sessionId"] == session));
    }

    /// Every event of `session` `method` received so far (kept).
    pub fn events_of(&mut self, session: &str, method: &str) -> Vec<Value> {
        while let Ok(v) = self.rx.try_recv() {
            self.note(v);
        }
        self.events
            .iter()
            .filter(|v| v["method"] == method && v["sessionId"] == session)
            .cloned()
            .collect()
    }

    /// A new tab, attached: its session id. Page, Network, Runtime and Log events on.
    pub fn new_page(&mut self) -> String {
        let t = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target = t["targetId"].as_str().expect("targetId").to_string();
        let a = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        let s = a["sessionId"].as_str().expect("sessionId").to_string();
        for m in [
            "Page.enable",
            "Network.enable",
            "Runtime.enable",
            "Log.enable",
        ] {
            self.call(Some(&s), m, json!({}));
        }
        s
    }

    /// Load `url` in the page and wait for its load event.
    pub fn navigate(&mut self, session: &str, url: &str) {
        self.forget(session, "Page.loadEventFired");
        let r = self.call(Some(session), "Page.navigate", json!({"url": url}));
        if let Some(e) = r.get("errorText") {
            panic!("navigating to {url}: {e}");
        }
        self.wait_load(session);
    }

    /// Wait for the page's next load event (after a click or a script's navigation).
    pub fn wait_load(&mut self, session: &str) {
        if self
            .wait_event(session, "Page.loadEventFired", Duration::from_secs(20))
            .is_none()
        {
            panic!("the page did not load within 20 s");
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    pub fn eval(&mut self, session: &str, expr: &str) -> Value {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Wait until `expr` is true in the page.
    pub fn wait_true(&mut self, session: &str, expr: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.eval(session, expr) == json!(true) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A PNG of the page (the whole page when `full`, at most 4000 pixels high).
    pub fn screenshot(&mut self, session: &str, path: &Path, full: bool) {
        use base64::Engine as _;
        let mut params = json!({"format": "png"});
        if full {
            let m = self.call(Some(session), "Page.getLayoutMetrics", json!({}));
            let w = m["cssContentSize"]["width"].as_f64().unwrap_or(1280.0);
            let h = m["cssContentSize"]["height"]
                .as_f64()
                .unwrap_or(900.0)
                .min(4000.0);
            params["clip"] = json!({"x": 0, "y": 0, "width": w, "height": h, "scale": 1});
            params["captureBeyondViewport"] = json!(true);
        }
        let r = self.call(Some(session), "Page.captureScreenshot", params);
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("screenshot data"))
            .expect("base64");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // ask it to close (its renderers go with it), then make sure
        self.next_id += 1;
        let msg = json!({"id": self.next_id, "method": "Browser.close", "params": {}});
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        let _ = self.to.write_all(&bytes);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
