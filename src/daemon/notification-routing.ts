// A notification is a hint (controller-runtime's level-triggered reconcile): it decides when to
// look at the resources it names, never what is true of them. This turns a verified notification
// into the match of the keys to queue, and says which secrets verify notifications. Which
// resource a payload names is each kind's to say (KindModule.notificationTarget).
import type { ResolvedProjectDoc } from '../manifest/index.ts';
import { inProject, parseResourceKey, type ResourceKey } from '../state/resource-key.ts';
import type { ResourceState } from '../state/types.ts';
import type { RelayedNotification } from './webhook-relay.ts';
import type { NotificationSecret } from './webhook.ts';

/** Whether a resource (its key, and its state when it has one) is one a notification names. */
export type ResourceMatch = (key: ResourceKey, state: ResourceState | undefined) => boolean;

/**
 * The resources a notification names, within the project whose secret verified it when known:
 * of its kind, by name or by the external id state recorded.
 */
export function notificationMatch(event: RelayedNotification): ResourceMatch {
  const { target, project } = event;
  return (key, state) => {
    if (project !== undefined && !inProject(key, project)) return false;
    const identity = parseResourceKey(key);
    if (identity?.kind !== target.kind) return false;
    return (target.name !== undefined && identity.name === target.name) || (target.externalId !== undefined && state?.externalId === target.externalId);
  };
}

/** Each project's notification secret, tagged with the project so a notification names it. */
export function notificationSecrets(projects: readonly ResolvedProjectDoc[]): NotificationSecret[] {
  return projects.flatMap((p) => (p.spec.notifications?.secret ? [{ project: p.metadata.name, secret: p.spec.notifications.secret }] : []));
}
