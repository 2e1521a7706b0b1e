"""Drives the Upload API with the official Python SDK, as an application would.

Run by the e2e tests (tests/e2e/tests/api/sdk_python.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python upload_flow.py <image> <small png> <remote url> <public_id> <corrupt file>

Prints one JSON object: what each call returned (or which SDK error it
raised), plus the MD5 of each delivered original. The Rust test asserts on
it, so this script only records.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.request
from urllib.parse import urlparse

import cloudinary
import cloudinary.uploader
import cloudinary.utils
from cloudinary.exceptions import Error


def outcome(call):
    """The result as a plain dict, or the SDK error raised."""
    try:
        return {"body": dict(call())}
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}


def delivered(public_id, result):
    """Fetches the original the way a page would, through an SDK-built URL."""
    body = result.get("body")
    if not body:
        return {"error": "no upload to deliver"}
    host = urlparse(os.environ["ASSAY_BASE_URL"]).netloc
    url, _ = cloudinary.utils.cloudinary_url(
        public_id, format=body["format"], version=body["version"], cname=host, secure=False)
    with urllib.request.urlopen(url) as response:
        data = response.read()
        return {"url": url, "status": response.status, "etag": response.headers.get("ETag"),
                "md5": hashlib.md5(data).hexdigest()}


def main():
    image, small_png, remote_url, public_id, corrupt = sys.argv[1:6]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    report = {}
    report["upload"] = outcome(lambda: cloudinary.uploader.upload(
        image, public_id=public_id, colors=True, phash=True, media_metadata=True, faces=True,
        custom_coordinates=[[10, 20, 30, 40], [50, 60, 70, 80]], tags=["a", "b"],
        context={"alt": "x", "caption": "a=b|c"}, overwrite=True))
    body = report["upload"].get("body", {})
    report["response_signature_valid"] = bool(body) and cloudinary.utils.verify_api_response_signature(
        body["public_id"], body["version"], body["signature"])
    report["delivery"] = delivered(public_id, report["upload"])
    report["image_metadata"] = outcome(lambda: cloudinary.uploader.upload(
        image, image_metadata=True, use_filename=True, unique_filename=False, folder="py"))
    with open(small_png, "rb") as f:
        data_uri = "data:image/png;base64," + base64.b64encode(f.read()).decode()
    report["data_uri"] = outcome(lambda: cloudinary.uploader.upload(data_uri, public_id=public_id + "-b64"))
    report["remote"] = outcome(lambda: cloudinary.uploader.upload(remote_url, public_id=public_id + "-remote"))
    report["explicit"] = outcome(lambda: cloudinary.uploader.explicit(
        public_id, type="upload", colors=True, phash=True, media_metadata=True, faces=True,
        custom_coordinates="1,2,3,4"))
    report["explicit_missing"] = outcome(lambda: cloudinary.uploader.explicit(
        public_id + "-never-uploaded", type="upload", phash=True))
    report["corrupt"] = outcome(lambda: cloudinary.uploader.upload(corrupt, public_id=public_id + "-corrupt"))
    cloudinary.config(signature_algorithm="sha256")
    report["sha256"] = outcome(lambda: cloudinary.uploader.upload(image, public_id=public_id + "-sha256"))
    sha256_body = report["sha256"].get("body", {})
    report["sha256_response_signature_valid"] = bool(sha256_body) and \
        cloudinary.utils.verify_api_response_signature(
            sha256_body["public_id"], sha256_body["version"], sha256_body["signature"], algorithm="sha256")
    cloudinary.config(signature_algorithm="sha1", api_secret="not-the-secret")
    report["wrong_secret"] = outcome(lambda: cloudinary.uploader.upload(image, public_id=public_id + "-denied"))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
