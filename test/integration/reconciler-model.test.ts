// A model test of the daemon's loop: the Reconciler with the real engine and kinds, the real
// emulator over HTTP and a real state file, driven by random sequences of manifest edits,
// restarts and faults. After every step two things must hold: a player whose removal the
// mass-delete guard refused still exists, and once the faults are spent the world is what the
// last manifests say (or, while a change is refused, what it was before that change).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { createAgoraClient } from '../../src/agora/client.ts';
import { resolveLimits, NO_RATE_LIMITS } from '../../src/agora/limits.ts';
import { allModules, loadDesired } from '../../src/cli/session.ts';
import type { ReconcileScope } from '../../src/engine/reconcile.ts';
import { Reconciler } from '../../src/engine/reconciler.ts';
import { openFileStateStore } from '../../src/state/file-store.ts';
import type { StateStore } from '../../src/state/store.ts';
import { startTestEmulator, type TestEmulator } from '../emulator/helpers.ts';
import { FakeClock } from '../daemon/fake-clock.ts';
import { APP_CERTIFICATE, APP_ID, playerDoc, projectDoc } from './harness.ts';

const NAMES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
const BACKOFF_MS = 1_000;
/** Looks (resync, then back-off) a step may take to converge once its fault is spent. */
const MAX_LOOKS = 8;

type Step =
  | { op: 'edit'; desired: string[]; bump?: string }
  | { op: 'restart' }
  /** A notification naming one player: only its key is queued, and planned alone. */
  | { op: 'notify'; name: string }
  | { op: 'fault'; method: 'POST' | 'DELETE'; effect: '504-after' | '503' | 'drop' };

const subset = (min: number, max: number) => fc.subarray(NAMES, { minLength: min, maxLength: max });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: subset(4, 5).map((desired): Step => ({ op: 'edit', desired })) }, // remove a few
  { weight: 2, arbitrary: fc.constant<Step>({ op: 'edit', desired: NAMES }) }, // restore
  { weight: 2, arbitrary: subset(0, 2).map((desired): Step => ({ op: 'edit', desired })) }, // remove most
  { weight: 2, arbitrary: fc.constantFrom(...NAMES).map((bump): Step => ({ op: 'edit', desired: NAMES, bump })) }, // change a spec
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'restart' }) },
  { weight: 3, arbitrary: fc.constantFrom(...NAMES).map((name): Step => ({ op: 'notify', name })) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fault' as const), method: fc.constantFrom('POST' as const, 'DELETE' as const), effect: fc.constantFrom('504-after' as const, '503' as const, 'drop' as const) }) },
);

const env = {
  AGORA_APP_ID: APP_ID,
  AGORA_CUSTOMER_ID: 'test-customer',
  AGORA_CUSTOMER_SECRET: 'test-secret',
  AGORA_APP_CERTIFICATE: APP_CERTIFICATE,
};

/** One daemon's life over one state file; `restart` is a new Reconciler over the same file. */
class Daemon {
  readonly #clients: { close(): Promise<void> }[] = [];

  private constructor(
    readonly emulator: TestEmulator,
    readonly dir: string,
    readonly clock: FakeClock,
    public store: StateStore,
    public reconciler: Reconciler,
  ) {}

  static async start(emulator: TestEmulator, dir: string): Promise<Daemon> {
    const clock = new FakeClock();
    const [store, reconciler] = await Daemon.#open(dir, clock);
    return new Daemon(emulator, dir, clock, store, reconciler);
  }

