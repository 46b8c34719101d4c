// `agoractl import` end to end: a resource made outside agoractl is taken under management by
// its id once it matches its manifest, with one state record and no change sent to Agora; what
// would need a replace, an id that does not exist, and what state already manages are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ID, Scenario, assertExit, assertNoChanges, assertNoSecrets, docs, originSiteDoc, playerDoc, projectDoc, recordingDoc, streamUrl, type RunOpts } from './harness.ts';
import { player } from '../emulator/helpers.ts';
import { Recordings } from '../emulator/recording-helpers.ts';
import { createAgoraClient } from '../../src/agora/client.ts';
import type { CliResult } from '../support/cli.ts';

const UID_A = 101;
const manifests = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a', { uid: UID_A }), playerDoc('b', { uid: 102 })) };

function importCli(s: Scenario, args: string[], options: RunOpts = {}): Promise<CliResult> {
  return s.agoractl(['import', ...args], options);
}

/** A player made directly through Agora's API, as someone else would; its id. */
async function playerMadeElsewhere(s: Scenario, fields: Record<string, unknown>): Promise<string> {
  const made = await s.emu.createPlayer(APP_ID, player(fields));
  assert.equal(made.status, 200, made.text);
  return (made.body as { player: { id: string } }).player.id;
}

/** Requests the emulator answered since `from` that could change something. */
async function mutationsSince(s: Scenario, from: number): Promise<string[]> {
  return (await s.requests()).filter((r) => r.index >= from && r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
}

async function requestCount(s: Scenario): Promise<number> {
  return (await s.requests()).length;
}

void describe('import against the emulator', { timeout: 600_000 }, () => {
  void test('takes a matching player under management without a call that changes Agora; plan then has nothing to do', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', uid: UID_A, streamUrl: streamUrl('a') });
      const before = await requestCount(s);

      const result = await importCli(s, ['CloudPlayer/a', id]);
      assertExit(result, 0, 'import');
      assert.match(result.stdout, new RegExp(`Imported prod/CloudPlayer/a as ${id}\\.`));
      assert.match(result.stdout, /note: region na is the manifest's/);
      assert.deepEqual(await mutationsSince(s, before), [], 'import sent no mutating call');
      const record = await s.stateOf('CloudPlayer', 'a');
      assert.equal(record?.externalId, id);
      assert.equal(record?.pending, undefined);

      // b is still to be created; a is in sync.
      const { plan } = await s.planJson();
      assert.deepEqual(plan.actions.map((x) => `${x.type} ${x.name}`), ['create b']);
      assertExit(await s.apply(), 0);
      await assertNoChanges(s);
      assert.equal((await s.world()).players.filter((p) => p.name === 'a').length, 1, 'a was never made again');
      await assertNoSecrets(s, result);

      // The record holds what a create records: a later replace names its fields.
      await s.write({ 'players.yaml': docs(playerDoc('a', { uid: UID_A, idleTimeout: 120 }), playerDoc('b', { uid: 102 })) });
      const replaced = await s.plan();
      assert.match(replaced.stdout, /^ +~ idleTimeout: .* -> 120 # forces replacement$/m);
    }));

  void test('--dry-run shows what it would record and writes nothing', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', uid: UID_A, streamUrl: streamUrl('a') });
      const result = await importCli(s, ['prod/CloudPlayer/a', id, '--dry-run']);
      assertExit(result, 0, 'import --dry-run');
      assert.match(result.stdout, new RegExp(`Dry run: would record prod/CloudPlayer/a as ${id}; nothing was written\\.`));
      assert.deepEqual((await s.state()).resources, {});
    }));

  void test('a player whose streamUrl differs is imported, and the next plan updates it in place', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', uid: UID_A, streamUrl: 'rtmp://elsewhere.example.com/live/a' });
      const result = await importCli(s, ['CloudPlayer/a', id]);
      assertExit(result, 0, 'import');
      assert.match(result.stdout, /the next plan updates in place:\n {4}streamUrl: "rtmp:\/\/elsewhere\.example\.com\/live\/a" -> "rtmp:\/\/origin\.example\.com\/live\/a"/);

      const { plan } = await s.planJson(['--target', 'CloudPlayer/a']);
      assert.deepEqual(plan.actions.map((x) => [x.type, x.changes.map((c) => c.path)]), [['update', ['streamUrl']]]);
      assertExit(await s.apply(['--target', 'CloudPlayer/a']), 0);
      const live = (await s.world()).players.find((p) => p.name === 'a');
      assert.equal(live?.id, id, 'the same player, updated rather than replaced');
      assert.equal(live?.streamUrl, streamUrl('a'));
    }));

  void test('refuses a player whose channel or user differs (a replace), naming the fields, and writes nothing', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', channelName: 'class33', uid: 77, streamUrl: streamUrl('a') });
      const result = await importCli(s, ['CloudPlayer/a', id]);
      assertExit(result, 1, 'import of a player on another channel');
      assert.match(result.stderr, /cannot import prod\/CloudPlayer\/a: player \S+ differs from the manifest in fields Agora cannot update in place/);
      assert.match(result.stderr, /channelName: "class33" -> "class32" {2}# forces replacement/);
      assert.match(result.stderr, new RegExp(`uid: 77 -> ${UID_A}  # forces replacement`));
      assert.deepEqual((await s.state()).resources, {});

      const renamed = await playerMadeElsewhere(s, { name: 'other', uid: UID_A, streamUrl: streamUrl('a') });
      const misnamed = await importCli(s, ['CloudPlayer/a', renamed]);
      assertExit(misnamed, 1, 'import of a player of another name');
      assert.match(misnamed.stderr, /name: "other" -> "a" {2}# forces replacement/);
    }));

  void test('refuses what state already manages, an id recorded under another key, and an id Agora does not have', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', uid: UID_A, streamUrl: streamUrl('a') });
      assertExit(await importCli(s, ['CloudPlayer/a', id]), 0);
      const stateBefore = await s.state();

      const again = await importCli(s, ['CloudPlayer/a', id]);
      assertExit(again, 1, 'a second import');
      assert.match(again.stderr, new RegExp(`cannot import prod/CloudPlayer/a: state already records it \\(id ${id}\\)`));
      const underB = await importCli(s, ['CloudPlayer/b', id]);
      assertExit(underB, 1, 'import of a managed id under another name');
      assert.match(underB.stderr, new RegExp(`cannot import prod/CloudPlayer/b: id ${id} is already managed as prod/CloudPlayer/a`));
      const missing = await importCli(s, ['CloudPlayer/b', 'feedfacefeedfacefeedfacefeedface']);
      assertExit(missing, 1, 'import of an id that does not exist');
      assert.match(missing.stderr, /no cloud player with id feedfacefeedfacefeedfacefeedface in project prod/);
      assert.deepEqual(await s.state(), stateBefore, 'no refusal wrote anything');
    }));

  void test('bad input is named and nothing is written: a malformed target, an unknown kind, a resource not in the manifests', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', uid: UID_A, streamUrl: streamUrl('a') });
      const cases: [string[], RegExp][] = [
        [['a', id], /value 'a' is invalid for argument 'target'\. Expected kind\/name or project\/kind\/name/],
        [['CloudPlyer/a', id], /Unknown kind "CloudPlyer"/],
        [['CloudPlayer/zzz', id], /import target CloudPlayer\/zzz: no such resource in the manifests/],
        [['staging/CloudPlayer/a', id], /import target staging\/CloudPlayer\/a: no such resource in the manifests/],
        [['CloudPlayer/a', id, '--resource-id', 'r1'], /--resource-id is for CloudRecording imports/],
      ];
      for (const [args, message] of cases) {
        const result = await importCli(s, args);
        assertExit(result, 1, `import ${args.join(' ')}`);
        assert.match(result.stderr, message);
      }
      assert.deepEqual((await s.state()).resources, {});
    }));

  void test('a List answered 504 mid-import is retried; a rerun then finds it managed, with one record', () =>
    Scenario.run(manifests, async (s) => {
      const id = await playerMadeElsewhere(s, { name: 'a', uid: UID_A, streamUrl: streamUrl('a') });
      await s.fault({ match: { method: 'GET', path: '/cloud-player/players' }, effect: '504-after', count: 1 });
      const result = await importCli(s, ['CloudPlayer/a', id]);
      assertExit(result, 0, 'import meeting a 504');
      assert.deepEqual((await s.requests()).filter((r) => r.method === 'GET').map((r) => r.status), [504, 200], 'the List was asked again');

      const rerun = await importCli(s, ['CloudPlayer/a', id]);
      assertExit(rerun, 1, 'the rerun');
      assert.match(rerun.stderr, /state already records it/);
      const records = Object.values((await s.state()).resources);
      assert.deepEqual(records.map((r) => `${r.key} ${r.externalId}`), [`prod/CloudPlayer/a ${id}`]);
      const { plan } = await s.planJson(['--target', 'CloudPlayer/a']);
      assert.deepEqual(plan.actions, [], 'the imported player is in sync');
    }));
});

