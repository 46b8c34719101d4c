// Rate windows shared between processes. Agora counts a project's (App ID's) requests however
// many processes send them: a daemon replica, a pipeline's `plan` and an `apply` may call one
// project at once. Each EndpointLimiter keeps pacing its own process (rate-limiter.ts); when a
// RateWindowStore is given, a request it admits must also get a slot from the store, which
// holds every process's recent requests of the project (PostgreSQL: postgres-rate-windows.ts).
//
// The store keeps the limiter's rule that a slot is held from send to answer: a stamp is
// written when the slot is granted (the request is about to go) and counts as "in flight"
// until `answered` moves it to the answer time, from which its window runs. A process that
// dies mid-call never answers: its stamp counts as answered at send + IN_FLIGHT_BOUND_MS (the
// longest a call can take under the transport's timeouts), so it frees the budget eventually
// without ever releasing it early for a call that is still running. Rewriting the stamp at the
// answer, rather than stamping send + bound at once, costs one more (batched) write per call
// but keeps the budget usable: stamping the bound would make every request occupy its window
// for 65 s, i.e. a per-second limit of 10 would allow 10 requests a minute.
import type { Clock } from '../clock.ts';
import type { LimitKey, RateLimit } from './limits.ts';
import { DEFAULT_TIMEOUTS } from './transport.ts';
import { WINDOW_SPANS_MS } from './rate-limiter.ts';

/** The longest one attempt may keep its slot: connect, headers, then the body. */
export const IN_FLIGHT_BOUND_MS = DEFAULT_TIMEOUTS.connectMs + DEFAULT_TIMEOUTS.headersMs + DEFAULT_TIMEOUTS.bodyMs;

/** A waiter blocked by another process's request still in flight re-checks this often: its answer frees the slot early. */
export const IN_FLIGHT_RECHECK_MS = 250;

/** A granted slot, to hand back to `answered`. */
export type RateTicket = string | number;

export type Reservation = { granted: true; ticket: RateTicket } | { granted: false; waitMs: number };

export interface RateWindowStore {
  /**
   * Takes one slot of `project`'s class `key` if every window of `limits` admits one more
   * request now; else says how long until one may. Requests of one process issued together
   * may be reserved in one round trip.
   */
  reserve(project: string, key: LimitKey, limits: RateLimit): Promise<Reservation>;
  /** The request of `ticket` was answered (or failed): its windows run from now. */
  answered(ticket: RateTicket): void;
  /** Writes what is still queued (answers) and frees the store. */
  close(): Promise<void>;
}

/** The windows a RateLimit defines, as (limit, span) pairs. */
function windowsOf(limits: RateLimit): { limit: number; spanMs: number }[] {
  const windows: { limit: number; spanMs: number }[] = [];
  for (const name of ['perSecond', 'perMinute'] as const) {
    const limit = limits[name];
    if (limit !== undefined && limit !== null) windows.push({ limit, spanMs: WINDOW_SPANS_MS[name] });
  }
  return windows;
}

/**
 * How long until one more request fits, given the "counts from" times of the class's recent
 * stamps (an in-flight stamp counts from its bound, in the future). 0 when it fits now.
 */
export function waitForNextSlot(countsFrom: readonly number[], limits: RateLimit, now: number): number {
  let wait = 0;
  let blockedByInFlight = false;
  for (const { limit, spanMs } of windowsOf(limits)) {
    const inWindow = countsFrom.filter((at) => at > now - spanMs).sort((a, b) => a - b);
    const over = inWindow.length - limit + 1;
    if (over <= 0) continue;
    const at = inWindow[over - 1] ?? now;
    if (at > now) blockedByInFlight = true;
    wait = Math.max(wait, at + spanMs - now);
  }
  return blockedByInFlight ? Math.min(wait, IN_FLIGHT_RECHECK_MS) : wait;
}

/**
 * The shared windows in this process's memory: what a RateWindowStore must do, for tests of
 * limiters that share one budget (two "processes" holding one store), on an injected clock.
 */
export class MemoryRateWindows implements RateWindowStore {
  readonly #clock: Clock;
  readonly #stamps = new Map<string, Map<number, number>>();
  readonly #classOf = new Map<number, string>();
  #next = 1;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  reserve(project: string, key: LimitKey, limits: RateLimit): Promise<Reservation> {
    const now = this.#clock.now();
    const id = `${project}\u0000${key}`;
    let stamps = this.#stamps.get(id);
    if (!stamps) {
      stamps = new Map();
      this.#stamps.set(id, stamps);
    }
    for (const [ticket, at] of stamps) {
      if (at <= now - WINDOW_SPANS_MS.perMinute) {
        stamps.delete(ticket);
        this.#classOf.delete(ticket);
      }
    }
    const waitMs = waitForNextSlot([...stamps.values()], limits, now);
    if (waitMs > 0) return Promise.resolve({ granted: false, waitMs });
    const ticket = this.#next++;
    stamps.set(ticket, now + IN_FLIGHT_BOUND_MS);
    this.#classOf.set(ticket, id);
    return Promise.resolve({ granted: true, ticket });
  }

  answered(ticket: RateTicket): void {
    if (typeof ticket !== 'number') return;
    const id = this.#classOf.get(ticket);
    const stamps = id === undefined ? undefined : this.#stamps.get(id);
    if (stamps?.has(ticket)) stamps.set(ticket, this.#clock.now());
  }

  /** The class's stamps as "counts from" times, oldest first (for tests). */
  stamps(project: string, key: LimitKey): number[] {
    return [...(this.#stamps.get(`${project}\u0000${key}`)?.values() ?? [])].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    // Nothing to write.
  }
}
