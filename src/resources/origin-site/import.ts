// Taking an entry point's pull-from-origin settings under management (`agoractl import`). The
// entry point is both the OriginSite's metadata.name and its external id; GET origin_site shows
// every field the manifest sets and PATCH changes each of them (fls-pull-from-origin.txt), so
// nothing needs a replace: differences are recorded as found, and the next plan updates them.
import type { FieldChange, ImportInput, ImportResult } from '../kind.ts';
import { AgoraApiError } from '../../agora/client.ts';
import { desiredSettings, observedSettings, originSiteHash, settingsPatch, type OriginSiteRecord, type OriginSiteSpec } from './model.ts';

export async function importOriginSite(input: ImportInput<OriginSiteSpec>): Promise<ImportResult<OriginSiteRecord>> {
  const { desired, externalId } = input;
  if (input.resourceId !== undefined) return refused('--resource-id is for CloudRecording imports; an origin site is named by its entry point alone');
  if (externalId !== desired.name) {
    return refused(`an OriginSite's id is its entry point, which is its metadata.name: import OriginSite/${desired.name} as ${desired.name}, or name the manifest ${externalId}`);
  }
  let fields: Record<string, unknown>;
  try {
    fields = { ...(await input.client.originSite.get(externalId)) };
  } catch (err) {
    // 404: "the requested entry point does not exist" (fls-pull-from-origin.txt).
    if (err instanceof AgoraApiError && err.status === 404) return refused(`entry point ${externalId} does not exist in project ${desired.project}; apply creates it`);
    throw err;
  }
  const have = observedSettings(fields);
  const patch = settingsPatch(desiredSettings(desired.spec), have);
  const updates: FieldChange[] = Object.entries(patch).map(([path, after]) => ({ path, before: have[path as keyof typeof have], after }));
  const applied = { ...have };
  const policy = desired.spec.deletionPolicy ?? 'Orphan';
  const notes = [`deletionPolicy ${policy} is the manifest's (agoractl's own: Agora does not keep it)`];
  return { type: 'recorded', externalId, specHash: originSiteHash(desired.spec), data: { deletionPolicy: policy, applied }, updates, notes };
}

function refused(reason: string, changes: FieldChange[] = []): ImportResult<OriginSiteRecord> {
  return { type: 'refused', reason, changes };
}
