"""Drives the lifecycle calls with the official Python SDK: destroy, rename,
tags, context (uploader) and the tag/context listings and deletion (api).

Run by tests/e2e/tests/api/sdk_lifecycle.rs against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python lifecycle_flow.py <image path>

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
    """The result as a plain dict (without the SDK's request_id), or the error raised."""
    try:
        result = call()
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}
    body = dict(result)
    body.pop("request_id", None)
    return body


def ids(result):
    return [r["public_id"] for r in result.get("resources", [])]


def main():
    image = sys.argv[1]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    up = cloudinary.uploader
    api = cloudinary.api
    for public_id in ["lc/a", "lc/b", "lc/c"]:
        up.upload(image, public_id=public_id)
    report = {
        "add_tag": outcome(lambda: up.add_tag("blurry", ["lc/a", "lc/b", "lc/missing"])),
        "add_tags_list": outcome(lambda: up.add_tag(["has_text", "bright"], ["lc/c"])),
        "remove_tag": outcome(lambda: up.remove_tag("blurry", ["lc/b"])),
        "replace_tag": outcome(lambda: up.replace_tag("sharp", ["lc/b"])),
        "add_context": outcome(lambda: up.add_context(
            {"verdict": "blurry", "score": "0.3", "note": "a=b|c"}, ["lc/a", "lc/c"])),
    }
    report["by_tag"] = outcome(lambda: api.resources_by_tag(
        "blurry", max_results=10, tags=True, context=True))
    report["by_context_value"] = outcome(lambda: api.resources_by_context("verdict", "blurry"))
    report["by_context_key"] = outcome(lambda: api.resources_by_context("score"))
    report["tags_prefix"] = outcome(lambda: api.tags(prefix="b", max_results=50))
    report["tags_all"] = outcome(lambda: api.tags())
    report["remove_all_context"] = outcome(lambda: up.remove_all_context(["lc/a"]))
    report["after_remove_all_context"] = outcome(
        lambda: api.resources_by_context("verdict"))
    report["remove_all_tags"] = outcome(lambda: up.remove_all_tags(["lc/c"]))
    report["tags_after"] = outcome(lambda: api.tags())
    report["rename"] = outcome(lambda: up.rename("lc/a", "lc/renamed"))
    report["rename_taken"] = outcome(lambda: up.rename("lc/renamed", "lc/b"))
    report["rename_overwrite"] = outcome(
        lambda: up.rename("lc/renamed", "lc/b", overwrite=True, invalidate=True))
    report["rename_missing"] = outcome(lambda: up.rename("lc/nothing", "lc/x"))
    report["add_junk"] = outcome(lambda: up.add_tag("junk", ["lc/c"]))
    report["delete_by_tag"] = outcome(lambda: api.delete_resources_by_tag("junk"))
    report["destroy"] = outcome(lambda: up.destroy("lc/b", invalidate=True))
    report["destroy_again"] = outcome(lambda: up.destroy("lc/b"))
    report["bad_command"] = outcome(lambda: up.call_tags_api("t", "explode", ["lc/b"]))
    report["left"] = ids(api.resources(prefix="lc/", type="upload"))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
