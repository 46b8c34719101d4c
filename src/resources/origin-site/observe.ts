// Observing origin sites: one GET origin_site per entry point agoractl wants or manages
// (fls-pull-from-origin.txt). FLS has no call that returns every entry point's settings at once.
import type { KindObservation, ObserveInput, ObservedResource } from '../kind.ts';
import { AgoraApiError } from '../../agora/client.ts';
import { ORIGIN_UNKNOWN } from './diff.ts';
import type { OriginSiteRecord, OriginSiteSpec } from './model.ts';

export async function observeOriginSites(input: ObserveInput<OriginSiteSpec, OriginSiteRecord>): Promise<KindObservation> {
  const names = new Set<string>([...input.desired.map((d) => d.name), ...input.state.map((s) => s.name)]);
  const resources = new Map<string, ObservedResource>();
  let calls = 0;
  for (const name of [...names].sort()) {
    calls += 1;
    try {
      const settings = await input.client.originSite.get(name);
      resources.set(name, { name, externalId: name, fields: { ...settings } });
    } catch (err) {
      // 404: "the requested entry point does not exist" (fls-pull-from-origin.txt): absent.
      if (err instanceof AgoraApiError && err.status === 404) continue;
      // Anything else says nothing about the settings; diff waits rather than guess.
      resources.set(name, { name, externalId: name, status: ORIGIN_UNKNOWN, fields: { error: err instanceof Error ? err.message : String(err) } });
    }
  }
  return { resources, calls };
}
