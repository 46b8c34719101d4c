// Holds docs/agora-conformance.md and the conformance suites together: every row of the table
// has a test named after its id, and every such test has a row; every operation of Agora's
// OpenAPI documents is listed in its "Operations" section and names rows that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

const DOC = new URL('../../docs/agora-conformance.md', import.meta.url);
const SUITES = [
  'conformance-recording.test.ts',
  'conformance-media-pull.test.ts',
  'conformance-fls.test.ts',
  'conformance-fields-recording.test.ts',
  'conformance-fields-media-pull.test.ts',
  'conformance-fields-fls.test.ts',
].map((f) => new URL(f, import.meta.url));
const ROW_ID = /^\| ((?:CR|MP|FLS)-\d+) \|/gm;
const TEST_ID = /['"`]((?:CR|MP|FLS)-\d+)['"`]/g;

void test('every row of docs/agora-conformance.md has a conformance test, and every test a row', async () => {
  const doc = await readFile(DOC, 'utf8');
  const rows = new Set([...doc.matchAll(ROW_ID)].map((m) => m[1]));
  const tested = new Set<string>();
  for (const suite of SUITES) for (const m of (await readFile(suite, 'utf8')).matchAll(TEST_ID)) if (m[1]) tested.add(m[1]);
  assert.ok(rows.size > 30, `the table has ${rows.size} rows`);
  assert.deepEqual([...rows].filter((id) => id && !tested.has(id)), [], 'rows without a test');
  assert.deepEqual([...tested].filter((id) => !rows.has(id)), [], 'tests without a row');
});

/** The operations of the OpenAPI documents (AgoraIO/docs-portal content/openapi/), as the doc names them. */
const OPERATIONS = [
  'POST /v1/apps/{appid}/cloud_recording/acquire',
  'POST /v1/apps/{appid}/cloud_recording/resourceid/{resourceid}/mode/{mode}/start',
  'POST {session}/update',
  'POST {session}/updateLayout',
  'GET {session}/query',
  'POST {session}/stop',
  'GET /v1/ncs/ip',
  'POST /{region}{players}',
  'PATCH /{region}{players}/{playerid}',
  'GET {players}',
  'DELETE /{region}{players}/{id}',
  'GET /v1/projects/{appid}/fls/entry_points',
  'POST /v1/projects/{appid}/fls/entry_points?id=',
  'DELETE /v1/projects/{appid}/fls/entry_points/{entry_point}',
  'GET /v1/projects/{appid}/fls/entry_points/{entry_point}/settings/origin_site',
  'PATCH /v1/projects/{appid}/fls/entry_points/{entry_point}/settings/origin_site',
  'GET /v2/ncs/ip',
  'the other 44 operations',
];

void test('every operation of the OpenAPI documents is in the Operations section and names existing rows', async () => {
  const doc = await readFile(DOC, 'utf8');
  const rows = new Set([...doc.matchAll(ROW_ID)].map((m) => m[1]));
  const section = /^## Operations\n([\s\S]*?)^## /m.exec(doc)?.[1] ?? '';
  const listed = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = /^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/.exec(line);
    if (!cells?.[2] || !cells[3] || cells[1] === 'document' || cells[1]?.startsWith('---')) continue;
    const ids = cells[3].split(',').map((id) => id.trim());
    listed.set(cells[2], [...(listed.get(cells[2]) ?? []), ...ids]);
  }
  assert.deepEqual(OPERATIONS.filter((op) => !listed.has(op)), [], 'operations missing from the Operations section');
  assert.deepEqual([...listed.keys()].filter((op) => !OPERATIONS.includes(op)), [], 'listed operations that are not in the documents');
  for (const [op, ids] of listed) {
    assert.ok(ids.length > 0, `${op} names no row`);
    assert.deepEqual(ids.filter((id) => !rows.has(id)), [], `${op} names rows the table does not have`);
  }
});
