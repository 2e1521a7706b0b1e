// Drives the lifecycle calls with the official Node SDK: destroy, rename,
// tags, context (uploader) and the tag/context listings and deletion (api).
//
// Run by tests/e2e/tests/api/sdk_lifecycle.rs against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node lifecycle_flow.js <image path>
// CLOUDINARY_URL must be set before `require` (cloudinary-api.md §8).
//
// Prints one JSON object: what each call returned (or the error it rejected
// with). The Rust test asserts on it, so this script only records.
"use strict";

const cloudinary = require("cloudinary").v2;

async function outcome(call) {
  try {
    const result = await call();
    const body = { ...result };
    for (const key of ["rate_limit_allowed", "rate_limit_remaining", "rate_limit_reset_at"]) {
      delete body[key];
    }
    return body;
  } catch (err) {
    const error = err && err.error ? err.error : err;
    return { error: { http_code: error.http_code, message: error.message } };
  }
}

function ids(result) {
  return (result.resources || []).map((r) => r.public_id);
}

async function main() {
  const image = process.argv[2];
  const up = cloudinary.uploader;
  const api = cloudinary.api;
  for (const publicId of ["lc/a", "lc/b", "lc/c"]) {
    await up.upload(image, { public_id: publicId });
  }
  const report = {};
  report.add_tag = await outcome(() => up.add_tag("blurry", ["lc/a", "lc/b", "lc/missing"]));
  report.add_tags_list = await outcome(() => up.add_tag("has_text,bright", ["lc/c"]));
  report.remove_tag = await outcome(() => up.remove_tag("blurry", ["lc/b"]));
  report.replace_tag = await outcome(() => up.replace_tag("sharp", ["lc/b"]));
  report.add_context = await outcome(() =>
    up.add_context({ verdict: "blurry", score: "0.3", note: "a=b|c" }, ["lc/a", "lc/c"]));
  report.by_tag = await outcome(() =>
    api.resources_by_tag("blurry", { max_results: 10, tags: true, context: true }));
  report.by_context_value = await outcome(() => api.resources_by_context("verdict", "blurry"));
  report.by_context_key = await outcome(() => api.resources_by_context("score"));
  report.tags_prefix = await outcome(() => api.tags({ prefix: "b", max_results: 50 }));
  report.tags_all = await outcome(() => api.tags());
  report.remove_all_context = await outcome(() => up.remove_all_context(["lc/a"]));
  report.after_remove_all_context = await outcome(() => api.resources_by_context("verdict"));
  report.remove_all_tags = await outcome(() => up.remove_all_tags(["lc/c"]));
  report.tags_after = await outcome(() => api.tags());
  report.rename = await outcome(() => up.rename("lc/a", "lc/renamed"));
  report.rename_taken = await outcome(() => up.rename("lc/renamed", "lc/b"));
  report.rename_overwrite = await outcome(() =>
    up.rename("lc/renamed", "lc/b", { overwrite: true, invalidate: true }));
  report.rename_missing = await outcome(() => up.rename("lc/nothing", "lc/x"));
  report.add_junk = await outcome(() => up.add_tag("junk", ["lc/c"]));
  report.delete_by_tag = await outcome(() => api.delete_resources_by_tag("junk"));
  report.destroy = await outcome(() => up.destroy("lc/b", { invalidate: true }));
  report.destroy_again = await outcome(() => up.destroy("lc/b"));
  report.left = ids(await api.resources({ prefix: "lc/", type: "upload" }));
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
