import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLimits, type LimitOverrides } from '../../src/agora/limits.ts';
import {
  defaultResyncIntervalMs,
  MAX_RESYNC_INTERVAL_MS,
  MIN_RESYNC_INTERVAL_MS,
  RESYNC_BUDGET_SHARE,
} from '../../src/engine/resync.ts';

interface Case {
  players: number;
  channels: number;
  projects?: number;
  limits?: LimitOverrides;
  want: number;
}

// Documented budgets: unfiltered List 20/min, filtered List 15/min (agora-facts.md).
const cases: Record<string, Case> = {
  'a small project resyncs at the floor, one unfiltered page being 5% of a minute': {
    players: 50,
    channels: 10,
    want: MIN_RESYNC_INTERVAL_MS,
  },
  'an empty project still lists once, at the floor': { players: 0, channels: 0, want: MIN_RESYNC_INTERVAL_MS },
  '5000 players over many channels: 10 unfiltered pages are half a minute of budget, so every 2 min': {
    players: 5_000,
    channels: 200,
    want: 120_000,
  },
  '5000 players in 3 channels: 3 filtered calls (0.2 min) beat 10 pages (0.5 min)': {
    players: 5_000,
    channels: 3,
    want: 48_000,
  },
  'a huge project is capped at the ceiling': { players: 100_000, channels: 5_000, want: MAX_RESYNC_INTERVAL_MS },
  'raised List limits shorten the interval': {
    players: 20_000,
    channels: 1_000,
    limits: { playerListUnfiltered: { perSecond: 10, perMinute: 200 } },
    want: 48_000,
  },
  'a per-second limit alone counts as 60 times that per minute': {
    players: 1_000,
    channels: 20,
    limits: { playerListUnfiltered: { perSecond: 0.1 } },
    want: 80_000,
  },
  'unlimited List falls to the floor': {
    players: 50_000,
    channels: 50,
    limits: { playerListUnfiltered: null, playerListFiltered: { perSecond: null, perMinute: null } },
    want: MIN_RESYNC_INTERVAL_MS,
  },
  'the number of projects does not lower the worst-case cost': {
    players: 5_000,
    channels: 200,
    projects: 10,
    want: 120_000,
  },
  'no projects: nothing to observe, the ceiling': { players: 0, channels: 0, projects: 0, want: MAX_RESYNC_INTERVAL_MS },
};

void describe('defaultResyncIntervalMs', () => {
  for (const [reason, c] of Object.entries(cases)) {
    void test(reason, () => {
      const got = defaultResyncIntervalMs({
        players: c.players,
        channels: c.channels,
        projects: c.projects ?? 1,
        limits: resolveLimits(c.limits),
      });
      assert.equal(got, c.want);
    });
  }

  void test('between floor and ceiling, resyncs use at most a quarter of the List budget', () => {
    const limits = resolveLimits();
    for (let players = 0; players <= 60_000; players += 1_250) {
      for (const channels of [1, 5, 17, 80, 400]) {
        const interval = defaultResyncIntervalMs({ players, channels, limits, projects: 1 });
        assert.ok(interval >= MIN_RESYNC_INTERVAL_MS && interval <= MAX_RESYNC_INTERVAL_MS);
        if (interval === MAX_RESYNC_INTERVAL_MS) continue;
        const pages = Math.max(1, Math.ceil(players / 500));
        const cheapestShare = Math.min(pages / 20, channels / 15) / (interval / 60_000);
        assert.ok(cheapestShare <= RESYNC_BUDGET_SHARE + 1e-9, `${players} players, ${channels} channels: ${cheapestShare}`);
      }
    }
  });
});
