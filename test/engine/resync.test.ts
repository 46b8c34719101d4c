import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLimits, type LimitOverrides, type Limits } from '../../src/agora/limits.ts';
import { builtInKinds } from '../../src/resources/builtin.ts';
import type { DesiredResource } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
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
  'other projects, with their own budgets, do not change the busiest one’s pace': {
    players: 5_000,
    channels: 200,
    projects: 10,
    want: 120_000,
  },
  'no projects: nothing to observe, the ceiling': { players: 0, channels: 0, projects: 0, want: MAX_RESYNC_INTERVAL_MS },
};

const modules = (await builtInKinds()).all();

/** `count` players of project p0 spread over `channels` channels. */
function players(count: number, channels: number): DesiredResource[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `p-${i}`;
    return { key: resourceKey('p0', 'CloudPlayer', name), project: 'p0', kind: 'CloudPlayer', name, spec: { channelName: `c${i % Math.max(1, channels)}` } };
  });
}

/** Project p0 and `count - 1` others with nothing declared, all with `limits`. */
function projects(count: number, limits: Limits): { name: string; limits: Limits }[] {
  return Array.from({ length: count }, (_, i) => ({ name: `p${i}`, limits }));
}

void describe('defaultResyncIntervalMs', () => {
  for (const [reason, c] of Object.entries(cases)) {
    void test(reason, () => {
      const got = defaultResyncIntervalMs(modules, players(c.players, c.channels), projects(c.projects ?? 1, resolveLimits(c.limits)));
      assert.equal(got, c.want);
    });
  }

  void test('between floor and ceiling, resyncs use at most a quarter of the List budget', () => {
    const limits = resolveLimits();
    for (let count = 0; count <= 60_000; count += 7_500) {
      for (const channels of [1, 5, 17, 80, 400]) {
        const interval = defaultResyncIntervalMs(modules, players(count, channels), projects(1, limits));
        assert.ok(interval >= MIN_RESYNC_INTERVAL_MS && interval <= MAX_RESYNC_INTERVAL_MS);
        if (interval === MAX_RESYNC_INTERVAL_MS) continue;
        const pages = Math.max(1, Math.ceil(count / 500));
        const cheapestShare = Math.min(pages / 20, Math.min(channels, Math.max(1, count)) / 15) / (interval / 60_000);
        assert.ok(cheapestShare <= RESYNC_BUDGET_SHARE + 1e-9, `${count} players, ${channels} channels: ${cheapestShare}`);
      }
    }
  });
});
