// apply's safety: it asks before acting unless told not to, writes every intent to state before
// the call, survives being killed mid-way, and lets only one apply at a time act on a state.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { APP_ID, STATE_BACKENDS, Scenario, assertExit, assertNoChanges, assertPlayers, docs, playerDoc, projectDoc, recordingDoc, until } from './harness.ts';

const CREATE = { method: 'POST', path: '/cloud-player/players$' };
/** Creates paced at one a second (by agoractl and by the emulator), so an apply takes a while. */
const ONE_CREATE_A_SECOND = { playerCreateNamed: { perSecond: 1 } };

const threePlayers = docs(playerDoc('a'), playerDoc('b'), playerDoc('c'));

for (const backend of STATE_BACKENDS) {
  void describe(`apply safety against the emulator (${backend} state)`, { timeout: 600_000 }, () => {
    void test('apply off a terminal needs --auto-approve and changes nothing without it', async () => {
      const s = await Scenario.start({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, { backend });
      try {
        const result = await s.agoractl(['apply']);
        assertExit(result, 1, 'apply without --auto-approve');
        assert.match(result.stderr, /pass --auto-approve/);
        assert.deepEqual((await s.world()).players, []);
      } finally {
        await s.close();
      }
    });

    void test('apply exits non-zero when an action fails, and still carries out the others', async () => {
      const s = await Scenario.start({ 'project.yaml': projectDoc(), 'player.yaml': playerDoc('a'), 'recording.yaml': recordingDoc('archive') }, { backend });
      try {
        // Someone else records class32 as uid 900001 already: Agora refuses our start (code 53).
        const rid = ((await s.emu.call('POST', `/v1/apps/${APP_ID}/cloud_recording/acquire`, { body: { cname: 'class32', uid: '900001', clientRequest: {} } })).body as { resourceId: string }).resourceId;
        const clientRequest = { recordingConfig: { channelType: 1, maxIdleTime: 30 }, storageConfig: { vendor: 1, region: 0, bucket: 'theirs', accessKey: 'their-key', secretKey: 'their-secret' } };
        const theirs = await s.emu.call('POST', `/v1/apps/${APP_ID}/cloud_recording/resourceid/${rid}/mode/mix/start`, { body: { cname: 'class32', uid: '900001', clientRequest } });
        assert.equal(theirs.status, 200, theirs.text);

        const result = await s.apply();
        assertExit(result, 1, 'apply with a failing action');
        assert.match(result.stdout, /prod\/CloudRecording\/archive: failed: .*code 53/);
        assert.match(result.stdout, /prod\/CloudPlayer\/a: created/);
        assert.match(result.stdout, /Apply finished with errors!/);
        await assertPlayers(s, ['a']);
        const recordings = (await s.world()).recordings;
        assert.deepEqual(recordings.map((r) => r.sid), [(theirs.body as { sid: string }).sid], 'their recording is untouched, none of ours was added');
      } finally {
        await s.close();
      }
    });

    void test('a create whose outcome stays unknown fails the apply, and the next apply adopts the player instead of creating another', async () => {
      const s = await Scenario.start({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, { backend });
      try {
        // List hides the new player and every answer is lost: agoractl cannot learn what happened.
        await s.control('PUT', '/behaviour', { listDelayMs: 10_000 });
        await s.fault({ match: CREATE, effect: '504-after', count: 3 });
        const failed = await s.apply();
        assertExit(failed, 1, 'apply with an unknown outcome');
        assert.match(failed.stdout, /prod\/CloudPlayer\/a: failed: .*outcome of create prod\/CloudPlayer\/a stayed unknown/);
        const made = (await s.world()).players;
        assert.equal(made.length, 1, 'Agora made the player once; the retries met its name');
        const record = await s.stateOf('CloudPlayer', 'a');
        assert.equal(record?.pending?.action, 'create', 'the intent stays in state');
        assert.equal(record?.externalId, undefined);

        await s.advance(10_000);
        const resolved = await s.apply();
        assertExit(resolved, 0, 'the next apply');
        assert.match(resolved.stdout, /prod\/CloudPlayer\/a will be adopted: an earlier create succeeded although its answer was lost/);
        const [a] = await assertPlayers(s, ['a']);
        assert.equal(a?.id, made[0]?.id);
        await assertNoChanges(s);
      } finally {
        await s.close();
      }
    });

    void test('apply killed with SIGKILL mid-create converges when run again, with no duplicate', async () => {
      const s = await Scenario.start({ 'project.yaml': projectDoc(ONE_CREATE_A_SECOND), 'players.yaml': threePlayers }, { limits: ONE_CREATE_A_SECOND, backend });
      let child: ChildProcess | undefined;
      try {
        let faulted: Promise<void> | undefined;
        const killed = s.apply([], {
          onSpawn: (c) => (child = c),
          onStdout: (chunk) => {
            // After the first player exists, hold the next create's answer: the kill lands while
            // Agora has made a player agoractl has not heard about.
            if (!faulted && /: created/.test(chunk)) faulted = s.fault({ match: CREATE, effect: 'delay', delayMs: 60_000, count: 1 });
          },
        });
        await until(async () => faulted !== undefined && (await s.world()).players.length >= 2, 'a second player');
        await faulted;
        child?.kill('SIGKILL');
        const result = await killed;
        assert.equal(result.signal, 'SIGKILL');
        const before = (await s.world()).players;
        const state = await s.state();
        const pending = Object.values(state.resources).filter((r) => r.pending?.action === 'create' && r.externalId === undefined);
        assert.ok(pending.length >= 1, 'the create in flight was written ahead to state');

        const again = await s.apply();
        assertExit(again, 0, 'apply after the kill');
        assert.match(again.stderr, new RegExp(`took over a stale state lock of pid ${child?.pid ?? -1}`));
        const players = await assertPlayers(s, ['a', 'b', 'c']);
        for (const p of before) assert.ok(players.some((q) => q.id === p.id), `${p.name ?? p.id}, made before the kill, was kept`);
        await assertNoChanges(s);
      } finally {
        if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await s.close();
      }
    });

    void test('two applies at once: one holds the lock, the other fails naming it or waits and finds no changes', async () => {
      const s = await Scenario.start({ 'project.yaml': projectDoc(ONE_CREATE_A_SECOND), 'players.yaml': threePlayers }, { limits: ONE_CREATE_A_SECOND, backend });
      let holder: ChildProcess | undefined;
      let stopped = false;
      try {
        let planned: () => void = () => undefined;
        const holdsLock = new Promise<void>((resolve) => (planned = resolve));
        const first = s.apply([], {
          onSpawn: (c) => (holder = c),
          onStdout: (chunk) => {
            // The plan is printed under the lock; stopping the process there keeps it held.
            if (!stopped && /agoractl will perform/.test(chunk)) {
              stopped = holder?.kill('SIGSTOP') ?? false;
              planned();
            }
          },
        });
        const firstState = await Promise.race([holdsLock.then(() => 'holds the lock'), first.then((r) => `ended first: ${r.stdout}${r.stderr}`)]);
        assert.equal(firstState, 'holds the lock', 'the first apply plans under the lock');
        const waiting = s.apply(['--lock-timeout', '60']);
        const refused = await s.apply();
        assertExit(refused, 1, 'the second apply');
        assert.match(refused.stderr, new RegExp(`locked by agoractl apply \\(pid ${holder?.pid ?? -1} on host`));
        holder?.kill('SIGCONT');
        stopped = false;

        const [held, waited] = await Promise.all([first, waiting]);
        assertExit(held, 0, 'the apply holding the lock');
        assertExit(waited, 0, 'the apply waiting with --lock-timeout');
        assert.match(waited.stdout, /No changes\./);
        await assertPlayers(s, ['a', 'b', 'c']);
      } finally {
        if (stopped) holder?.kill('SIGCONT');
        if (holder?.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
        await s.close();
      }
    });
  });
}
