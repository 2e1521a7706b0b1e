//! The leaves of one top-level XMP property (a simple value, a list, a
//! structure, a list of structures...) combined into flat tags the way
//! exiftool's FoundXMP and FoundTag combine them:
//! - a list tag gathers every item, across all the items of an enclosing
//!   list of structures (`RegionName` = "Ann, Bob");
//! - a tag exiftool knows is a list when a list encloses it (its table's
//!   List flag, propagated from the structure by AddFlattenedTags); a tag it
//!   does not know only when it is itself an item of a Bag, Seq or Alt;
//! - any other repeat is a duplicate: a known tag's later value replaces
//!   the earlier one, an unknown tag (priority 0) keeps its first;
//! - a language alternative is named `Name-lang` (exiftool's standard case)
//!   when the tag is a lang-alt, or unknown and an item of an Alt.

use std::collections::HashMap;

use super::xmp_tags::{
    is_exif_gps, is_lang_alt, print_value, resolve, standard_lang_case, Resolved,
};
use super::{gps, limits, Priority, Tags};

/// Most properties a leaf's path may pass through (structure in structure):
/// naming a leaf costs the square of its depth, and real packets nest a few
/// levels (xmpMM:History's events, crs:RetouchAreas' masks).
pub(super) const MAX_PATH_DEPTH: usize = 16;

/// An RDF container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    Bag,
    Seq,
    Alt,
}

impl Container {
    pub(super) fn of(local: &str) -> Option<Container> {
        match local {
            "Bag" => Some(Container::Bag),
            "Seq" => Some(Container::Seq),
            "Alt" => Some(Container::Alt),
            _ => None,
        }
    }
}

/// Where a value sits in its property: what exiftool's list rules look at.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Place {
    /// A container encloses the value above its own element (it is a field
    /// of an item of a list of structures).
    pub in_list: bool,
    /// The value's element is itself an item (`rdf:li`) of this container.
    pub item_of: Option<Container>,
}

impl Place {
    /// The place of an item of `container` that sits here.
    pub(super) fn item(self, container: Container) -> Place {
        Place {
            in_list: self.in_list,
            item_of: Some(container),
        }
    }

    /// The place of a field of the structure that sits here.
    pub(super) fn field(self) -> Place {
        Place {
            in_list: self.in_list || self.item_of.is_some(),
            item_of: None,
        }
    }
}

/// One flat tag of the property, as far as it has been gathered.
struct Flat {
    name: String,
    priority: Priority,
    /// Further values join the list rather than being duplicates.
    list: bool,
    values: Vec<String>,
    /// Printed bytes of `values`, separators included.
    bytes: usize,
}

/// The leaves of one top-level property, named as they are met, their values
/// kept as far as the collector could hold them: a list item past a value's
/// bound, or a field name past the map's byte bound, is not kept.
pub(super) struct Property<'f> {
    fix: &'f mut gps::Fix,
    /// In first-seen order.
    flats: Vec<Flat>,
    index: HashMap<String, usize>,
    bytes: usize,
}

impl<'f> Property<'f> {
    pub(super) fn new(fix: &'f mut gps::Fix) -> Self {
        Property {
            fix,
            flats: Vec::new(),
            index: HashMap::new(),
            bytes: 0,
        }
    }

    /// One value at `path` (namespace URI, local name from the top-level
    /// property down), with its element's `xml:lang`.
    pub(super) fn leaf(
        &mut self,
        path: &[(&str, &str)],
        value: &str,
        place: Place,
        lang: Option<&str>,
    ) {
        if path.len() > MAX_PATH_DEPTH || self.bytes > limits::MAX_BYTES {
            return;
        }
        let resolved = resolve(path);
        if is_exif_gps(&resolved) {
            self.fix.fill_from_xmp(&resolved.name, value);
        }
        let name = flat_name(&resolved, place, lang);
        let at = match self.index.get(&name) {
            Some(&at) => at,
            None => {
                self.bytes += name.len();
                self.index.insert(name.clone(), self.flats.len());
                self.flats.push(Flat {
                    name,
                    priority: resolved.priority,
                    list: is_list(&resolved, place, lang),
                    values: Vec::new(),
                    bytes: 0,
                });
                self.flats.len() - 1
            }
        };
        let flat = &mut self.flats[at];
        if !flat.list && !flat.values.is_empty() {
            // A duplicate: FoundTag promotes the earlier priority-0 tag over a
            // new one, and lets a normal-priority tag replace it.
            if resolved.priority != Priority::Normal {
                return;
            }
            flat.values.clear();
            flat.bytes = 0;
        }
        if flat.bytes > limits::MAX_VALUE_BYTES {
            return; // past the joined value's bound
        }
        let value = print_value(&resolved, limits::clip_str(value));
        flat.bytes += value.len() + 2;
        self.bytes += value.len() + 2;
        flat.values.push(value);
    }

    /// Prints the property's tags, list items joined.
    pub(super) fn emit(self, tags: &mut Tags) {
        for flat in self.flats {
            tags.push_with(flat.name, flat.values.join(", "), flat.priority);
        }
    }
}

/// The tag's name, with the language of an alternative that is not the default.
fn flat_name(resolved: &Resolved, place: Place, lang: Option<&str>) -> String {
    let alternative = if resolved.tag.is_some() {
        is_lang_alt(resolved)
    } else {
        place.item_of == Some(Container::Alt)
    };
    match lang.filter(|l| alternative && !l.eq_ignore_ascii_case("x-default")) {
        Some(lang) => format!("{}-{}", resolved.name, standard_lang_case(lang)),
        None => resolved.name.clone(),
    }
}

/// Whether repeats of the tag gather into one list (exiftool's List flag).
fn is_list(resolved: &Resolved, place: Place, lang: Option<&str>) -> bool {
    match place.item_of {
        Some(Container::Bag | Container::Seq) => true,
        // an unknown Alt item with a language is a lang-alt, without one a list
        Some(Container::Alt) if resolved.tag.is_none() => lang.is_none(),
        Some(Container::Alt) => place.in_list || !is_lang_alt(resolved),
        None => resolved.tag.is_some() && place.in_list,
    }
}
