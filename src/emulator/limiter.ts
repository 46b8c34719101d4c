// Rate limits and quotas as Agora enforces them: sliding windows per second and per minute,
// per endpoint class and App ID (../shared/reference/agora-facts.md has the table). The
// windows run on a monotonic real clock, never on the virtual one: moving the emulated world
// ahead must not refill a budget that real requests spent.
import { performance } from 'node:perf_hooks';
import { LIMIT_KEYS, QUOTA_KEYS, resolveLimits } from '../agora/limits.ts';
import type { LimitKey, LimitOverrides, Limits, QuotaKey, RateLimit } from '../agora/limits.ts';
import type { EmulatorLimiter } from './context.ts';
import { isCount, isObject } from './json.ts';

/**
 * The last `capacity` admitted arrival times of one window, in a ring. A call is admitted
 * when fewer than `capacity` calls arrived within `spanMs`, i.e. when the oldest kept arrival
 * has left the window.
 */
export class SlidingWindow {
  #times: Float64Array;
  #head = 0; // index of the oldest kept arrival
  #count = 0;

  constructor(
    capacity: number,
    readonly spanMs: number,
  ) {
    this.#times = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.#times.length;
  }

  hasRoom(nowMs: number): boolean {
    if (this.#count < this.#times.length) return true;
    if (this.#times.length === 0) return false;
    return nowMs - (this.#times[this.#head] as number) >= this.spanMs;
  }

  record(nowMs: number): void {
    const capacity = this.#times.length;
    if (capacity === 0) return;
    if (this.#count < capacity) {
      this.#times[(this.#head + this.#count) % capacity] = nowMs;
      this.#count += 1;
    } else {
      this.#times[this.#head] = nowMs;
      this.#head = (this.#head + 1) % capacity;
    }
  }

  /** A window of another capacity that keeps the most recent arrivals. */
  resized(capacity: number): SlidingWindow {
    const next = new SlidingWindow(capacity, this.spanMs);
    const keep = Math.min(this.#count, capacity);
    for (let i = this.#count - keep; i < this.#count; i += 1) {
      next.record(this.#times[(this.#head + i) % this.#times.length] as number);
    }
    return next;
  }
}

interface Windows {
  second: SlidingWindow | null;
  minute: SlidingWindow | null;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;

export class RateLimiter implements EmulatorLimiter {
  readonly #monotonicNow: () => number;
  readonly #base: LimitOverrides;
  #overrides: LimitOverrides;
  #limits: Limits;
  // Per endpoint class, per scope (App ID).
  #windows = new Map<LimitKey, Map<string, Windows>>();

  /** `base`: the overrides the emulator started with; reset() returns to them. */
  constructor(base: LimitOverrides = {}, monotonicNow: () => number = () => performance.now()) {
    this.#monotonicNow = monotonicNow;
    this.#base = { ...base };
    this.#overrides = { ...base };
    this.#limits = resolveLimits(this.#overrides);
  }

  admit(key: LimitKey, scope: string): boolean {
    const limit = this.#limits[key];
    if (!limit || (limit.perSecond == null && limit.perMinute == null)) return true;
    let byScope = this.#windows.get(key);
    if (!byScope) {
      byScope = new Map();
      this.#windows.set(key, byScope);
    }
    let windows = byScope.get(scope);
    if (!windows) {
      windows = {
        second: limit.perSecond == null ? null : new SlidingWindow(limit.perSecond, SECOND_MS),
        minute: limit.perMinute == null ? null : new SlidingWindow(limit.perMinute, MINUTE_MS),
      };
      byScope.set(scope, windows);
    }
    const now = this.#monotonicNow();
    if (windows.second && !windows.second.hasRoom(now)) return false;
    if (windows.minute && !windows.minute.hasRoom(now)) return false;
    windows.second?.record(now);
    windows.minute?.record(now);
    return true;
  }

  quota(key: QuotaKey): number | null {
    return this.#limits[key];
  }

  /** The limits in force, as `GET /_emulator/limits` shows them. */
  current(): Limits {
    return structuredClone(this.#limits);
  }

  /** Merges overrides key by key (`PUT /_emulator/limits`); null removes a limit. */
  update(overrides: LimitOverrides): Limits {
    this.#overrides = { ...this.#overrides, ...overrides };
    this.#apply();
    return this.current();
  }

  /** Back to the limits the emulator started with; forgets every window. */
  reset(): void {
    this.#overrides = { ...this.#base };
    this.#limits = resolveLimits(this.#overrides);
    this.#windows.clear();
  }

  #apply(): void {
    this.#limits = resolveLimits(this.#overrides);
    // Keep what real requests already spent, resized to the new capacities.
    for (const [key, byScope] of this.#windows) {
      const limit = this.#limits[key];
      for (const [scope, windows] of byScope) {
        const next = {
          second: resize(windows.second, limit?.perSecond, SECOND_MS),
          minute: resize(windows.minute, limit?.perMinute, MINUTE_MS),
        };
        if (!next.second && !next.minute) byScope.delete(scope);
        else byScope.set(scope, next);
      }
    }
  }
}

function resize(window: SlidingWindow | null, capacity: number | null | undefined, spanMs: number): SlidingWindow | null {
  if (capacity == null) return null;
  if (!window) return new SlidingWindow(capacity, spanMs);
  return window.capacity === capacity ? window : window.resized(capacity);
}

/**
 * Parses a `PUT /_emulator/limits` body (the same keys as Project.spec.limits). Returns the
 * overrides, or a message naming the first bad key.
 */
export function parseLimitOverrides(body: unknown): { overrides: LimitOverrides } | { error: string } {
  if (!isObject(body)) return { error: 'The body must be a JSON object of limit keys.' };
  const overrides: LimitOverrides = {};
  for (const [key, value] of Object.entries(body)) {
    if ((LIMIT_KEYS as readonly string[]).includes(key)) {
      const rate = parseRateLimit(value);
      if (rate === undefined) {
        return { error: `${key} must be null or {"perSecond"?: n, "perMinute"?: n} with n a non-negative integer or null.` };
      }
      overrides[key as LimitKey] = rate;
    } else if ((QUOTA_KEYS as readonly string[]).includes(key)) {
      if (value !== null && !isCount(value)) return { error: `${key} must be a non-negative integer or null.` };
      overrides[key as QuotaKey] = value;
    } else {
      return { error: `Unknown limit key ${JSON.stringify(key)}; known: ${[...LIMIT_KEYS, ...QUOTA_KEYS].join(', ')}.` };
    }
  }
  return { overrides };
}

function parseRateLimit(value: unknown): RateLimit | null | undefined {
  if (value === null) return null;
  if (!isObject(value)) return undefined;
  const rate: RateLimit = {};
  for (const [window, n] of Object.entries(value)) {
    if (window !== 'perSecond' && window !== 'perMinute') return undefined;
    if (n !== null && !isCount(n)) return undefined;
    rate[window] = n;
  }
  return rate;
}
