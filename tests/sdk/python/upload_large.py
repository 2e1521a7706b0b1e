"""Uploads one large file in chunks with the official Python SDK's
`uploader.upload_large` (issue 29): parts of `chunk_size` bytes, each with
Content-Range and X-Unique-Upload-Id, the answered public_id sent back on
the next part.

Run by the e2e tests (tests/e2e/tests/api/chunked_upload.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python upload_large.py <file> <chunk_size> <public_id> <folder>

Uploads twice: under `public_id`, and with no public_id into `folder`.
Prints one JSON object with what each call returned (or the SDK error).
"""
import json
import os
import sys

import cloudinary
import cloudinary.uploader
from cloudinary.exceptions import Error


def outcome(call):
    """The result as a plain dict, or the SDK error raised."""
    try:
        return {"body": dict(call())}
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}


def main():
    path, chunk_size, public_id, folder = sys.argv[1:]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    upload_large = cloudinary.uploader.upload_large
    report = {
        "named": outcome(lambda: upload_large(
            path, resource_type="image", chunk_size=int(chunk_size), public_id=public_id,
            phash=True, colors=True, tags=["big", "chunked"])),
        "in_folder": outcome(lambda: upload_large(
            path, resource_type="image", chunk_size=int(chunk_size), folder=folder, phash=True)),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
