//! What the store's queries see of a database, whichever it is: values
//! ([`Value`]: null, integer, real, text, the types both SQLite and the
//! PostgreSQL schema use), rows read whole ([`VRow`]) and a connection
//! ([`Conn`]) that runs one SQL text on SQLite or on PostgreSQL. Queries are
//! written once with SQLite's numbered parameters (`?1`); on PostgreSQL they
//! become `$1`. Where the two dialects differ the store gives both texts.

use std::sync::Arc;

use anyhow::{anyhow, Result};

use super::pg::PgConn;

/// A value bound to a parameter or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// What can be bound to a parameter.
pub trait ToVal {
    fn val(&self) -> Value;
}

impl<T: ToVal + ?Sized> ToVal for &T {
    fn val(&self) -> Value {
        (**self).val()
    }
}

impl<T: ToVal> ToVal for Option<T> {
    fn val(&self) -> Value {
        match self {
            Some(v) => v.val(),
            None => Value::Null,
        }
    }
}

macro_rules! int_val {
    ($($t:ty),*) => {$(
        impl ToVal for $t {
            fn val(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_val!(i64, i32, u32, usize);

impl ToVal for u64 {
    /// Stored as the i64 of the same bits (SimHashes, fingerprints).
    fn val(&self) -> Value {
        Value::Int(*self as i64)
    }
}

impl ToVal for bool {
    fn val(&self) -> Value {
        Value::Int(*self as i64)
    }
}

impl ToVal for f64 {
    fn val(&self) -> Value {
        Value::Real(*self)
    }
}

impl ToVal for f32 {
    fn val(&self) -> Value {
        Value::Real(*self as f64)
    }
}

impl ToVal for str {
    fn val(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToVal for String {
    fn val(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToVal for Value {
    fn val(&self) -> Value {
        self.clone()
    }
}

/// The parameters of a query: `vals![a, b, c]` (each borrowed), an array.
macro_rules! vals {
    ($($e:expr),* $(,)?) => {
        [$($crate::store::db::ToVal::val(&$e)),*]
    };
}
pub(crate) use vals;

/// What a column can be read as.
pub trait FromVal: Sized {
    fn from_val(v: &Value) -> Result<Self>;
}

impl<T: FromVal> FromVal for Option<T> {
    fn from_val(v: &Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

impl FromVal for i64 {
    fn from_val(v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i),
            v => Err(anyhow!("expected an integer, found {v:?}")),
        }
    }
}

macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl FromVal for $t {
            fn from_val(v: &Value) -> Result<Self> {
                let i = i64::from_val(v)?;
                <$t>::try_from(i).map_err(|_| anyhow!("integer {i} out of range"))
            }
        }
    )*};
}
int_from!(u32, i32);

impl FromVal for u64 {
    fn from_val(v: &Value) -> Result<Self> {
        Ok(i64::from_val(v)? as u64)
    }
}

impl FromVal for bool {
    fn from_val(v: &Value) -> Result<Self> {
        Ok(i64::from_val(v)? != 0)
    }
}

impl FromVal for f64 {
    fn from_val(v: &Value) -> Result<Self> {
        match v {
            Value::Real(r) => Ok(*r),
            Value::Int(i) => Ok(*i as f64),
            v => Err(anyhow!("expected a number, found {v:?}")),
        }
    }
}

impl FromVal for f32 {
    fn from_val(v: &Value) -> Result<Self> {
        Ok(f64::from_val(v)? as f32)
    }
}

impl FromVal for String {
    fn from_val(v: &Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            v => Err(anyhow!("expected text, found {v:?}")),
        }
    }
}

/// A column by position or by name.
pub trait Col {
    fn index(&self, cols: &[String]) -> Result<usize>;
}

impl Col for usize {
    fn index(&self, cols: &[String]) -> Result<usize> {
        if *self < cols.len() {
            Ok(*self)
        } else {
            Err(anyhow!("no column {self}"))
        }
    }
}

impl Col for &str {
    fn index(&self, cols: &[String]) -> Result<usize> {
        cols.iter()
            .position(|c| c == self)
            .ok_or_else(|| anyhow!("no column {self}"))
    }
}

/// A row read whole.
#[derive(Debug, Clone)]
pub struct VRow {
    pub(crate) cols: Arc<[String]>,
    pub(crate) vals: Vec<Value>,
}

impl VRow {
    pub fn get<T: FromVal>(&self, col: impl Col) -> Result<T> {
        let i = col.index(&self.cols)?;
        T::from_val(&self.vals[i]).map_err(|e| anyhow!("column {}: {e}", self.cols[i]))
    }
}

/// A connection (or transaction) of either backend.
#[derive(Clone, Copy)]
pub enum Conn<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(&'a PgConn),
}

impl Conn<'_> {
    pub fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// One text for SQLite, another for PostgreSQL.
    pub fn dialect<'s>(&self, sqlite: &'s str, pg: &'s str) -> &'s str {
        if self.is_pg() {
            pg
        } else {
            sqlite
        }
    }

    pub fn query(&self, sql: &str, args: &[Value]) -> Result<Vec<VRow>> {
        match self {
            Conn::Sqlite(c) => sqlite_query(c, sql, args),
            Conn::Pg(c) => c.query(sql, args),
        }
    }

    pub fn query_opt(&self, sql: &str, args: &[Value]) -> Result<Option<VRow>> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    pub fn query_one(&self, sql: &str, args: &[Value]) -> Result<VRow> {
        self.query_opt(sql, args)?
            .ok_or_else(|| anyhow!("query returned no rows"))
    }

    /// Rows changed.
    pub fn execute(&self, sql: &str, args: &[Value]) -> Result<usize> {
        match self {
            Conn::Sqlite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(args))?),
            Conn::Pg(c) => c.execute(sql, args),
        }
    }

    /// Statements without parameters, separated by semicolons.
    pub fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => c.batch(sql),
        }
    }
}

fn sqlite_query(c: &rusqlite::Connection, sql: &str, args: &[Value]) -> Result<Vec<VRow>> {
    let mut st = c.prepare_cached(sql)?;
    let cols: Arc<[String]> = st.column_names().iter().map(|s| s.to_string()).collect();
    let n = cols.len();
    let mut rows = st.query(rusqlite::params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            use rusqlite::types::ValueRef;
            vals.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Int(i),
                ValueRef::Real(f) => Value::Real(f),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
        out.push(VRow {
            cols: cols.clone(),
            vals,
        });
    }
    Ok(out)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}
