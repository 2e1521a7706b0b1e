// Drives unsigned uploads and their presets with the official Node SDK
// (issues 28 and 29): a preset carrying our analyses, an unsigned attempt to
// overwrite, an unsigned attempt to leave the preset's folder, the merge rules.
//
// Run by the e2e tests (tests/e2e/tests/api/sdk_unsigned.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node unsigned_flow.js <image> <other image> <prefix>
//
// Prints one JSON object: what each call returned (or the SDK error). The Rust
// test asserts on it.
'use strict';

const cloudinary = require('cloudinary').v2;

async function outcome(call) {
  try {
    return { body: await call() };
  } catch (err) {
    const error = (err && err.error) || err;
    return { error: error.name || 'Error', message: error.message, http_code: error.http_code };
  }
}

async function flow(image, other, prefix) {
  const { api, uploader } = cloudinary;
  const name = `${prefix}_widget`;
  const folder = `${prefix}_inbox`;
  const report = {};
  report.create = await outcome(() => api.create_upload_preset({
    name, unsigned: true, folder, overwrite: true, return_delete_token: true,
    tags: 'from_preset', context: { stage: 'preset', source: 'widget' },
    quality_analysis: true, accessibility_analysis: true, cinemagraph_analysis: true,
    invalidate: true,
  }));
  report.get = await outcome(() => api.upload_preset(name));
  report.signed = await outcome(() => uploader.upload(image, {
    public_id: `${folder}/logo`, tags: 'secret', context: { owner: 'alice' },
  }));
  report.overwrite_attempt = await outcome(() => uploader.unsigned_upload(other, name, {
    public_id: 'logo',
  }));
  report.after_attempt = await outcome(() => api.resource(`${folder}/logo`));
  report.escape_attempt = await outcome(() => uploader.unsigned_upload(other, name, {
    public_id: 'holiday', folder: 'private',
  }));
  report.merged = await outcome(() => uploader.unsigned_upload(image, name, {
    public_id: 'mine', tags: ['mine'], context: { stage: 'request', caption: 'hi' },
  }));
  return report;
}

async function main() {
  const [image, other, prefix] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await flow(image, other, prefix)));
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
