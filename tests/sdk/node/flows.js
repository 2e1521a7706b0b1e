// Drives the client flows of issue 21 with the official Node SDK: asset_id
// lookups, delete tokens, upload presets with unsigned uploads, async uploads.
//
// Run by the e2e tests (tests/e2e/tests/api/sdk_flows.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node flows.js <flow> <image> <prefix> [flow arguments]
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

async function assetIds(image, prefix) {
  const report = {};
  const first = await cloudinary.uploader.upload(image, { public_id: `${prefix}/one` });
  const second = await cloudinary.uploader.upload(image, { public_id: `${prefix}/two` });
  report.uploaded = [first.asset_id, second.asset_id];
  report.by_asset_id = await outcome(() => cloudinary.api.resource_by_asset_id(
    first.asset_id, { phash: true, colors: true }));
  report.by_asset_ids = await outcome(() => cloudinary.api.resources_by_asset_ids(
    [first.asset_id, second.asset_id]));
  report.delete_by_asset_ids = await outcome(() => cloudinary.api.delete_resources_by_asset_ids(
    [second.asset_id]));
  report.deleted_by_asset_id = await outcome(() => cloudinary.api.resource_by_asset_id(second.asset_id));
  report.kept_by_public_id = await outcome(() => cloudinary.api.resource(`${prefix}/one`));
  return report;
}

async function deleteToken(image, prefix) {
  return {
    upload: await outcome(() => cloudinary.uploader.upload(image, {
      public_id: `${prefix}/token`, return_delete_token: true,
    })),
  };
}

async function presets(image, prefix) {
  const name = `${prefix}_thumbs`;
  const { api, uploader } = cloudinary;
  const report = {};
  report.create = await outcome(() => api.create_upload_preset({
    name, unsigned: true, phash: true, colors: true, folder: `${prefix}_unsigned`, tags: 'from_preset',
  }));
  report.create_again = await outcome(() => api.create_upload_preset({ name, unsigned: true }));
  report.get = await outcome(() => api.upload_preset(name));
  report.list = await outcome(() => api.upload_presets());
  report.unsigned = await outcome(() => uploader.unsigned_upload(image, name, { public_id: 'u1' }));
  report.unsigned_forbidden = await outcome(() => uploader.unsigned_upload(image, name, { faces: true }));
  report.unsigned_no_overwrite = await outcome(() => uploader.unsigned_upload(image, name, { public_id: 'u1' }));
  report.signed_with_preset = await outcome(() => uploader.upload(image, {
    upload_preset: name, public_id: 's1', folder: `${prefix}_signed`,
  }));
  report.update = await outcome(() => api.update_upload_preset(name, { unsigned: false, faces: true }));
  report.get_updated = await outcome(() => api.upload_preset(name));
  report.unsigned_signed_preset = await outcome(() => uploader.unsigned_upload(image, name));
  report.delete = await outcome(() => api.delete_upload_preset(name));
  report.get_deleted = await outcome(() => api.upload_preset(name));
  report.unsigned_unknown = await outcome(() => uploader.unsigned_upload(image, name));
  return report;
}

async function asyncUpload(image, prefix, notificationUrl) {
  return {
    upload: await outcome(() => cloudinary.uploader.upload(image, {
      public_id: `${prefix}/async`, phash: true, notification_url: notificationUrl, async: true,
    })),
  };
}

// Each recorded delivery checked by the SDK's own webhook helper.
async function verify(_image, _prefix, deliveriesFile, algorithm) {
  cloudinary.config({ signature_algorithm: algorithm });
  const deliveries = JSON.parse(require('fs').readFileSync(deliveriesFile, 'utf8'));
  return {
    valid: deliveries.map((d) => cloudinary.utils.verifyNotificationSignature(
      d.body, Number(d.timestamp), d.signature)),
  };
}

const FLOWS = {
  asset_ids: assetIds, delete_token: deleteToken, presets, async: asyncUpload, verify,
};

async function main() {
  const [flow, image, prefix, ...extra] = process.argv.slice(2);
  console.log(JSON.stringify(await FLOWS[flow](image, prefix, ...extra)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
