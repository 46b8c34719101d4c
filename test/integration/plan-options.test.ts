// plan and apply as a user steers them: ordering under the player quota, refusals before any
// call (quota, mass delete), --target, -o json and --detailed-exitcode.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ID, STATE_BACKENDS, Scenario, actionsOf, assertExit, assertNoChanges, assertNoSecrets, assertPlayers, docs, playerDoc, projectDoc, streamUrl, type PlanJson } from './harness.ts';

const mutations = (requests: { method: string }[]) => requests.filter((r) => r.method !== 'GET');

for (const backend of STATE_BACKENDS) {
  void describe(`plan and apply options against the emulator (${backend} state)`, { timeout: 600_000 }, () => {
    void test('deletes run before creates, so a full project changes players without exceeding its quota', () =>
      Scenario.run(
        { 'project.yaml': projectDoc({ playersPerProject: 2 }), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) },
        async (s) => {
          assertExit(await s.apply(), 0);
          await assertPlayers(s, ['a', 'b']);

          // a goes, c comes, b is replaced: at no point may three players exist.
          await s.write({ 'players.yaml': docs(playerDoc('b', { idleTimeout: 90 }), playerDoc('c')) });
          const since = (await s.requests()).length;
          const { result, plan } = await s.applyJson();
          assertExit(result, 0, 'apply at the quota');
          assert.deepEqual(actionsOf(plan), ['delete a', 'replace b', 'create c'], 'deletes first, creates last');
          // The quota's 429, by its message: a rate-limit 429 here is the pacing's business
          // (rate-budget.test.ts), not the order of deletes and creates this test is about.
          const refusals = (await s.requests()).slice(since).filter((r) => r.status === 429);
          assert.deepEqual(refusals.filter((r) => r.message !== 'Request rate limit exceeded.'), [], `Agora never refused a create for quota (429s: ${JSON.stringify(refusals)})`);
          await assertPlayers(s, ['b', 'c']);
          await assertNoChanges(s);
        },
        { limits: { playersPerProject: 2 }, backend },
      ));

    void test('a plan that needs more players than the quota is refused before any call', () =>
      Scenario.run(
        { 'project.yaml': projectDoc({ playersPerProject: 2 }), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) },
        async (s) => {
          // Someone else's player takes one of the two places.
          assert.equal((await s.emu.createPlayer(APP_ID, { name: 'someone-else', channelName: 'other', uid: 7, streamUrl: streamUrl('x') })).status, 200);
          const since = (await s.requests()).length;
          const planned = await s.plan(['--detailed-exitcode']);
          assertExit(planned, 1, 'plan over the quota');
          assert.match(planned.stdout, /Error: CloudPlayer in project prod: 1 exist and the plan adds 2, more than the quota of 2 \(playersPerProject\)/);
          assertExit(await s.apply(), 1, 'apply over the quota');
          assert.deepEqual(mutations((await s.requests()).slice(since)), [], 'no create was sent');
          assert.deepEqual((await s.world()).players.map((p) => p.name), ['someone-else']);

          // More manifests than the quota is a manifest error, found before Agora is asked anything.
          await s.write({ 'more.yaml': playerDoc('c') });
          const invalid = await s.plan();
          assertExit(invalid, 1, 'plan of 3 players under a quota of 2');
          assert.match(invalid.stderr, /\.yaml:\d+:\d+: metadata\.name: project "prod" allows at most 2 cloud players/);
        },
        { limits: { playersPerProject: 2 }, backend },
      ));

    void test('deleting most managed players needs --allow-mass-delete', () =>
      Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) }, async (s) => {
        assertExit(await s.apply(), 0);
        await s.write({ 'players.yaml': playerDoc('a') });

        const since = (await s.requests()).length;
        const refused = await s.applyJson();
        assertExit(refused.result, 1, 'apply deleting 2 of 3');
        assert.deepEqual(refused.plan.errors.map((e) => e.code), ['MassDeleteRefused']);
        assert.match(refused.plan.errors[0]?.message ?? '', /the plan deletes 2 of 3 managed CloudPlayer in project prod; rerun with --allow-mass-delete/);
        assert.deepEqual(mutations((await s.requests()).slice(since)), [], 'nothing was deleted');
        await assertPlayers(s, ['a', 'b', 'c']);

        assertExit(await s.apply(['--allow-mass-delete']), 0, 'apply --allow-mass-delete');
        await assertPlayers(s, ['a']);
        await assertNoChanges(s);
      }, { backend }));

    void test('--target applies only the named resources', () =>
      Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) }, async (s) => {
        assertExit(await s.apply(['--target', 'CloudPlayer/a']), 0);
        await assertPlayers(s, ['a']);
        // b is still wanted: a plan of b alone shows its create, a plan of a shows nothing.
        assertExit(await s.plan(['--target', 'CloudPlayer/a', '--detailed-exitcode']), 0, 'plan --target a');
        const { plan } = await s.planJson(['--target', 'prod/CloudPlayer/b']);
        assert.deepEqual(actionsOf(plan), ['create b']);
      }, { backend }));

    void test('-o json prints the plan and the apply result as data, without secrets', () =>
      Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, async (s) => {
        const { result, plan } = await s.planJson();
        assertExit(result, 0);
        assert.equal(plan.formatVersion, 1);
        assert.deepEqual(plan.summary, { create: 1, update: 0, replace: 0, delete: 0, adopt: 0, forget: 0, conflict: 0 });
        const [create] = plan.actions;
        assert.equal(create?.key, 'prod/CloudPlayer/a');
        assert.deepEqual(create?.changes.find((c) => c.path === 'token'), { path: 'token', after: '(sensitive)', sensitive: true });

        const applied = await s.apply(['-o', 'json']);
        assertExit(applied, 0);
        const output = JSON.parse(applied.stdout) as { plan: PlanJson; applied: boolean; result: { done: { key: string }[]; failed: unknown[]; skipped: unknown[] } };
        assert.equal(output.applied, true);
        assert.deepEqual(output.result.done.map((a) => a.key), ['prod/CloudPlayer/a']);
        assert.deepEqual([output.result.failed, output.result.skipped], [[], []]);
        await assertNoSecrets(s, result, applied);
        await assertPlayers(s, ['a']);
      }, { backend }));
  });
}
