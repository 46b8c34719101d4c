// The reconcile loop of `agoractl reconcile --watch` (controller-runtime's shape): triggers only
// add resource keys to a work queue; a worker never trusts the trigger, it observes and enforces
// the whole desired state of its key. Workers that are due together join one pass (one List
// serves every player of a project), so a burst of notifications costs one observation, not
// one per key; the queue keeps one worker per key and backs a failing key off.
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { StateStore } from '../state/store.ts';
import type { ResourceState } from '../state/types.ts';
import { WorkQueue, type BackoffOptions, type KeyStatus, type RunOutcome } from './work-queue.ts';
import { applyPass, planPass, type ReconcileScope } from './reconcile.ts';
import type { ApplyEvent, ActionError } from './apply.ts';
import type { Plan } from './plan.ts';

export interface ReconcilerOptions {
  store: StateStore;
  clock: Clock;
  logger: Logger;
  allowMassDelete?: boolean;
  backoff?: BackoffOptions;
  /** How long a pass waits for more due keys to join it. */
  batchWindowMs?: number;
  onAction?: (event: ApplyEvent) => void;
  onPass?: (pass: PassReport) => void;
  onStatus?: (key: string, status: KeyStatus, outcome: RunOutcome) => void;
}

export interface PassReport {
  keys: number;
  plan: Plan;
  failed: number;
  durationMs: number;
  error?: string;
}

