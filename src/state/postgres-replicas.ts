// What daemon replicas sharing one PostgreSQL state tell each other (DESIGN.md "Identity,
// ownership, state"): a heartbeat row per replica in `<schema>.replicas`, renewed like a lease,
// so each knows how many are alive and takes its fair share of the projects; which projects a
// live lease holds; and a LISTEN/NOTIFY channel per schema, on which a replica passes a webhook
// for a project it does not lead to the replica that does.
//
// Its own small pool, apart from the store's: heartbeats and notifications must not wait behind
// state writes, and LISTEN needs one connection of its own for as long as the replica runs.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { stateDatabaseUnavailable, stateLocationInvalid } from './errors.ts';
import { parsePostgresLocation, quoteIdentifier, withPooledClient, withoutPassword, type PostgresLocation } from './postgres-location.ts';
import { WHOLE_STATE } from './postgres-schema.ts';
import type { LockHolder } from './store.ts';

/** PostgreSQL's NAMEDATALEN - 1: a longer channel name is cut by LISTEN and refused by pg_notify. */
const MAX_CHANNEL_LENGTH = 63;
/** pg_notify's payload bound is 8000 bytes; a relayed webhook is a few hundred. */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7_900;
/** How long after the listening connection broke it is opened again. */
const RELISTEN_AFTER_MS = 1_000;

export interface ReplicaBoardOptions {
  /** How long a heartbeat counts without renewal, on the database's clock. */
  ttlMs: number;
}

/** The channel of a state schema: `agoractl_<schema>`, hashed when too long for an identifier. */
export function notifyChannel(schema: string): string {
  const channel = `agoractl_${schema}`;
  if (channel.length <= MAX_CHANNEL_LENGTH) return channel;
  return `agoractl_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

export async function openPostgresReplicaBoard(url: string, options: ReplicaBoardOptions): Promise<PostgresReplicaBoard> {
  let target: PostgresLocation;
  try {
    target = parsePostgresLocation(url);
  } catch (error) {
    throw stateLocationInvalid(error instanceof Error ? error.message : String(error));
  }
  return new PostgresReplicaBoard(target, options);
}

export class PostgresReplicaBoard {
  readonly location: string;
  readonly channel: string;
  readonly #target: PostgresLocation;
  readonly #schema: string;
  readonly #ttlMs: number;
  readonly #pool: pg.Pool;
  #listener: pg.Client | undefined;
  #relisten: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(target: PostgresLocation, options: ReplicaBoardOptions) {
    this.#target = target;
    this.location = target.display;
    this.#schema = quoteIdentifier(target.schema);
    this.channel = notifyChannel(target.schema);
    this.#ttlMs = options.ttlMs;
    this.#pool = new pg.Pool({ connectionString: target.connectionString, max: 2 });
    this.#pool.on('error', () => undefined);
  }

  /**
   * Renews this replica's heartbeat and answers how many replicas are alive, itself included.
   * Rows of replicas gone for a while are deleted here, so the table stays as small as the fleet.
   */
  async heartbeat(id: string, holder: LockHolder): Promise<number> {
    return await this.#query(async (client) => {
      await client.query(
        `INSERT INTO ${this.#schema}.replicas (id, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at`,
        [id, JSON.stringify(holder), this.#ttlMs],
      );
      await client.query(`DELETE FROM ${this.#schema}.replicas WHERE expires_at < now() - interval '1 hour'`);
      const live = await client.query<{ live: string }>(`SELECT count(*) AS live FROM ${this.#schema}.replicas WHERE expires_at > now()`);
      return Math.max(1, Number(live.rows[0]?.live ?? 1));
    });
  }

  /** Removes this replica's heartbeat, so the others count one fewer at once (a clean stop). */
  async leave(id: string): Promise<void> {
    await this.#query((client) => client.query(`DELETE FROM ${this.#schema}.replicas WHERE id = $1`, [id]));
  }

  /** Projects some process holds a live lease on (this replica's included). */
  async heldProjects(): Promise<Set<string>> {
    return await this.#query(async (client) => {
      const held = await client.query<{ project: string }>(
        `SELECT project FROM ${this.#schema}.leases WHERE project <> $1 AND holder_id IS NOT NULL AND expires_at > now()`,
        [WHOLE_STATE],
      );
      return new Set(held.rows.map((row) => row.project));
    });
  }

  /** Sends `payload` to every replica listening on this schema's channel. */
  async notify(payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_NOTIFY_PAYLOAD_BYTES) throw new RangeError(`a notification of ${Buffer.byteLength(payload)} bytes is over ${MAX_NOTIFY_PAYLOAD_BYTES}`);
    await this.#query((client) => client.query('SELECT pg_notify($1, $2)', [this.channel, payload]));
  }

  /**
   * LISTENs on the channel over a connection of its own, and opens it again when it breaks
   * (notifications sent meanwhile are lost: the periodic resync covers them).
   */
  async listen(onPayload: (payload: string) => void, onError: (error: Error) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.#target.connectionString });
    const retry = (error: Error): void => {
      if (this.#listener !== client || this.#closed) return;
      this.#listener = undefined;
      void client.end().catch(() => undefined);
      onError(this.#unavailable(error));
      this.#relisten = setTimeout(() => void this.listen(onPayload, onError).catch(() => undefined), RELISTEN_AFTER_MS);
      this.#relisten.unref();
    };
    client.on('error', retry);
    client.on('end', () => retry(new Error('the listening connection ended')));
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) onPayload(message.payload);
    });
    this.#listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      retry(error instanceof Error ? error : new Error(String(error)));
      throw this.#unavailable(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#relisten);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.#pool.end();
  }

  #query<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withPooledClient(this.#pool, body, (error) => this.#unavailable(error));
  }

  /** StateDatabaseUnavailable, with the URL's password masked wherever the driver repeats it. */
  #unavailable(error: unknown): Error {
    return stateDatabaseUnavailable(this.location, withoutPassword(this.#target, error));
  }
}
