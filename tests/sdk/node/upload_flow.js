// Drives the Upload API with the official Node SDK, as an application would.
//
// Run by the e2e tests (tests/e2e/tests/api/sdk_node.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node upload_flow.js <image> <small png> <remote url> <public_id> <corrupt file>
//
// CLOUDINARY_URL must be in the environment before `require('cloudinary')`:
// the SDK picks its http or https transport when it loads (cloudinary-api.md §8).
// Prints one JSON object: what each call returned (or the SDK error), plus the
// MD5 of each delivered original. The Rust test asserts on it.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const cloudinary = require('cloudinary').v2;

async function outcome(call) {
  try {
    return { body: await call() };
  } catch (err) {
    // The SDK rejects with `{ error: { message, http_code } }` or an Error.
    const error = (err && err.error) || err;
    return { error: error.name || 'Error', message: error.message, http_code: error.http_code };
  }
}

function fetch(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      const hash = crypto.createHash('md5');
      response.on('data', (chunk) => hash.update(chunk));
      response.on('end', () => resolve({
        url, status: response.statusCode, etag: response.headers.etag, md5: hash.digest('hex'),
      }));
    }).on('error', reject);
  });
}

async function delivered(publicId, result) {
  if (!result.body) return { error: 'no upload to deliver' };
  const host = new URL(cloudinary.config().upload_prefix).host;
  const url = cloudinary.url(publicId, {
    format: result.body.format, version: result.body.version, cname: host, secure: false,
  });
  return fetch(url);
}

async function main() {
  const [image, smallPng, remoteUrl, publicId, corrupt] = process.argv.slice(2);
  const report = {};
  report.upload = await outcome(() => cloudinary.uploader.upload(image, {
    public_id: publicId, colors: true, phash: true, media_metadata: true, faces: true,
    custom_coordinates: [[10, 20, 30, 40], [50, 60, 70, 80]], tags: ['a', 'b'],
    context: { alt: 'x', caption: 'a=b|c' }, overwrite: true,
  }));
  report.delivery = await delivered(publicId, report.upload);
  report.image_metadata = await outcome(() => cloudinary.uploader.upload(image, {
    image_metadata: true, use_filename: true, unique_filename: false, folder: 'node',
  }));
  const dataUri = 'data:image/png;base64,' + fs.readFileSync(smallPng).toString('base64');
  report.data_uri = await outcome(() => cloudinary.uploader.upload(dataUri, { public_id: `${publicId}-b64` }));
  report.remote = await outcome(() => cloudinary.uploader.upload(remoteUrl, { public_id: `${publicId}-remote` }));
  report.explicit = await outcome(() => cloudinary.uploader.explicit(publicId, {
    type: 'upload', colors: true, phash: true, media_metadata: true, faces: true,
    custom_coordinates: '1,2,3,4',
  }));
  report.explicit_missing = await outcome(() => cloudinary.uploader.explicit(
    `${publicId}-never-uploaded`, { type: 'upload', phash: true }));
  report.corrupt = await outcome(() => cloudinary.uploader.upload(corrupt, { public_id: `${publicId}-corrupt` }));
  report.sha256 = await outcome(() => cloudinary.uploader.upload(image, {
    public_id: `${publicId}-sha256`, signature_algorithm: 'sha256',
  }));
  // The SDK verifies with the configured algorithm: the one this upload was signed with.
  cloudinary.config({ signature_algorithm: 'sha256' });
  const sha256Body = report.sha256.body;
  report.sha256_response_signature_valid = Boolean(sha256Body) && cloudinary.utils.verify_api_response_signature(
    sha256Body.public_id, sha256Body.version, sha256Body.signature);
  cloudinary.config({ signature_algorithm: 'sha1', api_secret: 'not-the-secret' });
  report.wrong_secret = await outcome(() => cloudinary.uploader.upload(image, { public_id: `${publicId}-denied` }));
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
