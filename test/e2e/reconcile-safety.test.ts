// The GitOps daemon as a user runs it, in the situations where it must hold back: a change that
// deletes most players, the manifests put back after that, and a player it must not touch. Each
// test asserts on the emulator's world: which players exist, with which ids.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestEmulator, type StatePlayer, type TestEmulator } from '../emulator/helpers.ts';
import { manifestDir, runCli, type CliResult } from '../support/cli.ts';
import { APP_ID, daemonEnv, playerYaml, projectYaml, startDaemon, waitFor, type Daemon, type LogLine } from './daemon-harness.ts';
import type { StateSnapshot } from '../../src/state/types.ts';

// Limits out of the way: these tests are about what is done, not how fast.
const FAST = { playerCreateNamed: { perSecond: 100 }, playerListUnfiltered: null, playerListFiltered: null };
const KEPT = ['p1', 'p2'];
const REMOVED = ['p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10'];
const ALL = [...KEPT, ...REMOVED];
const ERROR_LEVEL = 50;

interface Setup {
  emulator: TestEmulator;
  dir: string;
  /** Outside the watched folder: where files are moved to take them out of the manifests. */
  aside: string;
  statePath: string;
  daemon: Daemon;
  cleanup(): Promise<void>;
}

async function setup(files: Record<string, string>, args: string[], before?: (emulator: TestEmulator) => Promise<void>): Promise<Setup> {
  const emulator = await startTestEmulator();
  await emulator.unlimited();
  await before?.(emulator);
  const { dir: root, cleanup } = await manifestDir({});
  const dir = join(root, 'manifests');
  const aside = join(root, 'aside');
  await mkdir(dir);
  await mkdir(aside);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const statePath = join(root, 'state.json');
  const daemon = await startDaemon(dir, statePath, emulator, args);
  return {
    emulator,
    dir,
    aside,
    statePath,
    daemon,
    async cleanup() {
      if (daemon.child.exitCode === null) await daemon.stop();
      await emulator.close();
      await cleanup();
    },
  };
}

/** Ten players: two in files of their own, eight in one file (moved out and back in one step). */
function tenPlayers(): Record<string, string> {
  return {
    'project.yaml': projectYaml(FAST),
    'p1.yaml': playerYaml('p1', 1),
    'p2.yaml': playerYaml('p2', 2),
    'bulk.yaml': REMOVED.map((n, i) => playerYaml(n, i + 3)).join('\n---\n'),
  };
}

const players = async (emulator: TestEmulator): Promise<StatePlayer[]> => (await emulator.players()).filter((p) => p.appId === APP_ID);
/** name → id of every player of the App ID. */
const idsByName = async (emulator: TestEmulator): Promise<Record<string, string>> => Object.fromEntries((await players(emulator)).map((p) => [p.name ?? p.id, p.id]));

interface RequestEntry {
  method: string;
  path: string;
}
const requests = async (emulator: TestEmulator): Promise<RequestEntry[]> => (await emulator.control('GET', '/requests')).body as RequestEntry[];
const isList = (r: RequestEntry): boolean => r.method === 'GET' && /\/cloud-player\/players$/.test(r.path);
const isMutation = (r: RequestEntry): boolean => r.method !== 'GET' && /\/cloud-player\/players/.test(r.path);

/** Resolves once the emulator has answered `count` more Lists: that many looks of the daemon went by. */
async function afterLists(emulator: TestEmulator, count: number): Promise<void> {
  const start = (await requests(emulator)).filter(isList).length;
  await waitFor(async () => ((await requests(emulator)).filter(isList).length >= start + count ? true : undefined), 30_000, () => `fewer than ${count} Lists`);
}

async function allCreated(s: Setup): Promise<Record<string, string>> {
  await waitFor(async () => ((await players(s.emulator)).length === ALL.length ? true : undefined), 30_000, () => `not all created: ${s.daemon.stderr}`);
  await s.daemon.waitForLog((l) => l.event === 'reconcile.ready');
  return idsByName(s.emulator);
}

const errorLines = (daemon: Daemon, event: string): LogLine[] => daemon.logs.filter((l) => l.event === event && Number(l.level) >= ERROR_LEVEL);
const refusal = (l: LogLine): boolean => l.event === 'reconcile.plan_error' && l.code === 'MassDeleteRefused';

function oneShot(s: Setup, args: string[]): Promise<CliResult> {
  return runCli(['apply', '--auto-approve', '-f', s.dir, '--state', s.statePath, ...args], { env: daemonEnv(s.emulator) });
}

