"""The hostile campaigns of issues 14 and 28, re-run against a release `assay serve` on
loopback: each finding reproduced the way the campaign first measured it, and
what the server does now printed beside what it did then (the issue's
figures). Server CPU comes from /proc/<pid>/stat, peak memory from VmHWM, so
each scenario that measures them gets a fresh server.

usage: hostile.py --assay target/release/assay [--backend sqlite|postgres] [--only issue-28]
The deterministic checks of the same findings are tests (tests/e2e: races,
request_rules, upload_auth, bad_input_campaign; crates/extract/tests/scan_bomb,
metadata_bombs, cinemagraph_bomb).
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
import zlib

from service_load import API_KEY, API_SECRET, CLOUD, Server

CORPUS = os.path.join(os.environ.get("ASSAY_SHARED", "../shared"), "corpus")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Postgres:
    """A throwaway database on the local PostgreSQL, as the tests use."""

    def __init__(self):
        self.name = f"hostile_{uuid.uuid4().hex[:12]}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                        f"CREATE DATABASE {self.name}"], check=True)
        self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"

    def drop(self):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                        f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"], check=False)


def start(assay, backend):
    if backend == "sqlite":
        return Server(assay), None
    database = Postgres()
    return Server(assay, database.url), database


def stop(server, database):
    server.stop()
    if database:
        database.drop()


# ---------------------------------------------------------------- the wire


def sign(params):
    """Cloudinary's signature: sorted non-empty params, SHA-1 with the secret."""
    signed = {k: v for k, v in params.items() if v != ""}
    to_sign = "&".join(f"{k}={v}" for k, v in sorted(signed.items()))
    return hashlib.sha1((to_sign + API_SECRET).encode()).hexdigest()


def signed(params):
    params = dict(params, timestamp=str(int(time.time())))
    params["signature"] = sign(params)
    params["api_key"] = API_KEY
    return params


