//! XMP packets: RDF/XML parsed with quick-xml (namespace-aware), flattened
//! the way exiftool shows XMP:
//! - simple properties, written as attributes or as elements;
//! - rdf:Bag / rdf:Seq items joined with ", ";
//! - rdf:Alt language alternatives: x-default under the tag name, the others
//!   as `Name-lang`;
//! - structures (rdf:parseType="Resource", nested rdf:Description, or
//!   attribute shorthand) flattened to parent name + field names
//!   (`xmp_tags`), the leaves of lists of structures combined by exiftool's
//!   list and duplicate rules (`xmp_struct`).
//!
//! The parser keeps whatever precedes a syntax error, nests at most
//! [`MAX_DEPTH`] elements deep and keeps at most [`MAX_ELEMENTS`] elements,
//! and a list's items past exiftool's 1,000 are not read, so hostile packets
//! cost time and memory linear in their size.

use std::collections::HashSet;
use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::xmp_struct::{Container, Place, Property, MAX_PATH_DEPTH};
use super::xmp_tags::{NS_RDF, NS_X, NS_XML};
use super::{gps, limits, Tags};

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

    /// Attributes that are properties (or structure fields), not RDF
    /// syntax: (namespace, local name, value). An attribute without a prefix
    /// is in its element's namespace, as exiftool reads it.
    fn shorthand(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.attrs
            .iter()
            .map(|a| {
                let ns = if a.ns.is_empty() { &*self.ns } else { &*a.ns };
                (ns, a.local.as_str(), a.value.as_str())
            })
            .filter(|(ns, _, _)| *ns != NS_RDF && *ns != NS_XML && !ns.is_empty())
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

/// Most items exiftool reads of one list: past them it warns "Extracted
/// only 1000 items" and stops (unless told to ignore minor errors).
const MAX_LIST_ITEMS: usize = 1000;

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
        for (ns, local, value) in el.shorthand() {
            if tags.spent() {
                return;
            }
            let mut property = Property::new(fix);
            property.leaf(&[(ns, local)], value, Place::default(), None);
            property.emit(tags);
        }
        for child in el.children.iter().filter(|c| is_property(c)) {
            if tags.spent() {
                return;
            }
            let mut property = Property::new(fix);
            let mut path = vec![(&*child.ns, child.local.as_str())];
            walk(child, &mut path, Place::default(), &mut property);
            property.emit(tags);
        }
        return;
    }
    for child in &el.children {
        collect(child, tags, fix);
    }
}

/// Whether an element names a property or field (RDF's own elements, and
/// elements in no namespace, do not).
fn is_property(el: &Element) -> bool {
    &*el.ns != NS_RDF && &*el.ns != NS_XML && !el.ns.is_empty()
}

/// An empty rdf:type: the class of a resource, not a value.
fn is_resource_class(el: &Element) -> bool {
    el.is(NS_RDF, "type") && el.text.is_empty() && el.children.is_empty()
}

/// One element at `path`, read as exiftool's ParseXMPElement reads it: its
/// shorthand attributes are fields; an element with no child elements is a
/// value (its text, else its rdf:value, rdf:resource or rdf:about; an empty
/// structure or list is an empty value); RDF's own elements (containers,
/// items, rdf:Description, rdf:value) add nothing to the path; any other
/// child is a field.
fn walk<'e>(
    el: &'e Element,
    path: &mut Vec<(&'e str, &'e str)>,
    place: Place,
    out: &mut Property<'_>,
) {
    if path.len() > MAX_PATH_DEPTH {
        return;
    }
    let mut shorthand = false;
    for (ns, local, value) in el.shorthand() {
        shorthand = true;
        path.push((ns, local));
        out.leaf(path, value, place.field(), None);
        path.pop();
    }
    if el.children.is_empty() {
        let value = match el.text.as_str() {
            "" => el
                .attrs
                .iter()
                .find(|a| &*a.ns == NS_RDF && matches!(a.local.as_str(), "value" | "resource"))
                .or_else(|| {
                    el.attrs
                        .iter()
                        .find(|a| &*a.ns == NS_RDF && a.local == "about")
                })
                .map_or("", |a| a.value.as_str()),
            text => text,
        };
        if !value.is_empty() || !shorthand {
            out.leaf(path, value, place, el.attr(NS_XML, "lang"));
        }
        return;
    }
    let container = (&*el.ns == NS_RDF)
        .then(|| Container::of(&el.local))
        .flatten();
    let mut items = 0;
    for child in &el.children {
        if is_property(child) {
            path.push((&*child.ns, child.local.as_str()));
            walk(child, path, place.field(), out);
            path.pop();
        } else if child.is(NS_RDF, "li") {
            if items == MAX_LIST_ITEMS {
                break;
            }
            items += 1;
            let place = container.map_or(place, |c| place.item(c));
            walk(child, path, place, out);
        } else if &*child.ns == NS_RDF && !is_resource_class(child) {
            walk(child, path, place, out);
        }
    }
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
    fn repeated_fields_gather_only_where_exiftool_keeps_a_list() {
        let tags = read_packet(&format!(
            r#"<rdf:RDF xmlns:rdf="{NS_RDF}"><rdf:Description xmlns:my="urn:my"
              xmlns:dc="http://purl.org/dc/elements/1.1/"
              xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
             <my:Things><rdf:Bag>
              <rdf:li my:name="first"><my:tags><rdf:Bag><rdf:li>a</rdf:li></rdf:Bag></my:tags></rdf:li>
              <rdf:li my:name="second"><my:tags><rdf:Bag><rdf:li>b</rdf:li></rdf:Bag></my:tags></rdf:li>
             </rdf:Bag></my:Things>
             <dc:title><rdf:Alt><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Alt></dc:title>
             <xmpMM:DerivedFrom rdf:parseType="Resource"/>
             <my:Many><rdf:Seq>{}</rdf:Seq></my:Many>
            </rdf:Description></rdf:RDF>"#,
            "<rdf:li>x</rdf:li>".repeat(MAX_LIST_ITEMS + 5)
        ));
        // an unknown field is no list (priority 0: the first stays), an unknown Bag is
        assert_eq!(tags["ThingsName"], "first");
        assert_eq!(tags["ThingsTags"], "a, b");
        // a known lang-alt is no list either (normal priority: the last wins)
        assert_eq!(tags["Title"], "two");
        assert_eq!(tags["DerivedFrom"], "");
        assert_eq!(tags["Many"].matches('x').count(), MAX_LIST_ITEMS);
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
