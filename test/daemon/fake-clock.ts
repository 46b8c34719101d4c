// A Clock whose time moves only when a test says so, so back-offs of minutes run in
// milliseconds. `advance` fires due sleeps in time order and lets the code they wake run before
// looking for the next one, so chains of sleeps inside the window fire too.
import type { Clock } from '../../src/clock.ts';

interface PendingSleep {
  at: number;
  seq: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleeps: PendingSleep[] = [];
  #sleepWaiters: Array<() => void> = [];

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      const entry: PendingSleep = { at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve: () => undefined };
      const onAbort = (): void => {
        this.#sleeps = this.#sleeps.filter((s) => s !== entry);
        reject(signal?.reason as Error);
      };
      entry.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleeps.push(entry);
      for (const wake of this.#sleepWaiters.splice(0)) wake();
    });
  }

  /** Resolves when code next calls sleep(): something is waiting for time to move. */
  nextSleep(): Promise<void> {
    return new Promise((resolve) => this.#sleepWaiters.push(resolve));
  }

  /** Sleeps not yet fired nor aborted. */
  get pendingSleeps(): number {
    return this.#sleeps.length;
  }

  /** Moves time ahead by `ms`, firing every sleep that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#sleeps
        .filter((s) => s.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#sleeps = this.#sleeps.filter((s) => s !== next);
      this.#now = next.at;
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets every promise chain that can run without time passing run to its end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
