"""Drives unsigned uploads and their presets with the official Python SDK
(issues 28 and 29): a preset carrying our analyses, an unsigned attempt to
overwrite, an unsigned attempt to leave the preset's folder, the merge rules.

Run by the e2e tests (tests/e2e/tests/api/sdk_unsigned.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python unsigned_flow.py <image> <other image> <prefix>

Prints one JSON object: what each call returned (or which SDK error it
raised). The Rust test asserts on it, so this script only records.
"""
import json
import os
import sys

import cloudinary
import cloudinary.api
import cloudinary.uploader
from cloudinary.exceptions import Error


def outcome(call):
    """The result as a plain dict, or the SDK error raised."""
    try:
        return {"body": dict(call())}
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}


def flow(image, other, prefix):
    api, uploader = cloudinary.api, cloudinary.uploader
    name = prefix + "_widget"
    folder = prefix + "_inbox"
    report = {}
    report["create"] = outcome(lambda: api.create_upload_preset(
        name=name, unsigned=True, folder=folder, overwrite=True, return_delete_token=True,
        tags="from_preset", context={"stage": "preset", "source": "widget"},
        quality_analysis=True, accessibility_analysis=True, cinemagraph_analysis=True,
        invalidate=True))
    report["get"] = outcome(lambda: api.upload_preset(name))
    report["signed"] = outcome(lambda: uploader.upload(
        image, public_id=folder + "/logo", tags="secret", context={"owner": "alice"}))
    report["overwrite_attempt"] = outcome(lambda: uploader.unsigned_upload(
        other, name, public_id="logo"))
    report["after_attempt"] = outcome(lambda: api.resource(folder + "/logo"))
    report["escape_attempt"] = outcome(lambda: uploader.unsigned_upload(
        other, name, public_id="holiday", folder="private"))
    report["merged"] = outcome(lambda: uploader.unsigned_upload(
        image, name, public_id="mine", tags=["mine"],
        context={"stage": "request", "caption": "hi"}))
    return report


def main():
    image, other, prefix = sys.argv[1:]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    print(json.dumps(flow(image, other, prefix)))


if __name__ == "__main__":
    main()
