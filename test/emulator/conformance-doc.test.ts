// Holds docs/agora-conformance.md and the conformance suites together: every row of the table
// has a test named after its id, and every such test has a row.
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
