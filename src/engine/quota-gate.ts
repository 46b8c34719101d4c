// Holds creates back until the quota has room: deletes that finish release slots, so a plan
// that both deletes and creates never needs more than the project's quota mid-apply.

export class QuotaGate {
  #free: number;
  readonly #unlimited: boolean;
  readonly #waiters: { need: number; resolve: (ok: boolean) => void }[] = [];

  constructor(free: number | null) {
    this.#unlimited = free === null;
    this.#free = free ?? 0;
  }

  /** Takes `n` slots if they are free now (and nobody waits before), without waiting. */
  tryAcquire(n: number): boolean {
    if (this.#unlimited) return true;
    if (this.#waiters.length > 0 || this.#free < n) return false;
    this.#free -= n;
    return true;
  }

  /** Resolves true once `n` slots are taken, false if the signal aborts first. */
  acquire(n: number, signal?: AbortSignal): Promise<boolean> {
    if (this.tryAcquire(n)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { need: n, resolve };
      this.#waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) {
            this.#waiters.splice(i, 1);
            resolve(false);
          }
        },
        { once: true },
      );
    });
  }

  release(n: number): void {
    if (this.#unlimited) return;
    this.#free += n;
    while (this.#waiters.length > 0 && (this.#waiters[0]?.need ?? Infinity) <= this.#free) {
      const waiter = this.#waiters.shift();
      if (!waiter) break;
      this.#free -= waiter.need;
      waiter.resolve(true);
    }
  }
}