void describe('agoractl reconcile --watch holds back what it must not do', { timeout: 180_000 }, () => {
  void test('a change that deletes 8 of 10 players deletes none, through resyncs, until a person approves it', async () => {
    const s = await setup(tenPlayers(), ['--resync', '1']);
    try {
      const ids = await allCreated(s);
      await rename(join(s.dir, 'bulk.yaml'), join(s.aside, 'bulk.yaml'));
      const refused = await s.daemon.waitForLog(refusal);
      assert.match(String(refused.msg), /deletes 8 of 10 managed CloudPlayer in project prod/);

      // Several resyncs (each one a List) and every retry the old loop made: all ten still live.
      await afterLists(s.emulator, 4);
      assert.deepEqual(await idsByName(s.emulator), ids);
      assert.deepEqual((await requests(s.emulator)).filter((r) => r.method === 'DELETE'), [], 'no delete was sent');
      assert.equal(errorLines(s.daemon, 'reconcile.plan_error').length, 1, 'reported once, not once per resync');
      assert.equal(await s.daemon.stop(), 0);

      // One-shot, one removed player at a time: judged with the whole change, so refused too.
      const targeted = await oneShot(s, ['--target', 'CloudPlayer/p3']);
      assert.equal(targeted.code, 1, `apply --target of a mass delete: ${targeted.stdout}${targeted.stderr}`);
      assert.match(targeted.stdout + targeted.stderr, /deletes 8 of 10 managed CloudPlayer/);
      assert.deepEqual(await idsByName(s.emulator), ids);

      const approved = await oneShot(s, ['--allow-mass-delete']);
      assert.equal(approved.code, 0, `apply --allow-mass-delete: ${approved.stdout}${approved.stderr}`);
      assert.deepEqual(await idsByName(s.emulator), { p1: ids.p1, p2: ids.p2 });
    } finally {
      await s.cleanup();
    }
  });

  void test('the manifests put back after a refused change: nothing is deleted and nothing made again', async () => {
    const s = await setup(tenPlayers(), ['--resync', '1']);
    try {
      const ids = await allCreated(s);
      await rename(join(s.dir, 'bulk.yaml'), join(s.aside, 'bulk.yaml'));
      await s.daemon.waitForLog(refusal);
      const since = (await requests(s.emulator)).length;
      await rename(join(s.aside, 'bulk.yaml'), join(s.dir, 'bulk.yaml'));
      await s.daemon.waitForLog((l) => l.event === 'reconcile.plan_error_cleared');
      await afterLists(s.emulator, 4);

      assert.deepEqual(await idsByName(s.emulator), ids, 'the same ten players, with the same ids');
      assert.deepEqual((await requests(s.emulator)).slice(since).filter(isMutation), [], 'no create and no delete since the refusal');
    } finally {
      await s.cleanup();
    }
  });

  void test('a name conflict is reported once, not retried, and a change of its manifest resolves it', async () => {
    const elsewhere = 'rtmp://elsewhere.example.com/live/a';
    let foreignId = '';
    const s = await setup({ 'project.yaml': projectYaml(FAST), 'a.yaml': playerYaml('a', 1) }, ['--resync', '3600'], async (emulator) => {
      const created = await emulator.createPlayer(APP_ID, { name: 'a', channelName: 'class32', uid: 1, streamUrl: elsewhere });
      assert.equal(created.status, 200);
      foreignId = (created.body as { player: { id: string } }).player.id;
    });
    try {
      const blocked = await s.daemon.waitForLog((l) => l.event === 'reconcile.blocked');
      assert.equal(blocked.code, 'Conflict');
      assert.equal(blocked.key, 'prod/CloudPlayer/a');

      // The old loop retried after 5 s (±10 %), each time with a List: none now.
      const lists = (await requests(s.emulator)).filter(isList).length;
      await sleep(6_500);
      assert.equal((await requests(s.emulator)).filter(isList).length, lists, 'no List spent on retries');
      assert.equal(errorLines(s.daemon, 'reconcile.blocked').length, 1, 'reported once');
      assert.deepEqual(await idsByName(s.emulator), { a: foreignId }, 'the other player is left alone');

      // The manifest now says what that player is: it is adopted, at once.
      await writeFile(join(s.dir, 'a.yaml'), playerYaml('a', 1, { streamUrl: elsewhere }));
      await waitFor(
        async () => {
          const state = JSON.parse(await readFile(s.statePath, 'utf8').catch(() => '{"resources":{}}')) as StateSnapshot;
          return state.resources['prod/CloudPlayer/a']?.externalId === foreignId ? true : undefined;
        },
        20_000,
        () => `not adopted: ${JSON.stringify(s.daemon.logs.slice(-5))}`,
      );
      assert.deepEqual(await idsByName(s.emulator), { a: foreignId });
      await s.daemon.waitForLog((l) => l.event === 'reconcile.unblocked');
    } finally {
      await s.cleanup();
    }
  });
});

