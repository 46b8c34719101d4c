import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan } from '../../src/engine/apply.ts';
import type { Plan } from '../../src/engine/plan.ts';
import type { KindModule, PlannedAction } from '../../src/resources/kind.ts';
import type { ProjectContext } from '../../src/engine/execute.ts';
import type { ResourceState } from '../../src/state/types.ts';
import { systemClock } from '../../src/clock.ts';
import { pino } from 'pino';
import { resourceKey } from '../../src/state/resource-key.ts';

function action(type: PlannedAction['type'], name: string, quotaDelta: number, extra: Partial<PlannedAction> = {}): PlannedAction {
  return { key: resourceKey('prod', 'Thing', name), project: 'prod', kind: 'Thing', name, type, reason: 'test', changes: [], detail: {}, quotaDelta, ...extra };
}
/** A plan of `actions`; `free`: the Thing quota free in project prod when it was made (absent: unlimited). */
function planOf(actions: PlannedAction[], free?: number): Plan {
  const quotaFree: Plan['quotaFree'] = free === undefined ? {} : { prod: { Thing: free } };
  return { formatVersion: 1, actions, unmanaged: [], errors: [], summary: { create: 0, update: 0, replace: 0, delete: 0, adopt: 0, forget: 0, conflict: 0 }, quotaFree, observedAt: 0 };
}

/**
 * A kind whose resources live in a Set, with a quota the "service" enforces like Agora's 429.
 * `foreign` holds names someone else owns: any action carried out on one takes it over.
 */
function thingService(quota: number, failing = new Set<string>()) {
  const live = new Set<string>(['old1', 'old2']);
  const foreign = new Set<string>(['taken']);
  let peak = live.size;
  const module: KindModule = {
    kind: 'Thing',
    manifest: { validate: () => true, quota: { key: 'playersPerProject', noun: 'things' } },
    dataVersion: 1,
    decode: (data) => data,
    observe: () => Promise.resolve({ resources: new Map(), calls: 0 }),
    diff: () => [],
    async execute(a) {
      await new Promise((r) => setImmediate(r));
      if (failing.has(a.name)) throw Object.assign(new Error(`boom ${a.name}`), { status: 503, requestId: 'req-1' });
      foreign.delete(a.name);
      if (a.type === 'delete') live.delete(a.name);
      if (a.type === 'create') {
        if (live.size >= quota) throw new Error('Resource quota exceeded.');
        live.add(a.name);
        peak = Math.max(peak, live.size);
      }
      return a.type === 'delete' ? { type: 'removed' } : { type: 'recorded', data: {} };
    },
  };
  return { module, live, foreign, peak: () => peak };
}

/** The project context: state in a Map. */
function projectContext(): ProjectContext {
  const records = new Map<string, ResourceState>();
  return {
    client: undefined as never,
    project: { appId: 'app' },
    resolvedSpec: () => undefined,
    state: { get: (key) => records.get(key), put: (r) => Promise.resolve(void records.set(r.key, r)), remove: (key) => Promise.resolve(void records.delete(key)) },
    clock: systemClock,
    logger: pino({ level: 'silent' }),
  };
}
const ctx = projectContext();

describe('apply', () => {
  test('creates wait for deletes to free quota, so a full project converges without exceeding it', async () => {
    const svc = thingService(2);
    const plan = planOf([action('delete', 'old1', -1), action('delete', 'old2', -1), action('create', 'new1', 1), action('create', 'new2', 1)], 0);
    const result = await applyPlan({ plan, modules: [svc.module], contexts: new Map([['prod', ctx]]), clock: systemClock });
    assert.deepEqual(result.failed, []);
    assert.deepEqual([...svc.live].sort(), ['new1', 'new2']);
    assert.equal(svc.peak(), 2);
  });

  test('with room in the quota, creates start before the plan’s other actions: they are the scarcest calls', async () => {
    const started: string[] = [];
    const module: KindModule = {
      ...thingService(10).module,
      execute: (a) => {
        started.push(a.name);
        return Promise.resolve({ type: 'recorded', data: {} });
      },
    };
    const plan = planOf([action('delete', 'gone', -1), action('update', 'changed', 0), action('create', 'new1', 1), action('create', 'new2', 1)], 10);
    const result = await applyPlan({ plan, modules: [module], contexts: new Map([['prod', ctx]]), clock: systemClock });
    assert.equal(result.done.length, 4);
    assert.deepEqual(started, ['new1', 'new2', 'gone', 'changed']);
  });

  test('one failed action is reported with its request id and the rest still run', async () => {
    const svc = thingService(10, new Set(['bad']));
    const plan = planOf([action('create', 'bad', 1), action('create', 'good', 1)]);
    const result = await applyPlan({ plan, modules: [svc.module], contexts: new Map([['prod', ctx]]), clock: systemClock });
    assert.deepEqual(result.done.map((a) => a.name), ['good']);
    assert.equal(result.failed[0]?.action.name, 'bad');
    assert.equal(result.failed[0]?.error.requestId, 'req-1');
    assert.equal(result.failed[0]?.error.status, 503);
  });

  test('a conflict is never executed', async () => {
    const svc = thingService(10);
    const plan = planOf([action('conflict', 'taken', 0, { blocked: true, reason: 'exists with other fields' })]);
    const result = await applyPlan({ plan, modules: [svc.module], contexts: new Map([['prod', ctx]]), clock: systemClock });
    assert.deepEqual(result.skipped.map((s) => s.why), ['exists with other fields']);
    assert.equal(svc.foreign.has('taken'), true, 'the other owner still has it');
  });

  test('an interrupted apply starts nothing new', async () => {
    const svc = thingService(10);
    const controller = new AbortController();
    controller.abort();
    const result = await applyPlan({ plan: planOf([action('create', 'n1', 1)], 5), modules: [svc.module], contexts: new Map([['prod', ctx]]), clock: systemClock, signal: controller.signal });
    assert.equal(result.skipped.length, 1);
    assert.equal(svc.live.has('n1'), false);
  });

  test('a call still waiting for its slot when the apply is interrupted is never sent', async () => {
    const sent: string[] = [];
    const controller = new AbortController();
    const module: KindModule = {
      ...thingService(10).module,
      // The call waits a turn for its rate-limiter slot, as the client's does, and gives up unsent when told to.
      execute: (a, actionCtx) =>
        actionCtx.send({ action: a.type }, async (hooks) => {
          controller.abort();
          await new Promise((r) => setImmediate(r));
          if (hooks.signal?.aborted) throw new Error('abandoned unsent');
          sent.push(a.name);
          return { type: 'recorded', data: {} };
        }),
    };
    const result = await applyPlan({ plan: planOf([action('update', 'n1', 0)]), modules: [module], contexts: new Map([['prod', projectContext()]]), clock: systemClock, signal: controller.signal });
    assert.deepEqual(sent, []);
    assert.deepEqual(result.done, []);
  });
});
