// Which player a Media Pull notification names (agora-facts.md "Notifications"): the daemon
// queues that player's key, and the reconcile that follows observes before it acts.
import type { KindNotification, NotificationTarget } from '../kind.ts';
import { KIND } from './model.ts';

/** The productId of Media Pull's notifications (agora-facts.md). */
export const PRODUCT_MEDIA_PULL = 4;

/**
 * Events 1, 3 and 4 carry `payload.player` with at least channelName, id and name; the name is
 * the manifest's `metadata.name`, absent for a player created without one.
 */
export function playerNotificationTarget(notification: KindNotification): NotificationTarget | undefined {
  if (notification.productId !== PRODUCT_MEDIA_PULL) return undefined;
  const player = notification.payload['player'];
  if (!isRecord(player)) return undefined;
  const name = nonEmptyString(player['name']);
  const externalId = nonEmptyString(player['id']);
  if (name === undefined && externalId === undefined) return undefined;
  return { kind: KIND, eventType: notification.eventType, ...(name !== undefined ? { name } : {}), ...(externalId !== undefined ? { externalId } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
