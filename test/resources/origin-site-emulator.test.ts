// OriginSite against the emulator over HTTP (FLS with HMAC request signing): the real client,
// the real engine passes and a real state file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/server.ts';
import { createAgoraClient, type AgoraClient } from '../../src/agora/client.ts';
import { resolveLimits } from '../../src/agora/limits.ts';
import { systemClock } from '../../src/clock.ts';
import { applyPass, planPass, type ReconcileScope } from '../../src/engine/reconcile.ts';
import type { ApplyResult } from '../../src/engine/apply.ts';
import type { Plan } from '../../src/engine/plan.ts';
import { openFileStateStore, type StateStore } from '../../src/state/index.ts';
import { createOriginSiteModule } from '../../src/resources/origin-site/index.ts';
import { ORIGIN_REASONS } from '../../src/resources/origin-site/diff.ts';
import type { StateOriginSite } from '../integration/harness.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const APP_ID = '970ca35de60c44645bbae8a215061b33';

class FlsWorld {
  /** Desired OriginSite specs by entry point. */
  desired = new Map<string, Record<string, unknown>>();

  private constructor(
    readonly emulator: EmulatorHandle,
    readonly client: AgoraClient,
    readonly store: StateStore,
    readonly dir: string,
  ) {}

  static async open(): Promise<FlsWorld> {
    const emulator = await startEmulator();
    const client = createAgoraClient({ appId: APP_ID, ...emulator.credentials, endpoints: [emulator.url], logger: pino({ level: 'silent' }) });
    const dir = await mkdtemp(join(tmpdir(), 'agoractl-origin-'));
    return new FlsWorld(emulator, client, await openFileStateStore(join(dir, 'state.json')), dir);
  }

  scope(): ReconcileScope {
    const desired = [...this.desired].map(([name, spec]) => ({ key: resourceKey('prod', 'OriginSite', name), project: 'prod', kind: 'OriginSite', name, spec }));
    return {
      modules: [createOriginSiteModule()],
      desired,
      resolvedSpecs: new Map(desired.map((d) => [d.key, structuredClone(d.spec)])),
      projects: new Map([['prod', { name: 'prod', client: this.client, secrets: { appId: APP_ID }, limits: resolveLimits() }]]),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    };
  }

  async pass(): Promise<{ plan: Plan; result: ApplyResult }> {
    const scope = this.scope();
    const planned = await planPass(scope, Object.values((await this.store.load()).resources));
    return { plan: planned.plan, result: await applyPass(scope, this.store, planned) };
  }

  async reconcile(): Promise<Plan> {
    const { plan, result } = await this.pass();
    assert.deepEqual(result.failed.map((f) => f.error), []);
    return plan;
  }

  async site(entryPoint: string): Promise<StateOriginSite | undefined> {
    const response = await fetch(`${this.emulator.url}/_emulator/state`);
    const sites = ((await response.json()) as { originSites: StateOriginSite[] }).originSites;
    return sites.find((s) => s.appId === APP_ID && s.entryPoint === entryPoint);
  }

  async managed(): Promise<string[]> {
    return Object.keys((await this.store.load()).resources);
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.client.close();
    await this.emulator.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

const direct = { enabled: true, domain: 'origin.example.com', app: 'live' };
const dynamic = { enabled: true, callbackUrl: 'https://hooks.example.com/fls', routes: [{ stream: 'class*', url: 'rtmp://origin.example.com/live/class' }] };

void describe('OriginSite against the emulator', () => {
  void test('an origin site switched from domain to callbackUrl ends with only the callback set, in one PATCH', async () => {
    const world = await FlsWorld.open();
    try {
      world.desired.set('live', direct);
      const first = await world.reconcile();
      assert.deepEqual(first.actions.map((a) => [a.type, a.reason]), [['update', ORIGIN_REASONS.takeOver]]);
      assert.deepEqual(await world.site('live'), { appId: APP_ID, entryPoint: 'live', ...direct });
      assert.deepEqual((await world.reconcile()).actions, []);

      world.desired.set('live', dynamic);
      const switched = await world.reconcile();
      assert.deepEqual(switched.actions.map((a) => ('patch' in a.detail ? a.detail.patch : undefined)), [{ domain: '', app: '', callbackUrl: dynamic.callbackUrl }]);
      assert.deepEqual(await world.site('live'), { appId: APP_ID, entryPoint: 'live', enabled: true, callbackUrl: dynamic.callbackUrl });
      assert.deepEqual((await world.reconcile()).actions, [], 'routes are agoractl-only and never a difference');

      world.desired.set('live', direct);
      await world.reconcile();
      assert.deepEqual(await world.site('live'), { appId: APP_ID, entryPoint: 'live', ...direct });
    } finally {
      await world.close();
    }
  });

  void test('removal with deletionPolicy Disable turns pull-from-origin off; Orphan leaves it on; both forget it', async () => {
    const world = await FlsWorld.open();
    try {
      world.desired.set('live', { ...direct, deletionPolicy: 'Disable' });
      await world.reconcile();
      world.desired.clear();
      const removed = await world.reconcile();
      assert.deepEqual(removed.actions.map((a) => [a.type, a.reason]), [['delete', ORIGIN_REASONS.disable]]);
      assert.equal((await world.site('live'))?.enabled, false);
      assert.deepEqual(await world.managed(), []);

      world.desired.set('live', direct);
      await world.reconcile();
      world.desired.clear();
      const orphaned = await world.reconcile();
      assert.deepEqual(orphaned.actions.map((a) => a.type), ['forget']);
      assert.deepEqual(await world.site('live'), { appId: APP_ID, entryPoint: 'live', ...direct });
      assert.deepEqual(await world.managed(), []);
    } finally {
      await world.close();
    }
  });

  void test('an entry point that does not exist is created with its pull-from-origin settings', async () => {
    const world = await FlsWorld.open();
    try {
      world.desired.set('sports', direct);
      const { plan, result } = await world.pass();
      assert.deepEqual(plan.actions.map((a) => a.type), ['create']);
      assert.deepEqual(result.failed, []);
      assert.deepEqual(await world.site('sports'), { appId: APP_ID, entryPoint: 'sports', ...direct });
      assert.deepEqual((await world.pass()).plan.actions, []);
    } finally {
      await world.close();
    }
  });
});
