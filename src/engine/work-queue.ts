// The reconcile loop's work queue: keys of resources that need a look. A key is held once however
// often it is added (triggers are hints, and one reconcile observes the whole resource), never
// has two workers at a time, and after a failure waits an exponentially growing, bounded delay
// before its next attempt, so a resource Agora keeps refusing does not eat the shared rate
// limits. Timers go through the injected Clock.
import { systemClock, type Clock } from '../clock.ts';

/**
 * A failure that retrying cannot cure (controller-runtime's TerminalError): a conflict, a plan
 * refused for deleting too much. The key is parked, not backed off; the next add() wakes it
 * (the manifests or Agora changed, or a resync looks again).
 */
export class TerminalError extends Error {
  constructor(readonly reason: unknown) {
    super(errorMessage(reason));
    this.name = 'TerminalError';
  }
}

export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay, jitter included. */
  maxMs: number;
  /** Growth per further consecutive failure (default 2). */
  factor?: number;
  /** Share (0..1) by which a delay is spread at random either way (default 0.1). */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = Object.freeze({
  baseMs: 5_000,
  maxMs: 5 * 60_000,
  factor: 2,
  jitter: 0.1,
});

export interface KeyStatus {
  /** Clock time of the last run that succeeded. */
  lastSuccessAt?: number;
  /** Message of the last run that failed; kept after a later success, as history. */
  lastError?: string;
  lastErrorAt?: number;
  /** Failed runs since the last success (0 when the last run succeeded). */
  attempts: number;
  /** Work is held for the key: due now, after a delay, or after its back-off. */
  queued: boolean;
  running: boolean;
  /** When a queued key becomes due (absent while it is due now or not queued). */
  nextRunAt?: number;
}

export type RunOutcome =
  | { ok: true; durationMs: number }
  | { ok: false; error: unknown; durationMs: number; retryInMs: number | undefined; terminal?: boolean };

export interface WorkQueueOptions<K extends string> {
  worker: (key: K, signal: AbortSignal) => Promise<void>;
  /** Workers running at once, over all keys. */
  concurrency: number;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Called after every run with the key's new status. */
  onStatus?: (key: K, status: KeyStatus, outcome: RunOutcome) => void;
  /** Source of randomness for jitter (tests make it fixed). */
  random?: () => number;
}

export interface AddOptions {
  /** Run no earlier than this many milliseconds from now. */
  after?: number;
  /**
   * Forget the key's back-off, e.g. because its manifest changed and the old failure may no
   * longer apply. Without it a key in back-off runs when its back-off ends, whatever triggered it.
   */
  resetBackoff?: boolean;
}

export interface DrainOptions {
  /** After this long (on the queue's clock) the workers' signal is aborted. */
  graceMs?: number;
}

interface Entry {
  attempts: number;
  lastSuccessAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  backoffUntil?: number;
  /** Set while queued and not yet due; undefined while due now or not queued. */
  dueAt?: number;
  timer?: AbortController;
  ready: boolean;
  running: boolean;
  /** An add() arrived while the worker ran: run again, no earlier than this time. */
  rerunAt?: number;
  /** That add() forgot the back-off: the rerun does not wait for one, whatever this run does. */
  rerunResetsBackoff?: boolean;
  /** remove() was called while the worker ran: forget the key when it ends. */
  removed?: boolean;
}

