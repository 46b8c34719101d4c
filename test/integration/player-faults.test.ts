// Faults between agoractl and Media Pull: answers lost after Agora made the change (504, a
// dropped connection), List lagging behind creates, and List leaving fields out. Whatever
// happens, Agora ends up with exactly the desired players: 0 duplicates, 0 orphans.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STATE_BACKENDS, Scenario, actionsOf, assertExit, assertNoChanges, assertPlayers, docs, playerDoc, playerNamed, projectDoc } from './harness.ts';

const CREATE = { method: 'POST', path: '/cloud-player/players$' };
const DELETE = { method: 'DELETE', path: '/cloud-player/players/' };

const twoPlayers = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) };

for (const backend of STATE_BACKENDS) {
  void describe(`player faults against the emulator (${backend} state)`, { timeout: 600_000 }, () => {
    void test('creates whose answers are lost (504 after the change, a dropped connection) are resolved by name, not repeated', () =>
      Scenario.run(twoPlayers, async (s) => {
        await s.fault({ match: CREATE, effect: '504-after', count: 1 });
        await s.fault({ match: CREATE, effect: 'drop', count: 1 });
        assertExit(await s.apply(), 0);
        await assertPlayers(s, ['a', 'b']);
        const faulted = (await s.requests()).filter((r) => r.method === 'POST').map((r) => r.fault ?? 'none');
        assert.deepEqual(faulted, ['504-after', 'drop'], 'both creates lost their answers, and neither was sent again');
        await assertNoChanges(s);
      }, { backend }));

    void test('a create whose answer is lost, found by name, still starts paused at its tempo and volume', () =>
      Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a', { isPause: true, tempo: 1.5, audioOptions: { volume: 50 } }) }, async (s) => {
        await s.fault({ match: CREATE, effect: '504-after', count: 1 });
        assertExit(await s.apply(), 0);
        const [a] = await assertPlayers(s, ['a']);
        const played = await playerNamed(s, 'a');
        assert.deepEqual([played.isPause, played.tempo, played.audioOptions?.volume], [true, 1.5, 50], 'Create takes none of them: the update after it does');
        assert.equal((await s.stateOf('CloudPlayer', 'a'))?.externalId, a?.id);
        assert.equal((await s.requests()).filter((r) => r.method === 'POST').length, 1, 'found by name, not created again');
        await assertNoChanges(s);
      }, { backend }));

    void test('a delete whose answer is lost (504 after the change) is settled by deleting again', () =>
      Scenario.run(twoPlayers, async (s) => {
        assertExit(await s.apply(), 0);
        await s.write({ 'players.yaml': playerDoc('a') });
        await s.fault({ match: DELETE, effect: '504-after', count: 1 });
        assertExit(await s.apply(), 0, 'apply deleting b');
        await assertPlayers(s, ['a']);
        await assertNoChanges(s);
      }, { backend }));

    void test('List lagging 10 s behind creates: plan at once plans no duplicate, and a lost create answer still ends in one player', () =>
      Scenario.run(twoPlayers, async (s) => {
        await s.control('PUT', '/behaviour', { listDelayMs: 10_000 });
        // b's answer is lost and List does not show b yet: agoractl creates again and Agora's
        // 409 names the player the first attempt made.
        await s.fault({ match: CREATE, effect: '504-after', count: 1 });
        assertExit(await s.apply(), 0);
        await assertPlayers(s, ['a', 'b']);

        const again = await s.applyJson();
        assertExit(again.result, 0, 'apply right after apply');
        assert.deepEqual(actionsOf(again.plan), [], 'while List hides the new players, nothing is planned');
        await assertPlayers(s, ['a', 'b']);

        await s.advance(10_000);
        await assertNoChanges(s, { laterMs: 20_000 });
      }, { backend }));

    void test('List returning only id, name and createTs: no duplicate, updates and deletes still work', () =>
      Scenario.run(twoPlayers, async (s) => {
        await s.control('PUT', '/behaviour', { partialListShare: 1 });
        await s.fault({ match: CREATE, effect: '504-after', count: 1 });
        assertExit(await s.apply(), 0);
        await assertPlayers(s, ['a', 'b']);

        const moved = 'rtmp://backup.example.com/live/a';
        await s.write({ 'players.yaml': playerDoc('a', { streamUrl: moved }) });
        assertExit(await s.apply(), 0, 'apply updating a and deleting b');
        const [a] = await assertPlayers(s, ['a']);
        assert.equal(a?.streamUrl, moved);
        await assertNoChanges(s);
      }, { backend }));
  });
}
