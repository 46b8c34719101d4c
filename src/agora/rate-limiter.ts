// Pacing under Agora's documented rate limits (agora-facts.md, the limit table), so agoractl
// stays under them instead of discovering them through 429s.
//
// Agora counts a request when it arrives. The client cannot see that moment, but it is never
// later than the answer: so each attempt holds its place in the window from the moment it is
// released until its answer (or failure) comes back, and only then starts the window's clock.
// A late release, slow network or retry can then never put more requests into any server-side
// window than the limit, without guessing at jitter. Both windows (per second and per minute)
// must admit a request. Sliding windows also satisfy fixed (calendar-second) counting.
//
// A caller that must do work before it sends (the write-ahead intent, call.ts) may take its
// slot up to a lead early: the slot counts against the window from then on, and names
// `notBefore`, the moment the window has room, before which the request is not sent. The
// write overlaps the wait instead of lengthening every window by its fsync, and no request
// leaves sooner than it would have without a lead.
//
// p-queue's interval caps count a task when it starts, hold one window per queue and run on the
// global timers; this needs two windows, completion-time stamps and the injected Clock, so the
// windows are kept here.
//
// Other processes may call the same project (rate-windows.ts): with a shared RateWindowStore,
// a request this limiter admits waits, still holding its local place, for a slot of the shared
// windows too, and hands it back at its answer like the local one. The local windows keep
// pacing this process (and keep working when the store cannot be reached); the shared ones
// add the requests of the others. Without a store, a new process can still be told what the
// last one sent (seed), so it does not start blind to a per-minute window already used.
import type { Clock } from '../clock.ts';
import { LIMIT_KEYS, type LimitKey, type RateLimit, type RateLimits } from './limits.ts';
import type { RateTicket, RateWindowStore } from './rate-windows.ts';

/**
 * Window lengths with a margin for clock granularity and boundary rounding. The stamp is the
 * answer, already after the arrival Agora counted, so the margin only has to carry a server
 * that keeps whole milliseconds and counts a gap of exactly one span as inside it: 2 ms. Each
 * millisecond more is paid once per window, i.e. nine times by 200 creates at 20/s.
 */
export const WINDOW_SPANS_MS = { perSecond: 1_000 + 2, perMinute: 60_000 + 100 } as const;

/** After a 429 the class runs at half its rate, recovering linearly to full over this time. */
export const PENALTY_RECOVERY_MS = 60_000;
const MIN_FACTOR = 0.1;
/** While slowed down, waiters re-check at least this often, as the rate recovers. */
const RECOVERY_RECHECK_MS = 1_000;

export interface Slot {
  /** Clock time from which the request may be sent: now, unless acquired with a lead. */
  readonly notBefore: number;
  /** Marks the attempt finished (answered or failed); its window time starts now. */
  release(): void;
}

export interface LimiterStats {
  key: LimitKey;
  inFlight: number;
  waiting: number;
  /** Share (0.1..1) of the configured rate currently used, below 1 after a 429. */
  factor: number;
  penalties: number;
}

interface Window {
  limit: number;
  spanMs: number;
  /** Completion times, oldest first; entries older than the span are dropped lazily. */
  stamps: number[];
}

/** Where the project's windows are shared with other processes, and under which name. */
export interface SharedWindows {
  store: RateWindowStore;
  /** The project as the store knows it: the same for every process calling this App ID. */
  project: string;
  /** Called when the store failed and this request went on local pacing alone. */
  onError?: (error: unknown) => void;
}

