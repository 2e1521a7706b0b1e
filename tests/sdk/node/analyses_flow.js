// Requests Cloudinary's analyses with the official Node SDK, as an application would.
//
// Run by the e2e tests (tests/e2e/tests/api/sdk_analyses.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node analyses_flow.js <photo> <animation> <public_id prefix>
//
// Prints one JSON object with what each call returned (or the SDK error). The
// Node SDK's resource() does not forward `quality_analysis` (cloudinary-api.md
// §6.2), so its GET asks for the other two.
'use strict';

const cloudinary = require('cloudinary').v2;

const FLAGS = { quality_analysis: true, accessibility_analysis: true, cinemagraph_analysis: true };

async function outcome(call) {
  try {
    return { body: await call() };
  } catch (err) {
    const error = (err && err.error) || err;
    return { error: error.name || 'Error', message: error.message, http_code: error.http_code };
  }
}

async function main() {
  const [photo, animation, prefix] = process.argv.slice(2);
  const report = {};
  report.upload = await outcome(() => cloudinary.uploader.upload(photo, {
    public_id: `${prefix}-upload`, ...FLAGS,
  }));
  await outcome(() => cloudinary.uploader.upload(photo, { public_id: `${prefix}-explicit` }));
  report.explicit = await outcome(() => cloudinary.uploader.explicit(`${prefix}-explicit`, {
    type: 'upload', ...FLAGS,
  }));
  await outcome(() => cloudinary.uploader.upload(animation, { public_id: `${prefix}-get` }));
  report.get = await outcome(() => cloudinary.api.resource(`${prefix}-get`, FLAGS));
  report.get_again = await outcome(() => cloudinary.api.resource(`${prefix}-get`, FLAGS));
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