def multipart(fields, file=None):
    """`fields` in the order given (a list of pairs), then the file part."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields
    ]
    if file is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode() + file + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


def request(port, method, path, body=None, headers=None, timeout=600):
    """(status, parsed JSON or raw bytes, content type, seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    except (BrokenPipeError, ConnectionResetError) as e:
        return None, str(e), None, time.perf_counter() - started
    elapsed = time.perf_counter() - started
    content_type = response.getheader("Content-Type")
    try:
        data = json.loads(data)
    except ValueError:
        pass
    return response.status, data, content_type, elapsed


def upload(port, fields, file=None, action="upload"):
    body, content_type = multipart(list(fields), file)
    return request(port, "POST", f"/v1_1/{CLOUD}/image/{action}", body,
                   {"Content-Type": content_type})


def admin(port, method, path, body=None, content_type=None):
    token = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    return request(port, method, f"/v1_1/{CLOUD}{path}", body, headers)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def magick(*args):
    subprocess.run(["convert", *args], check=True, capture_output=True)


def report(title, before, after):
    print(f"- {title}\n    before: {before}\n    now:    {after}")


# ------------------------------------------------------------ the findings


def race(port, photo_a, photo_b, trials=5):
    """explicit(phash, colors, faces, ocr) on A while an overwrite stores B."""
    corrupt, statuses = 0, []
    for _ in range(trials):
        status, a, _, _ = upload(port, signed({"public_id": "race", "overwrite": "true",
                                               "phash": "true"}).items(), photo_a)
        assert status == 200, a
        result = {}

        def explicit():
            result["explicit"] = upload(port, signed({
                "public_id": "race", "type": "upload", "phash": "true", "colors": "true",
                "faces": "true", "ocr": "adv_ocr"}).items(), action="explicit")

        thread = threading.Thread(target=explicit)
        thread.start()
        time.sleep(0.3)
        status, b, _, _ = upload(port, signed({"public_id": "race", "overwrite": "true",
                                               "phash": "true"}).items(), photo_b)
        assert status == 200, b
        thread.join()
        statuses.append(result["explicit"][0])
        _, stored, _, _ = admin(port, "GET", "/resources/image/upload/race?phash=true&faces=true")
        faces_inside = all(x + w <= b["width"] and y + h <= b["height"]
                           for x, y, w, h in stored.get("faces") or [])
        if stored["etag"] != b["etag"] or stored.get("phash") != b["phash"] or not faces_inside:
            corrupt += 1
    return f"{corrupt} of {trials} assets hold another version's analysis; " \
           f"explicit answered {sorted(statuses)}"


def pollution(port, photo):
    params = signed({"public_id": "avatar", "folder": "users/alice", "overwrite": "false"})
    fields = [("folder", ""), ("overwrite", "")] + list(params.items())
    status, body, _, _ = upload(port, fields, photo)
    landed, _, _, _ = admin(port, "GET", "/resources/image/upload/avatar")
    message = body.get("error", {}).get("message") if isinstance(body, dict) else body
    return f"upload {status} ({message!r}); root `avatar` exists: {landed == 200}"


def field_flood(assay, backend, fields=120_000):
    """Distinct a<i>[] fields, unsigned, with /healthz timed during two of them."""
    server, database = start(assay, backend)
    try:
        body = "&".join(f"a{i}[]=x" for i in range(fields)).encode()
        cpu = cpu_seconds(server.process.pid)
        results = []

        def flood():
            results.append(request(server.port, "POST", f"/v1_1/{CLOUD}/image/upload", body,
                                   {"Content-Type": "application/x-www-form-urlencoded"}))

        threads = [threading.Thread(target=flood) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        health = request(server.port, "GET", "/healthz", timeout=60)
        for t in threads:
            t.join()
        cpu = cpu_seconds(server.process.pid) - cpu
        return (f"{len(body) / 1e6:.1f} MB x2: statuses {[r[0] for r in results]} in "
                f"{max(r[3] for r in results) * 1e3:.0f} ms; server CPU {cpu:.2f} s; "
                f"/healthz {health[0]} in {health[3] * 1e3:.0f} ms")
    finally:
        stop(server, database)


def text_flood(assay, backend, megabytes=300):
    """A 300 MB body of 60 KB text fields, streamed, unsigned."""
    server, database = start(assay, backend)
    try:
        boundary = uuid.uuid4().hex
        part = (f'--{boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\n'.encode()
                + b"x" * 60_000 + b"\r\n")
        count = megabytes * 1_000_000 // len(part)
        length = len(part) * count + len(f"--{boundary}--\r\n")
        rss_before = server.peak_rss_mib()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        started = time.perf_counter()
        sent, status = 0, None
        try:
            connection.putrequest("POST", f"/v1_1/{CLOUD}/image/upload")
            connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
            connection.putheader("Content-Length", str(length))
            connection.endheaders()
            for _ in range(count):
                connection.send(part)
                sent += len(part)
            connection.send(f"--{boundary}--\r\n".encode())
            status = connection.getresponse().status
        except (BrokenPipeError, ConnectionResetError):
            try:
                status = connection.getresponse().status
            except (http.client.HTTPException, OSError):
                status = "connection closed"
        elapsed = time.perf_counter() - started
        return (f"{status} after {sent / 1e6:.1f} MB sent, {elapsed:.2f} s; server peak RSS "
                f"{rss_before:.0f} -> {server.peak_rss_mib():.0f} MiB")
    finally:
        stop(server, database)


def progressive_jpeg(workdir):
    path = os.path.join(workdir, "progressive.jpg")
    magick("-size", "512x384", "gradient:navy-orange", "-interlace", "JPEG", "-quality", "85",
           path)
    return open(path, "rb").read()


def with_scans(jpeg, total):
    """`jpeg` with its shortest scan repeated until it has `total` scans (the
    campaign's bomb: about 50 bytes a scan, 20,000 scans in 1 MB)."""
    starts = [i for i in range(len(jpeg) - 1) if jpeg[i] == 0xFF and jpeg[i + 1] == 0xDA]
    scans = [jpeg[a:b] for a, b in zip(starts, starts[1:] + [len(jpeg) - 2])]
    shortest = min(scans, key=len)
    return jpeg[:-2] + shortest * (total - len(starts)) + b"\xff\xd9"


def scan_bomb(assay, backend, workdir):
    server, database = start(assay, backend)
    try:
        jpeg = progressive_jpeg(workdir)
        lines = []
        for scans in (20_000, 180_000):
            bomb = with_scans(jpeg, scans)
            cpu = cpu_seconds(server.process.pid)
            status, body, _, elapsed = upload(server.port, signed({"phash": "true"}).items(),
                                              bomb)
            message = (body.get("error", {}).get("message") or "") if isinstance(body, dict) else ""
            lines.append(f"{scans} scans ({len(bomb) / 1e6:.1f} MB): {status} in "
                         f"{elapsed * 1e3:.0f} ms, server CPU "
                         f"{cpu_seconds(server.process.pid) - cpu:.2f} s ({message})")
        return "; ".join(lines)
    finally:
        stop(server, database)


def png16(width, height):
    """A 16-bit RGB PNG whose rows are each one grey: a few hundred KB that
    decode to width x height x 6 bytes."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + (y % 65536).to_bytes(2, "big") * 3 * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def lossless_webp(workdir, side):
    """A one-colour lossless WebP; ImageMagick writes it although its pixel
    cache limits make it report an error, so only the file is checked."""
    path = os.path.join(workdir, "big.webp")
    subprocess.run(["convert", "-limit", "area", "2GP", "-limit", "width", "64KP",
                    "-limit", "height", "64KP", "-size", f"{side}x{side}", "xc:gray40",
                    "-define", "webp:lossless=true", path], capture_output=True)
    return open(path, "rb").read()


def memory_per_pixel(assay, backend, workdir):
    lines = []
    for name, data in (("16-bit PNG", png16(10_000, 10_000)),
                       ("lossless WebP", lossless_webp(workdir, 10_000))):
        server, database = start(assay, backend)
        try:
            status, body, _, elapsed = upload(server.port, signed({"phash": "true"}).items(),
                                              data)
            message = (body.get("error", {}).get("message") or "") if isinstance(body, dict) else ""
            lines.append(f"{name} 10000x10000 ({len(data) / 1e3:.0f} KB): {status} in "
                         f"{elapsed:.1f} s, peak RSS {server.peak_rss_mib():.0f} MiB {message}")
        finally:
            stop(server, database)
    return "; ".join(lines)


def ssrf(port):
    answers = []
    for url in ("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
                "http://[2002:a9fe:a9fe::1]/", "http://[fec0::1]/",
                "http://[::ffff:0:a9fe:a9fe]/"):
        status, _, _, _ = upload(port, list(signed({}).items()) + [("file", url)])
        answers.append(f"{urllib.parse.urlsplit(url).hostname} {status}")
    return ", ".join(answers)


def rapid_overwrites(port, photo, count=400):
    newest = 0
    for _ in range(count):
        status, body, _, _ = upload(port, signed({"public_id": "rapid",
                                                  "overwrite": "true"}).items(), photo)
        if status == 200:
            newest = max(newest, body["version"])
    return f"{count} overwrites: newest version {newest - time.time():+.0f} s from now"


def nul_inputs(port):
    list_status = admin(port, "GET", "/resources/image?prefix=a%00b")[0]
    delete_status = admin(port, "DELETE", "/resources/image/upload?public_ids[]=a%00b")[0]
    return f"list with a NUL prefix {list_status}, delete of a NUL public id {delete_status}"


def big_admin_body(port):
    body = urllib.parse.urlencode({"tags": "x" * 300_000}).encode()
    status, data, content_type, _ = admin(port, "POST", "/resources/image/upload/rapid", body,
                                          "application/x-www-form-urlencoded")
    return f"300 KB body: {status}, {content_type}"


def moved_equals(port, photo):
    params = signed({"context": "caption=x"})
    fields = [("context=caption", "x") if k == "context" else (k, v) for k, v in params.items()]
    status, body, _, _ = upload(port, fields, photo)
    return f"signed context=caption=x re-sent as name `context=caption`: {status}"


def metadata_flood(port, workdir, attributes=500_000):
    path = os.path.join(workdir, "xmp.jpg")
    magick("-size", "64x64", "xc:gray", path)
    attrs = " ".join(f'x:a{i}="v"' for i in range(attributes))
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           f'<rdf:Description {attrs}/></rdf:RDF></x:xmpmeta>').encode()
    jpeg = open(path, "rb").read()
    # XMP spreads over APP1 segments of at most 65 KB; the first one is enough
    # to carry thousands of attributes, the rest goes in as further segments.
    header = b"http://ns.adobe.com/xap/1.0/\x00"
    segments = b""
    for at in range(0, len(xmp), 65_000):
        chunk = header + xmp[at:at + 65_000]
        segments += b"\xff\xe1" + (len(chunk) + 2).to_bytes(2, "big") + chunk
    status, body, _, _ = upload(port, signed({"media_metadata": "true"}).items(),
                                jpeg[:2] + segments + jpeg[2:])
    keys = len(body.get("media_metadata", {})) if isinstance(body, dict) else 0
    return f"{len(xmp) / 1e6:.1f} MB of XMP attributes: {status}, {keys} media_metadata keys, " \
           f"response {len(json.dumps(body)) / 1e3:.0f} KB"


# ------------------------------------------- issue 28: parser and animation bombs


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_with(chunks):
    """A valid 1x1 grey PNG carrying `chunks` before its pixel data."""
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + b"".join(chunks) + png_chunk(b"IDAT", zlib.compress(b"\0\0"))
            + png_chunk(b"IEND", b""))


def aliasing_icc(entries=255, records=400, text=8000):
    """An ICC profile whose `entries` tag entries all point at one `mluc`
    element, whose `records` records all point at one UTF-16 text."""
    element_at = 132 + 12 * entries
    text_at = 16 + 12 * records
    element_len = text_at + text
    header = bytearray(128)
    header[12:16], header[16:20] = b"mntr", b"RGB "
    table = struct.pack(">I", entries) + (b"desc" + struct.pack(">II", element_at, element_len)) * entries
    element = (b"mluc\0\0\0\0" + struct.pack(">II", records, 12)
               + (b"enUS" + struct.pack(">II", text, text_at)) * records + b"\0A" * (text // 2))
    profile = bytes(header) + table + element
    return struct.pack(">I", len(profile)) + profile[4:]


def jpeg_segment(marker, data):
    return bytes([0xFF, marker]) + (len(data) + 2).to_bytes(2, "big") + data


def small_jpeg(workdir):
    path = os.path.join(workdir, "small.jpg")
    magick("-size", "64x64", "xc:gray", path)
    return open(path, "rb").read()


def small_webp_vp8(workdir):
    """The VP8 chunk of a 64x64 lossy WebP."""
    path = os.path.join(workdir, "small.webp")
    magick("-size", "64x64", "xc:gray", "-define", "webp:lossless=false", path)
    data = open(path, "rb").read()
    at = data.index(b"VP8 ")
    return data[at:]


def webp_with_icc(vp8, profile):
    """An extended WebP: VP8X (ICC flag), ICCP, then the image."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x20, 0, 0, 0]) + (63).to_bytes(3, "little") * 2
    iccp = b"ICCP" + struct.pack("<I", len(profile)) + profile + (b"\0" if len(profile) % 2 else b"")
    body = b"WEBP" + vp8x + iccp + vp8
    return b"RIFF" + struct.pack("<I", len(body)) + body


def lzw_8x8(index):
    """One 8x8 GIF frame of colour `index`, LZW-coded without compression:
    clear, 64 literals, end, all 9-bit codes (the table never reaches 512)."""
    codes = [256] + [index] * 64 + [257]
    bits, nbits, out = 0, 0, bytearray()
    for code in codes:
        bits |= code << nbits
        nbits += 9
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 0xFF)
    return bytes([len(out)]) + bytes(out) + b"\0"


def patch_gif(side, frames):
    """A `side` x `side` logical screen painted 8x8 at a time, one patch a
    frame (the campaign's cinemagraph bomb: 10000 x 10000, 1,000 frames)."""
    palette = b"".join(bytes([i, i, 255 - i]) for i in range(256))
    out = bytearray(b"GIF89a" + struct.pack("<HH", side, side) + bytes([0xF7, 0, 0]) + palette)
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"
    for i in range(frames):
        left, top = (i * 97) % (side - 8), (i * 61) % (side - 8)
        out += b"\x21\xf9\x04\x04\x04\0\0\0"  # keep, 40 ms
        out += b"\x2c" + struct.pack("<HHHH", left, top, 8, 8) + b"\0\x08" + lzw_8x8(i % 255 + 1)
    return bytes(out + b"\x3b")


def parser_bombs(workdir):
    """(name, file, upload parameters, the campaign's figure)."""
    jpeg = small_jpeg(workdir)
    vp8 = small_webp_vp8(workdir)
    icc_16k = aliasing_icc()
    icc_1k = aliasing_icc(entries=60, records=40, text=200)
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
              b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc='
              b'"http://purl.org/dc/elements/1.1/" dc:format="image/png"/></rdf:RDF></x:xmpmeta>')
    itxt = png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\x01\0\0\0"
                     + zlib.compress(packet.ljust(16_000_000), 9))
    resources = b"8BIM\x04\x0f\0\0" + struct.pack(">I", len(icc_1k)) + icc_1k
    app13 = jpeg_segment(0xED, b"Photoshop 3.0\0" + resources)
    metadata = {"media_metadata": "true"}
    return [
        ("ICC aliasing, PNG iCCP (1 KB profile)", png_with([png_chunk(
            b"iCCP", b"icc\0\0" + zlib.compress(icc_1k, 9))]), metadata, "275 MB (1.2 KB PNG)"),
        ("ICC aliasing, PNG iCCP (16 KB profile)", png_with([png_chunk(
            b"iCCP", b"icc\0\0" + zlib.compress(icc_16k, 9))]), metadata, "4.1 GB"),
        ("ICC aliasing, JPEG APP2 (16 KB profile)",
         jpeg[:2] + jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01" + icc_16k) + jpeg[2:],
         metadata, "4.1 GB"),
        ("ICC aliasing, WebP ICCP (16 KB profile)", webp_with_icc(vp8, icc_16k), metadata,
         "4.1 GB"),
        ("100 PNG iTXt XMP chunks inflating to 16 MB each", png_with([itxt] * 100), metadata,
         "3.4 GB (1.6 MB file)"),
        ("1,000 APP13 segments of Photoshop resources", jpeg[:2] + app13 * 1000 + jpeg[2:],
         metadata, "1.5 GB, 917 MB held after"),
        ("cinemagraph_analysis, 10000x10000 GIF, 1,000 8x8 frames", patch_gif(10_000, 1_000),
         {"cinemagraph_analysis": "true"}, "127 s wall, 117 s CPU, 790 MB"),
    ]


