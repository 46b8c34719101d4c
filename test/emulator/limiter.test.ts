// The sliding windows behind every rate limit, on an injected monotonic clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitKey } from '../../src/agora/limits.ts';
import { RateLimiter, parseLimitOverrides } from '../../src/emulator/limiter.ts';

function fakeTime() {
  let now = 1_000_000;
  return { now: () => now, pass: (ms: number) => (now += ms) };
}

function admitted(limiter: RateLimiter, key: LimitKey, n: number, scope = 'app'): number {
  let ok = 0;
  for (let i = 0; i < n; i += 1) if (limiter.admit(key, scope)) ok += 1;
  return ok;
}

void describe('RateLimiter', () => {
  void test('enforces the documented per-second limit of every endpoint class', () => {
    const table: { key: LimitKey; perSecond: number }[] = [
      { key: 'playerCreateNamed', perSecond: 2 },
      { key: 'playerCreateUnnamed', perSecond: 50 },
      { key: 'playerDelete', perSecond: 100 },
      { key: 'playerListFiltered', perSecond: 2 },
      { key: 'playerListUnfiltered', perSecond: 10 },
      { key: 'recording', perSecond: 10 },
      { key: 'fls', perSecond: 50 },
    ];
    for (const { key, perSecond } of table) {
      const limiter = new RateLimiter({}, fakeTime().now);
      assert.equal(admitted(limiter, key, perSecond + 5), perSecond, key);
    }
    assert.equal(admitted(new RateLimiter({}, fakeTime().now), 'playerUpdate', 1000), 1000, 'Update has no documented limit');
  });

  void test('slides: a call is admitted again once the oldest one in the window is a second old', () => {
    const time = fakeTime();
    const limiter = new RateLimiter({}, time.now);
    assert.equal(admitted(limiter, 'playerCreateNamed', 1), 1);
    time.pass(600);
    assert.equal(admitted(limiter, 'playerCreateNamed', 2), 1);
    time.pass(399);
    assert.equal(admitted(limiter, 'playerCreateNamed', 1), 0);
    time.pass(1);
    assert.equal(admitted(limiter, 'playerCreateNamed', 2), 1, 'the first call left the window');
  });

  void test('enforces the per-minute window of Lists on top of the per-second one', () => {
    const time = fakeTime();
    const limiter = new RateLimiter({}, time.now);
    let ok = 0;
    for (let s = 0; s < 60; s += 1) {
      ok += admitted(limiter, 'playerListFiltered', 2);
      time.pass(1000);
    }
    // 15 in the first minute, then one more as each of those leaves the minute window.
    assert.equal(ok, 15);
    assert.equal(admitted(limiter, 'playerListFiltered', 2), 2);
  });

  void test('counts each App ID separately', () => {
    const limiter = new RateLimiter({}, fakeTime().now);
    assert.equal(admitted(limiter, 'playerListFiltered', 3, 'a'), 2);
    assert.equal(admitted(limiter, 'playerListFiltered', 3, 'b'), 2);
  });

  void test('keeps spent calls when a limit changes, and returns to the starting limits on reset', () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ playersPerProject: 20 }, time.now);
    assert.equal(limiter.quota('playersPerProject'), 20);
    assert.equal(admitted(limiter, 'playerListUnfiltered', 5), 5);
    limiter.update({ playerListUnfiltered: { perSecond: 6 }, playersPerProject: null });
    assert.equal(admitted(limiter, 'playerListUnfiltered', 5), 1);
    assert.equal(limiter.quota('playersPerProject'), null);
    limiter.reset();
    assert.equal(limiter.quota('playersPerProject'), 20);
    assert.equal(admitted(limiter, 'playerListUnfiltered', 15), 10);
  });

  void test('parses the keys of PUT /_emulator/limits and names the first bad one', () => {
    assert.deepEqual(parseLimitOverrides({ fls: { perSecond: 5 }, recording: null, recordingsPerApp: 3 }), {
      overrides: { fls: { perSecond: 5 }, recording: null, recordingsPerApp: 3 },
    });
    const bad = parseLimitOverrides({ fls: { perSecond: 1.5 } });
    assert.ok('error' in bad && bad.error.startsWith('fls'));
  });
});
