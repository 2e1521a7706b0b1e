// Runs searches with the official Node SDK's `cloudinary.v2.search`, as an application would.
//
// Run by the e2e tests (tests/e2e/tests/api/sdk_search.rs) against a live server:
//   CLOUDINARY_URL='cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT' \
//   node search_flow.js <searches.json>
//
// The same input and output as tests/sdk/python/search_flow.py (including
// "context_key": each resource's context value read flat).
'use strict';

const fs = require('fs');
const cloudinary = require('cloudinary').v2;

const MAX_PAGES = 100;

function build(spec, cursor) {
  let search = cloudinary.search;
  search = search.instance();
  if (spec.expression !== undefined) search = search.expression(spec.expression);
  for (const [field, direction] of spec.sort_by || []) search = search.sort_by(field, direction);
  if (spec.max_results !== undefined) search = search.max_results(spec.max_results);
  for (const aggregate of spec.aggregate || []) search = search.aggregate(aggregate);
  for (const name of spec.with_field || []) search = search.with_field(name);
  for (const name of spec.fields || []) search = search.fields(name);
  if (cursor) search = search.next_cursor(cursor);
  return search;
}

async function run(spec) {
  const pages = [];
  let cursor;
  try {
    while (pages.length < MAX_PAGES) {
      const page = await build(spec, cursor).execute();
      pages.push(page);
      cursor = page.next_cursor;
      if (!(spec.paginate && cursor)) break;
    }
  } catch (err) {
    const error = (err && err.error) || err;
    return { error: error.name || 'Error', message: error.message, http_code: error.http_code };
  }
  const report = { pages };
  // Read flat, as the SDK's own search tests do: res.context.stage.
  if (spec.context_key) {
    const values = {};
    for (const page of pages) {
      for (const resource of page.resources) {
        const value = resource.context ? resource.context[spec.context_key] : undefined;
        if (value === undefined) {
          report.context_error = `no context.${spec.context_key} in ${resource.public_id}`;
          return report;
        }
        values[resource.public_id] = value;
      }
    }
    report.context_values = values;
  }
  return report;
}

async function main() {
  const searches = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const report = {};
  for (const spec of searches) report[spec.name] = await run(spec);
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
