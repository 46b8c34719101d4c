// Random and adversarial text through the whole loader: nothing crashes it, nothing takes it
// long, and every error it reports has a file and a position.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadManifests } from '../../src/manifest/index.ts';
import { suiteFolder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

/** Pieces manifests and attacks are made of, joined at random. */
const piece = fc.oneof(
  fc.constantFrom('apiVersion: agoractl/v1\n', 'kind: CloudPlayer\n', 'metadata:\n', '  name: x\n', 'spec:\n', '---\n', '...\n', '- ', '  ', '\t', '\r\n', '#', ': ', ', '),
  fc.constantFrom('[', ']', '{', '}', '&a ', '*a', '&b [*a, *a, *a, *a]\n', '<<: *a\n', '!!str ', '|\n', '>-\n', '? ', '"', "'", '\\u0000', '\u2028', '\ufeff', '\u0000', '\u0085'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer({ min: 1, max: 300 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 1, max: 100 }).map((n) => `${' '.repeat(n)}k:\n`),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `"${'x'.repeat(n)}"`),
);
const text = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));

/** Billion laughs of random width and depth. */
const laughs = fc.record({ width: fc.integer({ min: 2, max: 12 }), depth: fc.integer({ min: 1, max: 12 }) }).map(({ width, depth }) => {
  let doc = `l0: &l0 [${Array(width).fill('"lol"').join(', ')}]\n`;
  for (let level = 1; level <= depth; level++) doc += `l${level}: &l${level} [${Array(width).fill(`*l${level - 1}`).join(', ')}]\n`;
  return doc;
});

/** Time one load may take on a busy two-core machine; the limits keep real cost far below it. */
const BOUND_MS = 5_000;

describe('the manifest loader under fuzzing', () => {
  const folder = suiteFolder();
  let counter = 0;

  const loadsSafely = async (input: string): Promise<void> => {
    counter += 1;
    const file = await folder.write(`case-${counter}.yaml`, input);
    const started = performance.now();
    const { errors } = await loadManifests([file], builtInManifestKinds());
    const ms = performance.now() - started;
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms for:\n${JSON.stringify(input.slice(0, 300))}`);
    for (const error of errors) {
      assert.equal(error.file, file);
      assert.ok(Number.isInteger(error.line) && error.line >= 1, `no line in ${JSON.stringify(error)}`);
      assert.ok(Number.isInteger(error.column) && error.column >= 1, `no column in ${JSON.stringify(error)}`);
      assert.ok(error.message.length > 0);
    }
  };

  test('random and adversarial YAML never crashes, hangs or gives an error without a position', async () => {
    await fc.assert(fc.asyncProperty(text, loadsSafely), { numRuns: 150, seed: 20250101 });
  });

  test('alias expansion of any width and depth is refused or loaded within the bound', async () => {
    await fc.assert(fc.asyncProperty(laughs, loadsSafely), { numRuns: 30, seed: 20250102 });
  });

  test('random bytes, decoded as UTF-8, are YAML errors with positions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), (bytes) => loadsSafely(Buffer.from(bytes).toString('utf8'))),
      { numRuns: 60, seed: 20250103 },
    );
  });
});
