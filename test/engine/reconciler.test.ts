import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AgoraClient } from '../../src/agora/client.ts';
import { resolveLimits } from '../../src/agora/limits.ts';
import type { ReconcileScope } from '../../src/engine/reconcile.ts';
import { Reconciler } from '../../src/engine/reconciler.ts';
import { actionFactory } from '../../src/resources/action.ts';
import type { DesiredResource, KindModule, ObservedResource } from '../../src/resources/kind.ts';
import { openFileStateStore } from '../../src/state/file-store.ts';
import type { StateStore } from '../../src/state/store.ts';
import { FakeClock } from '../daemon/fake-clock.ts';
import { ledScope } from '../../src/daemon/led-scope.ts';
import { resourceKey, type ResourceKey } from '../../src/state/resource-key.ts';

const PROJECT = 'prod';
const KIND = 'Widget';
const BACKOFF_MS = 1_000;
const keyOf = (name: string): ResourceKey => resourceKey(PROJECT, KIND, name);

/**
 * A kind whose "Agora" is the `world` map (one per project; `world` is PROJECT's): create what is
 * declared and absent, delete what state records and the manifests no longer declare. Deletes of
 * names in `failingDeletes` throw, like an API that keeps answering 503.
 */
function widgetService() {
  const worlds = new Map<string, Map<string, ObservedResource>>();
  const worldOf = (project: string): Map<string, ObservedResource> => {
    let world = worlds.get(project);
    if (!world) {
      world = new Map();
      worlds.set(project, world);
    }
    return world;
  };
  const world = worldOf(PROJECT);
  /** `project/name` of every widget that ever existed. */
  const existed = new Set<string>();
  /** While set, a send waits for it (the rate limiter) and gives up, unsent, if its signal aborts. */
  let sending: Promise<void> | undefined;
  let waitingSends = 0;
  let onSendWaiting = (): void => undefined;
  const rateLimit = (signal: AbortSignal | undefined): Promise<void> => {
    const slot = sending;
    if (!slot) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      void slot.then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      waitingSends++;
      onSendWaiting();
    });
  };
  const failingDeletes = new Set<string>();
  /** Names taken in the world by someone else: declaring one is a conflict. */
  const foreign = new Set<string>();
  /** While set, an observation waits for it (a List waiting for the rate limit). */
  let observing: Promise<void> | undefined;
  let onObserve = (): void => undefined;
  let observations = 0;
  let created = 0;
  const module: KindModule = {
    kind: KIND,
    manifest: { validate: () => true },
    dataVersion: 1,
    decode: (data) => data,
    async observe({ project }) {
      observations++;
      onObserve();
      await observing;
      return { resources: new Map(worldOf(project)), calls: 0 };
    },
    diff(input) {
      const action = actionFactory(input, KIND, {});
      if (input.desired && !input.state && foreign.has(input.name)) return [action('conflict', `a widget named ${input.name} exists and is not agoractl's`, { blocked: true })];
      if (input.desired && !input.observed) return [action('create', 'declared but absent')];
      if (!input.desired && input.state) return [action('delete', 'recorded in state, no longer declared')];
      return [];
    },
    async execute(action, ctx) {
      if (action.type === 'create') {
        // A new id per create, as Agora gives: a widget deleted and made again is another one.
        const externalId = `${action.name}#${++created}`;
        await ctx.send({ action: 'create' }, async ({ beforeSend, signal }) => {
          await rateLimit(signal);
          await beforeSend?.();
          worldOf(action.project).set(action.name, { name: action.name, externalId, fields: {} });
          existed.add(`${action.project}/${action.name}`);
        });
        return { type: 'recorded', externalId, data: {} };
      }
      if (failingDeletes.has(action.name)) throw Object.assign(new Error(`widget service unavailable deleting ${action.name}`), { status: 503 });
      await ctx.send({ action: 'delete' }, async ({ beforeSend, signal }) => {
        await rateLimit(signal);
        await beforeSend?.();
        worldOf(action.project).delete(action.name);
      });
      return { type: 'removed' };
    },
  };
  return {
    module,
    world,
    worldOf,
    /** `project/name` of every widget in the world now. */
    widgets: (): string[] => [...worlds].flatMap(([project, w]) => [...w.keys()].map((name) => `${project}/${name}`)).sort(),
    existed,
    failingDeletes,
    foreign,
    get observations() {
      return observations;
    },
    /** Holds sends at the rate limiter until `release` is called; `waiting(n)` resolves once n sends wait. */
    holdSends(): { waiting: (n: number) => Promise<void>; release: () => void } {
      let release = (): void => undefined;
      sending = new Promise<void>((resolve) => (release = resolve));
      waitingSends = 0;
      return {
        waiting: (n) =>
          new Promise<void>((resolve) => {
            onSendWaiting = () => void (waitingSends >= n && resolve());
            onSendWaiting();
          }),
        release: () => {
          sending = undefined;
          onSendWaiting = () => undefined;
          release();
        },
      };
    },
    /** Holds observations until `release` is called; `started` resolves when one waits. */
    holdObservations(): { started: Promise<void>; release: () => void } {
      let release = (): void => undefined;
      observing = new Promise<void>((resolve) => (release = resolve));
      const started = new Promise<void>((resolve) => (onObserve = resolve));
      return {
        started,
        release: () => {
          observing = undefined;
          onObserve = () => undefined;
          release();
        },
      };
    },
  };
}

