import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffOriginSite, ORIGIN_REASONS } from '../../src/resources/origin-site/diff.ts';
import type { DiffInput, KindState, ObservedResource, PlannedAction } from '../../src/resources/kind.ts';
import { decodeOriginSite, type OriginSiteRecord, type OriginSiteSpec } from '../../src/resources/origin-site/model.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const KEY = resourceKey('prod', 'OriginSite', 'live');
const NOW = Date.UTC(2025, 0, 1, 12);

const direct = { enabled: true, domain: 'origin.example.com', app: 'live' };
const dynamic = { enabled: true, callbackUrl: 'https://hooks.example.com/fls' };

/** A record as state stores it, read the way the engine reads it (through the kind's decode). */
function state(deletionPolicy: 'Orphan' | 'Disable', applied: Record<string, unknown> = direct): KindState<OriginSiteRecord> {
  const data = decodeOriginSite({ deletionPolicy, applied });
  assert.ok(data);
  return { key: KEY, project: 'prod', kind: 'OriginSite', name: 'live', externalId: 'live', data, updatedAt: NOW - 1000 };
}

const seen = (fields: Record<string, unknown>, status?: string): ObservedResource => ({ name: 'live', externalId: 'live', fields, status });

function input(desired: OriginSiteSpec | undefined, st: KindState<OriginSiteRecord> | undefined, observed: ObservedResource | undefined): DiffInput<OriginSiteSpec, OriginSiteRecord> {
  return {
    key: KEY,
    project: 'prod',
    name: 'live',
    desired: desired ? { key: KEY, project: 'prod', kind: 'OriginSite', name: 'live', spec: desired } : undefined,
    state: st,
    observed,
    now: NOW,
  };
}

interface Want {
  type: PlannedAction['type'];
  reason: string;
  patch?: Record<string, unknown>;
  detail?: Record<string, unknown>;
}

const rows: { reason: string; args: DiffInput<OriginSiteSpec, OriginSiteRecord>; want: Want | undefined }[] = [
  { reason: 'settings equal to the manifest need nothing', args: input(direct, state('Orphan'), seen(direct)), want: undefined },
  {
    reason: 'only the field that differs is patched',
    args: input({ ...direct, app: 'live2' }, state('Orphan'), seen(direct)),
    want: { type: 'update', reason: ORIGIN_REASONS.update, patch: { app: 'live2' } },
  },
  {
    reason: 'switching from direct to dynamic pull sets callbackUrl and clears domain and app in the same patch',
    args: input(dynamic, state('Orphan'), seen(direct)),
    want: { type: 'update', reason: ORIGIN_REASONS.update, patch: { domain: '', app: '', callbackUrl: dynamic.callbackUrl } },
  },
  {
    reason: 'switching from dynamic to direct pull sets domain and app and clears callbackUrl',
    args: input(direct, state('Orphan', dynamic), seen(dynamic)),
    want: { type: 'update', reason: ORIGIN_REASONS.update, patch: { domain: direct.domain, app: 'live', callbackUrl: '' } },
  },
  {
    reason: 'an app left out of the manifest is cleared, so the playback URL entry point is used',
    args: input({ enabled: true, domain: 'origin.example.com' }, state('Orphan'), seen(direct)),
    want: { type: 'update', reason: ORIGIN_REASONS.update, patch: { app: '' } },
  },
  { reason: 'empty and absent strings from GET are the same', args: input(dynamic, state('Orphan', dynamic), seen({ ...dynamic, domain: '', app: null })), want: undefined },
  { reason: 'enabled left out of the manifest is not managed', args: input({ domain: 'origin.example.com', app: 'live' }, state('Orphan'), seen({ ...direct, enabled: false })), want: undefined },
  {
    reason: 'routes are agoractl-only (the dynamic-pull callback) and never a difference',
    args: input({ ...dynamic, routes: [{ stream: 'a', url: 'rtmp://x/live/a' }] }, state('Orphan', dynamic), seen(dynamic)),
    want: undefined,
  },
  {
    reason: 'an entry point not in state with differing settings is patched and taken over',
    args: input(direct, undefined, seen({ enabled: false })),
    want: { type: 'update', reason: ORIGIN_REASONS.takeOver, patch: { enabled: true, domain: direct.domain, app: 'live' } },
  },
  { reason: 'an entry point not in state that already matches is adopted', args: input(direct, undefined, seen(direct)), want: { type: 'adopt', reason: ORIGIN_REASONS.adopt } },
  {
    reason: 'an entry point that does not exist is created with its settings',
    args: input(dynamic, undefined, undefined),
    want: { type: 'create', reason: ORIGIN_REASONS.create, patch: { enabled: true, callbackUrl: dynamic.callbackUrl }, detail: { patch: { enabled: true, callbackUrl: dynamic.callbackUrl }, deletionPolicy: 'Orphan' } },
  },
  { reason: 'an entry point whose GET failed is left alone until it is known', args: input({ ...direct, app: 'x' }, state('Orphan'), seen({}, 'unknown')), want: undefined },
  {
    reason: 'a changed deletionPolicy is recorded in state without a call',
    args: input({ ...direct, deletionPolicy: 'Disable' }, state('Orphan'), seen(direct)),
    want: { type: 'update', reason: ORIGIN_REASONS.policy, patch: {} },
  },
  { reason: 'removal with deletionPolicy Orphan only forgets', args: input(undefined, state('Orphan'), seen(direct)), want: { type: 'forget', reason: ORIGIN_REASONS.orphan } },
  {
    reason: 'removal with deletionPolicy Disable turns pull-from-origin off, then forgets',
    args: input(undefined, state('Disable'), seen(direct)),
    want: { type: 'delete', reason: ORIGIN_REASONS.disable, patch: { enabled: false } },
  },
  { reason: 'removal with deletionPolicy Disable of an already disabled entry point only forgets', args: input(undefined, state('Disable'), seen({ ...direct, enabled: false })), want: { type: 'forget', reason: ORIGIN_REASONS.alreadyDisabled } },
  { reason: 'removal with deletionPolicy Disable of an entry point that is gone only forgets', args: input(undefined, state('Disable'), undefined), want: { type: 'forget', reason: ORIGIN_REASONS.gone } },
  { reason: 'removal with deletionPolicy Disable waits while GET fails', args: input(undefined, state('Disable'), seen({}, 'unknown')), want: undefined },
];

void describe('OriginSite diff', () => {
  for (const row of rows) {
    void test(row.reason, () => {
      const actions = diffOriginSite(row.args);
      if (!row.want) {
        assert.deepEqual(actions, []);
        return;
      }
      assert.equal(actions.length, 1);
      const [got] = actions;
      assert.ok(got);
      assert.equal(got.type, row.want.type);
      assert.equal(got.reason, row.want.reason);
      assert.equal(got.quotaDelta, 0);
      if (row.want.patch) assert.deepEqual(got.detail.patch, row.want.patch);
      if (row.want.detail) assert.deepEqual({ ...got.detail, specHash: undefined }, { ...row.want.detail, specHash: undefined });
    });
  }
});
