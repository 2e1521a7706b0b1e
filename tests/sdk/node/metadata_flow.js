// Structured metadata through the official Node SDK, as an application would use it.
//
// Run by the e2e tests (tests/e2e/tests/api/sdk_metadata.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node metadata_flow.js <image file>
//
// The same calls as tests/sdk/python/metadata_flow.py, with Node's encodings
// (form-encoded admin updates, arrays written by the SDK itself). Prints one
// JSON object: what each call returned, or the error it rejected with.
"use strict";

const cloudinary = require("cloudinary").v2;

const FIELDS = [
  { external_id: "sku", label: "SKU", type: "string", validation: { type: "strlen", min: 3, max: 20 } },
  {
    external_id: "count", label: "Count", type: "integer", mandatory: true, default_value: 1,
    validation: {
      type: "and",
      rules: [
        { type: "greater_than", equals: true, value: 0 },
        { type: "less_than", equals: false, value: 100 },
      ],
    },
  },
  { external_id: "released", label: "Released", type: "date" },
  {
    external_id: "size", label: "Size", type: "enum",
    datasource: { values: [{ external_id: "small", value: "Small" }, { external_id: "large", value: "Large" }] },
  },
  {
    external_id: "colours", label: "Colours", type: "set",
    datasource: {
      values: [
        { external_id: "red", value: "Red" },
        { external_id: "blue", value: "Blue" },
        { external_id: "green", value: "Green" },
      ],
    },
  },
];

async function outcome(call) {
  try {
    return { body: JSON.parse(JSON.stringify(await call())) };
  } catch (err) {
    const error = err && err.error ? err.error : err;
    return { error: { http_code: error.http_code, message: error.message } };
  }
}

async function main() {
  const image = process.argv[2];
  const { api, uploader } = cloudinary;
  const search = (expression) => cloudinary.search.expression(expression).execute();
  const report = { created: [] };
  for (const field of FIELDS) report.created.push(await outcome(() => api.add_metadata_field({ ...field })));
  report.duplicate = await outcome(() => api.add_metadata_field({ ...FIELDS[0] }));
  report.list = await outcome(() => api.list_metadata_fields());
  report.update_field = await outcome(() => api.update_metadata_field("sku", { label: "Stock keeping unit", type: "integer" }));
  report.datasource = await outcome(() => api.update_metadata_field_datasource("colours", {
    values: [{ external_id: "blue", value: "Navy" }, { value: "Yellow" }],
  }));
  report.upload = await outcome(() => uploader.upload(image, {
    public_id: "meta/shirt",
    metadata: { sku: "A-100", colours: ["red", "blue"], size: "small", released: "2024-05-01" },
  }));
  report.upload_bad_integer = await outcome(() => uploader.upload(image, { public_id: "meta/bad", metadata: { count: "many" } }));
  report.upload_outside_datasource = await outcome(() => uploader.upload(image, { public_id: "meta/bad", metadata: { colours: ["purple"] } }));
  report.upload_failing_validation = await outcome(() => uploader.upload(image, { public_id: "meta/bad", metadata: { count: 100 } }));
  report.bad_not_stored = await outcome(() => api.resource("meta/bad"));
  report.update_metadata = await outcome(() => uploader.update_metadata({ sku: "A-200", count: 7 }, ["meta/shirt", "meta/none"]));
  report.resource = await outcome(() => api.resource("meta/shirt"));
  report.search_sku = await outcome(() => search("metadata.sku=A-200"));
  report.search_colour = await outcome(() => search("metadata.colours=blue"));
  report.search_old_sku = await outcome(() => search("metadata.sku=A-100"));
  report.delete_entries = await outcome(() => api.delete_datasource_entries("colours", ["green"]));
  report.use_deleted_entry = await outcome(() => uploader.update_metadata({ colours: ["green"] }, ["meta/shirt"]));
  report.restore = await outcome(() => api.restore_metadata_field_datasource("colours", ["green"]));
  report.explicit = await outcome(() => uploader.explicit("meta/shirt", {
    type: "upload", metadata: { size: "large", colours: ["green"] },
  }));
  report.update = await outcome(() => api.update("meta/shirt", { metadata: { released: "2025-01-31" } }));
  report.listing = await outcome(() => api.resources({ type: "upload", metadata: true }));
  report.delete_field = await outcome(() => api.delete_metadata_field("size"));
  report.after_delete = await outcome(() => api.resource("meta/shirt"));
  report.recreate = await outcome(() => api.add_metadata_field({ ...FIELDS[3] }));
  report.search_deleted_field = await outcome(() => search("metadata.size=large"));
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
