//! What a bad search request is told. Every variant is the caller's fault (the
//! API answers 400 with the message); positions count characters of the
//! expression from 0.

/// A search request the store refuses, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    /// The expression does not follow the grammar.
    #[error("{message} at position {position}")]
    Syntax { position: usize, message: String },
    /// `context.<key>` or `image_metadata.<key>` with a key outside the safe
    /// character set (letters, digits, `_`, `-`).
    #[error("Invalid key '{key}' in field '{field}' at position {position}: keys are letters, digits, '_' and '-'")]
    InvalidKey {
        position: usize,
        field: String,
        key: String,
    },
    #[error(
        "Invalid value '{value}' for field '{field}' at position {position}: expected {expected}"
    )]
    InvalidValue {
        position: usize,
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("Operator '{operator}' cannot be used with field '{field}' at position {position}")]
    UnsupportedOperator {
        position: usize,
        field: String,
        operator: String,
    },
    /// Past the limits that keep one query's SQL bounded.
    #[error("Expression too complex at position {position}: {reason}")]
    TooComplex { position: usize, reason: String },
    #[error("Cannot sort by '{0}'")]
    UnsortableField(String),
    #[error("Invalid sort direction '{0}': expected asc or desc")]
    InvalidSortDirection(String),
    #[error("Cannot aggregate by '{0}'")]
    UnknownAggregate(String),
    #[error("Invalid aggregation range '{key}': {reason}")]
    InvalidAggregateRange { key: String, reason: String },
    #[error("max_results must be between 1 and {max}, got {value}")]
    InvalidMaxResults { value: u32, max: u32 },
    /// Past one of the caps that bound a search's work (`what` names it).
    #[error("Too many {what}: at most {max}")]
    TooMany { what: &'static str, max: usize },
    #[error("Aggregation '{0}' is requested more than once")]
    DuplicateAggregate(&'static str),
    /// The search's queries took longer than its time budget; nothing is
    /// answered but this.
    #[error("Search timeout - not completed within {} seconds: narrow the expression", .limit.as_secs_f64())]
    TimedOut { limit: std::time::Duration },
    /// A cursor this store did not hand out, or one from a search sorted
    /// differently.
    #[error("Invalid next_cursor")]
    InvalidCursor,
}

impl SearchError {
    /// Where in the expression the problem is, for errors about the expression.
    pub fn position(&self) -> Option<usize> {
        match self {
            SearchError::Syntax { position, .. }
            | SearchError::InvalidKey { position, .. }
            | SearchError::InvalidValue { position, .. }
            | SearchError::UnsupportedOperator { position, .. }
            | SearchError::TooComplex { position, .. } => Some(*position),
            SearchError::UnsortableField(_)
            | SearchError::InvalidSortDirection(_)
            | SearchError::UnknownAggregate(_)
            | SearchError::InvalidAggregateRange { .. }
            | SearchError::InvalidMaxResults { .. }
            | SearchError::TooMany { .. }
            | SearchError::DuplicateAggregate(_)
            | SearchError::TimedOut { .. }
            | SearchError::InvalidCursor => None,
        }
    }

    pub(crate) fn syntax(position: usize, message: impl Into<String>) -> SearchError {
        SearchError::Syntax {
            position,
            message: message.into(),
        }
    }
}
