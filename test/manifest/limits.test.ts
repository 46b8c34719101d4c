// Hostile manifests (from an untrusted pull request, or dropped in the daemon's folder) are
// refused with a positioned error, within a bounded time and memory: through the loader and
// through the real `agoractl validate`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadManifests, ErrorCode } from '../../src/manifest/index.ts';
import { Limits } from '../../src/manifest/limits.ts';
import { parseSyntaxTree } from '../../src/manifest/yaml-limits.ts';
import { runCli } from '../support/cli.ts';
import { suiteFolder } from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

const deepFlow = (levels: number): string => `a: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
const deepBlock = (levels: number): string => `${Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} x\n`;

/** Nine references nine levels deep: a billion "lol"s if expanded. */
function billionLaughs(): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let previous = 'a';
  for (const name of 'bcdefghi') {
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
    previous = name;
  }
  return text;
}

interface Case {
  reason: string;
  text: string;
  line: number;
  column: number;
  path?: string;
}

const cases: Case[] = [
  { reason: '20,000 nested flow sequences (the fast parser)', text: deepFlow(20_000), line: 1, column: 3 + Limits.nestingDepth },
  { reason: '20,000 nested flow sequences after a tab (the yaml path)', text: `a:\t${deepFlow(20_000).slice(3)}`, line: 1, column: 3 + Limits.nestingDepth },
  // Past the limit, yaml's parser slows down far faster than the text grows: it must stop there.
  { reason: 'a million compact nested block sequences (the yaml path)', text: `${'- '.repeat(1_000_000)}x\n`, line: 1, column: 2 * Limits.nestingDepth + 1 },
  { reason: 'block mappings nested past the limit', text: deepBlock(Limits.nestingDepth + 5), line: Limits.nestingDepth + 1, column: Limits.nestingDepth + 1 },
  { reason: 'a quoted string longer than the scalar limit', text: `a: "${'x'.repeat(Limits.scalarLength + 1)}"\n`, line: 1, column: 4 },
  { reason: 'a long block scalar (the yaml path)', text: `a: |\n  ${'x'.repeat(Limits.scalarLength + 1)}\n`, line: 1, column: 4 },
  { reason: 'more values than a document may hold (the fast parser)', text: `# a comment first\n${Array.from({ length: Limits.documentValues }, (_, i) => `k${i}: 1`).join('\n')}\n`, line: 2, column: 1 },
  { reason: 'billion laughs: aliases repeating aliases', text: billionLaughs(), line: 6, column: 8, path: 'f[0]' },
  { reason: 'an alias inside its own anchor', text: 'a: &a [*a]\n', line: 1, column: 8, path: 'a[0]' },
  { reason: 'aliases that nest deeper together than the limit', text: Array.from({ length: 30 }, (_, i) => (i === 0 ? 'k0: &x0 [1]' : `k${i}: &x${i} [[[*x${i - 1}]]]`)).join('\n'), line: 22, column: 14, path: 'k21[0][0][0]' },
  { reason: 'more anchors than a document may hold', text: Array.from({ length: Limits.documentAnchors + 1 }, (_, i) => `k${i}: &a${i} v`).join('\n'), line: Limits.documentAnchors + 1, column: 2 * String(Limits.documentAnchors).length + 7 },
];

describe('manifest limits', () => {
  const folder = suiteFolder();

  for (const { reason, text, line, column, path = '' } of cases) {
    test(`refuses ${reason} at its position`, async () => {
      const file = await folder.write(`${reason.replace(/\W+/g, '-')}.yaml`, text);
      const { errors, desired } = await loadManifests([file], builtInManifestKinds());
      assert.deepEqual(
        errors.map((error) => ({ line: error.line, column: error.column, path: error.path, code: error.code })),
        [{ line, column, path, code: ErrorCode.LimitExceeded }],
      );
      assert.deepEqual(desired, { projects: [], resources: [] });
    });
  }

  test('the yaml parser reads no further than the collection that nests past the limit', () => {
    const { refusals, lineCounter } = parseSyntaxTree(`a:\t${'['.repeat(Limits.nestingDepth + 1)}\n${'\n'.repeat(1_000)}`);
    assert.deepEqual(refusals.map((refusal) => refusal.kind), ['limit']);
    assert.deepEqual(lineCounter.lineStarts, [0], 'no line after the first was parsed');
  });

  test('refuses a file over the size limit before reading it, naming the limit', async () => {
    const file = await folder.write('huge.yaml', `a: "${'x'.repeat(Limits.fileBytes)}"\n`);
    const { errors } = await loadManifests([file], builtInManifestKinds());
    assert.equal(errors.length, 1);
    assert.deepEqual([errors[0]?.line, errors[0]?.column, errors[0]?.code], [1, 1, ErrorCode.LimitExceeded]);
    assert.match(errors[0]?.message ?? '', /4 MiB/);
  });

  test('refuses the files of a run past its total size, each by name, and reads those before', async () => {
    const big = `# ${'x'.repeat(Limits.fileBytes - 100)}\n`;
    const count = Math.floor(Limits.runBytes / big.length) + 2;
    const names: string[] = [];
    for (let index = 0; index < count; index++) names.push(await folder.write(`run-bytes/f${String(index).padStart(3, '0')}.yaml`, big));
    const { errors } = await loadManifests([join(folder.path, 'run-bytes')], builtInManifestKinds());
    assert.deepEqual(
      errors.map((error) => [error.file.split('/').pop(), error.code]),
      names.slice(count - 2).map((name) => [name.split('/').pop(), ErrorCode.LimitExceeded]),
    );
  });

  test('refuses a run of more documents than the limit before parsing the file that passes it', async () => {
    const file = await folder.write('many.yaml', '---\na: 1\n'.repeat(Limits.runDocuments + 1));
    const { errors } = await loadManifests([file], builtInManifestKinds());
    assert.deepEqual(
      errors.map((error) => [error.line, error.column, error.code]),
      [[2 * Limits.runDocuments + 1, 1, ErrorCode.LimitExceeded]],
    );
  });

  test('agoractl validate names file:line:column of 20,000 nested brackets and exits 1', async () => {
    const file = await folder.write('deep.yaml', deepFlow(20_000));
    const run = await runCli(['validate', '-f', file]);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, new RegExp(`^${file}:1:${3 + Limits.nestingDepth}: collections nested more than 64 levels deep\n`));
  });

  test('agoractl validate -o json refuses an oversized file with its name and the limit', async () => {
    const file = join(folder.path, 'oversized.yaml');
    await writeFile(file, `a: "${'x'.repeat(Limits.fileBytes + 10)}"\n`);
    const run = await runCli(['validate', '-f', file, '-o', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const output = JSON.parse(run.stdout) as { errors: Array<{ file: string; line: number; column: number; code: string }> };
    assert.deepEqual(
      output.errors.map((error) => [error.file, error.line, error.column, error.code]),
      [[file, 1, 1, ErrorCode.LimitExceeded]],
    );
  });

  test('agoractl validate refuses billion laughs at the alias that passes the limit', async () => {
    const file = await folder.write('laughs.yaml', billionLaughs());
    const run = await runCli(['validate', '-f', file]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`^${file}:6:8: f\\[0\\]: the document holds more than 100,000 values`));
  });
});
