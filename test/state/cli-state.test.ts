import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { register } from '../../src/cli/state.ts';
import { deadPid } from '../../src/state/conformance.ts';
import { openFileStateStore } from '../../src/state/file-store.ts';
import type { ResourceState } from '../../src/state/types.ts';
import { runCli } from '../support/cli.ts';
import { player, tempFolder } from './helpers.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `agoractl state ...` in-process, capturing what a user would see. */
async function agoractl(args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  let out = '';
  let err = '';
  const program = new Command()
    .name('agoractl')
    .exitOverride()
    .configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  register(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, err, exitCode: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, exitCode: error.exitCode };
    throw error;
  }
}

const running = player('class32-101', {
  externalId: 'player-0001',
  data: { lastStatus: 'running', sequence: 2 },
  pending: { action: 'update', startedAt: Date.UTC(2025, 4, 6, 7, 8, 9) },
});
const recording: ResourceState = {
  key: resourceKey('prod', 'CloudRecording', 'class32-archive'),
  project: 'prod',
  kind: 'CloudRecording',
  name: 'class32-archive',
  externalId: 'sid-42',
  data: { resourceId: 'res-1', uid: '900001', lastStatus: 5 },
  updatedAt: 1_700_000_000_000,
};
const origin: ResourceState = { key: resourceKey('prod', 'OriginSite', 'live'), project: 'prod', kind: 'OriginSite', name: 'live', externalId: 'live', data: {}, updatedAt: 1 };

/** A project folder with manifests/ and a state beside them holding `resources`. */
async function withProject(resources: ResourceState[], body: (paths: { folder: string; state: string }) => Promise<void>): Promise<void> {
  const { folder, cleanup } = await tempFolder();
  const state = join(folder, 'manifests', '.agoractl', 'state.json');
  try {
    await mkdir(join(folder, 'manifests'));
    const store = await openFileStateStore(state);
    for (const resource of resources) await store.put(resource);
    await store.close();
    await body({ folder, state });
  } finally {
    await cleanup();
  }
}

async function storedKeys(state: string): Promise<string[]> {
  const store = await openFileStateStore(state);
  try {
    return Object.keys((await store.load()).resources).sort();
  } finally {
    await store.close();
  }
}

