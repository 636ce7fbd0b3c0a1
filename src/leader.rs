//! Leadership among daemons sharing one PostgreSQL store: exactly one polls,
//! stores and delivers at a time; the others wait (serving the HTTP
//! endpoint read-only) and take over when it is gone.
//!
//! The leader holds a session-level advisory lock (`pg_try_advisory_lock`)
//! on a connection of its own. The lock lives as long as that session:
//! - the leader killed (SIGKILL, a crash): its socket closes, the server ends
//!   the session and the lock is free at once;
//! - the network to the leader cut: the session is ended by the server
//!   after at most [`SERVER_GIVES_UP`] (the session's `idle_session_timeout`,
//!   TCP keepalives and `tcp_user_timeout`), while the leader, whose check
//!   of the lock ([`Leader::check`], every [`CHECK_EVERY`], waiting at most
//!   [`CHECK_TIMEOUT`]) fails first, stops delivering and exits before that.
//!
//! A standby tries the lock every [`CHECK_EVERY`]: it takes over within
//! seconds of a leader's death, and within [`SERVER_GIVES_UP`] plus
//! [`CHECK_EVERY`] of a cut (under 30 s).

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use tokio_postgres::Client;

use crate::store::PgSettings;

/// The advisory lock key of leadership (per database).
pub const LEADER_KEY: i64 = 0x5a4e_4c44;
/// How often the leader checks its lock and a standby tries to take it.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);
/// A check of the lock that takes longer fails.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// The server ends a leader's silent session within this.
pub const SERVER_GIVES_UP: Duration = Duration::from_secs(12);

/// A leader that cannot confirm its lock and whose orderly stop has not
/// ended the process within this is ended by [`Watch`] (its runtime may be
/// stuck: every worker thread waiting on a store that no longer answers).
pub const EXIT_AFTER: Duration = Duration::from_secs(3);

/// A connection that holds, or tries to hold, the leadership lock. Its
/// connection is driven on a thread of its own (not by the daemon's
/// runtime), so that a check is answered, or times out, whatever the
/// daemon's other threads are waiting on.
pub struct Leader {
    client: Client,
}

impl Leader {
    /// Open the leadership connection. Its session is ended by the server
    /// when idle for 10 s (the leader checks every 2 s) and its TCP
    /// connection dropped after 10 s of unanswered traffic or keepalives.
    pub async fn connect(settings: &PgSettings) -> Result<Leader> {
        let mut config = settings.config()?;
        let idle = SERVER_GIVES_UP.as_millis() - 2000;
        // after the store's own options (a later `-c` wins)
        let store = config.get_options().unwrap_or_default().to_string();
        config
            .options(format!(
                "{store} -c idle_session_timeout={idle} -c tcp_keepalives_idle=3 \
                 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout={idle}"
            ))
            .application_name("sahel-watch leader");
        let ca = settings.ca_file.clone();
        let client = tokio::time::timeout(
            Duration::from_secs(15),
            tokio::task::spawn_blocking(move || {
                crate::store::pg::connect_config_blocking(config, ca)
            }),
        )
        .await
        .map_err(|_| anyhow!("timed out"))?
        .map_err(|e| anyhow!("{e}"))?
        .with_context(|| format!("leadership connection to {}", settings.display()))?;
        Ok(Leader { client })
    }

    /// Check the lock every [`CHECK_EVERY`] on a thread of its own, with a
    /// timer of its own: the daemon's runtime may be unable to run a check
    /// (its worker threads waiting on a store cut off from them). When a
    /// check fails, the reason goes to `lost` and the daemon stops; should
    /// the process still run [`EXIT_AFTER`] later, the thread ends it (exit
    /// status 1). [`Watch::stop`] ends the watch and the session (the lock
    /// is free for the next leader).
    pub fn watch(self, lost: tokio::sync::mpsc::UnboundedSender<String>) -> Result<Watch> {
        use std::sync::mpsc::RecvTimeoutError::Timeout;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("leadership".into())
            .spawn(move || loop {
                if !matches!(stopped.recv_timeout(CHECK_EVERY), Err(Timeout)) {
                    return;
                }
                if let Err(e) = rt.block_on(self.check()) {
                    let _ = lost.send(format!("{e:#}"));
                    if matches!(stopped.recv_timeout(EXIT_AFTER), Err(Timeout)) {
                        tracing::error!(
                            "leadership lost ({e:#}) and the daemon did not stop within \
                             {EXIT_AFTER:?}: exiting now"
                        );
                        std::process::exit(1);
                    }
                    return;
                }
            })?;
        Ok(Watch {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Take the lock if it is free: true when this daemon is now the leader.
    pub async fn try_acquire(&self) -> Result<bool> {
        let row = tokio::time::timeout(
            CHECK_TIMEOUT,
            self.client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_KEY]),
        )
        .await
        .map_err(|_| anyhow!("no answer within {CHECK_TIMEOUT:?}"))??;
        Ok(row.get(0))
    }

    /// Is the lock still ours? An error when the server does not answer
    /// within [`CHECK_TIMEOUT`], the session is gone, or the lock is not held.
    pub async fn check(&self) -> Result<()> {
        if self.client.is_closed() {
            anyhow::bail!("the leadership connection is closed");
        }
        let row = tokio::time::timeout(
            CHECK_TIMEOUT,
            self.client.query_one(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
                   AND pid = pg_backend_pid() AND objsubid = 1
                   AND ((classid::bigint << 32) | objid::bigint) = $1",
                &[&LEADER_KEY],
            ),
        )
        .await
        .map_err(|_| anyhow!("the server did not answer within {CHECK_TIMEOUT:?}"))??;
        let n: i64 = row.get(0);
        if n == 0 {
            anyhow::bail!("the leadership lock is no longer held");
        }
        Ok(())
    }
}

/// The leadership lock watched ([`Leader::watch`]).
pub struct Watch {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watch {
    /// Stop watching and end the leadership session (the lock is free for
    /// the next leader once the server has seen the connection close).
    pub fn stop(mut self) {
        self.end();
    }

    fn end(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.end();
    }
}
