// The benchmark's limits and the floor they set: the least time any client could take to make
// a given set of calls without a single 429.
//
// Scaling. At Agora's documented limits (agora-facts.md) 200 named creates take 100 s, so each
// scenario runs the real one compressed by a time scale k: every rate × k and the network round
// trip ÷ k. The windows themselves stay 1 s and 1 min, as the emulator enforces them. This keeps
// the proportions that decide every ratio the benchmark prints:
//   - calls in flight per window against the time one call takes (rate × round trip): what a
//     serial client can reach, and how long a burst takes to drain through the client's
//     connections;
//   - a naive client's fixed 429 sleep against the window it waits out (serial-client.ts).
// k differs per scenario only so that its floor is a few seconds and the process (engine and
// emulator together) has CPU to spare at that rate: a scaled run measures pacing, not this
// machine. Quotas are not rates: they are raised out of the way.
//
// The network. The owner's target holds at a real round trip, not only on loopback, so the
// players' scenarios run twice: on loopback (round trip 0) and at REAL_ROUND_TRIP_MS whatever
// their k. Scaled rates at a 100 ms round trip are harder than Agora's own, not easier: more
// calls share each window's round trip.
import type { LimitKey, LimitOverrides, Limits, RateLimit } from '../src/agora/limits.ts';
import { DOCUMENTED_LIMITS, LIMIT_KEYS, resolveLimits } from '../src/agora/limits.ts';

/** A round trip to Agora's REST gateway from a server in the same area. */
export const REAL_ROUND_TRIP_MS = 100;

export interface TimeScale {
  k: number;
  limits: Limits;
  /** The round trip every API call takes in the scaled run. */
  latencyMs: number;
}

function scaled(rate: RateLimit | null, k: number): RateLimit | null {
  if (!rate) return null;
  const times = (n: number | null | undefined) => (n === undefined || n === null ? n : Math.round(n * k));
  return { perSecond: times(rate.perSecond), perMinute: times(rate.perMinute) };
}

/** Agora's documented limits and round trip compressed k times (k = 10: named create 20/s, delete 1000/s, 10 ms). */
export function timeScale(k: number): TimeScale {
  const overrides: LimitOverrides = { playersPerProject: 100_000, recordingsPerApp: 1_000 };
  for (const key of LIMIT_KEYS) overrides[key] = scaled(DOCUMENTED_LIMITS[key], k);
  return { k, limits: resolveLimits(overrides), latencyMs: Math.round(REAL_ROUND_TRIP_MS / k) };
}

/** Calls per endpoint class. */
export type ClassCalls = Partial<Record<LimitKey, number>>;

/**
 * The floor of `calls` calls of one class: N / rate, the issue owner's definition (200 named
 * creates at 20/s: 10 s). It counts the last window whole, as the first: the run is not done
 * until its last calls are answered, and the window they open is what the next run inherits.
 * A per-minute window binds only past its burst: up to its limit goes at once, and call i + L
 * arrives a minute after call i (the benchmark's List calls never reach it).
 */
export function classFloorMs(calls: number, rate: RateLimit | null | undefined): number {
  if (!rate || calls <= 0) return 0;
  let floor = 0;
  if (rate.perSecond) floor = Math.max(floor, (calls / rate.perSecond) * 1_000);
  if (rate.perMinute) floor = Math.max(floor, Math.floor((calls - 1) / rate.perMinute) * 60_000);
  return floor;
}

export interface Floor {
  ms: number;
  /** The class that sets it, for the table. */
  bindingKey: LimitKey | 'none';
}

/**
 * The floor of a run made of phases (observe before acting): the slowest class's N / rate over
 * the whole run, since the windows do not reset between phases and every call of a class,
 * whichever phase makes it, shares that class's budget. The phases' own order (a List before
 * the creates) is not added: the owner's floor is N / rate of the binding class, and the List,
 * start-up and exit are what the target's margin is for.
 */
export function runFloor(phases: readonly ClassCalls[], limits: Limits): Floor {
  const totals: ClassCalls = {};
  for (const phase of phases) for (const [key, calls] of entries(phase)) totals[key] = (totals[key] ?? 0) + calls;
  let ms = 0;
  let bindingKey: LimitKey | 'none' = 'none';
  for (const [key, calls] of entries(totals)) {
    const floor = classFloorMs(calls, limits[key]);
    if (floor > ms) {
      ms = floor;
      bindingKey = key;
    }
  }
  return { ms, bindingKey };
}

function entries(calls: ClassCalls): [LimitKey, number][] {
  return Object.entries(calls).filter((e): e is [LimitKey, number] => typeof e[1] === 'number' && e[1] > 0);
}

/** List pages for `players` players at the page size agoractl uses (observe.ts): at least one. */
export function listPages(players: number, pageSize = 500): number {
  return Math.max(1, Math.ceil(players / pageSize));
}
