"""Runs searches with the official Python SDK's `cloudinary.Search`, as an application would.

Run by the e2e tests (tests/e2e/tests/api/sdk_search.rs) against a live server:
    ASSAY_BASE_URL=http://127.0.0.1:PORT ASSAY_CLOUD=demo ASSAY_API_KEY=... \
    ASSAY_API_SECRET=... python search_flow.py <searches.json>

`searches.json` is a list of {"name", "expression"?, "sort_by"?: [[field, dir]],
"max_results"?, "aggregate"?: [name or {type, ranges}], "with_field"?: [...],
"fields"?: [...], "paginate"?: bool, "context_key"?: str}. Prints one JSON
object: for each name, {"pages": [response, ...]} (every page when "paginate",
following next_cursor) or the SDK error; with "context_key", also
"context_values": each resource's `resource["context"][key]`, read flat as the
SDK's own search tests read it (a resource without it is an error). The Rust
test asserts on it; this script only records.
"""
import json
import os
import sys

import cloudinary
import cloudinary.search
from cloudinary.exceptions import Error

MAX_PAGES = 100


def build(spec, cursor):
    search = cloudinary.search.Search()
    if "expression" in spec:
        search.expression(spec["expression"])
    for field, direction in spec.get("sort_by", []):
        search.sort_by(field, direction)
    if "max_results" in spec:
        search.max_results(spec["max_results"])
    for aggregate in spec.get("aggregate", []):
        search.aggregate(aggregate)
    for name in spec.get("with_field", []):
        search.with_field(name)
    for name in spec.get("fields", []):
        search.fields(name)
    if cursor:
        search.next_cursor(cursor)
    return search


def run(spec):
    pages, cursor = [], None
    try:
        while len(pages) < MAX_PAGES:
            page = dict(build(spec, cursor).execute())
            pages.append(page)
            cursor = page.get("next_cursor")
            if not (spec.get("paginate") and cursor):
                break
    except Error as err:
        return {"error": type(err).__name__, "message": str(err)}
    report = {"pages": pages}
    key = spec.get("context_key")
    if key:
        try:
            report["context_values"] = {
                resource["public_id"]: resource["context"][key]
                for page in pages
                for resource in page["resources"]
            }
        except (KeyError, TypeError) as err:
            report["context_error"] = repr(err)
    return report


def main():
    cloudinary.config(
        cloud_name=os.environ["ASSAY_CLOUD"],
        api_key=os.environ["ASSAY_API_KEY"],
        api_secret=os.environ["ASSAY_API_SECRET"],
        upload_prefix=os.environ["ASSAY_BASE_URL"],
    )
    with open(sys.argv[1]) as file:
        searches = json.load(file)
    print(json.dumps({spec["name"]: run(spec) for spec in searches}))


if __name__ == "__main__":
    main()
