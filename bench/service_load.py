"""The running service under load on loopback: throughput and latency
percentiles of signed multipart uploads (1 MP and 12 MP JPEGs, with and without
extraction flags), then the server's peak RSS while 64 12 MP uploads with every
extraction flag run at once. After each scenario it prints where the
server's time went: its CPU per request (/proc) and the mean time per request
of each extraction stage (`assay_extraction_seconds` from `/metrics`).

Each scenario gets a fresh `assay serve` (temporary SQLite database and blob
directory, a free loopback port), so the peak RSS (VmHWM from /proc) is that
scenario's own. The load generator is this script: one keep-alive connection
per worker thread, each request freshly signed (timestamp + SHA-1 signature,
as the SDKs send it) and built in memory before its clock starts.

usage: service_load.py --assay target/release/assay --jpeg-12mp FILE --jpeg-1mp FILE
"""

import argparse
import hashlib
import http.client
import os
import re
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid

API_KEY = "bench-key"
API_SECRET = "bench-secret"
CLOUD = "bench"
EXTRACTION = {"colors": "true", "phash": "true", "media_metadata": "true", "faces": "true"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`assay serve` on a free loopback port with throwaway storage (a SQLite
    file unless `database_url` names another database)."""

    def __init__(self, assay, database_url=None):
        self.workdir = tempfile.TemporaryDirectory(prefix="assay-bench-")
        self.port = free_port()
        env = dict(
            os.environ,
            ASSAY_LISTEN=f"127.0.0.1:{self.port}",
            ASSAY_CLOUD_NAME=CLOUD,
            ASSAY_API_KEY=API_KEY,
            ASSAY_API_SECRET=API_SECRET,
            DATABASE_URL=database_url or f"sqlite://{self.workdir.name}/assay.db",
            ASSAY_STORAGE=f"{self.workdir.name}/blobs",
            RUST_LOG="warn",
        )
        self.process = subprocess.Popen(
            [assay, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("assay serve exited at start-up")
            time.sleep(0.2)
        raise RuntimeError("assay serve did not become ready")

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def cpu_seconds(self):
        """User + system CPU of the server so far."""
        fields = open(f"/proc/{self.process.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stage_seconds(self):
        """Total seconds per extraction stage, from the Prometheus endpoint."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
        pattern = r'^assay_extraction_seconds_sum\{analysis="(\w+)"\} (\S+)$'
        return {m[1]: float(m[2]) for m in re.finditer(pattern, text, re.MULTILINE)}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.workdir.cleanup()


def signed_upload(jpeg, flags):
    """A multipart body signed now, and its content type."""
    params = dict(flags, timestamp=str(int(time.time())))
    to_sign = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["signature"] = hashlib.sha1((to_sign + API_SECRET).encode()).hexdigest()
    params["api_key"] = API_KEY
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in params.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
    )
    body = b"".join(parts) + jpeg + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def load(port, jpeg, flags, concurrency, requests):
    """Sends `requests` uploads from `concurrency` workers; latencies in seconds and wall time."""
    latencies, failures, lock = [], [], threading.Lock()
    remaining = iter(range(requests))

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            body, content_type = signed_upload(jpeg, flags)
            started = time.perf_counter()
            connection.request(
                "POST", f"/v1_1/{CLOUD}/image/upload", body=body,
                headers={"Content-Type": content_type},
            )
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                else:
                    failures.append(response.status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} uploads failed: statuses {sorted(set(failures))}")
    return latencies, wall


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True)
    parser.add_argument("--jpeg-12mp", required=True)
    parser.add_argument("--jpeg-1mp", required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    jpegs = {
        "1 MP": open(args.jpeg_1mp, "rb").read(),
        "12 MP": open(args.jpeg_12mp, "rb").read(),
    }
    # Request counts keep each scenario to seconds on a small machine, but long
    # enough (3-4 s) that one slow request does not swing the rate.
    scenarios = [
        ("1 MP", {}, 400),
        ("1 MP", EXTRACTION, 100),
        ("12 MP", {}, 100),
        ("12 MP", EXTRACTION, 96),
    ]
    print(
        f"upload under load, {args.concurrency} concurrent keep-alive clients on loopback"
        f" (server: {os.cpu_count()} cores)"
    )
    print(f"{'image':6} {'flags':28} {'n':>4} {'req/s':>7} {'MB/s':>6} "
          f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'peak RSS':>9}")
    for name, flags, count in scenarios:
        server = Server(args.assay)
        try:
            load(server.port, jpegs[name], flags, 2, 4)  # warm-up
            cpu_before, stages_before = server.cpu_seconds(), server.stage_seconds()
            latencies, wall = load(server.port, jpegs[name], flags, args.concurrency, count)
            rss = server.peak_rss_mib()
            cpu = server.cpu_seconds() - cpu_before
            stages = {k: v - stages_before.get(k, 0.0) for k, v in server.stage_seconds().items()}
        finally:
            server.stop()
        label = "colors,phash,metadata,faces" if flags else "none"
        print(
            f"{name:6} {label:28} {count:4} {count / wall:7.1f} "
            f"{count * len(jpegs[name]) / wall / 1e6:6.1f} "
            f"{percentile(latencies, 50) * 1e3:7.0f} {percentile(latencies, 90) * 1e3:7.0f} "
            f"{percentile(latencies, 99) * 1e3:7.0f} {rss:7.0f} MiB"
        )
        per_stage = ", ".join(f"{k} {v / count * 1e3:.1f}" for k, v in stages.items() if v > 0)
        print(f"{'':6} server CPU {cpu / count * 1e3:.1f} ms/request; stages, ms/request: {per_stage}")

    server = Server(args.assay)
    try:
        latencies, wall = load(server.port, jpegs["12 MP"], EXTRACTION, 64, 64)
        rss = server.peak_rss_mib()
    finally:
        server.stop()
    print(
        f"64 concurrent 12 MP uploads with colors,phash,metadata,faces: all done in {wall:.1f} s "
        f"(p50 {statistics.median(latencies) * 1e3:.0f} ms, max {max(latencies) * 1e3:.0f} ms); "
        f"server peak RSS (VmHWM) {rss:.0f} MiB (target <= 1024 MiB)"
    )


if __name__ == "__main__":
    main()