interface Waiter {
  resolve: (slot: Slot) => void;
  reject: (reason: unknown) => void;
  leadMs: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class EndpointLimiter {
  #windows: Window[] = [];
  #inFlight = 0;
  #waiters: Waiter[] = [];
  #timer?: { at: number; abort: AbortController };
  #factor = 1;
  #penalizedAt = 0;
  #penalties = 0;
  #blockedUntil = 0;
  #shared?: SharedWindows;

  constructor(
    readonly key: LimitKey,
    private readonly clock: Clock,
    rate: RateLimit | null,
    shared?: SharedWindows,
  ) {
    this.configure(rate, shared);
  }

  /** Replaces the limits (and the shared windows, when given); the history of recent requests is kept. */
  configure(rate: RateLimit | null, shared?: SharedWindows): void {
    if (shared) this.#shared = shared;
    const previous = new Map(this.#windows.map((w) => [w.spanMs, w.stamps]));
    this.#windows = [];
    for (const name of ['perSecond', 'perMinute'] as const) {
      const limit = rate?.[name];
      if (limit === undefined || limit === null) continue;
      if (!Number.isFinite(limit) || limit <= 0) throw new RangeError(`${this.key}.${name} must be a positive number`);
      const spanMs = WINDOW_SPANS_MS[name];
      this.#windows.push({ limit, spanMs, stamps: previous.get(spanMs) ?? [] });
    }
    this.#pump();
  }

  /**
   * Adds the completion times of requests another process sent (the last process's, as the
   * file state recorded them): they count in this process's windows like its own.
   */
  seed(completedAt: readonly number[]): void {
    for (const window of this.#windows) {
      window.stamps = [...window.stamps, ...completedAt.filter((at) => at > this.clock.now() - window.spanMs)].sort((a, b) => a - b);
    }
    this.#pump();
  }

  /** Completion times of this process's requests still inside the longest window, oldest first. */
  recent(): number[] {
    const longest = this.#windows.reduce<Window | undefined>((best, w) => (!best || w.spanMs > best.spanMs ? w : best), undefined);
    const now = this.clock.now();
    return longest ? longest.stamps.filter((at) => at > now - longest.spanMs) : [];
  }

  /**
   * Resolves when one more request of this class may be sent, or up to `leadMs` before then
   * (the slot's `notBefore` says when). A lead is granted only while the class runs at full
   * rate: a slowed class's wait is a re-check, not a known moment.
   */
  acquire(signal?: AbortSignal, leadMs = 0): Promise<Slot> {
    const shared = this.#shared;
    const local = this.#acquireLocal(signal, leadMs);
    return shared ? local.then((slot) => this.#acquireShared(shared, slot, signal)) : local;
  }

  /** The local slot, then a slot of the shared windows under the same (possibly slowed) limits. */
  async #acquireShared(shared: SharedWindows, local: Slot, signal?: AbortSignal): Promise<Slot> {
    let ticket: RateTicket | undefined;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const limits = this.#effectiveLimits(this.clock.now());
        if (!limits) break;
        let reservation;
        try {
          reservation = await shared.store.reserve(shared.project, this.key, limits);
        } catch (error) {
          // The budget is a courtesy to Agora, not a safety property: pacing this process
          // alone (and slowing down on a 429) beats failing every call while the database is away.
          shared.onError?.(error);
          break;
        }
        if (reservation.granted) {
          ticket = reservation.ticket;
          break;
        }
        await this.clock.sleep(Math.max(1, reservation.waitMs), signal);
      }
    } catch (error) {
      local.release();
      throw error;
    }
    return {
      notBefore: local.notBefore,
      release: () => {
        local.release();
        if (ticket !== undefined) shared.store.answered(ticket);
        ticket = undefined;
      },
    };
  }

  /** The configured windows at the current share of the rate; undefined when nothing limits the class. */
  #effectiveLimits(now: number): RateLimit | undefined {
    if (this.#windows.length === 0) return undefined;
    const factor = this.#currentFactor(now);
    const limits: RateLimit = {};
    for (const window of this.#windows) {
      const scaled = Math.max(1, Math.floor(window.limit * factor));
      if (window.spanMs === WINDOW_SPANS_MS.perSecond) limits.perSecond = scaled;
      else limits.perMinute = scaled;
    }
    return limits;
  }

  #acquireLocal(signal: AbortSignal | undefined, leadMs: number): Promise<Slot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, leadMs, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(signal.reason);
          this.#pump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  /**
   * Another client of the project used up the budget (a 429 came anyway): slow this class down,
   * and hold it entirely until Retry-After when the server named a time.
   */
  penalize(retryAfterMs?: number): void {
    const now = this.clock.now();
    this.#factor = Math.max(MIN_FACTOR, this.#currentFactor(now) / 2);
    this.#penalizedAt = now;
    this.#penalties += 1;
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.#blockedUntil = Math.max(this.#blockedUntil, now + retryAfterMs);
    this.#pump();
  }