function desired(names: string[], spec: Record<string, unknown> = {}): DesiredResource[] {
  return names.map((name) => ({ key: keyOf(name), project: PROJECT, kind: KIND, name, spec }));
}

const widgets = (n: number): string[] => Array.from({ length: n }, (_, i) => `w${i + 1}`);

async function setup(t: TestContext, initial: string[] = ['keep', 'gone']) {
  const dir = await mkdtemp(join(tmpdir(), 'agoractl-reconciler-'));
  const store: StateStore = await openFileStateStore(join(dir, 'state.json'));
  const clock = new FakeClock();
  const service = widgetService();
  let passEnded: () => void = () => undefined;
  /** The world's widgets as each pass ended. */
  const atPassEnd: string[][] = [];
  const logs: Array<{ level: number; event?: string; [field: string]: unknown }> = [];
  const reconciler = new Reconciler({
    store,
    clock,
    logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as (typeof logs)[number]) }),
    // Without jitter the retry is due exactly BACKOFF_MS after the failure.
    backoff: { baseMs: BACKOFF_MS, maxMs: BACKOFF_MS, jitter: 0 },
    // The batch window is a real timer; 0 keeps each pass to one macrotask of waiting.
    batchWindowMs: 0,
    onPass: () => {
      atPassEnd.push(service.widgets());
      passEnded();
    },
  });
  t.after(async () => {
    await reconciler.drain(0);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const scope = (names: string[], spec: Record<string, unknown> = {}): ReconcileScope => ({
    modules: [service.module],
    desired: desired(names, spec),
    resolvedSpecs: new Map(),
    projects: new Map([
      [
        PROJECT,
        {
          name: PROJECT,
          // The Widget module keeps its world in memory and never calls Agora, so no client is needed.
          client: {} as AgoraClient,
          secrets: { appId: 'test-app' },
          limits: resolveLimits(),
        },
      ],
    ]),
    clock,
    logger: pino({ level: 'silent' }),
  });

  /**
   * Runs `trigger` and waits for the pass it starts to end. The queue alone is not enough: its key
   * is idle as soon as the pass settles the key's worker, before the pass forgets gone keys.
   */
  async function pass(trigger: () => void | Promise<void>): Promise<void> {
    const ended = new Promise<void>((resolve) => (passEnded = resolve));
    await trigger();
    await ended;
    await reconciler.queue.onIdle();
  }

  const queuedKeys = (): string[] => reconciler.queue.statuses().map(([key]) => key).sort();
  const stateKeys = async (): Promise<string[]> => Object.keys((await store.load()).resources).sort();
  const worldNames = (): string[] => [...service.world.keys()].sort();
  const worldIds = (): string[] => [...service.world.values()].map((w) => w.externalId ?? '').sort();

  // Every widget exists in the world and in state, and the queue knows every key.
  await pass(() => reconciler.setScope(scope(initial)));
  assert.deepEqual(worldNames(), [...initial].sort());
  assert.deepEqual(await stateKeys(), initial.map(keyOf).sort());
  assert.deepEqual(queuedKeys(), initial.map(keyOf).sort());

  /** Error-level lines of one event. */
  const errors = (event: string) => logs.filter((l) => l.event === event && l.level >= 50);
  return { reconciler, clock, service, scope, pass, queuedKeys, stateKeys, worldNames, worldIds, errors, logs, atPassEnd };
}

describe('Reconciler forgets the queue entries of resources that are gone', () => {
  test('a key removed from the manifests is deleted, and its queue entry goes once state no longer holds it', async (t) => {
    const { reconciler, scope, pass, queuedKeys, stateKeys, worldNames } = await setup(t);

    await pass(() => reconciler.setScope(scope(['keep'])));

    assert.deepEqual(worldNames(), ['keep']);
    assert.deepEqual(await stateKeys(), [keyOf('keep')]);
    // A key still desired keeps its history; the gone one leaves no entry behind, or a daemon
    // running for months would hold one for every name it ever saw.
    assert.deepEqual(queuedKeys(), [keyOf('keep')]);
  });

  test('a key whose delete fails stays in state and queued for a retry, and goes once the delete succeeds', async (t) => {
    const { reconciler, clock, service, scope, pass, queuedKeys, stateKeys, worldNames } = await setup(t);
    service.failingDeletes.add('gone');

    await pass(() => reconciler.setScope(scope(['keep'])));

    // The widget still exists and state still records it: forgetting the key now would leave
    // it live in Agora with nothing left to retry the delete.
    assert.deepEqual(worldNames(), ['gone', 'keep']);
    assert.deepEqual(await stateKeys(), [keyOf('gone'), keyOf('keep')]);
    assert.deepEqual(queuedKeys(), [keyOf('gone'), keyOf('keep')]);
    const failed = reconciler.queue.status(keyOf('gone'));
    assert.equal(failed.attempts, 1);
    assert.equal(failed.queued, true);
    assert.equal(failed.nextRunAt, clock.now() + BACKOFF_MS);

    service.failingDeletes.clear();
    await pass(() => clock.advance(BACKOFF_MS));

    assert.deepEqual(worldNames(), ['keep']);
    assert.deepEqual(await stateKeys(), [keyOf('keep')]);
    assert.deepEqual(queuedKeys(), [keyOf('keep')]);
  });
});

describe('Reconciler never carries out a refused change piecemeal', () => {
  const REMOVED = widgets(10).slice(2);

  test('a mass delete refused once stays refused through key-by-key passes, resyncs and time', async (t) => {
    const { reconciler, clock, scope, pass, worldIds, errors } = await setup(t, widgets(10));
    const before = worldIds();

    await pass(() => reconciler.setScope(scope(widgets(2))));
    assert.deepEqual(worldIds(), before);
    const [refusal, ...others] = reconciler.refused();
    assert.deepEqual(others, []);
    assert.equal(refusal?.code, 'MassDeleteRefused');
    assert.equal(refusal.project, PROJECT);
    assert.equal(refusal.kind, KIND);
    assert.match(refusal.message, /deletes 8 of 10/);

    // Parked, not backed off: however long it waits, nothing runs again on its own.
    const passes = reconciler.passes;
    await clock.advance(60 * 60_000);
    assert.equal(reconciler.passes, passes);

    // One removed key at a time (a notification, the old retries): each is judged with the whole change.
    for (const name of REMOVED) await pass(() => void reconciler.queue.add(keyOf(name)));
    await pass(async () => void (await reconciler.enqueueAll()));
    assert.deepEqual(worldIds(), before);
    assert.equal(errors('reconcile.plan_error').length, 1, 'reported once, not once per look');
    assert.equal(reconciler.refused()[0]?.since, refusal.since);
  });

  test('restoring the manifests lifts the refusal and deletes nothing', async (t) => {
    const { reconciler, scope, pass, worldIds, stateKeys } = await setup(t, widgets(10));
    const before = worldIds();
    await pass(() => reconciler.setScope(scope(widgets(2))));
    assert.equal(reconciler.refused().length, 1);

    await pass(() => reconciler.setScope(scope(widgets(10))));
    assert.deepEqual(reconciler.refused(), []);
    assert.deepEqual(worldIds(), before, 'none deleted, none made again');
    assert.deepEqual(await stateKeys(), widgets(10).map(keyOf).sort());
  });

  test('a later manifest change of the project wakes the refused keys, and a change under the share is carried out', async (t) => {
    const { reconciler, scope, pass, worldNames, errors } = await setup(t, widgets(10));
    await pass(() => reconciler.setScope(scope(widgets(2))));
    await pass(() => reconciler.setScope(scope(widgets(3))));
    assert.match(reconciler.refused()[0]?.message ?? '', /deletes 7 of 10/);
    assert.equal(errors('reconcile.plan_error').length, 2, 'a new decision is reported once more');

    // w7..w10 were removed earlier and are not changed now: only the refusal's wake runs them.
    await pass(() => reconciler.setScope(scope(widgets(6))));
    assert.deepEqual(worldNames(), widgets(6).sort());
    assert.deepEqual(reconciler.refused(), []);
  });

  test('a pass that observed while the manifests changed plans again from the new ones', async (t) => {
    const { reconciler, service, scope, pass, worldIds } = await setup(t, widgets(4));
    const before = worldIds();
    const held = service.holdObservations();
    // Two of four is no mass delete: only the reload may save w3 and w4.
    reconciler.setScope(scope(widgets(2)));
    await held.started;
    const superseded = pass(() => reconciler.setScope(scope(widgets(4))));
    held.release();
    // It ends with its keys queued again; they have run, from the manifests that hold all four,
    // once the queue is idle.
    await superseded;
    assert.deepEqual(worldIds(), before, 'the same four widgets: none deleted, none made again');
  });
});

describe('Reconciler parks what it must not retry', () => {
  test('a conflict is reported once, not retried, and a change of its manifest wakes it', async (t) => {
    const { reconciler, clock, service, scope, pass, worldNames, errors } = await setup(t, ['keep']);
    service.foreign.add('taken');
    service.world.set('taken', { name: 'taken', externalId: 'someone-elses', fields: {} });

    await pass(() => reconciler.setScope(scope(['keep', 'taken'])));
    assert.deepEqual(reconciler.blocked(), [{ key: keyOf('taken'), code: 'Conflict', reason: "a widget named taken exists and is not agoractl's", since: clock.now() }]);

    const observations = service.observations;
    await clock.advance(60 * 60_000);
    assert.equal(service.observations, observations, 'no retry spends an observation');
    await pass(async () => void (await reconciler.enqueueAll()));
    assert.equal(errors('reconcile.blocked').length, 1, 'reported once, not once per look');
    assert.equal(reconciler.blocked().length, 1);

    // Its owner gave the name up, and the manifest changes: the key runs at once.
    service.foreign.delete('taken');
    service.world.delete('taken');
    await pass(() => reconciler.setScope(scope(['keep', 'taken'], { revision: 2 })));
    assert.deepEqual(reconciler.blocked(), []);
    assert.deepEqual(worldNames(), ['keep', 'taken']);
  });
});

describe('Reconciler supersedes a pass in flight project by project', () => {
  const OTHER = 'beta';
  const runtime = (name: string) => ({ name, client: {} as AgoraClient, secrets: { appId: `${name}-app` }, limits: resolveLimits() });
  // One client per project for the daemon's life, as the daemon keeps them while its projects stay the same.
  const runtimes = new Map([PROJECT, OTHER].map((name) => [name, runtime(name)]));
  const twoProjects = (clock: FakeClock, module: KindModule, names: Record<string, string[]>): ReconcileScope => ({
    modules: [module],
    desired: Object.entries(names).flatMap(([project, list]) => list.map((name) => ({ key: resourceKey(project, KIND, name), project, kind: KIND, name, spec: {} }))),
    resolvedSpecs: new Map(),
    projects: runtimes,
    clock,
    logger: pino({ level: 'silent' }),
  });

  test("a manifest change of one project drops its unsent actions and plans it again, while the other's are carried out in the same pass", async (t) => {
    const { reconciler, clock, service, pass, logs, atPassEnd } = await setup(t, ['keep']);
    const held = service.holdSends();
    reconciler.setScope(twoProjects(clock, service.module, { [PROJECT]: ['keep', 'a1', 'a2'], [OTHER]: ['b1', 'b2', 'b3'] }));
    // Every create of the pass waits for the rate limiter.
    await held.waiting(5);
    const passes = atPassEnd.length;

    // a2 leaves the manifests and a3 joins them while the creates wait.
    await pass(() => {
      reconciler.setScope(twoProjects(clock, service.module, { [PROJECT]: ['keep', 'a1', 'a3'], [OTHER]: ['b1', 'b2', 'b3'] }));
      held.release();
    });

    // The pass in flight went on for the other project: its widgets exist as it ends.
    assert.deepEqual(atPassEnd[passes], [`${OTHER}/b1`, `${OTHER}/b2`, `${OTHER}/b3`, `${PROJECT}/keep`]);
    // The changed project was planned again from its new manifests; the stale create was never sent.
    assert.deepEqual(service.widgets(), [`${OTHER}/b1`, `${OTHER}/b2`, `${OTHER}/b3`, `${PROJECT}/a1`, `${PROJECT}/a3`, `${PROJECT}/keep`]);
    assert.equal(service.existed.has(`${PROJECT}/a2`), false, 'a widget its manifests no longer declared was made');
    assert.deepEqual(
      logs.filter((l) => l.event === 'reconcile.pass_superseded').map((l) => l.projects),
      [],
      'dropped during the apply, not after planning',
    );
  });

  test('a change that comes while a pass observes plans that project again and applies the rest of the plan', async (t) => {
    const { reconciler, clock, service, pass, logs, atPassEnd } = await setup(t, ['keep']);
    const held = service.holdObservations();
    reconciler.setScope(twoProjects(clock, service.module, { [PROJECT]: ['keep', 'a1', 'a2'], [OTHER]: ['b1', 'b2'] }));
    await held.started;
    const passes = atPassEnd.length;

    await pass(() => {
      reconciler.setScope(twoProjects(clock, service.module, { [PROJECT]: ['keep', 'a1'], [OTHER]: ['b1', 'b2'] }));
      held.release();
    });

    assert.deepEqual(atPassEnd[passes], [`${OTHER}/b1`, `${OTHER}/b2`, `${PROJECT}/keep`]);
    assert.deepEqual(service.widgets(), [`${OTHER}/b1`, `${OTHER}/b2`, `${PROJECT}/a1`, `${PROJECT}/keep`]);
    assert.equal(service.existed.has(`${PROJECT}/a2`), false, 'a widget its manifests no longer declared was made');
    assert.deepEqual(
      logs.filter((l) => l.event === 'reconcile.pass_superseded').map((l) => l.projects),
      [[PROJECT]],
    );
  });

  test("a leadership change of one project (a new scope holding the others' same Project runtimes) does not supersede the others", async (t) => {
    const { reconciler, clock, service, pass, atPassEnd } = await setup(t, ['keep']);
    const everything = { [PROJECT]: ['keep', 'a1'], [OTHER]: ['b1', 'b2'] };
    // As daemon/manifests-in-force.ts builds a replica's scope: the same runtimes, a new map of the led ones.
    const led = (hidden: (project: string) => boolean) => ledScope(twoProjects(clock, service.module, everything), hidden);
    const held = service.holdSends();
    reconciler.setScope(led(() => false));
    await held.waiting(3);
    const passes = atPassEnd.length;

    // Another replica takes PROJECT over while the creates wait.
    await pass(() => {
      reconciler.setScope(led((project) => project === PROJECT));
      held.release();
    });

    assert.deepEqual(atPassEnd[passes], [`${OTHER}/b1`, `${OTHER}/b2`, `${PROJECT}/keep`]);
    // What this replica no longer leads it does not touch: a1's create, planned while it led, was not sent.
    assert.equal(service.existed.has(`${PROJECT}/a1`), false, 'a create of a project led elsewhere was sent');
  });
});
