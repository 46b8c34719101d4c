// OriginSite end to end: FLS pull-from-origin settings of an entry point, PATCHed field by field,
// and what removal does per deletionPolicy.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ID, Scenario, assertExit, assertNoChanges, originSiteDoc, projectDoc, type StateOriginSite } from './harness.ts';

async function entryPoint(s: Scenario, name: string): Promise<StateOriginSite | undefined> {
  return (await s.world()).originSites.find((o) => o.appId === APP_ID && o.entryPoint === name);
}

void describe('OriginSite against the emulator', { timeout: 600_000 }, () => {
  void test('sets pull-from-origin and later changes only the fields that differ', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'origin.yaml': originSiteDoc('live', { enabled: true, domain: 'origin.example.com', app: 'live' }) }, async (s) => {
      assertExit(await s.apply(), 0);
      assert.deepEqual(await entryPoint(s, 'live'), { appId: APP_ID, entryPoint: 'live', enabled: true, domain: 'origin.example.com', app: 'live' });

      await s.write({ 'origin.yaml': originSiteDoc('live', { enabled: true, domain: 'origin.example.com', app: 'studio' }) });
      const { result, plan } = await s.applyJson();
      assertExit(result, 0, 'apply changing app');
      assert.deepEqual(plan.actions.map((a) => [a.type, a.detail.patch]), [['update', { app: 'studio' }]], 'only app is sent');
      assert.deepEqual(await entryPoint(s, 'live'), { appId: APP_ID, entryPoint: 'live', enabled: true, domain: 'origin.example.com', app: 'studio' });

      // Switching to dynamic pull clears the direct-pull fields in the same PATCH.
      await s.write({ 'origin.yaml': originSiteDoc('live', { enabled: true, callbackUrl: 'https://hooks.example.com/origin' }) });
      assertExit(await s.apply(), 0, 'apply switching to a callback');
      assert.deepEqual(await entryPoint(s, 'live'), { appId: APP_ID, entryPoint: 'live', enabled: true, callbackUrl: 'https://hooks.example.com/origin' });
      await assertNoChanges(s);
    }));

  void test('removal leaves the settings under deletionPolicy Orphan and turns pull off under Disable', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'origin.yaml': originSiteDoc('live', { enabled: true, domain: 'origin.example.com', deletionPolicy: 'Orphan' }) }, async (s) => {
      assertExit(await s.apply(), 0);
      await s.write({ 'origin.yaml': null });
      assertExit(await s.apply(), 0, 'apply removing an Orphan site');
      assert.equal((await entryPoint(s, 'live'))?.enabled, true, 'Orphan: the settings stay');
      assert.equal(await s.stateOf('OriginSite', 'live'), undefined, 'and agoractl no longer manages them');

      await s.write({ 'origin.yaml': originSiteDoc('live', { enabled: true, domain: 'origin.example.com', deletionPolicy: 'Disable' }) });
      assertExit(await s.apply(), 0, 'apply taking the site back');
      await s.write({ 'origin.yaml': null });
      assertExit(await s.apply(), 0, 'apply removing a Disable site');
      assert.equal((await entryPoint(s, 'live'))?.enabled, false, 'Disable: pull-from-origin is off');
      assert.equal(await s.stateOf('OriginSite', 'live'), undefined);
      await assertNoChanges(s);
    }));

  void test('creates an entry point that does not exist yet, then sets its settings', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'origin.yaml': originSiteDoc('studio', { enabled: true, domain: 'origin.example.com', app: 'studio' }) }, async (s) => {
      assert.equal(await entryPoint(s, 'studio'), undefined);
      assertExit(await s.apply(), 0);
      assert.deepEqual(await entryPoint(s, 'studio'), { appId: APP_ID, entryPoint: 'studio', enabled: true, domain: 'origin.example.com', app: 'studio' });
      assert.equal((await s.stateOf('OriginSite', 'studio'))?.pending, undefined);
      await assertNoChanges(s);
    }));
});
