import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceStatusCounts, type ResourceStatus } from '../../src/daemon/status.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const KEY = resourceKey('prod', 'CloudPlayer', 'a');

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
