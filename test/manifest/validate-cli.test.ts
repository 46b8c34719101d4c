// `agoractl validate` as a user and a CI job run it: the real CLI in a child process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function agoractl(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    // No credentials in the environment: validate must not need any.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AGORA')));
    execFile(process.execPath, ['bin/agoractl.js', ...args], { env }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const fixtures = 'test/manifest/fixtures';

describe('agoractl validate', () => {
  test('exits 0 and says what it checked when the manifests are valid', async () => {
    const run = await agoractl('validate', '-f', 'manifests/');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'valid: 5 documents in 4 files (1 Project, 2 CloudPlayer, 1 CloudRecording, 1 OriginSite)\n');
  });

  test('exits 1 and prints one file:line:column: path: message line per error, for repeated -f', async () => {
    const run = await agoractl('validate', '-f', `${fixtures}/project.yaml`, '-f', `${fixtures}/dangling`, `${fixtures}/duplicate`, '-f', `${fixtures}/malformed/broken.yaml`);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stdout,
      [
        `${fixtures}/dangling/player.yaml:5:12: metadata.project: no Project named "prd" is defined (did you mean "prod"?)`,
        `${fixtures}/duplicate/players-b.yaml:5:9: metadata.name: duplicate CloudPlayer "class32-teacher" in project "prod": first defined at ${fixtures}/duplicate/players-a.yaml:4:9`,
        `${fixtures}/malformed/broken.yaml:4:1: Flow map in block collection must be sufficiently indented and end with a }`,
        '3 errors in 3 files',
        '',
      ].join('\n'),
    );
  });

  test('-o json prints the result for machines', async () => {
    const run = await agoractl('validate', '-f', `${fixtures}/project.yaml`, `${fixtures}/dangling`, '-o', 'json');
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      valid: false,
      documents: { Project: 1 },
      errors: [
        {
          file: `${fixtures}/dangling/player.yaml`,
          line: 5,
          column: 12,
          path: 'metadata.project',
          message: 'no Project named "prd" is defined (did you mean "prod"?)',
          code: 'unknown-project',
        },
      ],
    });
  });

  test('expands a quoted glob itself', async () => {
    const run = await agoractl('validate', '-f', `${fixtures}/complete/*.yaml`, '-o', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { valid: true, documents: { Project: 1, CloudPlayer: 2, CloudRecording: 3, OriginSite: 2 }, errors: [] });
  });

  test('without -f it explains its usage and fails', async () => {
    const run = await agoractl('validate');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /required option '-f, --file <path...>' not specified/);
  });
});