class Watchdog(threading.Thread):
    """Kills the server past `limit_mib` of RSS or `seconds` of wall time, so
    a bomb that still works on old code cannot take the host with it."""

    def __init__(self, server, limit_mib=3072, seconds=90):
        super().__init__(daemon=True)
        self.server, self.limit, self.seconds = server, limit_mib, seconds
        self.fired, self.done = None, threading.Event()

    def run(self):
        started = time.monotonic()
        while not self.done.wait(0.05):
            try:
                with open(f"/proc/{self.server.process.pid}/status") as status:
                    rss = next(int(l.split()[1]) / 1024 for l in status if l.startswith("VmRSS:"))
            except (OSError, StopIteration):
                return
            if rss > self.limit or time.monotonic() - started > self.seconds:
                self.fired = (f"killed at {rss:.0f} MiB RSS after "
                              f"{time.monotonic() - started:.1f} s")
                self.server.process.kill()
                return


def bomb(assay, backend, data, params):
    server, database = start(assay, backend)
    watchdog = Watchdog(server)
    try:
        cpu = cpu_seconds(server.process.pid)
        watchdog.start()
        status, body, _, elapsed = upload(server.port, signed(params).items(), data)
        watchdog.done.set()
        if watchdog.fired:
            return watchdog.fired
        peak = server.peak_rss_mib()
        cpu = cpu_seconds(server.process.pid) - cpu
        extra = ""
        if isinstance(body, dict) and "media_metadata" in body:
            extra = f", {len(body['media_metadata'])} keys"
        if isinstance(body, dict) and "cinemagraph_analysis" in body:
            extra = f", score {body['cinemagraph_analysis'].get('cinemagraph_score')}"
        if isinstance(body, dict) and "error" in body:
            extra = f", {body['error'].get('message')}"
        return f"{status} in {elapsed:.2f} s, server CPU {cpu:.2f} s, peak RSS {peak:.0f} MiB{extra}"
    finally:
        watchdog.done.set()
        if server.process.poll() is None:
            stop(server, database)
        else:
            server.workdir.cleanup()
            if database:
                database.drop()


