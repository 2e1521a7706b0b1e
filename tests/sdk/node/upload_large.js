// Uploads one large file in chunks with the official Node SDK's
// `uploader.upload_large` (issue 29): parts of `chunk_size` bytes, each with
// Content-Range (total -1 until the last part) and X-Unique-Upload-Id.
//
// Run by the e2e tests (tests/e2e/tests/api/chunked_upload.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node upload_large.js <file> <chunk_size> <public_id> <folder>
//
// Uploads twice: under `public_id`, and with no public_id into `folder`.
// Prints one JSON object with what each call returned (or the SDK error).
'use strict';

const cloudinary = require('cloudinary').v2;

function uploadLarge(path, options) {
  return new Promise((resolve) => {
    cloudinary.uploader.upload_large(path, options, (error, result) => {
      if (error) {
        const err = error.error || error;
        resolve({ error: err.name || 'Error', message: err.message, http_code: err.http_code });
      } else {
        resolve({ body: result });
      }
    });
  });
}

async function main() {
  const [path, chunkSize, publicId, folder] = process.argv.slice(2);
  const chunk_size = Number(chunkSize);
  const report = {
    named: await uploadLarge(path, {
      resource_type: 'image', chunk_size, public_id: publicId, phash: true, colors: true,
      tags: ['big', 'chunked'],
    }),
    in_folder: await uploadLarge(path, { resource_type: 'image', chunk_size, folder, phash: true }),
  };
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