export class WorkQueue<K extends string> {
  readonly #worker: (key: K, signal: AbortSignal) => Promise<void>;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #backoff: Required<BackoffOptions>;
  readonly #onStatus: WorkQueueOptions<K>['onStatus'];
  readonly #random: () => number;
  readonly #entries = new Map<K, Entry>();
  /** Keys due now, in the order they became due (a Set keeps insertion order). */
  readonly #ready = new Set<K>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #running = 0;
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions<K>) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`WorkQueue concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.#worker = options.worker;
    this.#concurrency = options.concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#onStatus = options.onStatus;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Asks for one run of `key`. Returns false once the queue is draining. A key already queued
   * stays queued once (an earlier due time wins); a key whose worker is running is run once more
   * after it ends.
   */
  add(key: K, options: AddOptions = {}): boolean {
    if (this.#closed) return false;
    const entry = this.#entry(key);
    entry.removed = false;
    if (options.resetBackoff) {
      entry.backoffUntil = undefined;
      entry.attempts = 0;
    }
    const wantedAt = this.#clock.now() + Math.max(0, options.after ?? 0);
    if (entry.running) {
      entry.rerunAt = Math.min(entry.rerunAt ?? Infinity, wantedAt);
      if (options.resetBackoff) entry.rerunResetsBackoff = true;
      return true;
    }
    if (entry.ready) return true;
    this.#schedule(key, entry, Math.max(wantedAt, entry.backoffUntil ?? 0));
    return true;
  }

  /** Drops the key's queued work and status (its resource is gone); a running worker finishes. */
  remove(key: K): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#unschedule(key, entry);
    entry.rerunAt = undefined;
    entry.rerunResetsBackoff = undefined;
    if (entry.running) entry.removed = true;
    else this.#entries.delete(key);
    this.#checkIdle();
  }

  status(key: K): KeyStatus {
    const entry = this.#entries.get(key);
    if (!entry) return { attempts: 0, queued: false, running: false };
    return this.#statusOf(entry);
  }

  /** Every key the queue knows, with its status. */
  statuses(): Array<[K, KeyStatus]> {
    return [...this.#entries].map(([key, entry]) => [key, this.#statusOf(entry)]);
  }

  /** Keys due now and waiting for a worker. */
  get depth(): number {
    return this.#ready.size;
  }

  /** Keys with work held: due now, waiting for a delay or back-off, or running. */
  get size(): number {
    let n = 0;
    for (const entry of this.#entries.values()) {
      if (entry.ready || entry.dueAt !== undefined || entry.running) n++;
    }
    return n;
  }

  /** Workers running now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Resolves when no worker runs and no key is due now. Keys waiting for a delay or a back-off
   * do not count, or a queue with a periodic resync would never be idle.
   */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work (queued keys are dropped, add() is refused) and waits for the running
   * workers. With `graceMs`, the workers' signal is aborted when it runs out, so a shutdown's wait
   * is bounded by how fast workers honour their signal.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    this.#closed = true;
    for (const [key, entry] of this.#entries) this.#unschedule(key, entry);
    const grace = new AbortController();
    if (options.graceMs !== undefined && this.#inflight.size > 0) {
      void this.#clock.sleep(options.graceMs, grace.signal).then(
        () => this.abort(new Error(`work queue drain: grace of ${options.graceMs} ms ran out`)),
        () => undefined,
      );
    }
    try {
      while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
    } finally {
      grace.abort();
    }
    this.#checkIdle();
  }

  /** Aborts the signal every worker was given and stops taking work. */
  abort(reason: unknown = new Error('work queue aborted')): void {
    this.#closed = true;
    for (const [key, entry] of this.#entries) this.#unschedule(key, entry);
    this.#abort.abort(reason);
    this.#checkIdle();
  }

  #entry(key: K): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { attempts: 0, ready: false, running: false };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #statusOf(entry: Entry): KeyStatus {
    const status: KeyStatus = {
      attempts: entry.attempts,
      queued: entry.ready || entry.dueAt !== undefined || entry.rerunAt !== undefined,
      running: entry.running,
    };
    if (entry.lastSuccessAt !== undefined) status.lastSuccessAt = entry.lastSuccessAt;
    if (entry.lastError !== undefined) status.lastError = entry.lastError;
    if (entry.lastErrorAt !== undefined) status.lastErrorAt = entry.lastErrorAt;
    if (entry.dueAt !== undefined) status.nextRunAt = entry.dueAt;
    return status;
  }

  /** Makes the key due at `at` (or earlier, if it already is). */
  #schedule(key: K, entry: Entry, at: number): void {
    if (entry.dueAt !== undefined && entry.dueAt <= at) return;
    entry.timer?.abort();
    entry.timer = undefined;
    const now = this.#clock.now();
    if (at <= now) {
      entry.dueAt = undefined;
      entry.ready = true;
      this.#ready.add(key);
      this.#pump();
      return;
    }
    entry.dueAt = at;
    const timer = new AbortController();
    entry.timer = timer;
    void this.#clock.sleep(at - now, timer.signal).then(
      () => {
        if (entry.timer !== timer) return;
        entry.timer = undefined;
        entry.dueAt = undefined;
        entry.ready = true;
        this.#ready.add(key);
        this.#pump();
      },
      () => undefined,
    );
  }

  #unschedule(key: K, entry: Entry): void {
    entry.timer?.abort();
    entry.timer = undefined;
    entry.dueAt = undefined;
    entry.ready = false;
    this.#ready.delete(key);
  }

  #pump(): void {
    if (this.#closed) return;
    while (this.#running < this.#concurrency) {
      const key = this.#ready.values().next();
      if (key.done) break;
      this.#ready.delete(key.value);
      const entry = this.#entry(key.value);
      entry.ready = false;
      this.#start(key.value, entry);
    }
  }

  #start(key: K, entry: Entry): void {
    entry.running = true;
    this.#running++;
    const startedAt = this.#clock.now();
    const run = (async () => {
      let error: unknown;
      let failed = false;
      try {
        await this.#worker(key, this.#abort.signal);
      } catch (caught) {
        failed = true;
        error = caught;
      }
      this.#finish(key, entry, startedAt, failed, error);
    })();
    this.#inflight.add(run);
    void run.finally(() => this.#inflight.delete(run));
  }

  #finish(key: K, entry: Entry, startedAt: number, failed: boolean, error: unknown): void {
    const now = this.#clock.now();
    entry.running = false;
    this.#running--;
    const rerunAt = entry.rerunAt;
    const rerunResetsBackoff = entry.rerunResetsBackoff === true;
    entry.rerunAt = undefined;
    entry.rerunResetsBackoff = undefined;
    const again = !this.#closed && !entry.removed;
    let outcome: RunOutcome;
    if (failed && error instanceof TerminalError) {
      entry.attempts++;
      entry.lastError = error.message;
      entry.lastErrorAt = now;
      entry.backoffUntil = undefined;
      // Parked: only a new add() runs it again (one that arrived during this run counts).
      outcome = { ok: false, error, durationMs: now - startedAt, retryInMs: undefined, terminal: true };
      if (rerunAt !== undefined && again) this.#schedule(key, entry, rerunAt);
    } else if (failed) {
      entry.attempts++;
      entry.lastError = errorMessage(error);
      entry.lastErrorAt = now;
      const delay = this.#backoffDelay(entry.attempts);
      entry.backoffUntil = now + delay;
      // A failed key is tried again on its own: the loop is level-triggered, and the resource
      // is still not as its manifest says. An add() that forgot the back-off while this run
      // failed (its manifest changed meanwhile) is not held back by this failure.
      if (rerunResetsBackoff) {
        entry.attempts = 0;
        entry.backoffUntil = undefined;
      }
      outcome = { ok: false, error, durationMs: now - startedAt, retryInMs: again ? (rerunResetsBackoff ? Math.max(0, (rerunAt ?? now) - now) : delay) : undefined };
      if (again) this.#schedule(key, entry, rerunResetsBackoff ? (rerunAt ?? now) : Math.max(entry.backoffUntil ?? 0, rerunAt ?? 0));
    } else {
      entry.attempts = 0;
      entry.backoffUntil = undefined;
      entry.lastSuccessAt = now;
      outcome = { ok: true, durationMs: now - startedAt };
      if (rerunAt !== undefined && again) this.#schedule(key, entry, rerunAt);
    }
    if (entry.removed) this.#entries.delete(key);
    try {
      this.#onStatus?.(key, this.#statusOf(entry), outcome);
    } catch {
      // A failing status listener (metrics, logs) must not stop the queue or lose the key.
    }
    this.#pump();
    this.#checkIdle();
  }

  /** base · factor^(attempts−1), spread by ±jitter, never above maxMs. */
  #backoffDelay(attempts: number): number {
    const { baseMs, maxMs, factor, jitter } = this.#backoff;
    const raw = Math.min(maxMs, baseMs * factor ** Math.max(0, attempts - 1));
    const spread = 1 + jitter * (this.#random() * 2 - 1);
    return Math.max(0, Math.min(maxMs, Math.round(raw * spread)));
  }

  #isIdle(): boolean {
    return this.#running === 0 && (this.#closed || this.#ready.size === 0);
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
