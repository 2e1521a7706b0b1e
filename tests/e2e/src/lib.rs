//! Test harness for black-box tests of the running services.
