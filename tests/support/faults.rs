//! Helpers for the fault suites (`tests/faults.rs`, `tests/faults2.rs`) and
//! `tests/first_start.rs`: the real daemon started
//! with a chosen umask and its log collected through a pipe (so a file-size
//! limit on the daemon cannot cut its own log), its peak memory, a
//! size-limited filesystem for the state directory (tmpfs, or a file-size
//! limit when mounting is not allowed), feed documents with hostile items
//! and read-only peeks into the state database; the daemon configurations
//! they share and the command line run to its end. Every wait is bounded.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sahel_watch::model::Alert;

use super::daemon::{toml_str, NotifySocket};

// ---------------------------------------------------------------------------
// The daemon process

/// How to start `sahel-watch run`.
pub struct Launch<'a> {
    pub config: &'a Path,
    /// The daemon's log (its stderr) is copied here.
    pub log_path: PathBuf,
    pub env: Vec<(String, String)>,
    /// The umask the daemon starts with (None: the test's own).
    pub umask: Option<libc::mode_t>,
    pub rust_log: &'a str,
}

/// A `sahel-watch run` child; killed (SIGKILL) and reaped on drop.
pub struct Proc {
    child: Option<Child>,
    exit: Option<ExitStatus>,
    log: Arc<Mutex<Vec<u8>>>,
    log_path: PathBuf,
    copier: Option<JoinHandle<()>>,
    _notify_dir: tempfile::TempDir,
    pub notify: NotifySocket,
}

impl Proc {
    /// Start the daemon and wait (at most 20 s) for READY=1.
    pub fn start(l: Launch<'_>) -> Proc {
        let notify_dir = tempfile::Builder::new()
            .prefix("sw-n")
            .tempdir()
            .expect("notify dir");
        let notify = NotifySocket::bind(notify_dir.path());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sahel-watch"));
        cmd.arg("run")
            .arg("--config")
            .arg(l.config)
            .env("NOTIFY_SOCKET", &notify.path)
            .env("RUST_LOG", l.rust_log)
            .env_remove("WATCHDOG_PID")
            .env_remove("WATCHDOG_USEC")
            .env_remove("JOURNAL_STREAM")
            .env_remove("LISTEN_FDS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in &l.env {
            cmd.env(k, v);
        }
        let umask = l.umask;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if let Some(m) = umask {
                    libc::umask(m);
                }
                // a file-size limit must show up as EFBIG, not kill the process
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("spawn sahel-watch");
        let mut stderr = child.stderr.take().expect("stderr pipe");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (log2, path2) = (log.clone(), l.log_path.clone());
        let copier = std::thread::spawn(move || {
            let mut file = File::create(&path2).ok();
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log2.lock().unwrap().extend_from_slice(&buf[..n]);
                if let Some(f) = file.as_mut() {
                    let _ = f.write_all(&buf[..n]);
                }
            }
        });
        let mut p = Proc {
            child: Some(child),
            exit: None,
            log,
            log_path: l.log_path,
            copier: Some(copier),
            _notify_dir: notify_dir,
            notify,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if p.notify
                .recv(Duration::from_millis(200))
                .is_some_and(|n| n.has("READY=1"))
            {
                break;
            }
            if p.try_exit().is_some() || Instant::now() > deadline {
                panic!(
                    "the daemon did not get ready (exit {:?}); log:\n{}",
                    p.try_exit(),
                    p.log()
                );
            }
        }
        p
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().expect("child").id() as i32
    }

    /// Everything the daemon logged so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            if let Some(c) = self.child.as_mut() {
                self.exit = c.try_wait().expect("try_wait");
            }
        }
        self.exit
    }

    /// Panic with the log if the daemon is not running any more.
    pub fn assert_alive(&mut self, when: &str) {
        if let Some(s) = self.try_exit() {
            panic!("{when}: the daemon exited ({s}); log:\n{}", self.log());
        }
    }

    pub fn signal(&self, sig: libc::c_int) {
        let rc = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// SIGTERM and wait (at most `timeout`) for the exit status.
    pub fn stop(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.try_exit().is_none() {
            self.signal(libc::SIGTERM);
        }
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(s) = self.try_exit() {
                if let Some(c) = self.copier.take() {
                    let _ = c.join();
                }
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Peak resident memory (VmHWM) in bytes, from /proc/<pid>/status.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmHWM line")
            * 1024
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if self.exit.is_none() && matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
        }
        if let Some(c) = self.copier.take() {
            let _ = c.join();
        }
    }
}

