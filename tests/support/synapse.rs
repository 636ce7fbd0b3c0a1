//! A real Matrix homeserver for the tests: Synapse (PyPI matrix-synapse, put in
//! target/test-tools/synapse by scripts/test-tools.sh) on 127.0.0.1 with an
//! SQLite database in a temporary directory, client API only, no federation,
//! no key servers, open registration. Stopped (killed) when dropped. Where
//! Synapse is not installed the tests skip with a message; under CI=true
//! that is an error.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Synapse {
    child: Child,
    pub base: String,
    dir: tempfile::TempDir,
    client: reqwest::Client,
}

/// The Python with Synapse: `SAHEL_WATCH_SYNAPSE_PYTHON`, else the test-tools virtualenv.
fn python() -> Option<PathBuf> {
    let p = std::env::var_os("SAHEL_WATCH_SYNAPSE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/synapse/bin/python")
        });
    let ok = Command::new(&p)
        .args(["-c", "import synapse"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(p);
    }
    let why = format!(
        "Synapse is not installed at {}: run scripts/test-tools.sh",
        p.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why} (CI=true: the Matrix test must run)");
    }
    eprintln!("skipping: {why}");
    None
}

impl Synapse {
    /// Start a homeserver named `localhost`; None when Synapse is not installed.
    pub async fn start() -> Option<Synapse> {
        let python = python()?;
        let dir = tempfile::tempdir().unwrap();
        let port = super::daemon::free_port();
        let d = dir.path().display().to_string();
        let config = format!(
            r#"server_name: "localhost"
pid_file: {d}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {d}/homeserver.db
media_store_path: {d}/media
signing_key_path: {d}/signing.key
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
url_preview_enabled: false
enable_registration: true
enable_registration_without_verification: true
macaroon_secret_key: "sahel-watch-tests-macaroon"
form_secret: "sahel-watch-tests-form"
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
"#
        );
        std::fs::write(dir.path().join("homeserver.yaml"), config).unwrap();
        // a fixed ed25519 seed: nothing here federates
        std::fs::write(
            dir.path().join("signing.key"),
            "ed25519 a_test AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("synapse.log")).unwrap();
        let child = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(dir.path().join("homeserver.yaml"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start Synapse");
        let s = Synapse {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let up = s
                .client
                .get(format!("{}/_matrix/client/versions", s.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return Some(s);
            }
            if Instant::now() > deadline {
                panic!("Synapse did not answer within 90 s:\n{}", s.log());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("synapse.log")).unwrap_or_default()
    }

    /// Register `user` (open registration): its access token.
    pub async fn register(&self, user: &str) -> String {
        let r: Value = self
            .client
            .post(format!("{}/_matrix/client/v3/register", self.base))
            .json(&json!({"username": user, "password": "a long test password 1", "auth": {"type": "m.login.dummy"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("register {user}: {r}"))
            .to_string()
    }

    /// A new private room of the token's user: its id.
    pub async fn create_room(&self, token: &str) -> String {
        let r: Value = self
            .client
            .post(format!("{}/_matrix/client/v3/createRoom", self.base))
            .bearer_auth(token)
            .json(&json!({"preset": "private_chat", "name": "sahel-watch alerts"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["room_id"]
            .as_str()
            .unwrap_or_else(|| panic!("createRoom: {r}"))
            .to_string()
    }

    /// The room's `m.room.message` events, oldest first, as the token's user reads them.
    pub async fn messages(&self, token: &str, room: &str) -> Vec<Value> {
        let room = room.replace('!', "%21").replace(':', "%3A");
        let r: Value = self
            .client
            .get(format!(
                "{}/_matrix/client/v3/rooms/{room}/messages?dir=b&limit=100",
                self.base
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut events: Vec<Value> = r["chunk"]
            .as_array()
            .unwrap_or_else(|| panic!("messages: {r}"))
            .iter()
            .filter(|e| e["type"] == "m.room.message")
            .cloned()
            .collect();
        events.reverse();
        events
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
