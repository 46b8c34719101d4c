import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConvergeBench } from '../../bench/converge.ts';
import type { ScenarioResult } from '../../bench/converge.ts';
import { formatConvergeTable, missedConvergeTargets } from '../../bench/converge-report.ts';

test('every scenario converges for agoractl and the serial client, without a 429, at a tiny size', async () => {
  const results = await runConvergeBench({
    documentedPlayers: 2,
    players: 8,
    mixed: { update: 2, replace: 1, remove: 1, add: 2 },
    deletePlayers: 6,
    recordings: 3,
    roundTrips: [0],
    settleMs: 0,
  });
  assert.deepEqual(
    results.map((r) => [r.scenario, r.n]),
    [
      ['players 0 → N, unscaled', 2],
      ['players 0 → N, loopback', 8],
      ['mixed change set, loopback', 6],
      ['players N → 0, loopback', 6],
      ['recordings 0 → N', 3],
      ['recordings N → 0', 3],
    ],
  );
  for (const r of results) {
    assert.equal(r.agoractl.converged, true, `${r.scenario}: the next plan is empty`);
    assert.equal(r.agoractl.tooManyRequests, 0, `${r.scenario}: agoractl got no 429`);
    assert.equal(r.serial.capped, false, `${r.scenario}: the serial client finished`);
    assert.equal(r.serial.tooManyRequests, 0, `${r.scenario}: a tiny run stays under every limit`);
  }
  // The calls the emulator saw: one List, then one create per player.
  const [, creates, mixed, deletes, starts, stops] = results;
  assert.equal(creates?.agoractl.calls, 1 + 8);
  // List; 1 delete + 1 create per replacement, 1 delete per removal, 1 create per addition, 1 update each.
  assert.equal(mixed?.agoractl.calls, 1 + 2 * 1 + 1 + 2 + 2);
  assert.equal(deletes?.agoractl.calls, 1 + 6);
  assert.equal(starts?.agoractl.calls, 2 * 3, 'acquire and start per recording');
  assert.equal(stops?.agoractl.calls, 2 * 3, 'query and stop per recording');
});

function result(overrides: Partial<ScenarioResult> & { scenario: string }): ScenarioResult {
  return {
    n: 10,
    description: 'ten things',
    scale: { k: 10, latencyMs: 10 },
    floor: { ms: 2_000, bindingKey: 'playerCreateNamed' },
    realFloor: { ms: 20_000, bindingKey: 'playerCreateNamed' },
    agoractl: { ms: 2_100, calls: 11, tooManyRequests: 0, converged: true, summary: 'Apply complete!' },
    serial: { ms: 21_000, measuredMs: 21_000, tooManyRequests: 1, calls: 11, steps: 10, stepsDone: 10, capped: false },
    ...overrides,
  };
}

test('the report prints one row per scenario and names every missed target', () => {
  const results = [
    result({ scenario: 'fine' }),
    result({ scenario: 'slow', agoractl: { ms: 2_400, calls: 11, tooManyRequests: 2, converged: true, summary: '' } }),
    result({ scenario: 'capped', serial: { ms: 8_000, measuredMs: 4_000, tooManyRequests: 3, calls: 6, steps: 10, stepsDone: 5, capped: true } }),
  ];
  const table = formatConvergeTable(results);
  assert.match(table[0] ?? '', /^scenario +\| +N \| floor s \| agoractl s \| ratio \| 429s \| serial s \| serial 429s \| speed-up$/);
  assert.match(table[2] ?? '', /^fine +\| +10 \| +2\.00 \| +2\.10 \| 1\.050 \| +0 \| +21\.0 \| +1 \| +10\.0×$/);
  assert.match(table[4] ?? '', /^capped .*\| +8\.0\* \| +3\* \| +3\.8×$/);
  assert.deepEqual(missedConvergeTargets(results), [
    'slow: 1.200× the floor (target ≤ 1.1)',
    'slow: 2 429s (target 0)',
    'capped: 3.8× faster than the serial client (target ≥ 5×)',
  ]);
});

test('the ratio target is 1.05 on loopback and 1.10 with a round trip', () => {
  const agoractl = { ms: 2_160, calls: 11, tooManyRequests: 0, converged: true, summary: '' };
  const results = [
    result({ scenario: 'loopback', scale: { k: 10, latencyMs: 0 }, agoractl }),
    result({ scenario: 'real network', scale: { k: 10, latencyMs: 100 }, agoractl }),
  ];
  assert.deepEqual(missedConvergeTargets(results), ['loopback: 1.080× the floor (target ≤ 1.05)']);
});