/// Poll `f` every 100 ms until it returns Some, for at most `timeout`.
pub fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------
// A small filesystem for the state directory

/// How the state directory is starved of space.
pub enum Squeeze {
    /// A tmpfs mounted there; `fill` writes a filler file until ENOSPC.
    Tmpfs { mount: PathBuf, filler: PathBuf },
    /// No mount allowed: `fill` sets the daemon's RLIMIT_FSIZE to 0 (every
    /// write to a regular file fails with EFBIG; SIGXFSZ is ignored).
    Rlimit { pid: Option<i32> },
}

impl Squeeze {
    /// A tmpfs of `size` bytes mounted on `dir` (created), else the
    /// file-size-limit fallback.
    pub fn new(dir: &Path, size: u64) -> Squeeze {
        std::fs::create_dir_all(dir).expect("create mount point");
        // SW_FAULTS_NO_MOUNT=1 tries the fallback where mounting would work
        let ok = std::env::var_os("SW_FAULTS_NO_MOUNT").is_none()
            && Command::new("mount")
                .args(["-t", "tmpfs", "-o"])
                .arg(format!("size={size},mode=0700"))
                .arg("tmpfs")
                .arg(dir)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        if ok {
            Squeeze::Tmpfs {
                mount: dir.to_path_buf(),
                filler: dir.join("filler"),
            }
        } else {
            eprintln!("cannot mount a tmpfs here: starving the daemon with RLIMIT_FSIZE instead");
            Squeeze::Rlimit { pid: None }
        }
    }

    pub fn is_tmpfs(&self) -> bool {
        matches!(self, Squeeze::Tmpfs { .. })
    }

    /// The daemon to starve (for the RLIMIT_FSIZE fallback).
    pub fn attach(&mut self, daemon_pid: i32) {
        if let Squeeze::Rlimit { pid } = self {
            *pid = Some(daemon_pid);
        }
    }

    /// No more space for the state database.
    pub fn fill(&self) {
        match self {
            Squeeze::Tmpfs { filler, .. } => {
                let mut f = File::create(filler).expect("create filler");
                let chunk = vec![0x5a_u8; 16 * 1024];
                loop {
                    if f.write_all(&chunk).is_err() {
                        break;
                    }
                }
                // byte by byte to the last free page
                while f.write_all(&[0x5a]).is_ok() {}
                let _ = f.sync_all();
            }
            Squeeze::Rlimit { pid } => set_fsize(pid.expect("attach() first"), 0),
        }
    }

    /// Space is back.
    pub fn release(&self) {
        match self {
            Squeeze::Tmpfs { filler, .. } => std::fs::remove_file(filler).expect("remove filler"),
            Squeeze::Rlimit { pid } => {
                if let Some(p) = pid {
                    set_fsize(*p, libc::RLIM_INFINITY)
                }
            }
        }
    }
}

fn set_fsize(pid: i32, limit: libc::rlim_t) {
    let new = libc::rlimit {
        rlim_cur: limit,
        rlim_max: libc::RLIM_INFINITY,
    };
    let rc = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, &new, std::ptr::null_mut()) };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

