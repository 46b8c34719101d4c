// The text plan: values shown as a manifest would write them, and the fields that force a
// replacement marked as Terraform marks them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlan } from '../../src/engine/render-plan.ts';
import type { Plan } from '../../src/engine/plan.ts';
import { ACTION_TYPES, type ActionType, type FieldChange, type PlannedAction } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

function planWith(type: ActionType, changes: FieldChange[]): Plan {
  const action: PlannedAction = { key: resourceKey('prod', 'CloudPlayer', 'a'), project: 'prod', kind: 'CloudPlayer', name: 'a', type, reason: 'why', changes, detail: {}, quotaDelta: 0 };
  const summary = Object.fromEntries(ACTION_TYPES.map((t) => [t, t === type ? 1 : 0])) as Record<ActionType, number>;
  return { formatVersion: 1, actions: [action], unmanaged: [], errors: [], summary, quotaFree: {}, observedAt: 0 };
}

function line(type: ActionType, change: FieldChange): string {
  const text = renderPlan(planWith(type, [change]));
  const found = text.split('\n').find((l) => l.startsWith('      '));
  return found?.trim() ?? '';
}

const rows: { reason: string; type: ActionType; change: FieldChange; want: string }[] = [
  { reason: 'a plain string shows bare, as YAML writes it', type: 'replace', change: { path: 'region', before: 'na', after: 'eu', forcesReplacement: true }, want: '~ region: na -> eu # forces replacement' },
  { reason: 'a URL shows bare', type: 'update', change: { path: 'streamUrl', before: 'rtmp://o/a', after: 'rtmp://o/b?x=1' }, want: '~ streamUrl: rtmp://o/a -> rtmp://o/b?x=1' },
  { reason: 'a string YAML would read as a number, a boolean or null is quoted', type: 'update', change: { path: 'f', before: '300', after: 'yes' }, want: '~ f: "300" -> "yes"' },
  { reason: 'a string with a space, a # or a quote is quoted, so it cannot read as the line\'s own syntax', type: 'update', change: { path: 'f', before: 'a # b', after: 'x -> "y"' }, want: '~ f: "a # b" -> "x -> \\"y\\""' },
  { reason: 'numbers, booleans and lists show as JSON', type: 'replace', change: { path: 'uid', before: 101, after: [1, 2], forcesReplacement: true }, want: '~ uid: 101 -> [1,2] # forces replacement' },
  { reason: 'a field set where there was none shows (unset) before', type: 'replace', change: { path: 'repeatTime', after: 2, forcesReplacement: true }, want: '~ repeatTime: (unset) -> 2 # forces replacement' },
  { reason: 'a secret shows (sensitive), whatever the plan holds', type: 'replace', change: { path: 'encryptKey', before: 'leaked', after: '(sensitive)', sensitive: true, forcesReplacement: true }, want: '~ encryptKey: (sensitive) -> (sensitive) # forces replacement' },
  { reason: 'a field state did not record says so', type: 'replace', change: { path: 'spec', unrecorded: true, forcesReplacement: true }, want: '~ spec: changed (not recorded before this version) # forces replacement' },
  { reason: 'a create lists values without marks', type: 'create', change: { path: 'region', after: 'na' }, want: '+ region = na' },
];

void describe('text plan', () => {
  for (const row of rows) {
    void test(row.reason, () => {
      assert.equal(line(row.type, row.change), row.want);
    });
  }
});
