//! What the test crates share. The database side (a fresh PostgreSQL or
//! SQLite per test, on both backends) is `store::testing`, next to the store
//! it builds; this crate holds what needs no store: where the shared
//! real-image corpus lives, and the reference tools that generate test inputs.

pub mod corpus;
pub mod shell;
pub mod words;
