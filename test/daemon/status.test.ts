import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceStatusCounts, type ResourceStatus } from '../../src/daemon/status.ts';
import { BLOCKED_AFTER_FAILURES, DerivedGuards } from '../../src/daemon/derived-guards.ts';
import type { Plan } from '../../src/engine/plan.ts';
import type { KeyStatus } from '../../src/engine/work-queue.ts';
import { FakeClock } from './fake-clock.ts';

const KEY = 'prod/CloudPlayer/a';

void describe('agoractl_resources statuses', () => {
  const cases: Record<string, { recorded: boolean; run?: { attempts: number; lastSuccessAt?: number }; blocked?: boolean; drifted?: boolean; want: ResourceStatus }> = {
    'converged by its last reconcile: in_sync': { recorded: true, run: { attempts: 0, lastSuccessAt: 1 }, want: 'in_sync' },
    'in the manifests, not created yet: pending': { recorded: false, run: { attempts: 0 }, want: 'pending' },
    'recorded but not reconciled since the start: pending': { recorded: true, want: 'pending' },
    'its last reconcile failed: failed': { recorded: true, run: { attempts: 1, lastSuccessAt: 1 }, want: 'failed' },
    'a refused plan left its change unapplied: drifted, even while failing': { recorded: true, run: { attempts: 2 }, drifted: true, want: 'drifted' },
    'held back by the reconciler: blocked, before anything else': { recorded: true, run: { attempts: 5 }, drifted: true, blocked: true, want: 'blocked' },
  };
  for (const [reason, c] of Object.entries(cases)) {
    void test(reason, () => {
      const counts = resourceStatusCounts({
        keys: [KEY],
        recorded: new Set(c.recorded ? [KEY] : []),
        runs: new Map(c.run ? [[KEY, c.run]] : []),
        blocked: c.blocked ? [{ key: KEY, code: 'X', reason: 'x', since: 0 }] : [],
        drifted: new Set(c.drifted ? [KEY] : []),
      });
      assert.deepEqual(counts, [{ kind: 'CloudPlayer', status: c.want, count: 1 }]);
    });
  }
});

function plan(partial: Partial<Plan>): Plan {
  return { formatVersion: 1, actions: [], unmanaged: [], errors: [], summary: { create: 0, update: 0, replace: 0, delete: 0, adopt: 0, forget: 0, conflict: 0 }, ...partial };
}

void describe('refusals and blocked resources derived from passes and the queue', () => {
  void test('a refused plan is listed for its project from its first pass until a pass over that project is not refused', async () => {
    const clock = new FakeClock();
    const guards = new DerivedGuards({ clock, statuses: () => [] });
    const refusal = { code: 'MassDeleteRefused' as const, message: 'the plan deletes 9 of 10 CloudPlayer', project: 'prod', kind: 'CloudPlayer' };
    const del = { key: KEY, project: 'prod', kind: 'CloudPlayer', name: 'a', type: 'delete' as const, reason: 'gone', changes: [], detail: {}, quotaDelta: -1 };
    guards.passFinished(['prod'], plan({ errors: [refusal], actions: [del] }));
    const since = clock.now();
    await clock.advance(5_000);
    guards.passFinished(['prod'], plan({ errors: [refusal], actions: [del] }));
    assert.deepEqual(guards.refused(), [{ project: 'prod', kind: 'CloudPlayer', code: 'MassDeleteRefused', message: refusal.message, since }]);
    assert.deepEqual([...guards.drifted(() => undefined)], [KEY]);
    guards.passFinished(['staging'], plan({}));
    assert.equal(guards.refused().length, 1, 'a pass over another project changes nothing here');
    guards.passFinished(['prod'], plan({ actions: [del] }));
    assert.deepEqual(guards.refused(), []);
    assert.deepEqual([...guards.drifted(() => undefined)], []);
  });

  void test(`a key failing ${BLOCKED_AFTER_FAILURES} times in a row is blocked, with its last error, until it succeeds`, () => {
    const clock = new FakeClock();
    let status: KeyStatus = { attempts: BLOCKED_AFTER_FAILURES - 1, lastError: 'stream unreachable', lastErrorAt: 10, queued: true, running: false };
    const guards = new DerivedGuards({ clock, statuses: () => [[KEY, status]] });
    assert.deepEqual(guards.blocked(), []);
    status = { ...status, attempts: BLOCKED_AFTER_FAILURES, lastErrorAt: 20 };
    assert.deepEqual(guards.blocked(), [{ key: KEY, code: 'ReconcileFailing', reason: 'stream unreachable', since: 20 }]);
    status = { ...status, attempts: BLOCKED_AFTER_FAILURES + 1, lastErrorAt: 30 };
    assert.equal(guards.blocked()[0]?.since, 20, 'since stays at when it became blocked');
    status = { ...status, attempts: 0 };
    assert.deepEqual(guards.blocked(), []);
  });
});
