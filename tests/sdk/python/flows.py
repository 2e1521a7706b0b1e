"""Drives the client flows of issue 21 with the official Python SDK: asset_id
lookups, delete tokens, upload presets with unsigned uploads, async uploads.

Run by the e2e tests (tests/e2e/tests/api/sdk_flows.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python flows.py <flow> <image> [flow arguments]

Prints one JSON object: what each call returned (or which SDK error it
raised). The Rust test asserts on it, so this script only records.
"""
import json
import os
import sys

import cloudinary
import cloudinary.api
import cloudinary.uploader
import cloudinary.utils
from cloudinary.exceptions import Error


def outcome(call):
    """The result as a plain dict, or the SDK error raised."""
    try:
        return {"body": dict(call())}
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}


def asset_ids(image, prefix):
    report = {}
    first = cloudinary.uploader.upload(image, public_id=prefix + "/one")
    second = cloudinary.uploader.upload(image, public_id=prefix + "/two")
    report["uploaded"] = [first["asset_id"], second["asset_id"]]
    report["by_asset_id"] = outcome(lambda: cloudinary.api.resource_by_asset_id(
        first["asset_id"], phash=True, colors=True))
    report["by_asset_ids"] = outcome(lambda: cloudinary.api.resources_by_asset_ids(
        [first["asset_id"], second["asset_id"]]))
    report["delete_by_asset_ids"] = outcome(lambda: cloudinary.api.delete_resources_by_asset_ids(
        [second["asset_id"]]))
    report["deleted_by_asset_id"] = outcome(lambda: cloudinary.api.resource_by_asset_id(second["asset_id"]))
    report["kept_by_public_id"] = outcome(lambda: cloudinary.api.resource(prefix + "/one"))
    return report


def delete_token(image, prefix):
    return {"upload": outcome(lambda: cloudinary.uploader.upload(
        image, public_id=prefix + "/token", return_delete_token=True))}


def presets(image, prefix):
    name = prefix + "_thumbs"
    api, uploader = cloudinary.api, cloudinary.uploader
    report = {}
    report["create"] = outcome(lambda: api.create_upload_preset(
        name=name, unsigned=True, phash=True, colors=True, folder=prefix + "_unsigned", tags="from_preset"))
    report["create_again"] = outcome(lambda: api.create_upload_preset(name=name, unsigned=True))
    report["get"] = outcome(lambda: api.upload_preset(name))
    report["list"] = outcome(lambda: api.upload_presets())
    report["unsigned"] = outcome(lambda: uploader.unsigned_upload(image, name, public_id="u1"))
    report["unsigned_forbidden"] = outcome(lambda: uploader.unsigned_upload(image, name, faces=True))
    report["unsigned_no_overwrite"] = outcome(lambda: uploader.unsigned_upload(image, name, public_id="u1"))
    report["signed_with_preset"] = outcome(lambda: uploader.upload(
        image, upload_preset=name, public_id="s1", folder=prefix + "_signed"))
    report["update"] = outcome(lambda: api.update_upload_preset(name, unsigned=False, faces=True))
    report["get_updated"] = outcome(lambda: api.upload_preset(name))
    report["unsigned_signed_preset"] = outcome(lambda: uploader.unsigned_upload(image, name))
    report["delete"] = outcome(lambda: api.delete_upload_preset(name))
    report["get_deleted"] = outcome(lambda: api.upload_preset(name))
    report["unsigned_unknown"] = outcome(lambda: uploader.unsigned_upload(image, name))
    return report


def async_upload(image, prefix, notification_url):
    # `async` is a Python keyword: the SDK takes it through **options.
    return {"upload": outcome(lambda: cloudinary.uploader.upload(
        image, public_id=prefix + "/async", phash=True, notification_url=notification_url,
        **{"async": True}))}


def verify(_image, _prefix, deliveries_file, algorithm):
    """Each recorded delivery checked by the SDK's own webhook helper."""
    cloudinary.config(signature_algorithm=algorithm)
    with open(deliveries_file) as f:
        deliveries = json.load(f)
    return {"valid": [cloudinary.utils.verify_notification_signature(
        d["body"], d["timestamp"], d["signature"]) for d in deliveries]}


FLOWS = {"asset_ids": asset_ids, "delete_token": delete_token, "presets": presets,
         "async": async_upload, "verify": verify}


def main():
    flow, image, prefix, *extra = sys.argv[1:]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    print(json.dumps(FLOWS[flow](image, prefix, *extra)))


if __name__ == "__main__":
    main()