void describe('import of recordings and origin sites', { timeout: 600_000 }, () => {
  void test('takes a running recording by sid and --resource-id; the next apply sends its layout once', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'recording.yaml': recordingDoc('archive') }, async (s) => {
      const recordings = new Recordings(s.emu, APP_ID);
      await recordings.users('class32', 1);
      const other = await recordings.begin('class32', '900002');
      const { rid, sid } = await recordings.begin('class32', '900001');

      const noRid = await importCli(s, ['CloudRecording/archive', sid]);
      assertExit(noRid, 1, 'import without --resource-id');
      assert.match(noRid.stderr, /needs --resource-id/);
      const wrongUser = await importCli(s, ['CloudRecording/archive', other.sid, '--resource-id', other.rid]);
      assertExit(wrongUser, 1, 'import of a recording of another uid');
      assert.match(wrongUser.stderr, /uid: "900002" -> "900001" {2}# forces replacement/);

      const before = await requestCount(s);
      const result = await importCli(s, ['CloudRecording/archive', sid, '--resource-id', rid]);
      assertExit(result, 0, 'import');
      assert.match(result.stdout, /recordingConfig\.transcodingConfig\.mixedVideoLayout: \(not observable\) -> 1/);
      assert.deepEqual(await mutationsSince(s, before), []);
      const record = await s.stateOf('CloudRecording', 'archive');
      assert.equal(record?.externalId, sid);
      assert.equal(record?.data.resourceId, rid);

      const { plan } = await s.planJson();
      assert.deepEqual(plan.actions.map((x) => `${x.type} ${x.name} ${x.changes.map((c) => c.path).join(',')}`), ['update archive recordingConfig.transcodingConfig.mixedVideoLayout']);
      assertExit(await s.apply(), 0);
      await assertNoChanges(s);
      const running = (await s.world()).recordings.filter((r) => r.phase === 'running').map((r) => r.sid).sort();
      assert.deepEqual(running, [other.sid, sid].sort(), 'no second session was started, and the other one was left alone');
      await assertNoSecrets(s, result);
    }));

  void test('takes an entry point by its name; a field that differs is updated by the next plan', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'origin.yaml': originSiteDoc('live', { enabled: true, domain: 'origin.example.com', app: 'live' }) }, async (s) => {
      const client = createAgoraClient({ appId: APP_ID, customerId: s.env.AGORA_CUSTOMER_ID ?? '', customerSecret: s.env.AGORA_CUSTOMER_SECRET ?? '', endpoints: [s.emu.handle.url] });
      try {
        await client.originSite.createEntryPoint('live');
        await client.originSite.patch('live', { enabled: true, domain: 'origin.example.com', app: 'studio' });
      } finally {
        await client.close();
      }
      const misnamed = await importCli(s, ['OriginSite/live', 'studio']);
      assertExit(misnamed, 1, 'import under another entry point');
      assert.match(misnamed.stderr, /an OriginSite's id is its entry point/);

      const result = await importCli(s, ['OriginSite/live', 'live']);
      assertExit(result, 0, 'import');
      assert.match(result.stdout, /app: "studio" -> "live"/);
      const { plan } = await s.planJson();
      assert.deepEqual(plan.actions.map((x) => [x.type, x.detail.patch]), [['update', { app: 'live' }]]);
      assertExit(await s.apply(), 0);
      await assertNoChanges(s);
    }));
});

