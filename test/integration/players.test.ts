// CloudPlayer end to end: the real CLI against the emulator over HTTP. Each test writes a few
// manifests, runs plan/apply, and checks the players Agora holds afterwards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP_CERTIFICATE,
  APP_ID,
  Scenario,
  actionsOf,
  assertExit,
  assertNoChanges,
  assertNoSecrets,
  assertPlayers,
  docs,
  playerDoc,
  playerNamed,
  projectDoc,
  streamUrl,
} from './harness.ts';
import { assertTokenFor } from './tokens.ts';

void describe('CloudPlayer against the emulator', { timeout: 600_000 }, () => {
  void test('creates each desired player once with a token for its own user, then plan finds no changes', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b', { uid: undefined, account: 'guest-b' })) }, async (s) => {
      // Someone else's player on the same project: reported, never touched.
      const foreign = await s.emu.createPlayer(APP_ID, { name: 'someone-else', channelName: 'other', uid: 7, streamUrl: streamUrl('other') });
      assert.equal(foreign.status, 200);

      const before = await s.plan(['--detailed-exitcode']);
      assertExit(before, 2, 'plan with changes');
      assert.match(before.stdout, /Plan: 2 to create, 0 to update, 0 to replace, 0 to delete\./);
      assert.equal((await s.world()).players.length, 1, 'plan changes nothing');

      const applied = await s.apply();
      assertExit(applied, 0);
      const players = await assertPlayers(s, ['a', 'b'], ['someone-else']);
      const a = players.find((p) => p.name === 'a');
      const b = players.find((p) => p.name === 'b');
      assertTokenFor(a?.token, APP_CERTIFICATE, 'class32', a?.uid ?? -1);
      assertTokenFor(b?.token, APP_CERTIFICATE, 'class32', 'guest-b');

      const after = await s.plan(['--detailed-exitcode']);
      assertExit(after, 0, 'plan after apply');
      assert.match(after.stdout, /No changes\./);
      assert.match(after.stdout, /Not managed by agoractl \(left alone\): 1\n {2}prod\/CloudPlayer\/someone-else/);
      await assertNoSecrets(s, before, applied, after);

      // Removing a manifest deletes its player; the unmanaged one stays.
      await s.write({ 'players.yaml': playerDoc('a') });
      const removed = await s.applyJson();
      assertExit(removed.result, 0, 'apply after removing b');
      assert.deepEqual(actionsOf(removed.plan), ['delete b']);
      await assertPlayers(s, ['a'], ['someone-else']);
    }));

  void test('updates streamUrl, volume, pause, seek and tempo in place with a growing sequence', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a', { audioOptions: { volume: 100 } }) }, async (s) => {
      assertExit(await s.apply(), 0);
      const created = await playerNamed(s, 'a');

      const moved = 'rtmp://backup.example.com/live/a';
      await s.write({ 'players.yaml': playerDoc('a', { streamUrl: moved, audioOptions: { volume: 50 }, isPause: true, seekPosition: 30, tempo: 1.5 }) });
      const { result, plan } = await s.applyJson();
      assertExit(result, 0, 'apply of the update');
      assert.deepEqual(actionsOf(plan), ['update a']);
      assert.deepEqual(plan.actions[0]?.changes.map((c) => c.path).sort(), ['audioOptions.volume', 'isPause', 'seekPosition', 'streamUrl', 'tempo']);
      const updated = await playerNamed(s, 'a');
      assert.equal(updated.id, created.id, 'updated in place, not replaced');
      assert.equal(updated.streamUrl, moved);
      assert.equal(updated.audioOptions?.volume, 50);
      assert.equal(updated.isPause, true);
      assert.equal(updated.seekPosition, 30);
      assert.equal(updated.tempo, 1.5);
      const first = updated.sequence ?? -1;
      assert.ok(first >= 1, 'Update carried a sequence');

      await s.write({ 'players.yaml': playerDoc('a', { streamUrl: moved, audioOptions: { volume: 50 }, isPause: false, seekPosition: 30, tempo: 2 }) });
      assertExit(await s.apply(), 0, 'apply of the second update');
      const again = await playerNamed(s, 'a');
      assert.equal(again.id, created.id);
      assert.equal(again.tempo, 2);
      assert.equal(again.isPause, false);
      assert.ok((again.sequence ?? -1) > first, `the sequence grows (${first} then ${again.sequence})`);
      assert.equal((await s.stateOf('CloudPlayer', 'a'))?.data.sequence, again.sequence, 'state keeps the last sequence');
      await assertPlayers(s, ['a']);
      await assertNoChanges(s);
    }));

  void test('replaces a player when a field Agora cannot update changes, with a freshly minted token', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, async (s) => {
      assertExit(await s.apply(), 0);
      const old = await playerNamed(s, 'a');

      // idleTimeout is not among List's fields: only the spec hash in state reveals the change.
      await s.write({ 'players.yaml': playerDoc('a', { idleTimeout: 120 }) });
      const { result, plan } = await s.applyJson();
      assertExit(result, 0, 'apply of the replacement');
      assert.deepEqual(actionsOf(plan), ['replace a']);
      const [replaced] = await assertPlayers(s, ['a']);
      assert.notEqual(replaced?.id, old.id, 'a new player');
      assert.equal(replaced?.idleTimeout, 120);
      assert.notEqual(replaced?.token, old.token, 'the token is minted for each create');
      assertTokenFor(replaced?.token, APP_CERTIFICATE, 'class32', old.uid ?? -1);
      await assertNoChanges(s);
    }));

  void test('adopts an existing player that matches its manifest and refuses one that does not', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('adopt-me', { uid: 11 }), playerDoc('taken', { uid: 12 })) }, async (s) => {
      const same = await s.emu.createPlayer(APP_ID, { name: 'adopt-me', channelName: 'class32', uid: 11, streamUrl: streamUrl('adopt-me') });
      const other = await s.emu.createPlayer(APP_ID, { name: 'taken', channelName: 'elsewhere', uid: 12, streamUrl: streamUrl('taken') });
      const sameId = (same.body as { player: { id: string } }).player.id;
      const otherId = (other.body as { player: { id: string } }).player.id;

      const { result, plan, outcome } = await s.applyJson();
      assertExit(result, 1, 'apply with a conflict');
      assert.deepEqual(plan.actions.map((a) => [a.name, a.type, a.blocked ?? false]).sort(), [['adopt-me', 'adopt', false], ['taken', 'conflict', true]]);
      assert.deepEqual(outcome.done.map((a) => a.name), ['adopt-me']);
      assert.deepEqual(outcome.skipped.map((x) => x.action.name), ['taken']);
      assert.match(outcome.skipped[0]?.why ?? '', /a player named taken exists \(id \w+\) with other channelName; delete it or rename the manifest/);
      const world = (await s.world()).players;
      assert.deepEqual(world.map((p) => [p.name, p.id, p.channelName]).sort(), [['adopt-me', sameId, 'class32'], ['taken', otherId, 'elsewhere']], 'nothing created, nothing changed');
      assert.equal((await s.stateOf('CloudPlayer', 'adopt-me'))?.externalId, sameId, 'the matching player is now managed');
      assert.equal(await s.stateOf('CloudPlayer', 'taken'), undefined, 'the conflicting one is not');

      const again = await s.plan(['--detailed-exitcode']);
      assertExit(again, 1, 'plan still reports the conflict, as an error');
      assert.match(again.stdout, /prod\/CloudPlayer\/taken is in conflict/);
      assert.doesNotMatch(again.stdout, /adopt-me/);
    }));
});
