// The only places the daemon knows about particular kinds: which resources a notification's
// target names, and the FLS callback routes an OriginSite declares. Each belongs to its kind's
// module once the kind seam carries notification routing (issue 16); until then they are kept
// here, together, behind the signatures the rest of the daemon uses.
import type { DesiredResource } from '../resources/kind.ts';
import type { ResourceState } from '../state/types.ts';
import type { OriginSiteRoute } from './fls-callback.ts';
import type { NotificationTarget } from './webhook.ts';

/** Whether a resource (its key, and its state when it has one) is one a notification names. */
export type ResourceMatch = (key: string, state: ResourceState | undefined) => boolean;

/** The resources of any project that `target` names: a player by name or id, a recording by sid. */
export function namedByTarget(target: NotificationTarget): ResourceMatch {
  if (target.product === 'media-pull') {
    return (key, state) => key.endsWith(`/CloudPlayer/${target.name ?? ''}`) || (target.playerId !== undefined && state?.externalId === target.playerId);
  }
  return (key, state) => key.includes('/CloudRecording/') && state?.externalId === target.sid;
}

/** The FLS dynamic-pull routes the OriginSites among `desired` declare. */
export function originSiteRoutes(desired: readonly DesiredResource[]): OriginSiteRoute[] {
  return desired.flatMap((d) => {
    const routes = d.kind === 'OriginSite' ? (d.spec.routes as { stream: string; url: string }[] | undefined) : undefined;
    return (routes ?? []).map((r) => ({ project: d.project, entryPoint: d.name, stream: r.stream, url: r.url }));
  });
}
