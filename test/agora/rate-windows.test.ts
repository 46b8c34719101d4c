import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointLimiter, WINDOW_SPANS_MS } from '../../src/agora/rate-limiter.ts';
import type { Slot } from '../../src/agora/rate-limiter.ts';
import { IN_FLIGHT_BOUND_MS, IN_FLIGHT_RECHECK_MS, MemoryRateWindows, waitForNextSlot } from '../../src/agora/rate-windows.ts';
import type { RateWindowStore } from '../../src/agora/rate-windows.ts';
import { ManualClock, settle } from './fake-clocks.ts';

const SECOND = WINDOW_SPANS_MS.perSecond;
const MINUTE = WINDOW_SPANS_MS.perMinute;

/** Starts `n` acquisitions in order; `admitted` fills as they are let through. */
function line(limiter: EndpointLimiter, n: number) {
  const admitted: Slot[] = [];
  const settled = Array.from({ length: n }, () => limiter.acquire().then((slot) => void admitted.push(slot)));
  return { admitted, settled };
}

/** One limiter per "process", all sharing `store` for project `p`. */
function processes(clock: ManualClock, store: RateWindowStore, n: number, perSecond: number, perMinute?: number): EndpointLimiter[] {
  return Array.from({ length: n }, () => new EndpointLimiter('playerListUnfiltered', clock, { perSecond, perMinute }, { store, project: 'p' }));
}

void describe('MemoryRateWindows', () => {
  void test('grants up to the per-second limit, then answers when the next slot frees', async () => {
    const clock = new ManualClock();
    const store = new MemoryRateWindows(clock);
    const tickets = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await store.reserve('p', 'recording', { perSecond: 3 });
      assert.ok(r.granted);
      tickets.push(r.ticket);
    }
    const refused = await store.reserve('p', 'recording', { perSecond: 3 });
    assert.deepEqual(refused, { granted: false, waitMs: IN_FLIGHT_RECHECK_MS }, 'all three in flight: re-check soon, an answer frees one');
    for (const ticket of tickets) store.answered(ticket);
    await clock.advance(400);
    const waiting = await store.reserve('p', 'recording', { perSecond: 3 });
    assert.deepEqual(waiting, { granted: false, waitMs: SECOND - 400 });
    await clock.advance(SECOND - 400);
    assert.ok((await store.reserve('p', 'recording', { perSecond: 3 })).granted);
    assert.ok((await store.reserve('other', 'recording', { perSecond: 3 })).granted, 'another project has its own budget');
  });

  void test('a stamp never answered frees its slot at the in-flight bound (a process that died mid-call)', async () => {
    const clock = new ManualClock();
    const store = new MemoryRateWindows(clock);
    assert.ok((await store.reserve('p', 'fls', { perSecond: 1 })).granted);
    await clock.advance(IN_FLIGHT_BOUND_MS);
    assert.equal((await store.reserve('p', 'fls', { perSecond: 1 })).granted, false);
    await clock.advance(SECOND);
    assert.ok((await store.reserve('p', 'fls', { perSecond: 1 })).granted);
  });

  void test('waitForNextSlot takes the tighter window', () => {
    const now = 1_000_000;
    const stamps = [now - 50_000, now - 40_000, now - 500];
    assert.equal(waitForNextSlot(stamps, { perSecond: 5, perMinute: 3 }, now), 10_000 + 100, 'the minute is full until its oldest stamp leaves');
    assert.equal(waitForNextSlot(stamps, { perSecond: 1, perMinute: 10 }, now), SECOND - 500);
    assert.equal(waitForNextSlot(stamps, { perSecond: 2 }, now), 0);
  });
});

void describe('EndpointLimiter with shared windows', () => {
  void test('two processes with a per-second limit of 4 admit at most 4 per window between them', async () => {
    const clock = new ManualClock();
    const store = new MemoryRateWindows(clock);
    const [a, b] = processes(clock, store, 2, 4);
    assert.ok(a && b);
    const fromA = line(a, 6);
    const fromB = line(b, 6);
    await settle();
    assert.equal(fromA.admitted.length + fromB.admitted.length, 4, 'each alone would admit 4 at once');
    for (const slot of [...fromA.admitted, ...fromB.admitted]) slot.release();
    await clock.advance(SECOND - 1);
    assert.equal(fromA.admitted.length + fromB.admitted.length, 4);
    await clock.advance(IN_FLIGHT_RECHECK_MS);
    assert.equal(fromA.admitted.length + fromB.admitted.length, 8);
    for (const slot of [...fromA.admitted, ...fromB.admitted].slice(4)) slot.release();
    await clock.advance(SECOND + IN_FLIGHT_RECHECK_MS);
    assert.equal(fromA.admitted.length + fromB.admitted.length, 12);
    const stamps = store.stamps('p', 'playerListUnfiltered');
    for (const at of stamps.filter((s) => s <= clock.now())) {
      assert.ok(stamps.filter((s) => s > at - SECOND && s <= at).length <= 4, `at most 4 requests counted in the second before ${at}`);
    }
  });

  void test('the per-minute budget one process used is spent for the other', async () => {
    const clock = new ManualClock();
    const store = new MemoryRateWindows(clock);
    const [apply, plan] = processes(clock, store, 2, 10, 20);
    assert.ok(apply && plan);
    const first = line(apply, 20);
    await clock.advance(2 * SECOND);
    for (const slot of first.admitted) slot.release();
    await clock.advance(3 * SECOND);
    assert.equal(first.admitted.length, 20);
    const second = line(plan, 1);
    await clock.advance(30_000);
    assert.equal(second.admitted.length, 0, 'the minute is spent by the other process');
    await clock.advance(MINUTE);
    assert.equal(second.admitted.length, 1);
  });

  void test('a store that fails leaves the process on its own pacing and reports the error', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const broken: RateWindowStore = {
      reserve: () => Promise.reject(new Error('database away')),
      answered: () => undefined,
      close: () => Promise.resolve(),
    };
    const limiter = new EndpointLimiter('recording', clock, { perSecond: 2 }, { store: broken, project: 'p', onError: (e) => errors.push(e) });
    const { admitted } = line(limiter, 3);
    await settle();
    assert.equal(admitted.length, 2, 'local pacing still holds');
    assert.equal(errors.length, 2);
  });

  void test('seeded completion times of a previous process count in the windows', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerListUnfiltered', clock, { perSecond: 10, perMinute: 20 });
    limiter.seed(Array.from({ length: 20 }, (_, i) => clock.now() - 5_000 + i));
    assert.equal(limiter.recent().length, 20);
    const { admitted } = line(limiter, 1);
    await clock.advance(MINUTE - 5_000 - 1);
    assert.equal(admitted.length, 0);
    await clock.advance(2);
    assert.equal(admitted.length, 1);
  });
});
