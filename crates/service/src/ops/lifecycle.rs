//! The Upload API's lifecycle calls as Cloudinary documents them: `destroy`,
//! `rename`, `tags` and `context`. Each request is read into a typed call,
//! every limit checked, before anything is written; the store then applies it
//! in one transaction (see `store::labels`).

use store::labels::{ContextEdit, LabelEdit, OnTargetExists, TagEdit};
use store::{Asset, AssetKey, DeleteOutcome};

use crate::params::{parse_context, parse_tags, validate_public_id, Params};
use crate::{ApiError, AppState, Reason};

/// Cloudinary's limit on the public_ids of one `tags` or `context` call, and
/// on public_ids times tags of one `tags` call.
pub const MAX_PUBLIC_IDS: usize = 1000;
/// Cloudinary's limit on the length of one tag, in characters.
pub const MAX_TAG_CHARS: usize = 255;

const RESOURCE_TYPES: [&str; 3] = ["image", "video", "raw"];

/// The resource type of the path, one Cloudinary has.
fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if RESOURCE_TYPES.contains(&resource_type) {
        Ok(())
    } else {
        Err(Reason::UnknownResourceType {
            value: resource_type.to_string(),
        }
        .into())
    }
}

/// The delivery types an asset can have; the Upload API stores only `upload`.
const DELIVERY_TYPES: [&str; 3] = ["upload", "private", "authenticated"];

/// `type` of a lifecycle call: the delivery type of the assets it names.
fn delivery_type(params: &Params, name: &str) -> Result<String, ApiError> {
    let value = params.get(name).unwrap_or("upload");
    if DELIVERY_TYPES.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(Reason::UnknownDeliveryType {
            name: name.to_string(),
            value: value.to_string(),
        }
        .into())
    }
}

/// A required public_id parameter, checked as every public_id is.
fn public_id(params: &Params, name: &str) -> Result<String, ApiError> {
    let value = params.get(name).ok_or_else(|| {
        ApiError::from(Reason::MissingParameter {
            name: name.to_string(),
        })
    })?;
    validate_public_id(value).map_err(|_| {
        ApiError::from(Reason::InvalidPublicId {
            name: name.to_string(),
            value: value.to_string(),
        })
    })?;
    Ok(value.to_owned())
}

/// `invalidate` is accepted as Cloudinary's SDKs send it: this server keeps
/// no CDN copies, so there is nothing to invalidate. It must still be a
/// boolean.
fn check_invalidate(params: &Params) -> Result<(), ApiError> {
    params.flag("invalidate").map(drop)
}

/// `destroy`: deletes the asset (row, then original). `Deleted` or `NotFound`.
pub async fn destroy(
    state: &AppState,
    resource_type: &str,
    params: &Params,
) -> Result<DeleteOutcome, ApiError> {
    check_resource_type(resource_type)?;
    let key = AssetKey::new(
        resource_type,
        delivery_type(params, "type")?,
        public_id(params, "public_id")?,
    );
    check_invalidate(params)?;
    let outcomes = state.store.delete(std::slice::from_ref(&key)).await?;
    Ok(outcomes
        .into_iter()
        .next()
        .map_or(DeleteOutcome::NotFound, |(_, outcome)| outcome))
}

/// `rename`: moves `from_public_id` to `to_public_id` (and `to_type`, which
/// must stay `upload`: uploads store no other type). With `overwrite`, an
/// asset at the target is replaced; without, the call is refused.
pub async fn rename(
    state: &AppState,
    resource_type: &str,
    params: &Params,
) -> Result<Asset, ApiError> {
    check_resource_type(resource_type)?;
    let from_type = delivery_type(params, "type")?;
    let to_type = delivery_type(params, "to_type")?;
    if to_type != "upload" {
        return Err(Reason::InvalidParameter {
            name: "to_type".into(),
            detail: format!("{to_type:?} is not supported (assets are of type upload)"),
        }
        .into());
    }
    let from = AssetKey::new(
        resource_type,
        from_type,
        public_id(params, "from_public_id")?,
    );
    let to = AssetKey::new(resource_type, to_type, public_id(params, "to_public_id")?);
    let on_exists = if params.is_set("overwrite")? {
        OnTargetExists::Replace
    } else {
        OnTargetExists::Refuse
    };
    check_invalidate(params)?;
    Ok(state.store.rename(&from, &to, on_exists).await?)
}

/// A `tags` or `context` call, checked: the assets it names and the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCall {
    pub keys: Vec<AssetKey>,
    pub edit: LabelEdit,
}