impl Drop for Squeeze {
    fn drop(&mut self) {
        if let Squeeze::Tmpfs { mount, .. } = self {
            let ok = Command::new("umount")
                .arg(&*mount)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                let _ = Command::new("umount").arg("-l").arg(&*mount).status();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Daemon set-up (faults.rs, faults2.rs, first_start.rs)

/// A watch-list for every watched country.
pub const WATCH_ALL: &str =
    "[[watchlist]]\nname = \"all\"\ncountries = [\"ML\", \"BF\", \"NE\", \"TD\", \"MR\"]\n";

/// An RFC 2822 date `hours` before now.
pub fn hours_ago(hours: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc2822()
}

/// WATCH_ALL sending to every channel `channels` (TOML text) defines, or
/// to the daemon's log when it defines none.
pub fn watch_all_to(channels: &str) -> String {
    let mut names = Vec::new();
    let mut in_channel = false;
    for l in channels.lines().map(str::trim) {
        if l.starts_with('[') {
            in_channel = l == "[[channel]]";
        } else if let Some(n) = l.strip_prefix("name = ").filter(|_| in_channel) {
            names.push(n.to_string());
        }
    }
    if names.is_empty() {
        names.push("\"log\"".to_string());
    }
    format!("{WATCH_ALL}channels = [{}]\n", names.join(", "))
}

/// A daemon configuration: feeds are (name, url, interval); `extra` is TOML
/// appended (channels: WATCH_ALL sends to each); `listen` empty: no endpoint.
pub fn daemon_config(
    state: &Path,
    listen: &str,
    feeds: &[(&str, String, &str)],
    extra: &str,
) -> String {
    let mut s = format!(
        r#"[daemon]
state_dir = {state}
listen = {listen}
log_format = "text"
max_story_age = "30d"
connect_timeout = "2s"
fetch_timeout = "5s"
shutdown_grace = "2s"

[alerts]
retry_delay = "200ms"
max_retry_delay = "1s"

{watch}
{extra}
"#,
        state = toml_str(&state.display().to_string()),
        listen = toml_str(listen),
        watch = watch_all_to(extra),
    );
    for (name, url, interval) in feeds {
        s.push_str(&format!(
            "\n[[feed]]\nname = {}\nurl = {}\ninterval = \"{interval}\"\n",
            toml_str(name),
            toml_str(url)
        ));
    }
    s
}

/// A jsonl channel named "file" writing to `path`.
pub fn jsonl_channel(path: &Path) -> String {
    format!(
        "[[channel]]\nname = \"file\"\ntype = \"jsonl\"\npath = {}\n",
        toml_str(&path.display().to_string())
    )
}

/// A temporary directory for one daemon alerting to a jsonl file: the
/// state directory, its database, the jsonl file and the configuration.
pub struct DaemonDir {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub db: PathBuf,
    pub jsonl: PathBuf,
    pub cfg: PathBuf,
}

impl DaemonDir {
    /// [`daemon_config`] of `feeds` listening on `listen`, alerting to the
    /// jsonl file, with `edit` applied, written to `cfg`.
    pub fn with_jsonl(
        listen: &str,
        feeds: &[(&str, String, &str)],
        edit: impl FnOnce(String) -> String,
    ) -> DaemonDir {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let db = state.join("sahel-watch.sqlite");
        let jsonl = dir.path().join("alerts.jsonl");
        let cfg = dir.path().join("sw.toml");
        let text = daemon_config(&state, listen, feeds, &jsonl_channel(&jsonl));
        std::fs::write(&cfg, edit(text)).unwrap();
        DaemonDir {
            dir,
            state,
            db,
            jsonl,
            cfg,
        }
    }
}

/// Start `config_path` with the log in `dir/NAME.log`, at INFO.
pub fn launch<'a>(dir: &Path, config_path: &'a Path, name: &str) -> Launch<'a> {
    Launch {
        config: config_path,
        log_path: dir.join(format!("{name}.log")),
        env: vec![],
        umask: None,
        rust_log: "info",
    }
}

/// The alert/1 lines of a jsonl file.
pub fn read_alerts(path: &Path) -> Vec<Alert> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an alert/1 line"))
        .collect()
}

/// Lines of a file (0 when it does not exist).
pub fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .count()
}

