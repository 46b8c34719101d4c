// A webhook that reaches a replica not leading its project is passed on over the state
// database's LISTEN/NOTIFY channel to every replica; the leader queues it as if it had received
// it. Only what queueing needs travels (the resource named and the project whose secret
// verified it): the notification was verified by the replica that received it, and the channel
// is as trusted as the state itself. Still, a payload is checked for shape before use.
import type { DaemonNotification } from './server.ts';
import type { NotificationTarget } from '../resources/kind.ts';

export type RelayedNotification = Pick<DaemonNotification, 'target' | 'project'>;

// Version 2: the target names a kind, a name and an external id, whatever the product.
interface RelayMessage {
  v: 2;
  /** The sending replica, so it ignores its own message. */
  from: string;
  project?: string;
  target: NotificationTarget;
}

/** Whether a notification received here must be passed on: its project is led elsewhere, or unknown. */
export function mustRelay(event: RelayedNotification, leads: (project: string) => boolean): boolean {
  return event.project === undefined || !leads(event.project);
}

export function encodeRelay(from: string, event: RelayedNotification): string {
  const message: RelayMessage = { v: 2, from, ...(event.project !== undefined ? { project: event.project } : {}), target: event.target };
  return JSON.stringify(message);
}

/** The notification a payload carries; undefined for our own, or for anything malformed. */
export function decodeRelay(payload: string, self: string): RelayedNotification | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value['v'] !== 2 || typeof value['from'] !== 'string' || value['from'] === self) return undefined;
  const project = value['project'];
  if (project !== undefined && typeof project !== 'string') return undefined;
  const target = relayedTarget(value['target']);
  if (!target) return undefined;
  return { target, project };
}

function relayedTarget(value: unknown): NotificationTarget | undefined {
  if (!isRecord(value) || typeof value['eventType'] !== 'number' || typeof value['kind'] !== 'string') return undefined;
  const name = optionalString(value['name']);
  const externalId = optionalString(value['externalId']);
  if (name === null || externalId === null || (name === undefined && externalId === undefined)) return undefined;
  return { kind: value['kind'], eventType: value['eventType'], ...(name !== undefined ? { name } : {}), ...(externalId !== undefined ? { externalId } : {}) };
}

/** The string, undefined when absent, null when of another type. */
function optionalString(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
