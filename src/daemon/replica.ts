// A daemon on a PostgreSQL state is one of several replicas: they share the projects by leases
// (daemon/leadership.ts) and pass each other the notifications that reached the wrong one
// (daemon/webhook-relay.ts) over the database's LISTEN/NOTIFY channel.
import type { Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import type { StateStore } from '../state/store.ts';
import { ProjectLeadership, type LeadershipOptions, type ReplicaBoard } from './leadership.ts';
import { decodeRelay, type RelayedNotification } from './webhook-relay.ts';

/** Who a replica is in lease rows and on the board. */
export const REPLICA_OWNER = 'agoractl reconcile --watch';

export interface DaemonReplicaBoard extends ReplicaBoard {
  notify(payload: string): Promise<void>;
  listen(onPayload: (payload: string) => void, onError: (err: Error) => void): Promise<void>;
  close(): Promise<void>;
}

/** The board of a PostgreSQL state's replicas; the driver is loaded only for a database. */
export async function openReplicaBoard(location: string, ttlMs: number): Promise<DaemonReplicaBoard> {
  const { openPostgresReplicaBoard } = await import('../state/postgres-replicas.ts');
  return await openPostgresReplicaBoard(location, { ttlMs });
}

/** Heartbeats and rebalancing: often enough to take a dead replica's projects soon after they expire. */
export function leadershipTickMs(leaseTtlMs: number): number {
  return Math.min(2_000, Math.max(100, Math.floor(leaseTtlMs / 3)));
}

/** This replica's share of the projects, not yet started. */
export function replicaLeadership(input: {
  store: StateStore;
  board: ReplicaBoard;
  clock: Clock;
  logger: Logger;
  leaseTtlMs: number;
  projects: () => readonly string[];
  onChange: LeadershipOptions['onChange'];
}): ProjectLeadership {
  const { leaseTtlMs, ...rest } = input;
  return new ProjectLeadership({ ...rest, owner: REPLICA_OWNER, everyMs: leadershipTickMs(leaseTtlMs) });
}

/** Queues, through `enqueue`, the notifications other replicas pass on for projects this one leads. */
export async function listenForRelays(input: {
  board: DaemonReplicaBoard;
  leadership: ProjectLeadership;
  logger: Logger;
  enqueue: (event: RelayedNotification) => Promise<unknown>;
  describeError: (err: unknown) => string;
}): Promise<void> {
  const { board, leadership, logger } = input;
  await board.listen(
    (payload) => {
      const relayed = decodeRelay(payload, leadership.id);
      if (!relayed || (relayed.project !== undefined && !leadership.leads(relayed.project))) return;
      logger.info({ event: 'webhook.relayed', project: relayed.project }, 'notification passed on by another replica');
      void input.enqueue(relayed).catch(() => undefined);
    },
    (err) => logger.warn({ event: 'replica.listen_failed', err: input.describeError(err) }, 'lost the notification channel; listening again'),
  );
}
