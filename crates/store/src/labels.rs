//! Tags and context as the lifecycle calls change them (`image/tags`,
//! `image/context`) and the Admin listings that read them back (`tags/image`,
//! `resources/image/tags/<tag>`, `resources/image/context`): plain data and
//! the pure rules; the SQL is in `db/lifecycle.rs`.

use std::collections::BTreeMap;

/// Cloudinary's limit on the tags one asset carries.
pub const MAX_TAGS_PER_ASSET: usize = 1000;

/// A change to the tags of each asset it is applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagEdit {
    /// Adds these tags (those already there stay where they are).
    Add(Vec<String>),
    /// Adds these tags here and removes them from every other asset of the
    /// same resource type and delivery type (`set_exclusive`).
    SetExclusive(Vec<String>),
    /// Removes these tags.
    Remove(Vec<String>),
    /// Replaces all tags with these.
    Replace(Vec<String>),
    /// Removes every tag.
    RemoveAll,
}

/// A change to the context of each asset it is applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextEdit {
    /// Sets these keys (a key already there takes the new value).
    Add(BTreeMap<String, String>),
    /// Removes every key.
    RemoveAll,
}

/// One lifecycle change of tags or context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelEdit {
    Tags(TagEdit),
    Context(ContextEdit),
}

impl TagEdit {
    /// The tags after this edit of `tags`; `None` when the asset would carry
    /// more than [`MAX_TAGS_PER_ASSET`].
    pub fn apply(&self, mut tags: Vec<String>) -> Option<Vec<String>> {
        match self {
            TagEdit::Add(added) | TagEdit::SetExclusive(added) => {
                for tag in added {
                    if !tags.contains(tag) {
                        tags.push(tag.clone());
                    }
                }
            }
            TagEdit::Remove(removed) => tags.retain(|tag| !removed.contains(tag)),
            TagEdit::Replace(new) => tags = new.clone(),
            TagEdit::RemoveAll => tags.clear(),
        }
        (tags.len() <= MAX_TAGS_PER_ASSET).then_some(tags)
    }
}

impl ContextEdit {
    /// The context after this edit of `context`.
    pub fn apply(&self, mut context: BTreeMap<String, String>) -> BTreeMap<String, String> {
        match self {
            ContextEdit::Add(added) => {
                context.extend(added.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            ContextEdit::RemoveAll => context.clear(),
        }
        context
    }
}

/// Which assets a labelled listing returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelFilter {
    /// Those carrying this tag (exactly).
    Tag(String),
    /// Those whose context has `key`, with `value` when given (exactly).
    Context { key: String, value: Option<String> },
}

/// A page request of assets by tag or context, newest first (as `list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledQuery {
    pub resource_type: String,
    pub filter: LabelFilter,
    /// 1..=500; larger values are capped.
    pub max_results: u32,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page request of the distinct tags in use, in code point order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagQuery {
    pub resource_type: String,
    /// Only tags starting with this (case-sensitive).
    pub prefix: Option<String>,
    /// 1..=500; larger values are capped.
    pub max_results: u32,
    pub cursor: Option<String>,
}

/// One page of tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPage {
    pub tags: Vec<String>,
    /// Opaque; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// What a rename does when `to` is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTargetExists {
    /// Refuse: `StoreError::AlreadyExists`, nothing written.
    Refuse,
    /// Delete the asset at `to` (row, then blob) in the same transaction.
    Replace,
}

/// The folder of a renamed asset: when it was the old public_id's own folder
/// part it follows the new public_id; a folder given apart from the
/// public_id stays as it was.
pub fn renamed_folder(folder: &str, from_public_id: &str, to_public_id: &str) -> String {
    if folder == parent(from_public_id) {
        parent(to_public_id).to_owned()
    } else {
        folder.to_owned()
    }
}

fn parent(public_id: &str) -> &str {
    public_id.rsplit_once('/').map_or("", |(folder, _)| folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tag_edits_keep_order_and_never_duplicate() {
        let tags = strings(&["a", "b"]);
        assert_eq!(
            TagEdit::Add(strings(&["b", "c"])).apply(tags.clone()),
            Some(strings(&["a", "b", "c"]))
        );
        assert_eq!(
            TagEdit::Remove(strings(&["a", "x"])).apply(tags.clone()),
            Some(strings(&["b"]))
        );
        assert_eq!(
            TagEdit::Replace(strings(&["z"])).apply(tags.clone()),
            Some(strings(&["z"]))
        );
        assert_eq!(TagEdit::RemoveAll.apply(tags), Some(vec![]));
    }

    #[test]
    fn more_tags_than_the_limit_is_refused() {
        let full: Vec<String> = (0..MAX_TAGS_PER_ASSET).map(|i| format!("t{i}")).collect();
        assert!(TagEdit::Add(strings(&["t0"])).apply(full.clone()).is_some());
        assert!(TagEdit::Add(strings(&["new"])).apply(full).is_none());
    }

    #[test]
    fn context_add_merges_and_remove_all_clears() {
        let mut stored = BTreeMap::new();
        stored.insert("a".to_owned(), "1".to_owned());
        stored.insert("b".to_owned(), "2".to_owned());
        let mut added = BTreeMap::new();
        added.insert("b".to_owned(), "3".to_owned());
        let merged = ContextEdit::Add(added).apply(stored.clone());
        assert_eq!(merged.get("a").map(String::as_str), Some("1"));
        assert_eq!(merged.get("b").map(String::as_str), Some("3"));
        assert!(ContextEdit::RemoveAll.apply(stored).is_empty());
    }

    #[test]
    fn the_folder_follows_the_public_id_only_when_it_was_its_folder() {
        assert_eq!(renamed_folder("a", "a/x", "b/c/y"), "b/c");
        assert_eq!(renamed_folder("", "x", "b/y"), "b");
        assert_eq!(renamed_folder("", "a/x", "b/y"), "");
        assert_eq!(renamed_folder("other", "a/x", "y"), "other");
    }
}
