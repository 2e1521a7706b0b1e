#!/usr/bin/env python3
"""Rebuilds the face-free photo set beside this script from pinned Debian
packages: `python3 build.py` (needs apt-get, dpkg-deb and Pillow).

Every picture shows no human face: landscapes, animals (dogs, cats, primates
too), fish, food, plants, tools, monuments without statues, textures, tiles,
patterns and text, plus 100x75 thumbnails of every fourth one (the size of a
camera's embedded thumbnail). Pictures are shrunk to at most LONG_SIDE px and
saved as JPEG; cut-out stamps are put on a plain background. SOURCES.md is
written from the packages' own licence notes.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
LONG_SIDE = 480
THUMBNAIL = (100, 75)
QUALITY = 82

PACKAGES = {
    "gcompris-qt-data": "3.1-2",
    "python3-skimage": "0.19.3-8",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
    "gnome-backgrounds": "43.1-1",
    "tuxpaint-stamps-default": "2022.06.04-1",
}

GCOMPRIS_FOLDERS = {
    # rcc file: folder inside it holding the photos and their README
    "categorization": [
        "gcompris/src/activities/categorization/resource/images/fishes",
        "gcompris/src/activities/categorization/resource/images/monuments",
        "gcompris/src/activities/categorization/resource/images/renewable",
        "gcompris/src/activities/categorization/resource/images/tools",
        "gcompris/src/activities/categorization/resource/images/others",
    ],
    "explore_world_animals": ["gcompris/src/activities/explore_world_animals/resource/animals"],
    "explore_farm_animals": ["gcompris/src/activities/explore_farm_animals/resource/animals"],
}
# Statues with faces and a mountain carved into faces are not face-free.
GCOMPRIS_LEFT_OUT = {"mountRushmore", "statueOfLiberty", "christTheRedeemer",
                     "victoriaMemorial"}

SKIMAGE = {  # file: licence, from the docstrings of skimage/data/_fetchers.py
    "chelsea.png": "CC0 (Stefan van der Walt)",
    "coffee.png": "CC0 (Rachel Michetti)",
    "rocket.jpg": "public domain (SpaceX)",
    "brick.png": "CC0 (CC0Textures)",
    "grass.png": "CC0 (CC0Textures)",
    "gravel.png": "CC0 (CC0Textures)",
    "text.png": "public domain",
    "coins.png": "no known copyright restrictions",
    "horse.png": "CC0 (Andreas Preuss)",
    "clock_motion.png": "public domain (Stefan van der Walt)",
    "hubble_deep_field.jpg": "public domain (NASA)",
    "retina.jpg": "CC0 1.0",
}

TUXPAINT_FOLDERS = ["animals/mammals", "food", "plants"]


def fetch(workdir):
    roots = {}
    for name, version in PACKAGES.items():
        subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=workdir, check=True)
        deb = next(Path(workdir).glob(f"{name}_*.deb"))
        root = Path(workdir) / name
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        roots[name] = root
    return roots


def rcc_files(path):
    """The files of a Qt resource bundle (.rcc), as {path: bytes}."""
    b = path.read_bytes()
    assert b[:4] == b"qres", path
    version, tree, data, names = struct.unpack(">IIII", b[4:20])
    node = 14 if version == 1 else 22
    files = {}

    def name(off):
        (n,) = struct.unpack(">H", b[names + off:names + off + 2])
        return b[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    def walk(index, prefix):
        at = tree + index * node
        name_off, flags = struct.unpack(">IH", b[at:at + 6])
        here = f"{prefix}/{name(name_off)}" if index else ""
        if flags & 2:
            count, first = struct.unpack(">II", b[at + 6:at + 14])
            for child in range(first, first + count):
                walk(child, here)
            return
        (off,) = struct.unpack(">I", b[at + 10:at + 14])
        (size,) = struct.unpack(">I", b[data + off:data + off + 4])
        blob = b[data + off + 4:data + off + 4 + size]
        files[here.lstrip("/")] = zlib.decompress(blob[4:]) if flags & 1 else blob

    walk(0, "")
    return files


def gcompris_licences(readme):
    """{file name: (licence, author, source)} from a GCompris image README."""
    licences = {}
    for block in re.split(r"\n\s*\n", readme):
        fields = dict(re.findall(r"^(Copyright|License|Source): *(.*)$", block, re.M))
        listed = block.split("Files:", 1)[1].split() if "Files:" in block else []
        for name in listed:
            licences[name] = (fields.get("License", "?"), fields.get("Copyright", "?"),
                              fields.get("Source", ""))
    return licences


def shrink(image):
    image = image.convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)
    return image


def on_background(stamp):
    """A cut-out stamp in the middle of a plain light canvas one and a half its size."""
    stamp = stamp.convert("RGBA")
    w, h = stamp.size
    canvas = Image.new("RGB", (w * 3 // 2, h * 3 // 2), (214, 210, 200))
    canvas.paste(stamp, (w // 4, h // 4), stamp)
    return canvas


def thumbnail(image):
    """The middle 4:3 crop at 100x75, as a camera's embedded thumbnail."""
    w, h = image.size
    cw, ch = (w, w * 3 // 4) if w * 3 <= h * 4 else (h * 4 // 3, h)
    box = ((w - cw) // 2, (h - ch) // 2, (w + cw) // 2, (h + ch) // 2)
    return image.crop(box).resize(THUMBNAIL, Image.LANCZOS)


def collect(roots):
    """(output name, package, path in package, licence, author/source, image)."""
    gc = roots["gcompris-qt-data"] / "usr/share/gcompris-qt/rcc"
    for bundle, folders in GCOMPRIS_FOLDERS.items():
        files = rcc_files(gc / f"{bundle}.rcc")
        for folder in folders:
            licences = gcompris_licences(files[f"{folder}/README"].decode())
            for path in sorted(p for p in files if p.startswith(folder + "/")):
                stem = Path(path).stem
                if Path(path).suffix not in (".webp", ".jpg", ".png") or stem in GCOMPRIS_LEFT_OUT:
                    continue
                licence, author, source = licences.get(Path(path).name, ("GPL-3+ (package)", "", ""))
                image = Image.open(__import__("io").BytesIO(files[path]))
                yield (f"gcompris_{Path(folder).name}_{stem}.jpg", "gcompris-qt-data",
                       f"{bundle}.rcc:{path}", licence, f"{author} {source}".strip(), image)
    sk = roots["python3-skimage"] / "usr/lib/python3/dist-packages/skimage/data"
    for name, licence in SKIMAGE.items():
        yield (f"skimage_{Path(name).stem}.jpg", "python3-skimage", f"skimage/data/{name}",
               licence, "", Image.open(sk / name))
    wallpapers = roots["plasma-workspace-wallpapers"] / "usr/share/wallpapers"
    for folder in sorted(wallpapers.iterdir()):
        images = sorted((folder / "contents/images").glob("*.*"),
                        key=lambda p: p.stat().st_size)
        if not images:
            continue
        metadata = folder / "metadata.json"
        meta = json.loads(metadata.read_text())["KPlugin"] if metadata.exists() else {}
        author = ", ".join(a.get("Name", "") for a in meta.get("Authors", []))
        yield (f"plasma_{folder.name}.jpg", "plasma-workspace-wallpapers",
               str(images[0].relative_to(roots["plasma-workspace-wallpapers"])),
               meta.get("License", "GPL-2+ (package)"), author, Image.open(images[0]))
    backgrounds = roots["gnome-backgrounds"] / "usr/share/backgrounds/gnome"
    for path in sorted(backgrounds.glob("*-l.webp")):
        yield (f"gnome_{path.stem}.jpg", "gnome-backgrounds", str(path.relative_to(roots["gnome-backgrounds"])),
               "CC-BY-SA-3.0 / GPL-2+ (package copyright)", "GNOME artists", Image.open(path))
    stamps = roots["tuxpaint-stamps-default"] / "usr/share/tuxpaint/stamps"
    for folder in TUXPAINT_FOLDERS:
        for path in sorted((stamps / folder).rglob("*.png")):
            relative = path.relative_to(stamps)
            if "cartoon" in relative.parts or "apes" in relative.parts:
                continue
            yield (f"tuxpaint_{'_'.join(relative.with_suffix('').parts[1:])}.jpg",
                   "tuxpaint-stamps-default", f"usr/share/tuxpaint/stamps/{relative}",
                   "GPL-2", "Bill Kendrick and contributors", on_background(Image.open(path)))


def main():
    for old in HERE.glob("*.jpg"):
        old.unlink()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for index, (name, package, path, licence, credit, image) in enumerate(collect(fetch(workdir))):
            picture = shrink(image)
            picture.save(HERE / name, quality=QUALITY)
            rows.append((name, f"{picture.width}x{picture.height}", package, path, licence, credit))
            if index % 4 == 0:
                small = "thumb_" + name
                thumbnail(image.convert("RGB")).save(HERE / small, quality=QUALITY)
                rows.append((small, "100x75", package, path, licence, credit))
    with open(HERE / "SOURCES.md", "w") as out:
        out.write("# Face-free photos: sources\n\n"
                  "Written by `build.py` (which rebuilds every file here from the pinned Debian "
                  "packages below); the licences are those of each package's copyright file or, "
                  "for GCompris, of the README beside each image in the package.\n\n")
        out.write("| package | version |\n| --- | --- |\n")
        for package, version in PACKAGES.items():
            out.write(f"| {package} | {version} |\n")
        out.write("\n| file | size | package | path in package | licence | author / source |\n"
                  "| --- | --- | --- | --- | --- | --- |\n")
        for row in rows:
            out.write("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |\n")
    print(f"{len(rows)} pictures", file=sys.stderr)


if __name__ == "__main__":
    main()
