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

const PROJECT = 'prod';
const KIND = 'Widget';
const BACKOFF_MS = 1_000;
const keyOf = (name: string): string => `${PROJECT}/${KIND}/${name}`;

/**
 * A kind whose "Agora" is the `world` map: create what is declared and absent, delete what state
 * records and the manifests no longer declare. Deletes of names in `failingDeletes` throw, like an
 * API that keeps answering 503.
 */
function widgetService() {
  const world = new Map<string, ObservedResource>();
  const failingDeletes = new Set<string>();
  const module: KindModule = {
    kind: KIND,
    observe: () => Promise.resolve({ resources: new Map(world), calls: 0 }),
    diff(input) {
      const action = actionFactory(input, KIND);
      if (input.desired && !input.observed) return [action('create', 'declared but absent')];
      if (!input.desired && input.state) return [action('delete', 'recorded in state, no longer declared')];
      return [];
    },
    async execute(action, ctx) {
      if (action.type === 'create') {
        world.set(action.name, { name: action.name, externalId: action.name, fields: {} });
        await ctx.state.put({ key: action.key, project: action.project, kind: action.kind, name: action.name, externalId: action.name, data: {}, updatedAt: ctx.clock.now() });
      } else if (action.type === 'delete') {
        if (failingDeletes.has(action.name)) throw Object.assign(new Error(`widget service unavailable deleting ${action.name}`), { status: 503 });
        world.delete(action.name);
        await ctx.state.remove(action.key);
      }
    },
  };
  return { module, world, failingDeletes };
}

function desired(...names: string[]): DesiredResource[] {
  return names.map((name) => ({ key: keyOf(name), project: PROJECT, kind: KIND, name, spec: {} }));
}

async function setup(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'agoractl-reconciler-'));
  const store: StateStore = await openFileStateStore(join(dir, 'state.json'));
  const clock = new FakeClock();
  const service = widgetService();
  let passEnded: () => void = () => undefined;
  const reconciler = new Reconciler({
    store,
    clock,
    logger: pino({ level: 'silent' }),
    // Without jitter the retry is due exactly BACKOFF_MS after the failure.
    backoff: { baseMs: BACKOFF_MS, maxMs: BACKOFF_MS, jitter: 0 },
    // The batch window is a real timer; 0 keeps each pass to one macrotask of waiting.
    batchWindowMs: 0,
    onPass: () => passEnded(),
  });
  t.after(async () => {
    await reconciler.drain(0);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const scope = (names: string[]): ReconcileScope => ({
    modules: [service.module],
    desired: desired(...names),
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

  // Both widgets exist in the world and in state, and the queue knows both keys.
  await pass(() => reconciler.setScope(scope(['keep', 'gone'])));
  assert.deepEqual(worldNames(), ['gone', 'keep']);
  assert.deepEqual(await stateKeys(), [keyOf('gone'), keyOf('keep')]);
  assert.deepEqual(queuedKeys(), [keyOf('gone'), keyOf('keep')]);

  return { reconciler, clock, service, scope, pass, queuedKeys, stateKeys, worldNames };
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