impl LabelCall {
    /// `tags`: `command` (add, remove, replace, remove_all, set_exclusive),
    /// `tag` (comma-separated, or `tag[]`), `public_ids[]`, `type`.
    pub fn tags(resource_type: &str, params: &Params) -> Result<LabelCall, ApiError> {
        let command = params.get("command").ok_or_else(|| {
            ApiError::from(Reason::MissingParameter {
                name: "command".into(),
            })
        })?;
        let tags = tag_list(params)?;
        let edit = match command {
            "remove_all" => {
                refuse_given(params, "tag", "remove_all")?;
                TagEdit::RemoveAll
            }
            "add" | "remove" | "replace" | "set_exclusive" if tags.is_empty() => {
                return Err(Reason::MissingParameter { name: "tag".into() }.into())
            }
            "add" => TagEdit::Add(tags),
            "remove" => TagEdit::Remove(tags),
            "replace" => TagEdit::Replace(tags),
            "set_exclusive" => TagEdit::SetExclusive(tags),
            other => {
                return Err(Reason::InvalidParameter {
                    name: "command".into(),
                    detail: format!(
                        "{other:?} is not add, remove, replace, remove_all or set_exclusive"
                    ),
                }
                .into())
            }
        };
        let keys = keys(resource_type, params)?;
        let operations = match &edit {
            TagEdit::Add(t)
            | TagEdit::SetExclusive(t)
            | TagEdit::Remove(t)
            | TagEdit::Replace(t) => keys.len().saturating_mul(t.len().max(1)),
            TagEdit::RemoveAll => keys.len(),
        };
        if operations > MAX_PUBLIC_IDS {
            return Err(Reason::InvalidParameter {
                name: "public_ids".into(),
                detail: format!(
                    "at most {MAX_PUBLIC_IDS} public_ids times tags per call, got {operations}"
                ),
            }
            .into());
        }
        Ok(LabelCall {
            keys,
            edit: LabelEdit::Tags(edit),
        })
    }

    /// `context`: `command` (add, remove_all), `context` (`k=v|k2=v2`, with
    /// `\=` and `\|` escaped), `public_ids[]`, `type`.
    pub fn context(resource_type: &str, params: &Params) -> Result<LabelCall, ApiError> {
        let command = params.get("command").ok_or_else(|| {
            ApiError::from(Reason::MissingParameter {
                name: "command".into(),
            })
        })?;
        let edit = match command {
            "add" => {
                let context = params
                    .get("context")
                    .map(parse_context)
                    .transpose()?
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| {
                        ApiError::from(Reason::MissingParameter {
                            name: "context".into(),
                        })
                    })?;
                ContextEdit::Add(context)
            }
            "remove_all" => {
                refuse_given(params, "context", "remove_all")?;
                ContextEdit::RemoveAll
            }
            other => {
                return Err(Reason::InvalidParameter {
                    name: "command".into(),
                    detail: format!("{other:?} is not add or remove_all"),
                }
                .into())
            }
        };
        Ok(LabelCall {
            keys: keys(resource_type, params)?,
            edit: LabelEdit::Context(edit),
        })
    }
}

/// Applies a checked call; the public_ids changed, in the order asked
/// (public_ids with no asset are left out, as at Cloudinary).
pub async fn edit_labels(state: &AppState, call: &LabelCall) -> Result<Vec<String>, ApiError> {
    Ok(state.store.edit_labels(&call.keys, &call.edit).await?)
}

/// A parameter that would mean something the command does not do.
fn refuse_given(params: &Params, name: &str, command: &str) -> Result<(), ApiError> {
    if params.contains(name) {
        Err(Reason::InvalidParameter {
            name: name.to_string(),
            detail: format!("command {command} takes none"),
        }
        .into())
    } else {
        Ok(())
    }
}

