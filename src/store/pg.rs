//! The PostgreSQL connection of the store: a `tokio_postgres` client whose
//! connection runs on a thread of its own (a small runtime), so that the
//! store's synchronous calls can wait on it from anywhere, inside the
//! daemon's async tasks too (as they wait on SQLite).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use bytes::BytesMut;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use super::db::{VRow, Value};
use super::tls::MakeRustls;

/// How to reach the server: the URL of `[store] url` and the password read
/// from `password_env` / `password_file` (never written in the URL).
#[derive(Clone, Default)]
pub struct PgSettings {
    pub url: String,
    pub password: Option<String>,
    /// The certificates (PEM) that sign the server's, for TLS (`sslmode`
    /// `require` or `prefer`); the Mozilla roots when None.
    pub ca_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// The server's TCP keepalives and user timeout for the daemon's sessions
/// (`PgSettings::config`): a dead peer found within 11 s when idle, 15 s
/// with data unacknowledged.
pub const SERVER_KEEPALIVES: &str = "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 \
     -c tcp_keepalives_count=3 -c tcp_user_timeout=15000";

impl PgSettings {
    /// The client configuration: the URL's, the password, and TCP
    /// keepalives and a user timeout so that a cut network fails a query
    /// within seconds instead of hanging on it.
    pub fn config(&self) -> Result<tokio_postgres::Config> {
        let mut c: tokio_postgres::Config = self
            .url
            .parse()
            .map_err(|e| anyhow!("store.url: not a PostgreSQL URL ({e})"))?;
        if let Some(p) = &self.password {
            c.password(p.as_bytes());
        }
        // no sslmode in the URL: plain (libpq's default, "prefer" without
        // verifying anything, is not offered: TLS here is always verified)
        let explicit = url::Url::parse(&self.url)
            .map(|u| u.query_pairs().any(|(k, _)| k == "sslmode"))
            .unwrap_or(false);
        if !explicit {
            c.ssl_mode(tokio_postgres::config::SslMode::Disable);
        }
        if c.get_connect_timeout().is_none() {
            c.connect_timeout(Duration::from_secs(10));
        }
        c.keepalives(true)
            .keepalives_idle(Duration::from_secs(5))
            .keepalives_interval(Duration::from_secs(2))
            .keepalives_retries(3)
            .tcp_user_timeout(Duration::from_secs(15));
        // and the server's side of the same: a session whose daemon is cut
        // off (idle, or in a transaction holding row locks) is ended after
        // 5 s + 3 × 2 s of unanswered keepalives, or 15 s of unacknowledged
        // data, instead of the system's default of two hours; the URL's own
        // `options` come first (a later `-c` wins, so these do)
        let server = SERVER_KEEPALIVES;
        let options = match c.get_options() {
            Some(o) if !o.trim().is_empty() => format!("{o} {server}"),
            _ => server.to_string(),
        };
        c.options(options);
        if c.get_application_name().is_none() {
            c.application_name("sahel-watch");
        }
        Ok(c)
    }

    /// The URL without its password, for messages.
    pub fn display(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) => {
                let _ = u.set_password(None);
                u.to_string()
            }
            Err(_) => "(unparsable URL)".into(),
        }
    }
}

/// The connection's task: drives the socket until the client is dropped.
pub type Driver = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Connect with `config`, over TLS (rustls, verified) unless its sslmode
/// is `disable`; returns the client and the task that drives the connection.
pub async fn connect_with(
    config: &tokio_postgres::Config,
    ca_file: Option<&std::path::Path>,
) -> Result<(Client, Driver)> {
    fn drive<F>(conn: F) -> Driver
    where
        F: Future<Output = std::result::Result<(), tokio_postgres::Error>> + Send + 'static,
    {
        Box::pin(async move {
            if let Err(e) = conn.await {
                tracing::warn!("PostgreSQL connection ended: {e}");
            }
        })
    }
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable {
        let (client, conn) = config.connect(NoTls).await?;
        Ok((client, drive(conn)))
    } else {
        let (client, conn) = config.connect(MakeRustls::new(ca_file)?).await?;
        Ok((client, drive(conn)))
    }
}

/// Connect from any thread: the connection is driven by a runtime on a
/// thread of its own, which ends when the client is dropped.
pub fn connect_blocking(s: &PgSettings) -> Result<Client> {
    connect_config_blocking(s.config()?, s.ca_file.clone())
}

