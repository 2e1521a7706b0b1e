//! XMP packets: RDF/XML parsed with quick-xml (namespace-aware), flattened
//! the way exiftool shows XMP:
//! - simple properties, written as attributes or as elements;
//! - rdf:Bag / rdf:Seq items joined with ", ";
//! - rdf:Alt language alternatives: x-default under the tag name, the others
//!   as `Name-lang`;
//! - structures (rdf:parseType="Resource", nested rdf:Description, or
//!   attribute shorthand) flattened to parent name + field name, and fields of
//!   a list of structures joined across the items.
//!
//! The parser keeps whatever precedes a syntax error, nests at most
//! [`MAX_DEPTH`] elements deep and keeps at most [`MAX_ELEMENTS`] elements, so
//! hostile packets cost time and memory linear in their size.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::xmp_tags::{is_exif_gps, print_value, resolve, NS_RDF, NS_X, NS_XML};
use super::{gps, limits, Priority, Tags};

const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 200_000;

/// Reads one packet into `tags`, in document order.
/// GPS coordinates in XMP (`exif:GPSLatitude`...) also go to `fix`, for the
/// Composite tags when the file has no GPS IFD.
pub(crate) fn read(packet: &[u8], tags: &mut Tags, fix: &mut gps::Fix) {
    let text = decode(packet);
    let Some(root) = parse(trim_to_markup(&text)) else {
        return;
    };
    collect(&root, tags, fix);
}

