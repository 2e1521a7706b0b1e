//! SQL built at run time, the one way this crate does it: text with `$n`
//! placeholders and the parameters they stand for, in order, each used once
//! (which both databases accept). No text from a request is ever written
//! into the SQL itself. Search compiles its expressions with this builder
//! (`search::compile`), and asset listings add their filters with it.

use crate::db::Database;

/// Which database the SQL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Database {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Database::Postgres(_) => Dialect::Postgres,
            Database::Sqlite(_) => Dialect::Sqlite,
        }
    }
}

/// A parameter of the generated SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Integer(i64),
    Decimal(f64),
}

/// Binds every parameter of `$params` (a `&[Param]`) to `$query`, in order.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::sql::Param::Text(v) => query.bind(v.as_str()),
                $crate::sql::Param::Integer(v) => query.bind(*v),
                $crate::sql::Param::Decimal(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_params;

/// SQL text under construction and the parameters it refers to.
#[derive(Debug)]
pub struct SqlBuilder {
    pub dialect: Dialect,
    pub params: Vec<Param>,
}

impl SqlBuilder {
    pub fn new(dialect: Dialect) -> SqlBuilder {
        SqlBuilder {
            dialect,
            params: Vec::new(),
        }
    }

    /// Adds a parameter; returns its placeholder.
    pub fn bind(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }
}
