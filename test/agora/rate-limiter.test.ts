import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EndpointLimiter, PENALTY_RECOVERY_MS, WINDOW_SPANS_MS, projectLimiters } from '../../src/agora/rate-limiter.ts';
import type { Slot } from '../../src/agora/rate-limiter.ts';
import { resolveLimits } from '../../src/agora/limits.ts';
import { ManualClock, settle } from './fake-clocks.ts';

const SECOND = WINDOW_SPANS_MS.perSecond;
const MINUTE = WINDOW_SPANS_MS.perMinute;

/** Starts `n` acquisitions in order; `admitted` fills as they are let through. */
function line(limiter: EndpointLimiter, n: number, signal?: AbortSignal) {
  const admitted: Slot[] = [];
  const settled = Array.from({ length: n }, () => limiter.acquire(signal).then((slot) => void admitted.push(slot)));
  return { admitted, settled };
}

void describe('EndpointLimiter', () => {
  void test('lets the per-second limit through at once and the rest a window after the first ones finished', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerCreateNamed', clock, { perSecond: 2 });
    const { admitted } = line(limiter, 5);
    await settle();
    assert.equal(admitted.length, 2);
    for (const slot of admitted) slot.release();
    await clock.advance(SECOND - 1);
    assert.equal(admitted.length, 2, 'nothing more inside the window');
    await clock.advance(1);
    assert.equal(admitted.length, 4);
    for (const slot of admitted.slice(2)) slot.release();
    await clock.advance(SECOND);
    assert.equal(admitted.length, 5);
  });

  void test('with a lead, a slot comes that much early and names the moment the window has room', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerCreateNamed', clock, { perSecond: 1 });
    const first = await limiter.acquire(undefined, 100);
    assert.equal(first.notBefore, clock.now(), 'room now: no wait');
    first.release();
    const releasedAt = clock.now();
    const slots: Slot[] = [];
    void limiter.acquire(undefined, 100).then((slot) => void slots.push(slot));
    void limiter.acquire(undefined, 100).then((slot) => void slots.push(slot));
    await clock.advance(SECOND - 101);
    assert.equal(slots.length, 0, 'not before the lead');
    await clock.advance(1);
    assert.equal(slots.length, 1);
    assert.equal(slots[0]?.notBefore, releasedAt + SECOND, 'sent no sooner than without a lead');
    await clock.advance(5_000);
    assert.equal(slots.length, 1, 'the early slot holds its place: the next waits for its answer');
  });

  void test('a slowed class gives no lead: its wait is a re-check, not a known moment', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerCreateNamed', clock, { perSecond: 2 });
    limiter.penalize();
    const first = await limiter.acquire();
    first.release();
    const slots: Slot[] = [];
    void limiter.acquire(undefined, 500).then((slot) => void slots.push(slot));
    await clock.advance(SECOND - 1);
    assert.equal(slots.length, 0);
    await clock.advance(1);
    assert.equal(slots.length, 1);
    assert.equal(slots[0]?.notBefore, clock.now());
  });

  void test('an attempt still waiting for its answer keeps its place in the window', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerCreateNamed', clock, { perSecond: 2 });
    const { admitted } = line(limiter, 3);
    await clock.advance(5_000);
    assert.equal(admitted.length, 2, 'two in flight for 5 s: the third must wait, however long');
    admitted[0]?.release();
    await clock.advance(SECOND - 1);
    assert.equal(admitted.length, 2, 'the finished one counts for a full window after its answer');
    await clock.advance(1);
    assert.equal(admitted.length, 3);
  });

  void test('the per-minute window holds as well as the per-second one', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerListUnfiltered', clock, { perSecond: 10, perMinute: 20 });
    const { admitted } = line(limiter, 25);
    const releaseAll = () => admitted.forEach((slot) => slot.release());
    await settle();
    assert.equal(admitted.length, 10);
    releaseAll();
    await clock.advance(SECOND);
    assert.equal(admitted.length, 20);
    releaseAll();
    await clock.advance(30_000);
    assert.equal(admitted.length, 20, 'the minute budget is spent');
    await clock.advance(MINUTE - 30_000);
    assert.equal(admitted.length, 25, 'the first ten leave the minute window');
  });

  void test('an unlimited class lets everything through at once', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerUpdate', clock, null);
    const { admitted } = line(limiter, 200);
    await settle();
    assert.equal(admitted.length, 200);
  });

  void test('a 429 halves the class rate, which recovers fully within the recovery time', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('recording', clock, { perSecond: 10 });
    limiter.penalize();
    assert.equal(limiter.stats().factor, 0.5);
    const first = line(limiter, 10);
    await settle();
    assert.equal(first.admitted.length, 5, 'half of 10 per second');
    first.admitted.forEach((slot) => slot.release());
    await clock.advance(PENALTY_RECOVERY_MS);
    assert.equal(limiter.stats().factor, 1);
    first.admitted.forEach((slot) => slot.release());
    await clock.advance(SECOND);
    const second = line(limiter, 20);
    await settle();
    assert.equal(second.admitted.length, 10, 'a full window at the configured rate again');
  });

  void test('Retry-After holds the whole class until the time the server named', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerDelete', clock, { perSecond: 100 });
    limiter.penalize(3_000);
    const { admitted } = line(limiter, 1);
    await clock.advance(2_999);
    assert.equal(admitted.length, 0);
    await clock.advance(1);
    assert.equal(admitted.length, 1);
  });

  void test('a waiter whose signal aborts leaves the line with the reason and frees its turn', async () => {
    const clock = new ManualClock();
    const limiter = new EndpointLimiter('playerCreateNamed', clock, { perSecond: 1 });
    const first = await limiter.acquire();
    const abort = new AbortController();
    const abandoned = limiter.acquire(abort.signal);
    const next = limiter.acquire();
    abort.abort(new Error('closing'));
    await assert.rejects(abandoned, /closing/);
    first.release();
    await clock.advance(SECOND);
    const slot = await next;
    assert.equal(limiter.stats().inFlight, 1);
    slot.release();
  });

  void test('never lets more requests into any window a server could count than the limit (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 1, maxLength: 25 }), async (limit, latencies) => {
        const clock = new ManualClock(0);
        const limiter = new EndpointLimiter('playerCreateNamed', clock, { perSecond: limit });
        const spans: { sent: number; answered: number }[] = [];
        const done = latencies.map(async (latency) => {
          const slot = await limiter.acquire();
          const sent = clock.now();
          await clock.sleep(latency);
          slot.release();
          spans.push({ sent, answered: clock.now() });
        });
        while (spans.length < latencies.length) await clock.advance(50);
        await Promise.all(done);
        // The server counts a request at some moment between sending and answer. For the
        // request sent at `s`, every other request that could have arrived within the
        // second before it (sent no later, answered after s - 1000) shares its window.
        for (const request of spans) {
          const sharing = spans.filter((other) => other !== request && other.sent <= request.sent && other.answered > request.sent - 1_000);
          assert.ok(sharing.length <= limit - 1, `at ${request.sent}: ${sharing.length + 1} requests could share one second (limit ${limit})`);
        }
      }),
      { numRuns: 60 },
    );
  });
});

void describe('projectLimiters', () => {
  void test('two clients of one App ID share one budget; another App ID has its own', () => {
    const clock = new ManualClock();
    const limits = resolveLimits();
    const first = projectLimiters(clock, 'app-shared', limits);
    const second = projectLimiters(clock, 'app-shared', limits);
    const other = projectLimiters(clock, 'app-other', limits);
    assert.equal(first.playerCreateNamed, second.playerCreateNamed);
    assert.notEqual(first.playerCreateNamed, other.playerCreateNamed);
  });

  void test('the documented limits apply unless overridden, key by key', async () => {
    const clock = new ManualClock();
    const limiters = projectLimiters(clock, 'app-overrides', resolveLimits({ playerCreateNamed: { perSecond: 5 } }));
    const named = line(limiters.playerCreateNamed, 10);
    const deletes = line(limiters.playerDelete, 150);
    await settle();
    assert.equal(named.admitted.length, 5, 'overridden: 5 per second');
    assert.equal(deletes.admitted.length, 100, 'documented: Delete 100 per second');
  });
});
