"""The hostile campaign of issue 14, re-run against a release `assay serve` on
loopback: each finding reproduced the way the campaign first measured it, and
what the server does now printed beside what it did then (the issue's
figures). Server CPU comes from /proc/<pid>/stat, peak memory from VmHWM, so
each scenario that measures them gets a fresh server.

usage: hostile.py --assay target/release/assay [--backend sqlite|postgres]
The deterministic checks of the same findings are tests (tests/e2e: races,
request_rules, upload_auth, bad_input_campaign; crates/extract/tests/scan_bomb).
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