/// [`connect_blocking`] with a configuration of the caller's (the
/// leadership connection's own options): the connection is driven on a
/// thread of its own, so it answers however busy the caller's runtime is.
pub fn connect_config_blocking(
    config: tokio_postgres::Config,
    ca: Option<std::path::PathBuf>,
) -> Result<Client> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(anyhow::Error::from(e)));
                    return;
                }
            };
            rt.block_on(async move {
                match connect_with(&config, ca.as_deref()).await {
                    Ok((client, drive)) => {
                        let _ = tx.send(Ok(client));
                        drive.await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        })?;
    rx.recv()
        .map_err(|_| anyhow!("the PostgreSQL connection thread ended"))?
}

/// A prepared statement and the names of its columns.
type Prepared = (Statement, Arc<[String]>);

/// One connection with its prepared statements.
pub struct PgConn {
    pub(crate) client: Client,
    cache: RefCell<HashMap<String, Prepared>>,
}

impl PgConn {
    pub fn connect(s: &PgSettings) -> Result<PgConn> {
        let client = connect_blocking(s)
            .with_context(|| format!("connecting to PostgreSQL at {}", s.display()))?;
        Ok(PgConn {
            client,
            cache: Default::default(),
        })
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn prepare(&self, sql: &str) -> Result<Prepared> {
        if let Some(s) = self.cache.borrow().get(sql) {
            return Ok(s.clone());
        }
        let st = futures::executor::block_on(self.client.prepare(&numbered(sql)))
            .with_context(|| format!("preparing: {sql}"))?;
        let cols: Arc<[String]> = st.columns().iter().map(|c| c.name().to_string()).collect();
        let mut cache = self.cache.borrow_mut();
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(sql.to_string(), (st.clone(), cols.clone()));
        Ok((st, cols))
    }

    pub fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<VRow>> {
        let (st, cols) = self.prepare(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        let rows = futures::executor::block_on(self.client.query(&st, &params))
            .with_context(|| format!("query: {sql}"))?;
        rows.iter()
            .map(|r| {
                let vals = (0..r.len())
                    .map(|i| read_col(r, i))
                    .collect::<Result<Vec<_>>>()?;
                Ok(VRow {
                    cols: cols.clone(),
                    vals,
                })
            })
            .collect()
    }

    pub fn execute(&self, sql: &str, args: &[Value]) -> Result<usize> {
        let (st, _) = self.prepare(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        let n = futures::executor::block_on(self.client.execute(&st, &params))
            .with_context(|| format!("statement: {sql}"))?;
        Ok(n as usize)
    }

    pub fn batch(&self, sql: &str) -> Result<()> {
        futures::executor::block_on(self.client.batch_execute(sql))?;
        Ok(())
    }
}

fn read_col(r: &tokio_postgres::Row, i: usize) -> Result<Value> {
    let ty = r.columns()[i].type_().clone();
    let v = match ty {
        Type::VOID => None,
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => r
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v as i64)),
        Type::INT2 => r
            .try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(v as i64)),
        Type::BOOL => r
            .try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Int(v as i64)),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(v as f64)),
        _ => r.try_get::<_, Option<String>>(i)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

/// `?1` (SQLite's numbered parameter) as `$1`, outside quoted text.
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '?' && !quoted && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::INT8 => (*f as i64).to_sql(ty, out),
                _ => f.to_string().to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A fresh database on the test cluster that `scripts/pg-test.sh start`
/// names in `SAHEL_TEST_PG_URL` (and `SAHEL_TEST_PG_PASSWORD`), for a
/// test's PostgreSQL run; None (with a note) when no cluster is named, a
/// panic under `CI=true`, where the PostgreSQL tests must run.
#[doc(hidden)]
pub fn test_database() -> Option<PgSettings> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let Ok(url) = std::env::var("SAHEL_TEST_PG_URL") else {
        let why = "SAHEL_TEST_PG_URL is not set (eval \"$(scripts/pg-test.sh start)\"): \
                   the PostgreSQL run of this test is skipped";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{why} (CI=true: it must run)");
        }
        eprintln!("note: {why}");
        return None;
    };
    let password = std::env::var("SAHEL_TEST_PG_PASSWORD").ok();
    let admin = PgSettings {
        url: url.clone(),
        password: password.clone(),
        ca_file: None,
    };
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        rand::random::<u32>()
    );
    let c = PgConn::connect(&admin).expect("connecting to the test cluster");
    c.batch(&format!("CREATE DATABASE {name}"))
        .expect("creating a test database");
    let mut u = url::Url::parse(&url).expect("SAHEL_TEST_PG_URL");
    u.set_path(&name);
    Some(PgSettings {
        url: u.to_string(),
        password,
        ca_file: None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbered_parameters_outside_quotes() {
        assert_eq!(
            super::numbered("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b = $12"
        );
    }
}
