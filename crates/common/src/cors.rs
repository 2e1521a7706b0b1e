//! `ASSAY_CORS_ORIGINS`: which web origins may read the upload API's
//! answers from a browser (CORS). `*` (the default, as Cloudinary) is any
//! origin; otherwise a comma-separated list of origins as browsers send them
//! in `Origin`: `https://app.example.com`, `http://localhost:3000`.

/// The origins the upload API's browser routes answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*`: any origin.
    Any,
    /// Exactly these origins (scheme, host and port, lowercase).
    Listed(Vec<String>),
}

impl CorsOrigins {
    /// Parses the variable's value (see the module doc).
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value == "*" {
            return Ok(CorsOrigins::Any);
        }
        let origins = value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(parse_origin)
            .collect::<Result<Vec<_>, _>>()?;
        if origins.is_empty() {
            return Err("must be * or a comma-separated list of origins".into());
        }
        Ok(CorsOrigins::Listed(origins))
    }
}

/// `scheme://host[:port]`: http or https, no path, query or credentials.
fn parse_origin(item: &str) -> Result<String, String> {
    let refused = || {
        format!(
            "{item:?} is not an origin like https://app.example.com (scheme, host and port only)"
        )
    };
    let lower = item.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(refused)?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if host_ok {
        Ok(lower)
    } else {
        Err(refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_is_any_origin_and_a_list_is_exact() {
        assert_eq!(CorsOrigins::parse("*").unwrap(), CorsOrigins::Any);
        assert_eq!(
            CorsOrigins::parse(" https://App.example.com , http://localhost:3000 ").unwrap(),
            CorsOrigins::Listed(vec![
                "https://app.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for bad in [
            "",
            ",",
            "app.example.com",
            "ftp://example.com",
            "https://example.com/",
            "https://example.com/path",
            "https://user@example.com",
            "https://example.com?x",
            "*, https://example.com",
        ] {
            assert!(CorsOrigins::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_configuration_reads_it_with_star_by_default() {
        let with = |value: &'static str| {
            crate::Config::from_lookup(move |name| {
                (name == "ASSAY_CORS_ORIGINS").then(|| value.to_owned())
            })
        };
        assert_eq!(crate::Config::defaults().cors_origins, CorsOrigins::Any);
        assert_eq!(
            with("https://a.example").unwrap().cors_origins,
            CorsOrigins::Listed(vec!["https://a.example".into()])
        );
        let err = with("a.example").unwrap_err();
        assert_eq!(err.variable, "ASSAY_CORS_ORIGINS");
    }
}
