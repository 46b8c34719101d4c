// The OriginSite kind: FLS pull-from-origin settings of one entry point (fls-pull-from-origin.txt).
import type { KindModule } from '../kind.ts';
import { originSiteManifest } from './manifest.ts';
import { diffOriginSite } from './diff.ts';
import { executeOriginSite } from './execute.ts';
import { KIND, decodeOriginSite, type OriginSiteDetail, type OriginSiteRecord, type OriginSiteSpec } from './model.ts';
import { observeOriginSites } from './observe.ts';
import { importOriginSite } from './import.ts';

export function createOriginSiteModule(): KindModule<OriginSiteSpec, OriginSiteRecord, OriginSiteDetail> {
  return {
    kind: KIND,
    manifest: originSiteManifest.rules,
    dataVersion: 1,
    decode: decodeOriginSite,
    observe: observeOriginSites,
    diff: diffOriginSite,
    execute: executeOriginSite,
    importResource: importOriginSite,
    // The daemon answers FLS's pull-from-origin callback from these (daemon/fls-callback.ts).
    routes: (desired) => desired.flatMap((d) => (d.spec.routes ?? []).map((r) => ({ project: d.project, entryPoint: d.name, stream: r.stream, url: r.url }))),
  };
}