  static async #open(dir: string, clock: FakeClock): Promise<[StateStore, Reconciler]> {
    const store = await openFileStateStore(join(dir, 'state.json'), { clock });
    const reconciler = new Reconciler({ store, clock, logger: pino({ level: 'silent' }), backoff: { baseMs: BACKOFF_MS, maxMs: BACKOFF_MS, jitter: 0 }, batchWindowMs: 0 });
    return [store, reconciler];
  }

  /** A new process: what the old one knew in memory is gone, the state file stays. */
  async restart(): Promise<void> {
    await this.reconciler.drain(0);
    await this.store.close();
    [this.store, this.reconciler] = await Daemon.#open(this.dir, this.clock);
  }

  /** The manifests on disk, loaded as the daemon loads them, with a client that retries at once. */
  async load(desired: readonly string[], versions: ReadonlyMap<string, number>): Promise<ReconcileScope> {
    const manifests = join(this.dir, 'manifests');
    await rm(manifests, { recursive: true, force: true });
    await mkdir(manifests);
    await writeFile(join(manifests, 'project.yaml'), projectDoc(NO_RATE_LIMITS));
    for (const name of desired) await writeFile(join(manifests, `${name}.yaml`), playerDoc(name, { streamUrl: `rtmp://origin.example.com/live/${name}/v${versions.get(name) ?? 0}` }));
    const loaded = await loadDesired([manifests], env);
    const project = loaded.projects[0];
    assert.ok(project);
    const client = createAgoraClient({
      appId: project.spec.appId,
      customerId: project.spec.customerId,
      customerSecret: project.spec.customerSecret,
      endpoints: [this.emulator.handle.url],
      limits: NO_RATE_LIMITS,
      // The vendor's 5-15 s retry waits are real time; the model is about decisions, not waits.
      retry: { delaysMs: [10, 10], jitterMs: 0, failoverDelaysMs: [10] },
    });
    this.#clients.push(client);
    return {
      modules: await allModules({ listLag: 0 }),
      desired: loaded.desired,
      resolvedSpecs: loaded.resolvedSpecs,
      projects: new Map([[project.metadata.name, { name: project.metadata.name, client, secrets: { appId: project.spec.appId, appCertificate: project.spec.appCertificate }, limits: resolveLimits(NO_RATE_LIMITS) }]]),
      clock: this.clock,
      logger: pino({ level: 'silent' }),
    };
  }

  /** Waits until no key is due or running and the pass that settled them has ended. */
  async quiet(): Promise<void> {
    for (let passes = -1; passes !== this.reconciler.passes || this.reconciler.queue.running > 0; ) {
      passes = this.reconciler.passes;
      await this.reconciler.queue.onIdle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.reconciler.drain(0);
    await this.store.close();
    await Promise.all(this.#clients.map((c) => c.close()));
  }
}

void describe('the reconcile loop, as a model', { timeout: 180_000 }, () => {
  let emulator: TestEmulator;
  before(async () => {
    emulator = await startTestEmulator({ frozenClock: true });
  });
  after(() => emulator.close());

  const world = async (): Promise<string[]> => (await emulator.players()).filter((p) => p.appId === APP_ID).map((p) => p.name ?? p.id).sort();

  void test('never deletes a player whose removal was refused, and converges to the last manifests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 7 }), async (steps) => {
        await emulator.control('POST', '/reset');
        await emulator.unlimited();
        const dir = await mkdtemp(join(tmpdir(), 'agoractl-model-'));
        const daemon = await Daemon.start(emulator, dir);
        try {
          const versions = new Map<string, number>();
          // Start from every player running and managed.
          daemon.reconciler.setScope(await daemon.load(NAMES, versions));
          await daemon.quiet();
          assert.deepEqual(await world(), [...NAMES].sort());
          /** Players agoractl manages, as the guard counts them. */
          let live = new Set(NAMES);
          let desired: string[] = NAMES;

          for (const s of steps) {
            if (s.op === 'fault') {
              await emulator.control('POST', '/faults', { match: { method: s.method, path: 'cloud-player/players' }, effect: s.effect, count: 1 });
              continue;
            }
            if (s.op === 'notify') {
              await daemon.reconciler.enqueueMatching((key) => key.endsWith(`/CloudPlayer/${s.name}`));
              await daemon.quiet();
            } else {
              if (s.op === 'restart') await daemon.restart();
              else {
                desired = s.desired;
                if (s.bump) versions.set(s.bump, (versions.get(s.bump) ?? 0) + 1);
              }
              daemon.reconciler.setScope(await daemon.load(desired, versions));
              await daemon.quiet();
            }
            const removed = [...live].filter((n) => !desired.includes(n));
            const refused = live.size > 1 && removed.length > live.size * 0.5;
            const expected = refused ? [...live].sort() : [...desired].sort();

            let now = await world();
            for (let look = 0; look < MAX_LOOKS; look++) {
              // Whatever the faults did, a refused removal deleted nothing.
              if (refused) for (const name of removed) assert.ok(now.includes(name), `${name}: its removal was refused, yet it is gone (${JSON.stringify(s)} in ${JSON.stringify(steps)})`);
              if (look > 0 && JSON.stringify(now) === JSON.stringify(expected)) break;
              if (look > 0) await daemon.clock.advance(BACKOFF_MS);
              await daemon.reconciler.enqueueAll();
              await daemon.quiet();
              now = await world();
            }
            assert.deepEqual(now, expected, `after ${JSON.stringify(s)} in ${JSON.stringify(steps)}`);
            assert.deepEqual(daemon.reconciler.refused().map((r) => r.code), refused ? ['MassDeleteRefused'] : [], 'the refusal is in force exactly while the change is refused');
            if (!refused) live = new Set(desired);
          }
        } finally {
          await daemon.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
  });
});
