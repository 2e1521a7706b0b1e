"""Drives the Admin API with the official Python SDK, as back-office code would.

Run by the e2e tests (tests/e2e/tests/api/admin_sdk.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python admin_flow.py <public_id of an uploaded image>

Prints one JSON object: what each call returned (or which SDK error it
raised). The Rust test asserts on it, so this script only records.
"""
import json
import os
import sys

import cloudinary
import cloudinary.api
from cloudinary.exceptions import Error


def outcome(call):
    """The result with the SDK's rate-limit attributes, or the error raised."""
    try:
        result = call()
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}
    return {
        "body": dict(result),
        "rate_limit": {
            "allowed": result.rate_limit_allowed,
            "remaining": result.rate_limit_remaining,
            "reset_at": list(result.rate_limit_reset_at or []),
        },
    }


def past_the_budget(most=1000):
    """Pings until the server refuses; the refusal and the calls it took."""
    for calls in range(1, most + 1):
        try:
            cloudinary.api.ping()
        except Error as err:
            return {"error": type(err).__name__, "message": str(err), "calls": calls}
    return {"calls": most}


def main():
    public_id = sys.argv[1]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    folder = public_id.rsplit("/", 1)[0] + "/"
    report = {
        "resource": outcome(lambda: cloudinary.api.resource(
            public_id, colors=True, phash=True, media_metadata=True, faces=True,
            image_metadata=True, pages=True, coordinates=True, quality_analysis=True)),
        "update": outcome(lambda: cloudinary.api.update(
            public_id, tags=["t1", "t2"], context={"k": "v"},
            custom_coordinates=[[1, 2, 3, 4]], face_coordinates=[[5, 6, 7, 8]])),
        "resources": outcome(lambda: cloudinary.api.resources(type="upload", prefix=folder, max_results=10)),
        "resources_by_ids": outcome(lambda: cloudinary.api.resources_by_ids([public_id])),
        "delete": outcome(lambda: cloudinary.api.delete_resources([public_id, folder + "never-uploaded"])),
        "after_delete": outcome(lambda: cloudinary.api.resource(public_id)),
    }
    report["past_the_budget"] = past_the_budget()
    cloudinary.config(api_secret="not-the-secret")
    report["wrong_secret"] = outcome(lambda: cloudinary.api.ping())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
