import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../src/engine/plan.ts';
import { planScaleInput } from '../../bench/plan-scale.ts';

test('the plan-scale inputs plan to the mix the benchmark reports', () => {
  const input = planScaleInput(1_000);
  const plan = buildPlan(input);
  assert.equal(input.desired.length, 1_000);
  assert.equal(input.observed.get('scale')?.get('CloudPlayer')?.resources.size, 1_000);
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.summary, { create: 100, update: 50, replace: 50, delete: 50, adopt: 0, forget: 0, conflict: 0 });
  assert.equal(plan.unmanaged.length, 50);
  // The updates are in place (streamUrl), the replacements are region changes.
  const update = plan.actions.find((a) => a.type === 'update');
  assert.deepEqual(update?.changes.map((c) => c.path), ['streamUrl']);
});
