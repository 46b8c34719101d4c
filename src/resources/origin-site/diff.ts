// Deciding what an entry point's pull-from-origin settings need. Pure. An origin site is never
// replaced: every field is set in place by PATCH (fls-pull-from-origin.txt).
import type { DiffInput, FieldChange, PlannedAction } from '../kind.ts';
import { KIND, desiredSettings, isSettled, observedSettings, originSiteHash, settingsPatch, type OriginSettings, type OriginSiteDetail, type OriginSiteRecord, type OriginSiteSpec } from './model.ts';
import { actionFactory } from '../action.ts';

/** observe's status of an entry point whose GET failed with something other than 404. */
export const ORIGIN_UNKNOWN = 'unknown';

export const ORIGIN_REASONS = {
  orphan: 'removed from the manifests; deletionPolicy Orphan leaves its settings in Agora as they are',
  disable: 'removed from the manifests; deletionPolicy Disable turns pull-from-origin off',
  alreadyDisabled: 'removed from the manifests; pull-from-origin is already off',
  gone: 'removed from the manifests; the entry point no longer exists',
  create: 'the entry point does not exist: create it and set pull-from-origin',
  update: 'pull-from-origin settings differ',
  takeOver: 'pull-from-origin settings differ; agoractl starts managing this entry point',
  adopt: 'the entry point already has the settings of the manifest',
  policy: 'deletionPolicy changed (agoractl keeps it in state; nothing is sent to Agora)',
} as const;

export function diffOriginSite(input: DiffInput<OriginSiteSpec, OriginSiteRecord>): PlannedAction<OriginSiteDetail>[] {
  const { desired, observed, state } = input;
  const action = actionFactory<OriginSiteDetail>(input, KIND, {});
  const data = isSettled(state?.data) ? state.data : undefined;

  if (!desired) {
    if (!state) return [];
    if (data?.deletionPolicy !== 'Disable') return [action('forget', ORIGIN_REASONS.orphan)];
    if (observed?.status === ORIGIN_UNKNOWN) return [];
    if (!observed) return [action('forget', ORIGIN_REASONS.gone)];
    if (observed.fields.enabled === false) return [action('forget', ORIGIN_REASONS.alreadyDisabled)];
    return [action('delete', ORIGIN_REASONS.disable, { detail: { patch: { enabled: false } }, changes: [{ path: 'enabled', before: observed.fields.enabled, after: false }] })];
  }

  const want = desiredSettings(desired.spec);
  const policy = desired.spec.deletionPolicy ?? 'Orphan';
  const specHash = originSiteHash(desired.spec);
  if (!observed) {
    const patch = settingsPatch(want, undefined);
    return [action('create', ORIGIN_REASONS.create, { detail: { patch, deletionPolicy: policy, specHash }, changes: patchChanges(patch, undefined) })];
  }
  if (observed.status === ORIGIN_UNKNOWN) return [];

  const have = observedSettings(observed.fields);
  const patch = settingsPatch(want, have);
  if (Object.keys(patch).length > 0) {
    return [action('update', state ? ORIGIN_REASONS.update : ORIGIN_REASONS.takeOver, { detail: { patch, deletionPolicy: policy, specHash }, changes: patchChanges(patch, have) })];
  }
  if (!state) return [action('adopt', ORIGIN_REASONS.adopt, { detail: { patch: {}, deletionPolicy: policy, specHash } })];
  if (data?.deletionPolicy !== policy) {
    return [action('update', ORIGIN_REASONS.policy, { detail: { patch: {}, deletionPolicy: policy, specHash }, changes: [{ path: 'deletionPolicy', before: data?.deletionPolicy, after: policy }] })];
  }
  return [];
}

function patchChanges(patch: Partial<OriginSettings>, have: OriginSettings | undefined): FieldChange[] {
  return Object.entries(patch).map(([path, after]) => ({ path, before: have?.[path as keyof OriginSettings], after }));
}