  stats(): LimiterStats {
    return {
      key: this.key,
      inFlight: this.#inFlight,
      waiting: this.#waiters.length,
      factor: this.#currentFactor(this.clock.now()),
      penalties: this.#penalties,
    };
  }

  #currentFactor(now: number): number {
    if (this.#factor >= 1) return 1;
    const recovered = this.#factor + (now - this.#penalizedAt) / PENALTY_RECOVERY_MS;
    if (recovered >= 1) this.#factor = 1;
    return Math.min(1, recovered);
  }

  /** Milliseconds until one more request may go: 0 now, Infinity until an attempt finishes. */
  #waitMs(now: number): number {
    let wait = Math.max(0, this.#blockedUntil - now);
    const factor = this.#currentFactor(now);
    for (const window of this.#windows) {
      const stamps = window.stamps;
      let expired = 0;
      while (expired < stamps.length && (stamps[expired] ?? 0) <= now - window.spanMs) expired += 1;
      if (expired > 0) stamps.splice(0, expired);
      const limit = Math.max(1, Math.floor(window.limit * factor));
      const over = this.#inFlight + stamps.length - limit + 1;
      if (over <= 0) continue;
      if (over > stamps.length) return Infinity;
      const freeAt = (stamps[over - 1] ?? now) + window.spanMs;
      wait = Math.max(wait, freeAt - now);
    }
    if (wait > 0 && factor < 1) wait = Math.min(wait, RECOVERY_RECHECK_MS);
    return wait;
  }

  #pump(): void {
    while (this.#waiters.length > 0) {
      const now = this.clock.now();
      const wait = this.#waitMs(now);
      if (wait === Infinity) return; // an attempt's release() pumps again
      const lead = wait > 0 && this.#currentFactor(now) >= 1 ? (this.#waiters[0]?.leadMs ?? 0) : 0;
      if (wait > lead) {
        this.#wakeIn(now, wait - lead);
        return;
      }
      const waiter = this.#waiters.shift();
      if (!waiter) return;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.#inFlight += 1;
      waiter.resolve(this.#slot(now + wait));
    }
  }

  #slot(notBefore: number): Slot {
    let released = false;
    return {
      notBefore,
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight -= 1;
        const now = this.clock.now();
        for (const window of this.#windows) window.stamps.push(now);
        this.#pump();
      },
    };
  }

  #wakeIn(now: number, ms: number): void {
    const at = now + ms;
    if (this.#timer && this.#timer.at <= at) return;
    this.#timer?.abort.abort();
    const abort = new AbortController();
    this.#timer = { at, abort };
    this.clock.sleep(ms, abort.signal).then(
      () => {
        if (this.#timer?.abort === abort) this.#timer = undefined;
        this.#pump();
      },
      () => undefined, // replaced by an earlier wake-up
    );
  }
}

/**
 * The limiters of every App ID, shared by all clients of the process that use the same clock,
 * so two clients of one project never exceed one budget together. The last client created for
 * an App ID sets its limits (they come from the same Project manifest).
 */
const registry = new WeakMap<Clock, Map<string, EndpointLimiter>>();

export type ProjectLimiters = Record<LimitKey, EndpointLimiter>;

export function projectLimiters(clock: Clock, appId: string, limits: RateLimits, shared?: SharedWindows): ProjectLimiters {
  let byKey = registry.get(clock);
  if (!byKey) {
    byKey = new Map();
    registry.set(clock, byKey);
  }
  const limiters = {} as ProjectLimiters;
  for (const key of LIMIT_KEYS) {
    const id = `${appId}\u0000${key}`;
    let limiter = byKey.get(id);
    if (limiter) limiter.configure(limits[key], shared);
    else {
      limiter = new EndpointLimiter(key, clock, limits[key], shared);
      byKey.set(id, limiter);
    }
    limiters[key] = limiter;
  }
  return limiters;
}
