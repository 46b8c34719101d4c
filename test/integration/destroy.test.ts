// `agoractl destroy` end to end: it removes what state records of the manifests' projects (or
// the targets), each kind its own way, leaves everything else in Agora alone, needs its own
// confirmation to empty a project, and converges after an answer lost mid-way.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ID, STATE_BACKENDS, Scenario, assertExit, assertNoSecrets, assertPlayers, docs, originSiteDoc, playerDoc, projectDoc, recordingDoc, type RunOpts } from './harness.ts';
import { player } from '../emulator/helpers.ts';
import type { CliResult } from '../support/cli.ts';

const threePlayers = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) };

function destroy(s: Scenario, extra: string[] = [], options: RunOpts = {}): Promise<CliResult> {
  return s.agoractl(['destroy', '--auto-approve', ...extra], options);
}

/** A player made outside agoractl, as someone else would; its id. */
async function playerMadeElsewhere(s: Scenario, name: string, uid: number): Promise<string> {
  // Someone else's creates do not share agoractl's pacing: lift the emulator's per-second limit.
  await s.control('PUT', '/limits', { playerCreateNamed: null });
  const made = await s.emu.createPlayer(APP_ID, player({ name, uid, streamUrl: `rtmp://elsewhere.example.com/live/${name}` }));
  assert.equal(made.status, 200, made.text);
  return (made.body as { player: { id: string } }).player.id;
}

async function playerIds(s: Scenario): Promise<string[]> {
  return (await s.world()).players.map((p) => p.id).sort();
}

void describe('destroy against the emulator', { timeout: 600_000 }, () => {
  void test('deletes every managed resource of the project by its kind, and leaves unmanaged players and unrecorded names alone', () =>
    Scenario.run(
      {
        'project.yaml': projectDoc(),
        'players.yaml': docs(playerDoc('a'), playerDoc('b')),
        'recording.yaml': recordingDoc('archive'),
        'origins.yaml': docs(originSiteDoc('live', { enabled: true, domain: 'origin.example.com', deletionPolicy: 'Disable' }), originSiteDoc('studio', { enabled: true, domain: 'origin.example.com' })),
      },
      async (s) => {
        await s.control('PUT', `/channels/${APP_ID}/class32`, { users: 1 });
        // b stays out of state: a player of that name made elsewhere is one apply would adopt, not agoractl's yet.
        assertExit(await s.apply(['--target', 'CloudPlayer/a', '--target', 'CloudRecording/archive', '--target', 'OriginSite/live', '--target', 'OriginSite/studio']), 0);
        const candidate = await playerMadeElsewhere(s, 'b', 4242);
        const unmanaged = await playerMadeElsewhere(s, 'x', 4343);
        assert.deepEqual((await s.world()).recordings.map((r) => r.phase), ['running']);

        const result = await destroy(s);
        assertExit(result, 0, 'destroy');
        assert.match(result.stdout, /prod\/CloudPlayer\/a will be deleted: requested by destroy/);
        assert.match(result.stdout, /Not managed by agoractl \(left alone\): 2/);
        assert.match(result.stdout, /Destroy complete!/);

        const world = await s.world();
        assert.deepEqual(world.players.map((p) => p.id).sort(), [candidate, unmanaged].sort(), 'only the players agoractl did not manage remain');
        assert.deepEqual(world.recordings.map((r) => r.phase === 'running'), [false], 'the recording was stopped');
        const site = (name: string) => world.originSites.find((o) => o.entryPoint === name);
        assert.equal(site('live')?.enabled, false, 'deletionPolicy Disable: pull-from-origin is off');
        assert.equal(site('studio')?.enabled, true, 'deletionPolicy Orphan: the settings stay');
        const live = Object.values((await s.state()).resources).filter((r) => r.externalId !== undefined || r.pending !== undefined);
        assert.deepEqual(live, [], 'state manages nothing live any more');
        await assertNoSecrets(s, result);

        const again = await destroy(s);
        assertExit(again, 0, 'a second destroy');
        assert.match(again.stdout, /No changes\./);
        assert.deepEqual(await playerIds(s), [candidate, unmanaged].sort());
      },
    ));

  void test('--target limits destroy to the resources it names; the others stay managed', () =>
    Scenario.run(threePlayers, async (s) => {
      assertExit(await s.apply(), 0);
      const result = await destroy(s, ['--target', 'CloudPlayer/b']);
      assertExit(result, 0, 'destroy --target');
      await assertPlayers(s, ['a', 'c']);

      const nothing = await destroy(s, ['--target', 'CloudPlayer/nope']);
      assertExit(nothing, 1, 'destroy of a target that names nothing');
      assert.match(nothing.stderr, /--target CloudPlayer\/nope matches no resource/);
      await assertPlayers(s, ['a', 'c']);
    }));

  void test('off a terminal destroy needs --auto-approve, and -o json needs it too', () =>
    Scenario.run(threePlayers, async (s) => {
      assertExit(await s.apply(), 0);
      const asked = await s.agoractl(['destroy', '--confirm-project', 'prod']);
      assertExit(asked, 1, 'destroy without --auto-approve');
      assert.match(asked.stderr, /destroy asks for confirmation on a terminal; pass --auto-approve/);
      const json = await s.agoractl(['destroy', '-o', 'json', '--confirm-project', 'prod']);
      assertExit(json, 1, 'destroy -o json without --auto-approve');
      assert.match(json.stderr, /destroy -o json needs --auto-approve/);
      await assertPlayers(s, ['a', 'b', 'c']);
    }));

  void test('a destroy that trips the mass-delete guard needs --confirm-project naming the project, not --allow-mass-delete', () =>
    Scenario.run(threePlayers, async (s) => {
      assertExit(await s.apply(), 0);
      const before = await playerIds(s);

      const refused = await destroy(s);
      assertExit(refused, 1, 'destroy without confirmation');
      assert.match(refused.stdout, /deletes 3 of 3 managed CloudPlayer in project prod; rerun with --confirm-project prod/);
      const wrongProject = await destroy(s, ['--confirm-project', 'staging']);
      assertExit(wrongProject, 1, 'destroy confirming another project');
      const allowed = await destroy(s, ['--allow-mass-delete']);
      assertExit(allowed, 1, 'destroy with apply\'s --allow-mass-delete');
      assert.match(allowed.stderr, /unknown option '--allow-mass-delete'/);
      assert.deepEqual(await playerIds(s), before, 'nothing was deleted');
      await assertPlayers(s, ['a', 'b', 'c']);

      const confirmed = await destroy(s, ['--confirm-project', 'prod', '-o', 'json']);
      assertExit(confirmed, 0, 'destroy --confirm-project prod');
      const output = JSON.parse(confirmed.stdout) as { applied: boolean; result: { done: { type: string; name: string }[] } };
      assert.deepEqual(output.result.done.map((a) => `${a.type} ${a.name}`).sort(), ['delete a', 'delete b', 'delete c']);
      assert.deepEqual((await s.world()).players, []);
      assert.deepEqual((await s.state()).resources, {});
    }));
});