/// Every tag of `tag` (each member comma-separated), trimmed, each once.
fn tag_list(params: &Params) -> Result<Vec<String>, ApiError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in params.list("tag").into_iter().flat_map(parse_tags) {
        if tag.chars().count() > MAX_TAG_CHARS {
            let shown: String = tag.chars().take(32).collect();
            return Err(Reason::InvalidParameter {
                name: "tag".into(),
                detail: format!("{shown:?}... is longer than {MAX_TAG_CHARS} characters"),
            }
            .into());
        }
        if tag.chars().any(char::is_control) {
            return Err(Reason::ControlCharacters { name: "tag".into() }.into());
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// The assets of `public_ids[]` (each once, at most [`MAX_PUBLIC_IDS`]).
fn keys(resource_type: &str, params: &Params) -> Result<Vec<AssetKey>, ApiError> {
    check_resource_type(resource_type)?;
    let delivery_type = delivery_type(params, "type")?;
    let public_ids = params.list("public_ids");
    if public_ids.is_empty() {
        return Err(Reason::MissingParameter {
            name: "public_ids".into(),
        }
        .into());
    }
    if public_ids.len() > MAX_PUBLIC_IDS {
        return Err(Reason::InvalidParameter {
            name: "public_ids".into(),
            detail: format!(
                "at most {MAX_PUBLIC_IDS} per call, got {}",
                public_ids.len()
            ),
        }
        .into());
    }
    let mut keys: Vec<AssetKey> = Vec::with_capacity(public_ids.len());
    for public_id in public_ids {
        validate_public_id(public_id).map_err(|_| {
            ApiError::from(Reason::InvalidPublicId {
                name: "public_ids".into(),
                value: public_id.to_string(),
            })
        })?;
        let key = AssetKey::new(resource_type, &delivery_type, public_id);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::parse(pairs.iter().copied()).unwrap()
    }

    fn message(result: Result<LabelCall, ApiError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn a_tag_call_reads_every_tag_and_public_id_once() {
        let call = LabelCall::tags(
            "image",
            &params(&[
                ("command", "add"),
                ("tag", "a, b,a"),
                ("public_ids[]", "x"),
                ("public_ids[]", "y"),
                ("public_ids[]", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(
            call.edit,
            LabelEdit::Tags(TagEdit::Add(vec!["a".into(), "b".into()]))
        );
        let ids: Vec<&str> = call.keys.iter().map(|k| k.public_id.as_str()).collect();
        assert_eq!(ids, ["x", "y"]);
    }

    #[test]
    fn bad_tag_calls_name_what_is_wrong() {
        fn with(extra: &[(&str, &str)]) -> Params {
            let mut all = vec![("public_ids[]", "x")];
            all.extend_from_slice(extra);
            params(&all)
        }
        assert_eq!(
            message(LabelCall::tags("image", &with(&[("tag", "a")]))),
            "Missing required parameter - command"
        );
        assert!(message(LabelCall::tags(
            "image",
            &with(&[("command", "drop"), ("tag", "a")])
        ))
        .starts_with("Invalid command: \"drop\""));
        assert_eq!(
            message(LabelCall::tags("image", &with(&[("command", "add")]))),
            "Missing required parameter - tag"
        );
        assert!(message(LabelCall::tags(
            "image",
            &with(&[("command", "remove_all"), ("tag", "a")])
        ))
        .starts_with("Invalid tag"));
        let long = "x".repeat(MAX_TAG_CHARS + 1);
        assert!(message(LabelCall::tags(
            "image",
            &with(&[("command", "add"), ("tag", &long)])
        ))
        .contains("longer than 255"));
        assert_eq!(
            message(LabelCall::tags(
                "image",
                &params(&[("command", "add"), ("tag", "a")])
            )),
            "Missing required parameter - public_ids"
        );
    }

    #[test]
    fn public_ids_times_tags_is_bounded() {
        let ids: Vec<String> = (0..500).map(|i| format!("id{i}")).collect();
        let mut pairs: Vec<(&str, &str)> =
            ids.iter().map(|id| ("public_ids[]", id.as_str())).collect();
        pairs.push(("command", "add"));
        pairs.push(("tag", "a"));
        assert!(LabelCall::tags("image", &params(&pairs)).is_ok());
        pairs.pop();
        pairs.push(("tag", "a,b,c"));
        assert!(message(LabelCall::tags("image", &params(&pairs))).contains("got 1500"));
    }

    #[test]
    fn a_context_call_unescapes_and_requires_pairs_for_add() {
        let call = LabelCall::context(
            "image",
            &params(&[
                ("command", "add"),
                ("context", r"verdict=a\|b|score=0.3"),
                ("public_ids[]", "x"),
            ]),
        )
        .unwrap();
        let LabelEdit::Context(ContextEdit::Add(context)) = call.edit else {
            panic!("an add")
        };
        assert_eq!(context["verdict"], "a|b");
        assert_eq!(context["score"], "0.3");
        assert_eq!(
            message(LabelCall::context(
                "image",
                &params(&[("command", "add"), ("public_ids[]", "x")])
            )),
            "Missing required parameter - context"
        );
        assert!(message(LabelCall::context(
            "image",
            &params(&[("command", "replace"), ("public_ids[]", "x")])
        ))
        .starts_with("Invalid command"));
    }
}
