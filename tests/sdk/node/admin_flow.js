// Drives the Admin API with the official Node SDK, as back-office code would.
//
// Run by the e2e tests (tests/e2e/tests/api/admin_sdk.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node admin_flow.js <public_id of an uploaded image>
// CLOUDINARY_URL must be set before `require`: the SDK picks http or https
// when it loads (cloudinary-api.md §8).
//
// Prints one JSON object: what each call returned (or the error it rejected
// with). The Rust test asserts on it, so this script only records.
"use strict";

const cloudinary = require("cloudinary").v2;

const RATE_LIMIT_KEYS = ["rate_limit_allowed", "rate_limit_remaining", "rate_limit_reset_at"];

async function outcome(call) {
  try {
    const result = await call();
    const body = { ...result };
    const rateLimit = {};
    for (const key of RATE_LIMIT_KEYS) {
      rateLimit[key] = result[key];
      delete body[key];
    }
    return { body, rate_limit: rateLimit };
  } catch (err) {
    const error = err && err.error ? err.error : err;
    return { error: { http_code: error.http_code, message: error.message } };
  }
}

// Pings until the server refuses; the refusal and the calls it took.
async function pastTheBudget(most) {
  for (let calls = 1; calls <= most; calls += 1) {
    const result = await outcome(() => cloudinary.api.ping());
    if (result.error) {
      return { ...result, calls };
    }
  }
  return { calls: most };
}

async function main() {
  const publicId = process.argv[2];
  const folder = publicId.slice(0, publicId.lastIndexOf("/") + 1);
  const api = cloudinary.api;
  const report = {};
  report.resource = await outcome(() =>
    api.resource(publicId, { colors: true, phash: true, media_metadata: true, faces: true, pages: true, coordinates: true }),
  );
  report.update = await outcome(() =>
    api.update(publicId, { tags: ["t1", "t2"], context: { k: "v" }, custom_coordinates: [[1, 2, 3, 4]], face_coordinates: [[5, 6, 7, 8]] }),
  );
  report.resources = await outcome(() => api.resources({ type: "upload", prefix: folder, max_results: 10 }));
  report.resources_by_ids = await outcome(() => api.resources_by_ids([publicId]));
  report.delete = await outcome(() => api.delete_resources([publicId, folder + "never-uploaded"]));
  report.after_delete = await outcome(() => api.resource(publicId));
  report.past_the_budget = await pastTheBudget(1000);
  cloudinary.config({ api_secret: "not-the-secret" });
  report.wrong_secret = await outcome(() => api.ping());
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
