//! Admin request bodies arrive in two encodings: JSON from the Python SDK
//! (`{"tags": "t1,t2", "public_ids": ["a", "b/c"]}`) and form-encoded from the
//! Node SDK (`tags=t1&public_ids%5B%5D=a`). Both become the same ordered
//! `(name, value)` pairs, with array members as repeated `name[]` pairs, the
//! way the upload API's multipart parts arrive.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::HttpRequest;
use serde_json::{Map, Value};
use service::ApiError;

/// The body's parameters. An empty body has none, whatever its type.
pub fn pairs(request: &HttpRequest, body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        let object: Map<String, Value> = serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("Invalid JSON body: {e}")))?;
        Ok(json_pairs(object))
    } else {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| ApiError::BadRequest(format!("Invalid form body: {e}")))
    }
}

fn json_pairs(object: Map<String, Value>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (name, value) in object {
        match value {
            // `"transformations": null` and the like: not given.
            Value::Null => {}
            Value::Array(items) => {
                let name = format!("{}[]", name.trim_end_matches("[]"));
                pairs.extend(
                    items
                        .into_iter()
                        .filter_map(scalar)
                        .map(|item| (name.clone(), item)),
                );
            }
            other => pairs.extend(scalar(other).map(|value| (name, value))),
        }
    }
    pairs
}

/// The wire text of a JSON value: strings as they are, booleans and numbers
/// as written, objects as JSON text (`metadata`, `access_control`).
fn scalar(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn parse(content_type: &str, body: &str) -> Vec<(String, String)> {
        let request = TestRequest::default()
            .insert_header((CONTENT_TYPE, content_type))
            .to_http_request();
        pairs(&request, body.as_bytes()).unwrap()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn python_json_bodies() {
        assert_eq!(
            parse(
                "application/json",
                r#"{"tags": "t1,t2", "face_coordinates": "5,6,7,8", "colors": true, "transformations": null}"#
            ),
            owned(&[
                ("tags", "t1,t2"),
                ("face_coordinates", "5,6,7,8"),
                ("colors", "true")
            ])
        );
        assert_eq!(
            parse(
                "application/json; charset=utf-8",
                r#"{"public_ids": ["a", "b/c"]}"#
            ),
            owned(&[("public_ids[]", "a"), ("public_ids[]", "b/c")])
        );
    }

    #[test]
    fn node_form_bodies() {
        assert_eq!(
            parse(
                "application/x-www-form-urlencoded",
                "custom_coordinates=1%2C2%2C3%2C4&tags=t1"
            ),
            owned(&[("custom_coordinates", "1,2,3,4"), ("tags", "t1")])
        );
        assert_eq!(
            parse(
                "application/x-www-form-urlencoded",
                "public_ids%5B%5D=a&public_ids%5B%5D=b%2Fc"
            ),
            owned(&[("public_ids[]", "a"), ("public_ids[]", "b/c")])
        );
    }

    #[test]
    fn empty_bodies_have_no_parameters() {
        assert!(parse("application/json", "").is_empty());
        assert!(parse("", "  ").is_empty());
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let request = TestRequest::default()
            .insert_header((CONTENT_TYPE, "application/json"))
            .to_http_request();
        let err = pairs(&request, b"{not json").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest(_)));
    }
}