for (const backend of STATE_BACKENDS) {
  void describe(`destroy with a lost answer (${backend} state)`, { timeout: 600_000 }, () => {
    void test('a delete carried out whose answers are all lost (504 after) fails the destroy; the next converges with no orphan', () =>
      Scenario.run(threePlayers, async (s) => {
        assertExit(await s.apply(), 0);
        const unmanaged = await playerMadeElsewhere(s, 'x', 4343);
        const b = (await s.stateOf('CloudPlayer', 'b'))?.externalId;
        assert.ok(b);
        // Every delete of b is carried out (or finds it gone) and its answer lost: the outcome stays unknown.
        await s.fault({ match: { method: 'DELETE', path: `/cloud-player/players/${b}$` }, effect: '504-after', count: 20 });

        const failed = await destroy(s, ['--confirm-project', 'prod']);
        assertExit(failed, 1, 'destroy meeting lost answers');
        assert.match(failed.stdout, /prod\/CloudPlayer\/b: failed/);
        assert.deepEqual(await playerIds(s), [unmanaged], 'Agora deleted all three, answers or not');
        assert.equal((await s.stateOf('CloudPlayer', 'b'))?.pending?.action, 'delete', 'the intent to delete b stays in state');

        await s.control('DELETE', '/faults');
        const again = await destroy(s, ['--confirm-project', 'prod']);
        assertExit(again, 0, 'the second destroy');
        assert.deepEqual(await playerIds(s), [unmanaged], 'no player made again, the unmanaged one untouched');
        assert.deepEqual((await s.state()).resources, {}, 'state is empty');
        const third = await destroy(s);
        assertExit(third, 0, 'a third destroy');
        assert.match(third.stdout, /No changes\./);
      }, { backend }));
  });
}
