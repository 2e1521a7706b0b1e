//! upload-api
