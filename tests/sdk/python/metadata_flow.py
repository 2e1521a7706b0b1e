"""Structured metadata through the official Python SDK, as an application would use it.

Run by the e2e tests (tests/e2e/tests/api/sdk_metadata.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python metadata_flow.py <image file>

Defines fields (string, integer, date, enum, set; validation, datasource,
mandatory with a default), uploads with `metadata`, updates values with
`uploader.update_metadata`, `explicit` and `api.update`, reads them back with
`api.resource` and Search, changes the datasource and deletes a field.
Prints one JSON object: what each call returned, or which SDK error it
raised. The Rust test asserts on it, so this script only records.
"""
import json
import os
import sys

import cloudinary
import cloudinary.api
import cloudinary.search
import cloudinary.uploader
from cloudinary.exceptions import Error

FIELDS = [
    {"external_id": "sku", "label": "SKU", "type": "string",
     "validation": {"type": "strlen", "min": 3, "max": 20}},
    {"external_id": "count", "label": "Count", "type": "integer", "mandatory": True,
     "default_value": 1,
     "validation": {"type": "and", "rules": [
         {"type": "greater_than", "equals": True, "value": 0},
         {"type": "less_than", "equals": False, "value": 100}]}},
    {"external_id": "released", "label": "Released", "type": "date"},
    {"external_id": "size", "label": "Size", "type": "enum",
     "datasource": {"values": [{"external_id": "small", "value": "Small"},
                               {"external_id": "large", "value": "Large"}]}},
    {"external_id": "colours", "label": "Colours", "type": "set",
     "datasource": {"values": [{"external_id": "red", "value": "Red"},
                               {"external_id": "blue", "value": "Blue"},
                               {"external_id": "green", "value": "Green"}]}},
]


def outcome(call):
    """The result as a dict, or the error the SDK raised."""
    try:
        return {"body": json.loads(json.dumps(call(), default=dict))}
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}


def main():
    image = sys.argv[1]
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    api, uploader = cloudinary.api, cloudinary.uploader
    search = lambda expression: cloudinary.search.Search().expression(expression).execute()
    report = {"created": [outcome(lambda f=f: api.add_metadata_field(f)) for f in FIELDS]}
    report["duplicate"] = outcome(lambda: api.add_metadata_field(FIELDS[0]))
    report["invalid_default"] = outcome(lambda: api.add_metadata_field(
        {"external_id": "stock", "label": "Stock", "type": "integer", "default_value": 6,
         "validation": {"type": "less_than", "equals": True, "value": 5}}))
    report["list"] = outcome(api.list_metadata_fields)
    # type and external_id cannot change: Cloudinary ignores them.
    report["update_field"] = outcome(lambda: api.update_metadata_field(
        "sku", {"label": "Stock keeping unit", "type": "integer", "external_id": "other"}))
    report["get_field"] = outcome(lambda: api.metadata_field_by_field_id("sku"))
    report["datasource"] = outcome(lambda: api.update_metadata_field_datasource(
        "colours", [{"external_id": "blue", "value": "Navy"}, {"value": "Yellow"}]))
    report["upload"] = outcome(lambda: uploader.upload(
        image, public_id="meta/shirt",
        metadata={"sku": "A-100", "colours": ["red", "blue"], "size": "small",
                  "released": "2024-05-01"}))
    report["upload_bad_integer"] = outcome(lambda: uploader.upload(
        image, public_id="meta/bad", metadata={"count": "many"}))
    report["upload_outside_datasource"] = outcome(lambda: uploader.upload(
        image, public_id="meta/bad", metadata={"colours": ["purple"]}))
    report["upload_failing_validation"] = outcome(lambda: uploader.upload(
        image, public_id="meta/bad", metadata={"count": 100}))
    report["bad_not_stored"] = outcome(lambda: api.resource("meta/bad"))
    report["update_metadata"] = outcome(lambda: uploader.update_metadata(
        {"sku": "A-200", "count": 7}, ["meta/shirt", "meta/none"]))
    report["resource"] = outcome(lambda: api.resource("meta/shirt"))
    report["search_sku"] = outcome(lambda: search("metadata.sku=A-200"))
    report["search_colour"] = outcome(lambda: search("metadata.colours=blue"))
    report["search_old_sku"] = outcome(lambda: search("metadata.sku=A-100"))
    report["delete_entries"] = outcome(lambda: api.delete_datasource_entries("colours", ["green"]))
    report["use_deleted_entry"] = outcome(lambda: uploader.update_metadata(
        {"colours": ["green"]}, ["meta/shirt"]))
    report["restore"] = outcome(lambda: api.restore_metadata_field_datasource("colours", ["green"]))
    report["explicit"] = outcome(lambda: uploader.explicit(
        "meta/shirt", type="upload", metadata={"size": "large", "colours": ["green"]}))
    report["update"] = outcome(lambda: api.update("meta/shirt", metadata={"released": "2025-01-31"}))
    report["listing"] = outcome(lambda: api.resources(type="upload", metadata=True))
    report["delete_field"] = outcome(lambda: api.delete_metadata_field("size"))
    report["after_delete"] = outcome(lambda: api.resource("meta/shirt"))
    report["recreate"] = outcome(lambda: api.add_metadata_field(FIELDS[3]))
    report["search_deleted_field"] = outcome(lambda: search("metadata.size=large"))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
