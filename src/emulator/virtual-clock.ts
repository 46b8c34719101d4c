// The emulated world's clock: real time plus an offset that `POST /_emulator/clock` moves
// ahead. Timers live on virtual time and fire, in time order, when real time or an advance
// reaches them, so a test of a 300 s idle timeout takes milliseconds.
import type { VirtualClock } from './context.ts';

interface Timer {
  atMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

// setTimeout's largest delay; a later timer is re-armed when this one fires.
const MAX_REAL_DELAY_MS = 2 ** 31 - 1;

export class EmulatorClock implements VirtualClock {
  readonly #wallNow: () => number;
  readonly #onTimerError: (error: unknown) => void;
  #offsetMs = 0;
  #seq = 0;
  // A binary min-heap ordered by (atMs, seq); cancelled timers are dropped lazily.
  #heap: Timer[] = [];
  #cancelled = 0;
  #realTimer: NodeJS.Timeout | null = null;
  #realTimerAt = Infinity;
  #running = false;
  #closed = false;
  // While frozen, virtual time stands still except for advances: tests that must not race
  // real time (a 900 ms step before a 1 s transition) freeze it.
  #frozenWallMs: number | null = null;
  readonly #startsFrozen: boolean;

  constructor(options: { wallNow?: () => number; onTimerError?: (error: unknown) => void; frozen?: boolean } = {}) {
    this.#wallNow = options.wallNow ?? Date.now;
    this.#onTimerError = options.onTimerError ?? (() => {});
    this.#startsFrozen = options.frozen ?? false;
    if (this.#startsFrozen) this.#frozenWallMs = this.#wallNow();
  }

  /**
   * Back to real time, frozen or running as at the start, with no timer waiting (a world
   * reset: its owners have forgotten them). Without it a clock moved far ahead stays there, and
   * everything checked against it (a token's expiry) fails until the emulator restarts.
   */
  reset(): void {
    for (const timer of this.#heap) timer.cancelled = true;
    this.#heap = [];
    this.#cancelled = 0;
    this.#offsetMs = 0;
    this.#frozenWallMs = this.#startsFrozen ? this.#wallNow() : null;
    this.#realTimerAt = NaN; // force re-arming
    this.#arm();
  }

  now(): number {
    return (this.#frozenWallMs ?? this.#wallNow()) + this.#offsetMs;
  }

  get frozen(): boolean {
    return this.#frozenWallMs !== null;
  }

  /** Stops (true) or restarts (false) virtual time following real time; advances still work. */
  setFrozen(frozen: boolean): void {
    if (frozen === this.frozen) return;
    if (frozen) {
      this.#frozenWallMs = this.#wallNow();
    } else {
      // Continue from the frozen instant: virtual time never jumps.
      this.#offsetMs += (this.#frozenWallMs ?? 0) - this.#wallNow();
      this.#frozenWallMs = null;
    }
    this.#realTimerAt = NaN; // force re-arming
    this.#arm();
  }

  /** How far virtual time is ahead of real time. */
  get offsetMs(): number {
    return this.now() - this.#wallNow();
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    const target = this.now() + ms;
    // Step from one due time to the next, so a timer that reads the clock sees the time it was
    // due at, and what it schedules lands in order (a 1 s step chained to a 2 s step).
    while (!this.#running && !this.#closed) {
      const next = this.#nextLive();
      if (!next || next.atMs > target) break;
      if (next.atMs > this.now()) this.#offsetMs += next.atMs - this.now();
      this.#runDue();
    }
    if (target > this.now()) this.#offsetMs += target - this.now();
    this.#runDue();
  }

  #nextLive(): Timer | undefined {
    for (;;) {
      const next = this.#heap[0];
      if (!next || !next.cancelled) return next;
      this.#pop();
      this.#cancelled -= 1;
    }
  }

  at(atMs: number, fn: () => void): () => void {
    const timer: Timer = { atMs, seq: this.#seq++, fn, cancelled: false };
    this.#push(timer);
    if (!this.#running) this.#arm();
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.#cancelled += 1;
      // Idle timers are re-armed often; rebuild the heap before cancelled entries pile up.
      if (this.#cancelled > 1024 && this.#cancelled * 2 > this.#heap.length) this.#compact();
    };
  }

  /** Number of timers still waiting (for tests and the state view). */
  get pendingTimers(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** Stops the real timer; pending virtual timers never fire afterwards. */
  close(): void {
    this.#closed = true;
    if (this.#realTimer) clearTimeout(this.#realTimer);
    this.#realTimer = null;
    this.#heap = [];
    this.#cancelled = 0;
  }

  #runDue(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      for (;;) {
        const next = this.#heap[0];
        if (!next) break;
        if (next.cancelled) {
          this.#pop();
          this.#cancelled -= 1;
          continue;
        }
        // Re-read the time each round: a timer may schedule another that is already due.
        if (next.atMs > this.now()) break;
        this.#pop();
        next.cancelled = true;
        try {
          next.fn();
        } catch (error) {
          this.#onTimerError(error);
        }
      }
    } finally {
      this.#running = false;
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#closed) return;
    while (this.#heap[0]?.cancelled) {
      this.#pop();
      this.#cancelled -= 1;
    }
    const next = this.#heap[0];
    const atMs = next && !this.frozen ? next.atMs - this.#offsetMs : Infinity; // in real (wall) time
    if (atMs === this.#realTimerAt && this.#realTimer) return;
    if (this.#realTimer) clearTimeout(this.#realTimer);
    this.#realTimer = null;
    this.#realTimerAt = atMs;
    if (!next || this.frozen) return;
    const delay = Math.min(Math.max(0, atMs - this.#wallNow()), MAX_REAL_DELAY_MS);
    this.#realTimer = setTimeout(() => {
      this.#realTimer = null;
      this.#realTimerAt = Infinity;
      this.#runDue();
    }, delay);
    // The world's timers must never keep a test process or the CLI alive on their own.
    this.#realTimer.unref();
  }

  #compact(): void {
    const live = this.#heap.filter((timer) => !timer.cancelled);
    this.#heap = [];
    this.#cancelled = 0;
    for (const timer of live) this.#push(timer);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Timer;
      if (!before(timer, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = timer;
  }

  #pop(): Timer | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Timer, heap[left] as Timer) ? right : left;
      const c = heap[child] as Timer;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
