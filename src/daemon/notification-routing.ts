// A notification is a hint (controller-runtime's level-triggered reconcile): it decides when to
// look at the resources it names, never what is true of them. This turns a verified notification
// into the match of the keys to queue, and says which secrets verify notifications.
import type { ResolvedProjectDoc } from '../manifest/index.ts';
import { namedByTarget, type ResourceMatch } from './kind-routing.ts';
import type { RelayedNotification } from './webhook-relay.ts';
import type { NotificationSecret } from './webhook.ts';

/** The resources a notification names, within the project whose secret verified it when known. */
export function notificationMatch(event: RelayedNotification): ResourceMatch {
  const named = namedByTarget(event.target);
  const inProject = (key: string): boolean => !event.project || key.startsWith(`${event.project}/`);
  return (key, state) => inProject(key) && named(key, state);
}

/** Each project's notification secret, tagged with the project so a notification names it. */
export function notificationSecrets(projects: readonly ResolvedProjectDoc[]): NotificationSecret[] {
  return projects.flatMap((p) => (p.spec.notifications?.secret ? [{ project: p.metadata.name, secret: p.spec.notifications.secret }] : []));
}
