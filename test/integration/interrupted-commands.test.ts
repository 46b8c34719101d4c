// `apply PLAN-FILE`, `destroy` and `import` stopped mid-way, by SIGTERM (finish what is in
// flight, record it, send nothing more) or kill -9 (nothing finishes): the next run converges,
// with no duplicate, no orphan and no intent left in state. A kill lands while the emulator holds
// an answer (a `delay` fault), seen through its request log, never after a real-time wait.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import { APP_ID, Scenario, assertExit, assertNoChanges, assertPlayers, docs, playerDoc, projectDoc, streamUrl, until, type RunOpts } from './harness.ts';
import { player } from '../emulator/helpers.ts';

const CREATE = { method: 'POST', path: '/cloud-player/players$' };
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const sixPlayers = { 'project.yaml': projectDoc(), 'players.yaml': docs(...NAMES.map((n) => playerDoc(n))) };

function planPathOf(s: Scenario): string {
  return join(dirname(s.dir), 'plan.agoractl');
}

/**
 * Runs a command, and once `ready` holds (checked every 10 ms against the emulator) sends it
 * `signal`; its result. The child is killed however the test ends.
 */
async function interrupt(start: (options: RunOpts) => Promise<CliResult>, ready: () => Promise<boolean>, signal: NodeJS.Signals, what: string): Promise<CliResult> {
  let child: ChildProcess | undefined;
  const running = start({ onSpawn: (c) => (child = c) });
  try {
    await until(ready, what);
    child?.kill(signal);
    return await running;
  } finally {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** A call the emulator holds (a `delay` fault) has arrived. */
async function held(s: Scenario): Promise<boolean> {
  return (await s.requests()).some((r) => r.fault === 'delay');
}

function applySaved(s: Scenario, options: RunOpts = {}): Promise<CliResult> {
  return runCli(['apply', planPathOf(s), '--state', s.stateLocation], { ...options, env: s.env });
}

/** The saved plan is refused after an interrupted apply of it wrote the state, with nothing sent. */
async function assertSavedPlanRefused(s: Scenario): Promise<void> {
  const since = (await s.requests()).length;
  const again = await applySaved(s);
  assertExit(again, 1, 'the same saved plan after the interruption');
  assert.match(again.stderr, /changed since the plan was made/);
  assert.deepEqual((await s.requests()).slice(since), [], 'nothing of the stale plan was sent');
}

/** A player made outside agoractl; its id. */
async function playerMadeElsewhere(s: Scenario, name: string, uid: number): Promise<string> {
  await s.control('PUT', '/limits', { playerCreateNamed: null });
  const made = await s.emu.createPlayer(APP_ID, player({ name, uid, streamUrl: `rtmp://elsewhere.example.com/live/${name}` }));
  assert.equal(made.status, 200, made.text);
  return (made.body as { player: { id: string } }).player.id;
}

void describe('apply PLAN-FILE interrupted', { timeout: 300_000 }, () => {
  void test('SIGTERM while creates wait for their rate slot: it sends no more, exits by itself, and a new plan converges with no duplicate', () =>
    Scenario.run(sixPlayers, async (s) => {
      assertExit(await s.plan(['--out', planPathOf(s)]), 0, 'plan --out');
      // Named creates go 2 a second: once one player exists, most are still waiting for a slot.
      const stopped = await interrupt((o) => applySaved(s, o), async () => (await s.world()).players.length >= 1, 'SIGTERM', 'a first player');
      assert.equal(stopped.signal, null, 'apply handled SIGTERM and exited by itself');
      assertExit(stopped, 1, 'apply interrupted by SIGTERM');
      assert.match(stopped.stderr, /interrupted; finishing the calls in flight and recording them/);
      const made = (await s.world()).players;
      assert.ok(made.length < NAMES.length, 'the apply stopped before the end');
      const records = Object.values((await s.state()).resources);
      for (const p of made) assert.ok(records.some((r) => r.externalId === p.id), `${p.name ?? p.id}, made before SIGTERM, is recorded`);

      await assertSavedPlanRefused(s);
      assertExit(await s.plan(['--out', planPathOf(s)]), 0, 'a new plan --out');
      assertExit(await applySaved(s), 0, 'apply of the new plan');
      const players = await assertPlayers(s, NAMES);
      for (const p of made) assert.ok(players.some((q) => q.id === p.id), `${p.name ?? p.id} was kept, not made again`);
      await assertNoChanges(s);
    }));

  void test('kill -9 while a create is held: its intent stays, and the next apply adopts that player rather than making it twice', () =>
    Scenario.run(sixPlayers, async (s) => {
      assertExit(await s.plan(['--out', planPathOf(s)]), 0, 'plan --out');
      await s.fault({ match: CREATE, effect: 'delay', delayMs: 60_000, count: 1 });
      const killed = await interrupt((o) => applySaved(s, o), () => held(s), 'SIGKILL', 'a held create');
      assert.equal(killed.signal, 'SIGKILL');
      const pending = Object.values((await s.state()).resources).filter((r) => r.pending?.action === 'create');
      assert.ok(pending.length >= 1, 'the held create left its intent in state');

      await assertSavedPlanRefused(s);
      assertExit(await s.apply(), 0, 'apply after kill -9');
      await assertPlayers(s, NAMES);
      await assertNoChanges(s);
    }));
});

void describe('destroy interrupted', { timeout: 300_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    void test(`${signal} while a delete's answer is held: the next destroy converges, the unmanaged player untouched`, () =>
      Scenario.run(sixPlayers, async (s) => {
        assertExit(await s.apply(), 0);
        const unmanaged = await playerMadeElsewhere(s, 'x', 4343);
        const b = (await s.stateOf('CloudPlayer', 'b'))?.externalId;
        assert.ok(b);
        // SIGTERM waits for the answer of the call in flight: held for a moment, not a minute.
        await s.fault({ match: { method: 'DELETE', path: `/cloud-player/players/${b}$` }, effect: 'delay', delayMs: signal === 'SIGTERM' ? 1_000 : 60_000, count: 1 });
        const destroy = (extra: string[], o: RunOpts = {}) => s.agoractl(['destroy', '--auto-approve', '--confirm-project', 'prod', ...extra], o);
        const stopped = await interrupt((o) => destroy([], o), () => held(s), signal, 'a held delete');
        if (signal === 'SIGTERM') {
          assert.equal(stopped.signal, null, 'destroy handled SIGTERM and exited by itself');
          assert.match(stopped.stderr, /interrupted; finishing the calls in flight and recording them/);
        } else {
          assert.equal(stopped.signal, 'SIGKILL');
        }

        const again = await destroy([]);
        assertExit(again, 0, `destroy after ${signal}`);
        assert.deepEqual((await s.world()).players.map((p) => p.id), [unmanaged], 'every managed player is gone, the unmanaged one is not');
        assert.deepEqual((await s.state()).resources, {}, 'state is empty');
        const third = await destroy([]);
        assertExit(third, 0, 'a third destroy');
        assert.match(third.stdout, /No changes\./);
      }));
  }
});

void describe('import interrupted', { timeout: 300_000 }, () => {
  void test('kill -9 while its List is held: nothing is recorded, and the rerun records the player once', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a', { uid: 101 }) }, async (s) => {
      const id = await playerMadeElsewhere(s, 'a', 101);
      assert.equal((await s.world()).players[0]?.streamUrl, 'rtmp://elsewhere.example.com/live/a');
      await s.fault({ match: { method: 'GET', path: '/cloud-player/players' }, effect: 'delay', delayMs: 60_000, count: 1 });
      const killed = await interrupt((o) => s.agoractl(['import', 'CloudPlayer/a', id], o), () => held(s), 'SIGKILL', 'a held List');
      assert.equal(killed.signal, 'SIGKILL');
      assert.deepEqual((await s.state()).resources, {}, 'nothing was recorded');

      assertExit(await s.agoractl(['import', 'CloudPlayer/a', id]), 0, 'import after kill -9');
      const records = Object.values((await s.state()).resources);
      assert.deepEqual(records.map((r) => `${r.key} ${r.externalId}`), [`prod/CloudPlayer/a ${id}`]);
      assertExit(await s.apply(), 0, 'apply after the import');
      await assertPlayers(s, ['a']);
      assert.equal((await s.world()).players[0]?.streamUrl, streamUrl('a'), 'the imported player was updated, not made again');
      await assertNoChanges(s);
    }));
});