def issue_28(assay, backend, workdir):
    print("issue 28: parser bombs (media_metadata=true) and the cinemagraph GIF")
    for name, data, params, campaign in parser_bombs(workdir):
        report(f"{name} ({len(data) / 1e3:.1f} KB)", campaign, bomb(assay, backend, data, params))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--only", choices=["issue-28"],
                        help="run only this round's campaign")
    args = parser.parse_args()
    if args.only == "issue-28":
        with tempfile.TemporaryDirectory(prefix="assay-hostile-") as workdir:
            issue_28(args.assay, args.backend, workdir)
        return
    with tempfile.TemporaryDirectory(prefix="assay-hostile-") as workdir:
        photo_a = os.path.join(workdir, "a.jpg")
        magick(os.path.join(CORPUS, "face_fr_two_people.jpg"), "-resize", "4000x3000!", photo_a)
        photo_a = open(photo_a, "rb").read()
        photo_b = open(os.path.join(CORPUS, "exif_canon_40d.jpg"), "rb").read()
        print(f"hostile campaign, {args.backend} ({os.cpu_count()} cores)")

        server, database = start(args.assay, args.backend)
        try:
            report("race: explicit(phash, colors, faces, ocr) while an overwrite commits",
                   "5 of 5 assets held A's pHash and faces on B's row; ~2% 500 'blob not found'",
                   race(server.port, photo_a, photo_b))
            report("unsigned empty parameters prepended to a captured signed upload",
                   "landed at the root `avatar`, overwriting it",
                   pollution(server.port, photo_b))
            report("SSRF address classes",
                   "NAT64, 6to4, site-local and IPv4-translated addresses were fetched",
                   ssrf(server.port))
            report("rapid overwrites", "version and created_at 398 s in the future",
                   rapid_overwrites(server.port, photo_b))
            report("NUL in admin list and delete inputs", "PostgreSQL 500, SQLite 200",
                   nul_inputs(server.port))
            report("admin body over 256 KB", "plain-text 413", big_admin_body(server.port))
            report("parameter names outside [a-z_] and []",
                   "the signature held with the `=` moved into the name",
                   moved_equals(server.port, photo_b))
            report("media_metadata from 500,000 XMP attributes",
                   "500,000 keys stored on the row and returned by every GET",
                   metadata_flood(server.port, workdir))
        finally:
            stop(server, database)

        report("120,000 distinct a<i>[] fields before authentication",
               "30 s of CPU each; two pinned both workers, /healthz 408 after 27 s",
               field_flood(args.assay, args.backend))
        report("300 MB body of text fields before authentication",
               "RSS grew to 319 MB before the 401", text_flood(args.assay, args.backend))
        report("progressive JPEG scan bomb",
               "20,000 scans: 23-26 s of CPU; 180,000 scans ran past 300 s",
               scan_bomb(args.assay, args.backend, workdir))
        report("memory per pixel", "16-bit PNG 1.4 GB, lossless WebP 1.27 GB",
               memory_per_pixel(args.assay, args.backend, workdir))
        issue_28(args.assay, args.backend, workdir)


if __name__ == "__main__":
    main()
