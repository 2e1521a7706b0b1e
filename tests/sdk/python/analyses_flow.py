"""Requests Cloudinary's analyses with the official Python SDK, as an application would.

Run by the e2e tests (tests/e2e/tests/api/sdk_analyses.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python analyses_flow.py <photo> <animation> <public_id prefix>

Prints one JSON object with what each call returned (or the SDK error); the
Rust test asserts on it, so this script only records.
"""
import json
import os
import sys

import cloudinary
import cloudinary.api
import cloudinary.uploader
from cloudinary.exceptions import Error

FLAGS = dict(quality_analysis=True, accessibility_analysis=True, cinemagraph_analysis=True)


def outcome(call):
    """The result as a plain dict, or the SDK error raised."""
    try:
        return {"body": dict(call())}
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}


def main():
    photo, animation, prefix = sys.argv[1:4]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    report = {}
    report["upload"] = outcome(lambda: cloudinary.uploader.upload(
        photo, public_id=prefix + "-upload", **FLAGS))
    outcome(lambda: cloudinary.uploader.upload(photo, public_id=prefix + "-explicit"))
    report["explicit"] = outcome(lambda: cloudinary.uploader.explicit(
        prefix + "-explicit", type="upload", **FLAGS))
    outcome(lambda: cloudinary.uploader.upload(animation, public_id=prefix + "-get"))
    report["get"] = outcome(lambda: cloudinary.api.resource(prefix + "-get", **FLAGS))
    report["get_again"] = outcome(lambda: cloudinary.api.resource(prefix + "-get", **FLAGS))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