void describe('agoractl state', () => {
  void test('list prints one line per managed resource: key, Agora id, status, pending intent', async () => {
    await withProject([running, recording, origin], async ({ state }) => {
      const { out, exitCode } = await agoractl(['state', 'list', '--state', state]);
      assert.equal(exitCode, 0);
      const lines = out.trimEnd().split('\n');
      assert.equal(lines.length, 4);
      assert.match(lines[0] ?? '', /^KEY\s+EXTERNAL ID\s+STATUS\s+PENDING$/);
      assert.match(lines[1] ?? '', /^prod\/CloudPlayer\/class32-101\s+player-0001\s+running\s+update since 2025-05-06T07:08:09\.000Z$/);
      assert.match(lines[2] ?? '', /^prod\/CloudRecording\/class32-archive\s+sid-42\s+5\s+-$/);
      assert.match(lines[3] ?? '', /^prod\/OriginSite\/live\s+live\s+-\s+-$/);
    });
  });

  void test('list -o json prints the resources for scripts', async () => {
    await withProject([origin, running], async ({ state }) => {
      const { out } = await agoractl(['state', 'list', '--state', state, '-o', 'json']);
      assert.deepEqual(JSON.parse(out), [running, origin]);
    });
  });

  void test('list finds the state beside the manifests given with -f', async () => {
    await withProject([running], async ({ folder }) => {
      const { out } = await agoractl(['state', 'list', '--file', join(folder, 'manifests')]);
      assert.match(out, /prod\/CloudPlayer\/class32-101/);
    });
  });

  void test('list of a state that does not exist yet says where it looked and creates nothing', async () => {
    await withProject([], async ({ folder }) => {
      const missing = join(folder, 'elsewhere', 'state.json');
      const { out, exitCode } = await agoractl(['state', 'list', '--state', missing]);
      assert.equal(exitCode, 0);
      assert.match(out, new RegExp(`^No state at ${escape(missing)}: `));
      await assert.rejects(stat(dirname(missing)), { code: 'ENOENT' });
    });
  });

  void test('list without -f finds the state apply -f manifests/ wrote, from the folder above', async () => {
    await withProject([running], async ({ folder }) => {
      const { stdout, code } = await runCli(['state', 'list'], { cwd: folder });
      assert.equal(code, 0);
      assert.match(stdout, /^prod\/CloudPlayer\/class32-101\s+player-0001\s+running/m);
    });
  });

  void test('list without -f where there is no state names the places it looked', async () => {
    const { folder, cleanup } = await tempFolder();
    try {
      const { stdout, code } = await runCli(['state', 'list'], { cwd: folder });
      assert.equal(code, 0);
      assert.ok(stdout.includes(join(folder, '.agoractl', 'state.json')), stdout);
      assert.ok(stdout.includes(join(folder, '*', '.agoractl', 'state.json')), stdout);
    } finally {
      await cleanup();
    }
  });

  void test('show and forget of a state that does not exist fail naming it, and create nothing', async () => {
    await withProject([], async ({ folder }) => {
      const missing = join(folder, 'elsewhere', 'state.json');
      for (const args of [['show', running.key], ['forget', running.key]]) {
        const { err, exitCode } = await agoractl(['state', ...args, '--state', missing]);
        assert.equal(exitCode, 1, args.join(' '));
        assert.ok(err.includes(`No state at ${missing}`), err);
      }
      await assert.rejects(stat(dirname(missing)), { code: 'ENOENT' });
    });
  });

  void test('show prints everything recorded about one resource, as YAML or JSON', async () => {
    await withProject([running, recording], async ({ state }) => {
      const yaml = await agoractl(['state', 'show', running.key, '--state', state]);
      assert.deepEqual(parseYaml(yaml.out), running);
      const json = await agoractl(['state', 'show', recording.key, '--state', state, '-o', 'json']);
      assert.deepEqual(JSON.parse(json.out), recording);
    });
  });

  void test('show of a key not in state fails, pointing at state list', async () => {
    await withProject([running], async ({ state }) => {
      const { out, err, exitCode } = await agoractl(['state', 'show', 'prod/CloudPlayer/nope', '--state', state]);
      assert.equal(exitCode, 1);
      assert.equal(out, '');
      assert.match(err, /"prod\/CloudPlayer\/nope" is not in the state/);
      assert.match(err, /agoractl state list/);
    });
  });

  void test('forget stops managing the named resources only, and releases the lock', async () => {
    await withProject([running, recording, origin], async ({ state }) => {
      const { out, exitCode } = await agoractl(['state', 'forget', running.key, origin.key, '--state', state]);
      assert.equal(exitCode, 0);
      assert.match(out, /Forgot prod\/CloudPlayer\/class32-101 \(Agora id player-0001\): .*left unchanged in Agora/);
      assert.match(out, /had a update in flight/);
      assert.match(out, /Forgot prod\/OriginSite\/live/);
      assert.deepEqual(await storedKeys(state), [recording.key]);
      await assert.rejects(stat(`${state}.lock`), { code: 'ENOENT' });
    });
  });

  void test('forget with any unknown key changes nothing', async () => {
    await withProject([running, recording], async ({ state }) => {
      const { err, exitCode } = await agoractl(['state', 'forget', running.key, 'prod/CloudPlayer/nope', '--state', state]);
      assert.equal(exitCode, 1);
      assert.match(err, /prod\/CloudPlayer\/nope/);
      assert.deepEqual(await storedKeys(state), [recording.key, running.key].sort());
      await assert.rejects(stat(`${state}.lock`), { code: 'ENOENT' });
    });
  });

  void test('forget while an apply holds the lock fails saying who holds it, and changes nothing', async () => {
    await withProject([running], async ({ state }) => {
      const apply = await openFileStateStore(state);
      const lock = await apply.lock({ owner: 'agoractl apply' });
      try {
        const { err, exitCode } = await agoractl(['state', 'forget', running.key, '--state', state]);
        assert.equal(exitCode, 1);
        assert.match(err, new RegExp(`locked by agoractl apply \\(pid ${process.pid} on host `));
        assert.deepEqual(await storedKeys(state), [running.key]);
      } finally {
        await lock.release();
        await apply.close();
      }
    });
  });

  void test('forget takes over a lock left by a killed apply and says so', async () => {
    await withProject([running], async ({ state }) => {
      const pid = await deadPid();
      await writeFile(`${state}.lock`, JSON.stringify({ pid, hostname: hostname(), startedAt: 0, owner: 'agoractl apply' }));
      const { err, exitCode } = await agoractl(['state', 'forget', running.key, '--state', state]);
      assert.equal(exitCode, 0);
      assert.match(err, new RegExp(`took over a stale state lock left by pid ${pid}`));
      assert.deepEqual(await storedKeys(state), []);
    });
  });

  void test('a corrupt state file is an error naming it, for every subcommand', async () => {
    await withProject([], async ({ state }) => {
      await mkdir(dirname(state), { recursive: true });
      await writeFile(state, '{ not json');
      for (const args of [['list'], ['show', running.key], ['forget', running.key]]) {
        const { err, exitCode } = await agoractl(['state', ...args, '--state', state]);
        assert.equal(exitCode, 1, args.join(' '));
        assert.ok(err.includes(`the state at ${state} cannot be read`), err);
      }
      assert.equal(await readFile(state, 'utf8'), '{ not json');
    });
  });
});
