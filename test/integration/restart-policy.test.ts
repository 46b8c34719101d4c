// What becomes of players Agora destroyed or failed, per restartPolicy: an on-demand file that
// played out and was destroyed by idleTimeout, and a live stream that stopped being playable.
// Virtual time moves through the emulator's control API; agoractl's own clock is moved ahead
// where it must see List's ~10 s window after a create pass.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scenario, actionsOf, assertExit, assertNoChanges, docs, playerDoc, projectDoc, streamUrl } from './harness.ts';

const FILE_MS = 10_000;
const IDLE_TIMEOUT_S = 30;
const CONNECT_MS = 1_000;
/** agoractl waits this long after a create before it believes List that a player is gone. */
const PAST_LIST_LAG_MS = 20_000;

void describe('restartPolicy against the emulator', { timeout: 600_000 }, () => {
  void test('after idleTimeout destroyed played-out files, Always recreates its player resuming at playTs; OnFailure and Never do not', async () => {
    const file = (name: string) => `https://media.example.com/${name}.mp4`;
    const spec = (name: string, restartPolicy: string) => ({ streamUrl: file(name), repeatTime: 1, idleTimeout: IDLE_TIMEOUT_S, restartPolicy });
    const s = await Scenario.start({
      'project.yaml': projectDoc(),
      'players.yaml': docs(playerDoc('always', spec('always', 'Always')), playerDoc('onfailure', spec('onfailure', 'OnFailure')), playerDoc('never', spec('never', 'Never'))),
    });
    try {
      for (const name of ['always', 'onfailure', 'never']) await s.control('PUT', '/streams', { url: file(name), durationMs: FILE_MS });
      assertExit(await s.apply(), 0);
      const first = (await s.world()).players;
      assert.equal(first.length, 3);

      // Connect, play the file once, then sit idle past idleTimeout: Agora destroys all three.
      await s.advance(CONNECT_MS + FILE_MS + IDLE_TIMEOUT_S * 1000 + 1000);
      assert.deepEqual((await s.world()).players, [], 'idleTimeout destroyed every player');

      const { result, plan } = await s.applyJson([], { laterMs: PAST_LIST_LAG_MS });
      assertExit(result, 0);
      assert.deepEqual(actionsOf(plan), ['create always']);
      const players = (await s.world()).players;
      assert.deepEqual(players.map((p) => p.name), ['always']);
      const old = first.find((p) => p.name === 'always');
      assert.notEqual(players[0]?.id, old?.id);
      assert.equal(players[0]?.playTs, old?.createTs, 'the new player resumes where the old one started playing');
      assert.equal((await s.stateOf('CloudPlayer', 'always'))?.externalId, players[0]?.id);
      // Never and OnFailure stay as they ended: still agoractl's (in state), not recreated.
      assert.ok(await s.stateOf('CloudPlayer', 'never'));
      assert.ok(await s.stateOf('CloudPlayer', 'onfailure'));
      await assertNoChanges(s, { laterMs: PAST_LIST_LAG_MS });
    } finally {
      await s.close();
    }
  });

  void test('a failed stream gets Always and OnFailure players replaced with playTs continuity; Never stays failed', async () => {
    const shared = streamUrl('failing');
    const spec = (restartPolicy: string) => ({ streamUrl: shared, idleTimeout: 300, restartPolicy });
    const s = await Scenario.start({
      'project.yaml': projectDoc(),
      'players.yaml': docs(playerDoc('always', spec('Always')), playerDoc('onfailure', spec('OnFailure')), playerDoc('never', spec('Never'))),
    });
    try {
      assertExit(await s.apply(), 0);
      await s.advance(CONNECT_MS);
      const running = (await s.world()).players;
      assert.deepEqual(running.map((p) => p.status), ['running', 'running', 'running']);

      await s.control('PUT', '/streams', { url: shared, playable: false });
      assert.deepEqual((await s.world()).players.map((p) => p.status), ['failed', 'failed', 'failed']);
      // The origin comes back; the failed players do not recover by themselves.
      await s.control('PUT', '/streams', { url: shared, playable: true });

      const { result, plan } = await s.applyJson();
      assertExit(result, 0, 'apply replacing failed players');
      assert.deepEqual(actionsOf(plan), ['replace always', 'replace onfailure'], 'Never is not replaced');
      await s.advance(CONNECT_MS);

      const after = (await s.world()).players;
      assert.equal(after.length, 3, 'no duplicates, nothing lost');
      for (const name of ['always', 'onfailure']) {
        const old = running.find((p) => p.name === name);
        const now = after.filter((p) => p.name === name);
        assert.equal(now.length, 1);
        assert.notEqual(now[0]?.id, old?.id, `${name} was replaced`);
        assert.equal(now[0]?.status, 'running');
        assert.equal(now[0]?.playTs, old?.createTs, `${name} resumes at the old player's start`);
        assert.equal((await s.stateOf('CloudPlayer', name))?.externalId, now[0]?.id);
      }
      const never = after.find((p) => p.name === 'never');
      assert.equal(never?.id, running.find((p) => p.name === 'never')?.id);
      assert.equal(never?.status, 'failed', 'Never runs once');
      await assertNoChanges(s, { laterMs: PAST_LIST_LAG_MS });
    } finally {
      await s.close();
    }
  });
});
