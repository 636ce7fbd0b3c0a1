//! A real SMTP server on 127.0.0.1 for the delivery tests: the `mailin`
//! crate's SMTP state machine (parser, command sequence, responses) driven
//! by a small tokio accept loop. Plain SMTP only (no STARTTLS), with AUTH
//! PLAIN/LOGIN allowed in plain text so credentials can be checked.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin::{Action, AuthMechanism, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body) as sent after DATA.
    pub data: Vec<u8>,
    /// (username, password) the client authenticated with, if it did.
    pub auth: Option<(String, String)>,
}

/// How the server behaves.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// Require AUTH with these credentials.
    pub credentials: Option<(String, String)>,
    /// Answers to DATA, in turn, before accepting: e.g. (451, "try later")
    /// or (550, "no such user").
    pub reject_data: Vec<(u16, String)>,
}

#[derive(Default)]
struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    rejects: Mutex<VecDeque<(u16, String)>>,
    credentials: Option<(String, String)>,
}

#[derive(Clone)]
struct Handler {
    shared: Arc<Shared>,
    auth: Option<(String, String)>,
    current: Option<ReceivedMail>,
}

impl mailin::Handler for Handler {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        if self.shared.credentials.is_some() && self.auth.is_none() {
            return mailin::response::AUTHENTICATION_REQUIRED;
        }
        if let Some((code, msg)) = self.shared.rejects.lock().unwrap().pop_front() {
            return Response::custom(code, msg);
        }
        self.current = Some(ReceivedMail {
            from: from.to_string(),
            to: to.to_vec(),
            data: Vec::new(),
            auth: self.auth.clone(),
        });
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(m) = &mut self.current {
            m.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(m) = self.current.take() {
            self.shared.mails.lock().unwrap().push(m);
        }
        mailin::response::OK
    }

    fn auth_plain(&mut self, _authz: &str, authn: &str, password: &str) -> Response {
        self.check(authn, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.check(username, password)
    }
}

impl Handler {
    fn check(&mut self, user: &str, password: &str) -> Response {
        match &self.shared.credentials {
            Some((u, p)) if u == user && p == password => {
                self.auth = Some((user.to_string(), password.to_string()));
                mailin::response::AUTH_OK
            }
            _ => mailin::response::INVALID_CREDENTIALS,
        }
    }
}

/// A running server; stops when dropped.
pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    /// Start on a free loopback port.
    pub async fn start(options: SmtpOptions) -> SmtpServer {
        Self::start_on(0, options).await
    }

    /// Start on 127.0.0.1:`port` (0: any free port).
    pub async fn start_on(port: u16, options: SmtpOptions) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the test SMTP server on 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            mails: Mutex::new(Vec::new()),
            rejects: Mutex::new(options.reject_data.into_iter().collect()),
            credentials: options.credentials.clone(),
        });
        let mut builder = SessionBuilder::new("smtp.test");
        if options.credentials.is_some() {
            builder
                .enable_auth(AuthMechanism::Plain)
                .enable_auth(AuthMechanism::Login)
                .insecure_enable_plaintext_auth();
        }
        let sh = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let handler = Handler {
                    shared: sh.clone(),
                    auth: None,
                    current: None,
                };
                let builder = builder.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, peer.ip(), builder, handler).await;
                });
            }
        });
        SmtpServer { addr, shared, task }
    }

    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.shared.mails.lock().unwrap().clone()
    }

    /// Wait (bounded) until at least `n` messages arrived.
    pub async fn wait_for_mails(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let m = self.mails();
            if m.len() >= n || tokio::time::Instant::now() >= deadline {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: TcpStream,
    ip: IpAddr,
    builder: SessionBuilder,
    handler: Handler,
) -> io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut session = builder.build(ip, handler);
    w.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n =
            tokio::time::timeout(Duration::from_secs(30), r.read_until(b'\n', &mut line)).await??;
        if n == 0 {
            return Ok(());
        }
        let res = session.process(&line);
        match res.action {
            Action::Reply => w.write_all(&res.buffer()?).await?,
            Action::Close => {
                w.write_all(&res.buffer()?).await?;
                return Ok(());
            }
            Action::NoReply => {}
            Action::UpgradeTls => return Ok(()),
        }
    }
}

/// A loopback port that nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