/// XMP may be UTF-8 or UTF-16 (XMP spec part 3, 1.1.2); the byte pattern of
/// "<" tells which.
fn decode(packet: &[u8]) -> String {
    let utf16 = |big_endian: bool| {
        let units: Vec<u16> = packet
            .chunks_exact(2)
            .map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    match packet {
        [0xfe, 0xff, ..] | [0, b'<', ..] => utf16(true),
        [0xff, 0xfe, ..] | [b'<', 0, ..] => utf16(false),
        _ => String::from_utf8_lossy(packet).into_owned(),
    }
}

/// From the first "<" to the last ">": drops BOMs and padding before the
/// packet and trailers after it (GIF's magic trailer).
fn trim_to_markup(text: &str) -> &str {
    let start = text.find('<').unwrap_or(text.len());
    let end = text.rfind('>').map_or(start, |e| e + 1).max(start);
    &text[start..end]
}

/// One element of the parsed packet, names resolved to namespace URIs.
#[derive(Debug, Default)]
struct Element {
    /// Shared by every element and attribute of the namespace: a packet may
    /// name one long namespace on each of thousands of elements.
    ns: Rc<str>,
    local: String,
    attrs: Vec<Attr>,
    children: Vec<Element>,
    text: String,
}

#[derive(Debug)]
struct Attr {
    ns: Rc<str>,
    local: String,
    value: String,
}

impl Element {
    fn is(&self, ns: &str, local: &str) -> bool {
        &*self.ns == ns && self.local == local
    }

    fn attr(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| &*a.ns == ns && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// Attributes that are properties (or structure fields), not RDF syntax.
    fn property_attrs(&self) -> impl Iterator<Item = &Attr> {
        self.attrs
            .iter()
            .filter(|a| &*a.ns != NS_RDF && &*a.ns != NS_XML && !a.ns.is_empty())
    }
}

/// Namespace names, each allocated once per packet.
#[derive(Default)]
struct Namespaces(HashSet<Rc<str>>);

impl Namespaces {
    fn get(&mut self, result: ResolveResult<'_>) -> Rc<str> {
        let ResolveResult::Bound(ns) = result else {
            return Rc::from("");
        };
        if let Some(known) = self.0.get(ns.0) {
            return known.clone();
        }
        let name: Rc<str> = Rc::from(ns.0);
        self.0.insert(name.clone());
        name
    }
}

fn element(
    reader: &NsReader<&[u8]>,
    namespaces: &mut Namespaces,
    ns: Rc<str>,
    start: &BytesStart<'_>,
) -> Element {
    let attrs = start
        .attributes()
        .filter_map(Result::ok)
        // Namespace declarations are syntax, not properties.
        .filter(|a| {
            let key = a.key.as_ref();
            key != "xmlns" && !key.starts_with("xmlns:")
        })
        .filter_map(|a| {
            let (ns, local) = reader.resolver().resolve_attribute(a.key);
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .ok()?
                .into_owned();
            Some(Attr {
                ns: namespaces.get(ns),
                local: local.as_ref().to_string(),
                value,
            })
        })
        .collect();
    Element {
        ns,
        local: start.local_name().as_ref().to_string(),
        attrs,
        ..Default::default()
    }
}

/// A document tree of the packet; a syntax error ends it but keeps what came before.
fn parse(text: &str) -> Option<Element> {
    let mut reader = NsReader::from_str(text);
    let mut namespaces = Namespaces::default();
    let mut stack = vec![Element::default()];
    let (mut too_deep, mut count) = (0usize, 0usize);
    while let Ok((ns, event)) = reader.read_resolved_event() {
        let ns = namespaces.get(ns);
        match event {
            Event::Start(_) | Event::Empty(_) if too_deep > 0 || count >= MAX_ELEMENTS => {
                too_deep += matches!(event, Event::Start(_)) as usize;
            }
            Event::Start(start) => {
                count += 1;
                if stack.len() > MAX_DEPTH {
                    too_deep += 1;
                } else {
                    stack.push(element(&reader, &mut namespaces, ns, &start));
                }
            }
            Event::Empty(start) => {
                count += 1;
                let el = element(&reader, &mut namespaces, ns, &start);
                stack.last_mut()?.children.push(el);
            }
            Event::End(_) if too_deep > 0 => too_deep -= 1,
            Event::End(_) if stack.len() > 1 => {
                let done = stack.pop()?;
                stack.last_mut()?.children.push(done);
            }
            Event::Text(t) => stack.last_mut()?.text.push_str(&t.xml10_content()),
            Event::CData(c) => stack.last_mut()?.text.push_str(&c),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::unescape(&format!("&{};", &*r))
                        .map(|s| s.into_owned())
                        .unwrap_or_default(),
                };
                stack.last_mut()?.text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    while stack.len() > 1 {
        let open = stack.pop()?;
        stack.last_mut()?.children.push(open);
    }
    stack.pop()
}

/// Most properties a leaf's path may pass through (structure in structure):
/// naming a leaf costs the square of its depth, and real packets nest a few
/// levels (xmpMM:History's events, crs:RetouchAreas' masks).
const MAX_PATH_DEPTH: usize = 16;

/// The leaves of one top-level property, named as they are met, their values
/// kept as far as the collector could hold them: a list item past a value's
/// bound, or a field name past the map's byte bound, is not kept.
struct Property<'f> {
    fix: &'f mut gps::Fix,
    /// (name, priority, printed values, their bytes) in first-seen order.
    named: Vec<(String, Priority, Vec<String>, usize)>,
    index: HashMap<String, usize>,
    bytes: usize,
}

impl<'f> Property<'f> {
    fn new(fix: &'f mut gps::Fix) -> Self {
        Property {
            fix,
            named: Vec::new(),
            index: HashMap::new(),
            bytes: 0,
        }
    }

    fn leaf(&mut self, path: &[(&str, &str)], value: &str, lang: Option<&str>) {
        if path.len() > MAX_PATH_DEPTH || self.bytes > limits::MAX_BYTES {
            return;
        }
        let resolved = resolve(path);
        if is_exif_gps(&resolved) {
            self.fix.fill_from_xmp(&resolved.name, value);
        }
        let name = match lang {
            Some(lang) => format!("{}-{lang}", resolved.name),
            None => resolved.name.clone(),
        };
        let at = match self.index.get(&name) {
            Some(&at) => at,
            None => {
                self.bytes += name.len();
                self.index.insert(name.clone(), self.named.len());
                self.named.push((name, resolved.priority, Vec::new(), 0));
                self.named.len() - 1
            }
        };
        let (_, _, values, bytes) = &mut self.named[at];
        if *bytes > limits::MAX_VALUE_BYTES {
            return; // past the joined value's bound
        }
        let value = print_value(&resolved, limits::clip_str(value));
        *bytes += value.len() + 2;
        self.bytes += value.len() + 2;
        values.push(value);
    }

    /// Prints the property's tags, list items joined.
    fn emit(self, tags: &mut Tags) {
        for (name, priority, values, _) in self.named {
            tags.push_with(name, values.join(", "), priority);
        }
    }
}

/// Walks the tree for x:xmpmeta and rdf:Description elements; each top-level
/// property is flattened and emitted on its own, in document order.
fn collect(el: &Element, tags: &mut Tags, fix: &mut gps::Fix) {
    if tags.spent() {
        return;
    }
    if el.is(NS_X, "xmpmeta") || el.is(NS_X, "xapmeta") {
        if let Some(toolkit) = el.attr(NS_X, "xmptk") {
            tags.push("XMPToolkit", limits::clip_str(toolkit));
        }
    }
    if el.is(NS_RDF, "Description") {
        // Old RDF writers leave `about` unqualified.
        let about = el.attr(NS_RDF, "about").or_else(|| el.attr("", "about"));
        if let Some(about) = about.filter(|a| !a.is_empty()) {
            tags.push("About", limits::clip_str(about));
        }
        for attr in el.property_attrs() {
            if tags.spent() {
                return;
            }
            let mut property = Property::new(fix);
            property.leaf(&[(&*attr.ns, attr.local.as_str())], &attr.value, None);
            property.emit(tags);
        }
        for child in el.children.iter().filter(|c| &*c.ns != NS_RDF) {
            if tags.spent() {
                return;
            }
            let mut property = Property::new(fix);
            let mut path = vec![(&*child.ns, child.local.as_str())];
            walk(child, &mut path, &mut property);
            property.emit(tags);
        }
        return;
    }
    for child in &el.children {
        collect(child, tags, fix);
    }
}

/// The fields of a structure: its property attributes and child elements.
fn fields<'e>(el: &'e Element, path: &mut Vec<(&'e str, &'e str)>, out: &mut Property<'_>) {
    for attr in el.property_attrs() {
        path.push((&*attr.ns, attr.local.as_str()));
        out.leaf(path, &attr.value, None);
        path.pop();
    }
    for child in el.children.iter().filter(|c| &*c.ns != NS_RDF) {
        path.push((&*child.ns, child.local.as_str()));
        walk(child, path, out);
        path.pop();
    }
}

/// One property element at `path`: a resource reference, a structure, a
/// container (Bag/Seq/Alt) or text.
fn walk<'e>(el: &'e Element, path: &mut Vec<(&'e str, &'e str)>, out: &mut Property<'_>) {
    if path.len() > MAX_PATH_DEPTH {
        return;
    }
    if let Some(resource) = el.attr(NS_RDF, "resource") {
        return out.leaf(path, resource, None);
    }
    if el.attr(NS_RDF, "parseType") == Some("Resource") {
        return fields(el, path, out);
    }
    if let Some(container) = el.children.iter().find(|c| &*c.ns == NS_RDF) {
        match container.local.as_str() {
            "Bag" | "Seq" => {
                for item in container.children.iter().filter(|c| c.is(NS_RDF, "li")) {
                    walk(item, path, out);
                }
            }
            "Alt" => {
                // x-default under the bare name, the others as Name-lang.
                for item in container.children.iter().filter(|c| c.is(NS_RDF, "li")) {
                    // an alternative of structures (xmp:Thumbnails) flattens like a list
                    let structured = item.attr(NS_RDF, "parseType") == Some("Resource")
                        || !item.children.is_empty()
                        || item.property_attrs().next().is_some();
                    if structured {
                        walk(item, path, out);
                        continue;
                    }
                    let lang = item.attr(NS_XML, "lang").filter(|l| *l != "x-default");
                    out.leaf(path, &item.text, lang);
                }
            }
            "Description" => fields(container, path, out),
            // rdf:value qualifier form: the value is the rdf:value child
            "value" => out.leaf(path, &container.text, None),
            _ => {}
        }
        return;
    }
    if !el.children.is_empty() || el.property_attrs().next().is_some() {
        return fields(el, path, out); // structure written in shorthand
    }
    out.leaf(path, &el.text, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_packet(xml: &str) -> std::collections::BTreeMap<String, String> {
        let mut tags = Tags::default();
        read(xml.as_bytes(), &mut tags, &mut gps::Fix::default());
        tags.into_map()
    }

    const PACKET: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Test Kit">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    xmp:CreateDate="2010-04-13T09:37:22+02:00" tiff:Orientation="6">
   <dc:subject><rdf:Bag><rdf:li>one</rdf:li><rdf:li>two &amp; three</rdf:li></rdf:Bag></dc:subject>
   <dc:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li><rdf:li xml:lang="x-default">Title</rdf:li></rdf:Alt></dc:title>
   <xmpMM:History><rdf:Seq>
     <rdf:li stEvt:action="created" stEvt:when="2010-04-13T09:37:22+02:00"/>
     <rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action></rdf:li>
   </rdf:Seq></xmpMM:History>
   <Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity="Mainz"/>
   <xmp:Thumbnails><rdf:Alt><rdf:li rdf:parseType="Resource" xmlns:xmpGImg="http://ns.adobe.com/xap/1.0/g/img/">
     <xmpGImg:format>JPEG</xmpGImg:format><xmpGImg:width>7</xmpGImg:width></rdf:li></rdf:Alt></xmp:Thumbnails>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"#;

    #[test]
    fn properties_lists_alternatives_and_structures_flatten_like_exiftool() {
        let tags = read_packet(PACKET);
        assert_eq!(tags["XMPToolkit"], "Test Kit");
        assert_eq!(tags["CreateDate"], "2010:04:13 09:37:22+02:00");
        assert_eq!(tags["Orientation"], "Rotate 90 CW");
        assert_eq!(tags["Subject"], "one, two & three");
        assert_eq!(tags["Title"], "Title");
        assert_eq!(tags["Title-de"], "Titel");
        assert_eq!(tags["HistoryAction"], "created, saved");
        assert_eq!(tags["HistoryWhen"], "2010:04:13 09:37:22+02:00");
        assert_eq!(tags["CreatorCity"], "Mainz");
        assert_eq!(tags["ThumbnailFormat"], "JPEG");
        assert_eq!(tags["ThumbnailWidth"], "7");
        assert!(
            !tags.contains_key("Dc") && !tags.contains_key("Xmp"),
            "xmlns leaked: {tags:?}"
        );
    }

    #[test]
    fn utf16_packets_are_decoded() {
        let utf16: Vec<u8> = PACKET
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(read_packet_bytes(&utf16)["Title"], "Title");
    }

    fn read_packet_bytes(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
        let mut tags = Tags::default();
        read(bytes, &mut tags, &mut gps::Fix::default());
        tags.into_map()
    }

    #[test]
    fn broken_and_deep_packets_keep_what_precedes_the_damage() {
        let cut = &PACKET[..PACKET.find("<dc:title>").unwrap()];
        let tags = read_packet(cut);
        assert_eq!(tags["Subject"], "one, two & three");
        let deep = format!(
            r#"<rdf:RDF xmlns:rdf="{NS_RDF}"><rdf:Description xmlns:a="urn:a">{}</rdf:Description></rdf:RDF>"#,
            "<a:x>".repeat(10_000)
        );
        read_packet(&deep); // must return, not overflow the stack
        assert!(read_packet("\u{0}\u{1}garbage<<<>").is_empty());
    }
}
