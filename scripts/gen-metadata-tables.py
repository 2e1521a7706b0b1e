#!/usr/bin/env python3
"""Generate crates/extract/src/metadata/generated.rs from exiftool's own tag database.

Tag names, formats and value lookups (exiftool's PrintConv hashes) come from `exiftool -listx`.
A few per-tag flags that -listx does not print (Unknown, Binary, PrintHex, Avoid/Priority 0,
List, Struct, SubDirectory, a structure's FlatName, the Perl code of ValueConv and PrintConv when
they are code rather than a hash, the Format a value is read in when the table overrides it) and the XMP namespace URIs are read from the
same installed Image::ExifTool tables through a short Perl snippet, so both halves always come
from one exiftool version. Functional print conversions (Perl code strings in exiftool) are not
data: they stay hand-written in print.rs, matched by their code (or by tag name).

Usage:
  scripts/gen-metadata-tables.py            write the generated file
  scripts/gen-metadata-tables.py --check    exit 1 if the committed file differs from a fresh run
Needs exiftool (Debian: libimage-exiftool-perl).
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/extract/src/metadata/generated.rs")

# (Rust constant, exiftool table, id kind) for the non-XMP families we read.
TABLES = [
    ("EXIF", "Exif::Main", "num"),
    ("GPS", "GPS::Main", "num"),
    ("IPTC_ENVELOPE", "IPTC::EnvelopeRecord", "num"),
    ("IPTC_APPLICATION", "IPTC::ApplicationRecord", "num"),
    ("IPTC_NEWS_PHOTO", "IPTC::NewsPhoto", "num"),
    ("IPTC_PRE_OBJECT_DATA", "IPTC::PreObjectData", "num"),
    ("IPTC_OBJECT_DATA", "IPTC::ObjectData", "num"),
    ("IPTC_POST_OBJECT_DATA", "IPTC::PostObjectData", "num"),
    ("JFIF", "JFIF::Main", "num"),
    ("ICC_HEADER", "ICC_Profile::Header", "num"),
    ("ICC_TAGS", "ICC_Profile::Main", "str"),
    ("ICC_MEASUREMENT", "ICC_Profile::Measurement", "num"),
    ("ICC_VIEWING_CONDITIONS", "ICC_Profile::ViewingConditions", "num"),
    ("PHOTOSHOP", "Photoshop::Main", "num"),
    ("PHOTOSHOP_RESOLUTION", "Photoshop::Resolution", "num"),
    ("PHOTOSHOP_JPEG_QUALITY", "Photoshop::JPEG_Quality", "num"),
    ("PHOTOSHOP_VERSION_INFO", "Photoshop::VersionInfo", "num"),
    ("PHOTOSHOP_PRINT_SCALE", "Photoshop::PrintScaleInfo", "num"),
    ("PHOTOSHOP_PIXEL_INFO", "Photoshop::PixelInfo", "num"),
    ("PHOTOSHOP_SLICE_INFO", "Photoshop::SliceInfo", "num"),
    ("PHOTOSHOP_HEADER", "Photoshop::Header", "num"),
    ("PNG_PHYSICAL", "PNG::PhysicalPixel", "num"),
]

FLAGS = {"unknown": "HIDDEN", "binary": "BINARY", "hex": "PRINT_HEX", "low": "LOW_PRIORITY",
         "list": "LIST", "struct": "STRUCT", "subdir": "SUBDIR"}

PERL = r"""
use strict; use warnings;
use Image::ExifTool; use Image::ExifTool::XMP; use JSON::PP;
my %out;
for my $name (@ARGV) {
    my $t = Image::ExifTool::GetTagTable("Image::ExifTool::$name") or next;
    my %tags;
    for my $id (Image::ExifTool::TagTableKeys($t)) {
        $tags{$id} = [ map { my $i = $_; {
            name => $$i{Name},
            unknown => $$i{Unknown} ? 1 : 0,
            binary => $$i{Binary} ? 1 : 0,
            hex => $$i{PrintHex} ? 1 : 0,
            low => ($$i{Avoid} || (defined $$i{Priority} && !$$i{Priority})) ? 1 : 0,
            list => $$i{List} ? 1 : 0,
            struct => $$i{Struct} ? 1 : 0,
            subdir => $$i{SubDirectory} ? 1 : 0,
            flat => $$i{FlatName},
            conv => (defined $$i{ValueConv} && !ref $$i{ValueConv}) ? $$i{ValueConv} : undef,
            print => (defined $$i{PrintConv} && !ref $$i{PrintConv}) ? $$i{PrintConv} : undef,
            read => $$i{Format},
        } } Image::ExifTool::GetTagInfoList($t, $id) ];
    }
    my $ns = $$t{NAMESPACE};
    $out{$name} = { tags => \%tags, ns => (ref $ns ? undef : $ns),
                    low => (defined $$t{PRIORITY} && !$$t{PRIORITY}) ? 1 : 0 };
}
$out{'*nsURI'} = \%Image::ExifTool::XMP::nsURI;
$out{'*version'} = $Image::ExifTool::VERSION;
print JSON::PP->new->canonical->encode(\%out);
"""


def rust_str(s):
    out = []
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def english(el):
    for val in el:
        if val.get("lang") == "en":
            return val.text or ""
    return ""


class Values:
    """Value tables, shared between tags that have identical lookups."""

    def __init__(self):
        self.by_content = {}
        self.order = []

    def ref(self, pairs):
        if not pairs:
            return "&[]"
        key = tuple(pairs)
        if key not in self.by_content:
            name = "V%d" % len(self.order)
            self.by_content[key] = name
            self.order.append((name, pairs))
        return self.by_content[key]

    def emit(self):
        lines = []
        for name, pairs in self.order:
            body = ", ".join("(%s, %s)" % (rust_str(k), rust_str(v)) for k, v in pairs)
            lines.append("static %s: Values = &[%s];" % (name, body))
        return "\n".join(lines)


def tag_entries(table_el, perl_tags, id_kind, values):
    """One entry per tag id (the first definition when exiftool has several)."""
    seen = set()
    entries = []
    for tag in table_el.findall("tag"):
        tid = tag.get("id")
        if tid in seen:
            continue
        seen.add(tid)
        infos = perl_tags.get(tid) or [{}]
        info = next((i for i in infos if i.get("name") == tag.get("name")), infos[0])
        flags = [FLAGS[k] for k in FLAGS if info.get(k)]
        vals_el = tag.find("values")
        pairs = [(k.get("id"), english(k)) for k in vals_el] if vals_el is not None else []
        flat = info.get("flat")
        conv = info.get("conv") or ""
        print_conv = info.get("print") or ""
        read = info.get("read") or ""
        if id_kind == "num":
            try:
                key = int(tid)
            except ValueError:
                continue
        else:
            key = tid
        entries.append((key, tag.get("name"), tag.get("type") or "", "|".join(flags) or "0",
                        values.ref(pairs), flat if flat is not None else "", conv, print_conv, read))
    entries.sort(key=lambda e: e[0])
    return entries


def emit_tags(entries, id_kind):
    rows = []
    for key, name, fmt, flags, vals, flat, conv, print_conv, read in entries:
        kid = str(key) if id_kind == "num" else rust_str(key)
        rows.append("    Tag { id: %s, name: %s, format: %s, flags: %s, values: %s, flat: %s, conv: %s, print: %s, read: %s },"
                    % (kid, rust_str(name), rust_str(fmt), flags, vals, rust_str(flat), rust_str(conv),
                       rust_str(print_conv), rust_str(read)))
    return "\n".join(rows)


def generate():
    listx = subprocess.run(["exiftool", "-listx"], capture_output=True, check=True).stdout
    root = ET.fromstring(listx)
    tables = {t.get("name"): t for t in root.findall("table")}
    xmp_tables = sorted(n for n, t in tables.items() if (t.get("g1") or "").startswith("XMP-"))
    wanted = [t for _, t, _ in TABLES] + xmp_tables
    perl = json.loads(subprocess.run(["perl", "-e", PERL, *wanted], capture_output=True,
                                     check=True).stdout)
    ns_uri = perl["*nsURI"]
    values = Values()
    parts = []
    for const, table, kind in TABLES:
        entries = tag_entries(tables[table], perl[table]["tags"], kind, values)
        ty = "u32" if kind == "num" else "&str"
        parts.append("/// exiftool's %s table.\npub(crate) static %s: &[Tag<%s>] = &[\n%s\n];"
                     % (table, const, ty, emit_tags(entries, kind)))
    namespaces = []
    for table in xmp_tables:
        prefix = perl[table]["ns"]
        uri = ns_uri.get(prefix) if prefix else None
        if not uri:
            continue  # namespaces exiftool does not tie to one URI
        group = tables[table].get("g1")[len("XMP-"):]
        const = "XMP_" + group.upper().replace("-", "_")
        entries = tag_entries(tables[table], perl[table]["tags"], "str", values)
        parts.append("/// exiftool's %s table (namespace %s).\nstatic %s: &[Tag<&str>] = &[\n%s\n];"
                     % (table, prefix, const, emit_tags(entries, "str")))
        low = "true" if perl[table]["low"] else "false"
        namespaces.append((uri, prefix, group, const, low))
    namespaces.sort()
    ns_rows = "\n".join("    XmpNamespace { uri: %s, prefix: %s, group: %s, low_priority: %s, tags: %s },"
                        % (rust_str(u), rust_str(p), rust_str(g), low, c)
                        for u, p, g, c, low in namespaces)
    header = (
        "// @generated by scripts/gen-metadata-tables.py from ExifTool %s\n"
        "// (`exiftool -listx` plus the tag flags of Image::ExifTool's tables). Do not edit:\n"
        "// run the script again; crates/extract/tests/metadata_tables.rs fails when this is stale.\n\n"
        "use super::tables::*;\n\n"
        "/// The exiftool version these tables were generated from.\n"
        "pub(crate) const EXIFTOOL_VERSION: &str = %s;\n"
        % (perl["*version"], rust_str(str(perl["*version"]))))
    return (header + "\n" + "\n\n".join(parts)
            + "\n\n/// XMP namespaces exiftool knows, sorted by URI.\n"
            "pub(crate) static XMP_NAMESPACES: &[XmpNamespace] = &[\n" + ns_rows + "\n];\n\n"
            + values.emit() + "\n")


def main():
    text = generate()
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print("%s is stale: run scripts/gen-metadata-tables.py" % OUT, file=sys.stderr)
                sys.exit(1)
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
