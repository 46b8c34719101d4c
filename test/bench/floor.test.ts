import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DOCUMENTED_LIMITS, resolveLimits } from '../../src/agora/limits.ts';
import type { RateLimit } from '../../src/agora/limits.ts';
import { classFloorMs, listPages, runFloor, timeScale } from '../../bench/floor.ts';
import type { ClassCalls } from '../../bench/floor.ts';

describe('classFloorMs: N / rate of one class', () => {
  const cases: { reason: string; calls: number; rate: RateLimit | null; want: number }[] = [
    { reason: 'no call costs nothing', calls: 0, rate: { perSecond: 2 }, want: 0 },
    { reason: 'one call at 2/s is half a window', calls: 1, rate: { perSecond: 2 }, want: 500 },
    { reason: '200 named creates at 20/s: the owner\'s 10 s', calls: 200, rate: { perSecond: 20 }, want: 10_000 },
    { reason: "20 named creates at Agora's 2/s", calls: 20, rate: DOCUMENTED_LIMITS.playerCreateNamed, want: 10_000 },
    { reason: 'a per-minute window does not bind within its burst', calls: 20, rate: { perSecond: 10, perMinute: 20 }, want: 2_000 },
    { reason: 'a per-minute window binds past its burst', calls: 21, rate: { perSecond: 10, perMinute: 20 }, want: 60_000 },
    { reason: 'the per-second window binds when it is the slower one', calls: 21, rate: { perSecond: 1, perMinute: 100 }, want: 21_000 },
    { reason: 'an unlimited class has no floor', calls: 1_000, rate: null, want: 0 },
  ];
  for (const c of cases) {
    test(c.reason, () => {
      assert.equal(classFloorMs(c.calls, c.rate), c.want);
    });
  }
});

describe('runFloor: the binding class over the whole run', () => {
  const limits = resolveLimits({ playerCreateNamed: { perSecond: 20 }, playerListUnfiltered: { perSecond: 100 }, recording: { perSecond: 40 } });
  const cases: { reason: string; phases: ClassCalls[]; want: number; key: string }[] = [
    {
      reason: 'observing with one List and creating 200 players is bound by the creates alone',
      phases: [{ playerListUnfiltered: 1 }, { playerCreateNamed: 200 }],
      want: 10_000,
      key: 'playerCreateNamed',
    },
    {
      reason: 'phases of different classes do not add up: the slowest class binds',
      phases: [{ playerListUnfiltered: 150 }, { playerCreateNamed: 20 }],
      want: 1_500,
      key: 'playerListUnfiltered',
    },
    {
      reason: 'phases of one class share its windows, so their calls count together',
      phases: [{ recording: 40 }, { recording: 40 }],
      want: 2_000,
      key: 'recording',
    },
    { reason: 'calls of unlimited classes set no floor', phases: [{ playerUpdate: 500 }], want: 0, key: 'none' },
  ];
  for (const c of cases) {
    test(c.reason, () => {
      const floor = runFloor(c.phases, limits);
      assert.equal(floor.ms, c.want);
      assert.equal(floor.bindingKey, c.key);
    });
  }
});

describe('timeScale', () => {
  test('multiplies every documented rate by k and divides the round trip by it', () => {
    const scale = timeScale(10);
    assert.deepEqual(scale.limits.playerCreateNamed, { perSecond: 20, perMinute: undefined });
    assert.deepEqual(scale.limits.playerDelete, { perSecond: 1_000, perMinute: undefined });
    assert.deepEqual(scale.limits.playerListUnfiltered, { perSecond: 100, perMinute: 200 });
    assert.equal(scale.limits.playerUpdate, null, 'Update has no documented limit, scaled or not');
    assert.equal(scale.latencyMs, 10);
  });

  test('at k = 1 keeps the documented rates and raises only the quotas', () => {
    const scale = timeScale(1);
    assert.equal(scale.latencyMs, 100);
    assert.equal(scale.limits.playerCreateNamed?.perSecond, DOCUMENTED_LIMITS.playerCreateNamed?.perSecond);
    assert.equal(scale.limits.recording?.perSecond, DOCUMENTED_LIMITS.recording?.perSecond);
    assert.ok((scale.limits.playersPerProject ?? 0) > (DOCUMENTED_LIMITS.playersPerProject ?? 0));
  });
});

test('listPages counts pages of 500, at least one', () => {
  assert.deepEqual([0, 1, 500, 501, 1_000].map((n) => listPages(n)), [1, 1, 1, 2, 2]);
});