export class ResourceNotConverged extends Error {
  constructor(
    readonly key: string,
    readonly detail: ActionError | string,
  ) {
    super(typeof detail === 'string' ? detail : detail.message);
    this.name = 'ResourceNotConverged';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Reconciler {
  readonly queue: WorkQueue<string>;
  #scope: ReconcileScope | undefined;
  readonly #options: ReconcilerOptions;
  #batch = new Map<string, Waiter>();
  #batchScheduled = false;
  #passing: Promise<void> = Promise.resolve();
  #signal: AbortSignal | undefined;
  #passes = 0;

  constructor(options: ReconcilerOptions) {
    this.#options = options;
    this.queue = new WorkQueue<string>({
      worker: (key, signal) => this.#join(key, signal),
      // Keys only wait here to join a pass; passes themselves run one at a time.
      concurrency: 10_000,
      clock: options.clock,
      backoff: options.backoff,
      onStatus: options.onStatus,
    });
  }

  get scope(): ReconcileScope | undefined {
    return this.#scope;
  }

  /** How many passes have completed (successfully or not). */
  get passes(): number {
    return this.#passes;
  }

  /**
   * Installs a new desired state. Keys whose manifest changed (or appeared or vanished) are
   * queued with their back-off forgotten: the old failure may not apply to the new spec.
   */
  setScope(scope: ReconcileScope): void {
    const before = new Map((this.#scope?.desired ?? []).map((d) => [d.key, JSON.stringify(d.spec)]));
    this.#scope = scope;
    for (const d of scope.desired) {
      if (before.get(d.key) !== JSON.stringify(d.spec)) this.queue.add(d.key, { resetBackoff: true });
      before.delete(d.key);
    }
    for (const key of before.keys()) this.queue.add(key, { resetBackoff: true });
  }

  /** Queues every resource agoractl knows of: desired or recorded in state (a resync). */
  async enqueueAll(): Promise<number> {
    const keys = await this.knownKeys();
    for (const key of keys) this.queue.add(key);
    return keys.size;
  }

  async knownKeys(): Promise<Set<string>> {
    const snapshot = await this.#options.store.load();
    return new Set([...(this.#scope?.desired ?? []).map((d) => d.key), ...Object.keys(snapshot.resources)]);
  }

  /** Queues the keys a notification names; unknown resources are ignored. */
  async enqueueMatching(match: (key: string, state: ResourceState | undefined) => boolean): Promise<string[]> {
    const snapshot = await this.#options.store.load();
    const keys = [...(await this.knownKeys())].filter((key) => match(key, snapshot.resources[key]));
    for (const key of keys) this.queue.add(key);
    return keys;
  }

  /** Stops taking work; passes in flight start no new action and finish their calls. */
  async drain(graceMs: number): Promise<void> {
    await this.queue.drain({ graceMs });
    await this.#passing;
  }

  #join(key: string, signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    return new Promise<void>((resolve, reject) => {
      this.#batch.set(key, { resolve, reject });
      if (this.#batchScheduled) return;
      this.#batchScheduled = true;
      setTimeout(() => {
        this.#batchScheduled = false;
        const batch = this.#batch;
        this.#batch = new Map();
        this.#passing = this.#passing.then(() => this.#pass(batch));
      }, this.#options.batchWindowMs ?? 20);
    });
  }

  async #pass(batch: Map<string, Waiter>): Promise<void> {
    const started = this.#options.clock.now();
    const scope = this.#scope;
    if (!scope) {
      for (const w of batch.values()) w.reject(new Error('no desired state loaded'));
      return;
    }
    const keys = [...batch.keys()];
    try {
      const snapshot = await this.#options.store.load();
      const planned = await planPass(scope, Object.values(snapshot.resources), { targets: keys, allowMassDelete: this.#options.allowMassDelete });
      const failures = new Map<string, ActionError | string>();
      for (const error of planned.plan.errors) {
        for (const key of keys) if (!error.project || key.startsWith(error.kind ? `${error.project}/${error.kind}/` : `${error.project}/`)) failures.set(key, error.message);
      }
      if (planned.plan.errors.length === 0) {
        const result = await applyPass(scope, this.#options.store, planned, { onEvent: this.#options.onAction, signal: this.#signal });
        for (const f of result.failed) failures.set(f.action.key, f.error);
        for (const s of result.skipped) failures.set(s.action.key, s.why);
      }
      for (const [key, waiter] of batch) {
        const failure = failures.get(key);
        if (failure) waiter.reject(new ResourceNotConverged(key, failure));
        else waiter.resolve();
      }
      await this.#scheduleRechecks(scope, keys);
      this.#report({ keys: keys.length, plan: planned.plan, failed: failures.size, durationMs: this.#options.clock.now() - started });
    } catch (err) {
      // Observation failed (Agora unreachable, a limit exhausted): every key tries again later.
      for (const waiter of batch.values()) waiter.reject(err);
      // During shutdown, passes still waiting for the rate limiter fail by design.
      const level = this.#signal?.aborted ? 'info' : 'warn';
      this.#options.logger[level]({ event: 'reconcile.pass_failed', keys: keys.length, err: err instanceof Error ? err.message : String(err) }, 'reconcile pass failed');
      this.#report({ keys: keys.length, plan: emptyPlan(), failed: keys.length, durationMs: this.#options.clock.now() - started, error: String(err) });
    }
  }

  async #scheduleRechecks(scope: ReconcileScope, keys: string[]): Promise<void> {
    const snapshot = await this.#options.store.load();
    const now = this.#options.clock.now();
    const desired = new Set(scope.desired.map((d) => d.key));
    for (const key of keys) {
      const state = snapshot.resources[key];
      // Gone from the manifests and from state: forget its queue status too, or a daemon that
      // runs for months keeps one entry for every name it ever saw.
      if (!state && !desired.has(key)) {
        this.queue.remove(key);
        continue;
      }
      const module = state && scope.modules.find((m) => m.kind === state.kind);
      const after = state && module?.recheckAfter?.(state, now);
      if (after !== undefined) this.queue.add(key, { after });
    }
  }

  #report(report: PassReport): void {
    this.#passes += 1;
    this.#options.onPass?.(report);
  }
}

function emptyPlan(): Plan {
  return { formatVersion: 1, actions: [], unmanaged: [], errors: [], summary: { create: 0, update: 0, replace: 0, delete: 0, adopt: 0, forget: 0, conflict: 0 } };
}