/// Run `sahel-watch ARGS` to its end, at most `limit` (killed after that:
/// the test then fails on the status): (status, stdout, stderr).
pub fn run_cli(args: &[&str], limit: Duration) -> (Option<ExitStatus>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sahel-watch");
    let deadline = Instant::now() + limit;
    let mut status = None;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().expect("try_wait") {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("wait");
    (
        status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------------------
// Feed documents

/// One RSS item.
#[derive(Clone, Debug)]
pub struct Item {
    pub guid: String,
    pub title: String,
    pub link: String,
    pub text: String,
    /// RFC 2822, e.g. "Tue, 10 Nov 2026 08:00:00 +0000"; empty: none.
    pub date: String,
}

impl Item {
    pub fn new(guid: &str, title: &str, link: &str, text: &str, date: &str) -> Item {
        Item {
            guid: guid.into(),
            title: title.into(),
            link: link.into(),
            text: text.into(),
            date: date.into(),
        }
    }
}

/// An RSS 2.0 document (UTF-8); `lang` goes into `<language>`.
pub fn rss_doc(title: &str, lang: &str, items: &[Item]) -> String {
    let mut s = String::with_capacity(items.len() * 400 + 300);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>");
    s.push_str(&format!(
        "<title>{}</title><link>https://outlet.example/</link><description>fault suite</description><language>{lang}</language>\n",
        esc(title)
    ));
    for it in items {
        s.push_str("<item>");
        if !it.guid.is_empty() {
            s.push_str(&format!(
                "<guid isPermaLink=\"false\">{}</guid>",
                esc(&it.guid)
            ));
        }
        s.push_str(&format!("<title>{}</title>", esc(&it.title)));
        if !it.link.is_empty() {
            s.push_str(&format!("<link>{}</link>", esc(&it.link)));
        }
        s.push_str(&format!("<description>{}</description>", esc(&it.text)));
        if !it.date.is_empty() {
            s.push_str(&format!("<pubDate>{}</pubDate>", it.date));
        }
        s.push_str("</item>\n");
    }
    s.push_str("</channel></rss>\n");
    s
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Attack stories (title, text) in twelve different regions of Burkina
/// Faso, Mali and Niger, worded differently: twelve different incidents.
/// Number 8 is French, with accents and guillemets.
pub const STORIES: &[(&str, &str)] = &[
    ("Gunmen kill 12 civilians near Djibo", "Gunmen on motorbikes killed twelve civilians in a raid on a village near Djibo in northern Burkina Faso on Tuesday, residents said."),
    ("Seven soldiers killed in ambush near Gao", "Seven Malian soldiers died when jihadists ambushed their patrol on the road outside Gao on Monday, the army said."),
    ("Boko Haram fighters attack Diffa outpost, nine dead", "Nine people, including four gendarmes, were killed when Boko Haram fighters stormed an outpost in Diffa, south-eastern Niger, officials said."),
    ("Armed men kill 15 villagers in Mopti region", "Armed men burned houses and shot fifteen villagers dead in the Mopti region of central Mali overnight, a local mayor said."),
    ("Roadside bomb kills 5 near Fada N'Gourma", "An improvised explosive device killed five passengers of a bus near Fada N'Gourma in eastern Burkina Faso on Sunday, police said."),
    ("Attack on Tahoua market leaves 11 dead", "Eleven traders were killed when gunmen opened fire at a weekly market in the Tahoua region of Niger on Friday, witnesses reported."),
    ("Suicide attack kills 8 at Kidal checkpoint", "A suicide bomber killed eight people at a checkpoint at the entrance of Kidal in northern Mali on Wednesday, security sources said."),
    ("Jihadists kill 20 volunteers near Ouahigouya", "Twenty army auxiliaries were killed in an assault by jihadists on their base near Ouahigouya, in the Nord region of Burkina Faso, a security source said."),
    ("Attaque \u{e0} Tillab\u{e9}ri : quinze civils tu\u{e9}s", "Des hommes arm\u{e9}s ont tu\u{e9} quinze civils lors d'une attaque contre un village pr\u{e8}s de Tillab\u{e9}ri, dans l'ouest du Niger, mardi, selon des sources locales. \u{ab} C'\u{e9}tait l'horreur \u{bb}, a d\u{e9}clar\u{e9} un \u{e9}lu."),
    ("Gunmen kill 6 worshippers near Kaya", "Six worshippers were shot dead when gunmen attacked a church near Kaya, in Burkina Faso's Centre-Nord region, on Sunday, a diocese official said."),
    ("Militants kill 10 herders in Segou region", "Militants killed ten herders and stole their cattle in an attack in the Segou region of Mali on Thursday, a community leader said."),
    ("Bandits kill 13 villagers in Maradi region", "Bandits on motorbikes killed thirteen villagers in a raid in the Maradi region of southern Niger on Saturday, a local official said."),
];

/// The French story (accents, guillemets).
pub const FRENCH: usize = 8;

/// An RSS item for attack story `i`, dated `date`.
pub fn attack_item(i: usize, date: &str) -> Item {
    let (title, text) = STORIES[i];
    Item::new(
        &format!("attack-{i}"),
        title,
        &format!("https://outlet.example/news/attack-{i}"),
        text,
        date,
    )
}

/// A story that is not about an attack.
pub fn calm_story(i: usize) -> (String, String) {
    (
        format!("Market prices report number {i}"),
        format!(
            "Traders in Bamako said prices of millet and rice were stable this week, bulletin {i}."
        ),
    )
}

// ---------------------------------------------------------------------------
// The state database, read-only

pub fn query_i64(db: &Path, sql: &str) -> Option<i64> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    conn.busy_timeout(Duration::from_secs(2)).ok()?;
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).ok()
}

/// (idem_key, status) of every outbox row of `channel`.
pub fn outbox(db: &Path, channel: &str) -> Vec<(String, String)> {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return vec![];
    };
    let _ = conn.busy_timeout(Duration::from_secs(2));
    let Ok(mut st) =
        conn.prepare("SELECT idem_key, status FROM outbox WHERE channel = ?1 ORDER BY id")
    else {
        return vec![];
    };
    st.query_map([channel], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// Permission bits of a path.
pub fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}
