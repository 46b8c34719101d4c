// The PostgreSQL backend of the state store: one row per resource in `<schema>.resources`, the
// lineage and serial in `<schema>.state`, per-project leases in `<schema>.leases`. Concurrent
// puts are grouped into one transaction (GroupCommit), which bumps the serial once and is
// fenced by the leases this store holds: it checks, under a row lock on each lease, that the
// lease is still ours at the epoch we took and not expired, so a process that was paused or cut
// off past its lease writes nothing once another took the project over.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { systemClock, type Clock } from '../clock.ts';
import {
  StateError,
  StateLockedError,
  stateClosed,
  stateCorrupt,
  stateDatabaseUnavailable,
  stateLeaseLost,
  stateLocationInvalid,
  stateVersionUnsupported,
  stateWriteFailed,
} from './errors.ts';
import { defaultOwner } from './file-lock.ts';
import { releaseLease, renewLease, selectLeases, tryTakeLease, type LeaseClaim, type LeaseRow } from './postgres-lease.ts';
import { parsePostgresLocation, quoteIdentifier, withPooledClient, withoutPassword, type PostgresLocation } from './postgres-location.ts';
import { LATEST_SCHEMA_VERSION, migrateSchema, SchemaTooNewError, schemaVersion, WHOLE_STATE, type MigrationReport } from './postgres-schema.ts';
import { PostgresRateWindows, type PostgresRateWindowsOptions } from './postgres-rate-windows.ts';
import { checkedResourceCopy } from './resource-check.ts';
import { applyMutations, snapshotOf, type StateMutation, type StoredState } from './snapshot.ts';
import type { LockHolder, LockOptions, StateLock, StateStore } from './store.ts';
import { parseResourceKey } from './resource-key.ts';
import { STATE_VERSION, type ResourceState, type StateSnapshot } from './types.ts';
import { StateWriteQueue } from './write-queue.ts';

export interface PostgresStateStoreOptions {
  clock?: Clock;
  /** How long a lease lasts without renewal, on the database's clock. */
  leaseTtlMs?: number;
  /** How often a held lease is renewed; well under the TTL, so one missed renewal loses nothing. */
  renewEveryMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_RENEW_EVERY_MS = 10_000;
const POOL_SIZE = 4;

/**
 * Connects to the state at a `postgres://` URL, creating or migrating its schema when it is
 * older than this build. Fails with StateDatabaseUnavailable when the server cannot be used,
 * and never with the URL's password in the message.
 */
export async function openPostgresStateStore(url: string, options: PostgresStateStoreOptions = {}): Promise<PostgresStateStore> {
  const store = new PostgresStateStore(postgresLocation(url), options);
  try {
    await store.ensureSchema();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Runs the migrations the state at `url` lacks, reporting which (`agoractl state migrate`). */
export async function migratePostgresState(url: string): Promise<{ location: string; report: MigrationReport }> {
  const store = new PostgresStateStore(postgresLocation(url), {});
  try {
    return { location: store.location, report: await store.migrate() };
  } finally {
    await store.close();
  }
}

function postgresLocation(url: string): PostgresLocation {
  try {
    return parsePostgresLocation(url);
  } catch (error) {
    throw stateLocationInvalid(error instanceof Error ? error.message : String(error));
  }
}

interface HeldLease {
  claim: LeaseClaim;
  epochs: ReadonlyMap<string, number>;
  /** Set when a renewal found the lease gone: every later write of its projects fails. */
  lost?: string;
  timer?: NodeJS.Timeout;
  /**
   * Local clock time at which the lease may have expired: when the last successful take or
   * renewal was sent, plus the TTL. The database's expiry is later than that, never earlier.
   */
  deadline: number;
  onLost?: (reason: string) => void;
}

export class PostgresStateStore implements StateStore {
  readonly location: string;
  readonly #target: PostgresLocation;
  /** The schema as a quoted SQL identifier. */
  readonly #schema: string;
  readonly #pool: pg.Pool;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #renewEveryMs: number;
  readonly #writer: StateWriteQueue;
  readonly #leases = new Set<HeldLease>();
  readonly #rateWindows: PostgresRateWindows[] = [];
  #closed = false;
  #poolEnded = false;

  constructor(target: PostgresLocation, options: PostgresStateStoreOptions) {
    this.#target = target;
    this.location = target.display;
    this.#schema = quoteIdentifier(target.schema);
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#renewEveryMs = options.renewEveryMs ?? DEFAULT_RENEW_EVERY_MS;
    this.#pool = new pg.Pool({ connectionString: target.connectionString, max: POOL_SIZE });
    // An idle connection the server dropped is replaced at the next query; without a listener
    // its error would end the process.
    this.#pool.on('error', () => undefined);
    // A process paused in the middle of a transaction (SIGSTOP, a frozen VM) keeps its row locks
    // until it resumes: the server ends such a transaction once it has idled a lease's length,
    // so another process can take the leases over (the paused one's lease has lapsed by then).
    const idleMs = Math.max(1_000, this.#ttlMs);
    this.#pool.on('connect', (client) => {
      client.query(`SET idle_in_transaction_session_timeout = ${idleMs}`).catch(() => undefined);
    });
    this.#writer = new StateWriteQueue((mutations) => this.#write(mutations), () => this.#assertOpen());
  }

  /** Creates or migrates the schema when it is behind this build; refuses one migrated by a newer agoractl. */
  async ensureSchema(): Promise<void> {
    await this.#withClient(async (client) => {
      const version = await schemaVersion(client, this.#target.schema);
      if (version > LATEST_SCHEMA_VERSION) throw this.#schemaTooNew(version);
      if (version < LATEST_SCHEMA_VERSION) await this.migrate();
    });
  }

  /** Runs the migrations this schema lacks (what `agoractl state migrate` does). */
  async migrate(): Promise<MigrationReport> {
    return await this.#withClient(async (client) => {
      try {
        return await migrateSchema(client, this.#target.schema);
      } catch (error) {
        if (error instanceof SchemaTooNewError) throw this.#schemaTooNew(error.version);
        throw error;
      }
    });
  }

  async load(): Promise<StateSnapshot> {
    this.#assertOpen();
    // Other projects' holders write while we hold ours, so the database is always read; changes
    // of ours not yet committed are laid over it in call order.
    const stored = await this.#read();
    return snapshotOf(applyMutations(stored, this.#writer.pending()));
  }

  put(resource: ResourceState): Promise<void> {
    return this.#writer.put(resource);
  }

  remove(key: string): Promise<void> {
    return this.#writer.remove(key);
  }

  async lock(options: LockOptions = {}): Promise<StateLock> {
    this.#assertOpen();
    const projects = options.projects && options.projects.length > 0 ? [...new Set(options.projects)].sort() : [WHOLE_STATE];
    const holder: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: this.#clock.now(), owner: options.owner ?? defaultOwner() };
    const claim: LeaseClaim = { id: randomUUID(), holder, projects, ttlMs: this.#ttlMs };
    const deadline = this.#clock.now() + Math.max(0, options.waitMs ?? 0);
    let pollMs = 50;
    for (;;) {
      options.signal?.throwIfAborted();
      const sentAt = this.#clock.now();
      const attempt = await this.#withClient((client) => tryTakeLease(client, this.#schema, claim));
      if (attempt.taken) {
        // Our own unlocked writes land before we start building on the state.
        await this.#writer.idle();
        const lease: HeldLease = { claim, epochs: attempt.epochs, deadline: sentAt + this.#ttlMs, ...(options.onLost ? { onLost: options.onLost } : {}) };
        this.#leases.add(lease);
        this.#scheduleRenewal(lease);
        return {
          ...(attempt.takenOver ? { takenOver: attempt.takenOver } : {}),
          release: () => this.#release(lease),
        };
      }
      const now = this.#clock.now();
      if (now >= deadline) throw this.#locked(attempt.busy);
      await this.#clock.sleep(Math.min(pollMs, deadline - now), options.signal);
      pollMs = Math.min(1000, pollMs * 1.5);
    }
  }

  /**
   * Replaces the whole state by `snapshot`, lineage and serial included, in one transaction
   * (`agoractl state push`). The caller holds the whole-state lock of this store.
   */
  async replaceSnapshot(snapshot: StateSnapshot): Promise<void> {
    this.#assertOpen();
    await this.#writer.idle();
    const resources = Object.values(snapshot.resources).map((resource) => checkedResourceCopy(resource));
    await this.#transaction(async (client) => {
      await this.#fence(client, []);
      await client.query(`DELETE FROM ${this.#schema}.resources`);
      await this.#upsert(client, resources, snapshot.serial);
      await client.query(`UPDATE ${this.#schema}.state SET lineage = $1, serial = $2`, [snapshot.lineage, snapshot.serial]);
    });
  }

  /**
   * The projects' rate windows kept in this database, shared with every process using the
   * state (postgres-rate-windows.ts). They use this store's connections, so close() finishes
   * their writes before ending the pool.
   */
  rateWindows(options: PostgresRateWindowsOptions = {}): PostgresRateWindows {
    this.#assertOpen();
    const windows = new PostgresRateWindows((body) => this.#withClient(body), this.#schema, options);
    this.#rateWindows.push(windows);
    return windows;
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const windows of this.#rateWindows) await windows.close();
      await this.#writer.idle();
      for (const lease of [...this.#leases]) await this.#release(lease).catch(() => undefined);
    }
    if (!this.#poolEnded) {
      this.#poolEnded = true;
      await this.#pool.end();
    }
  }

  async #release(lease: HeldLease): Promise<void> {
    if (!this.#leases.has(lease)) return;
    clearTimeout(lease.timer);
    // Our writes land before the next holder reads the state.
    await this.#writer.idle();
    this.#leases.delete(lease);
    await this.#withClient((client) => releaseLease(client, this.#schema, lease.claim));
  }

  #scheduleRenewal(lease: HeldLease): void {
    lease.timer = setTimeout(() => {
      const sentAt = this.#clock.now();
      if (sentAt >= lease.deadline) {
        // Paused (or starved) past the expiry: the lease may be someone else's by now.
        this.#lose(lease, 'it expired before it could be renewed (the process was paused or starved)');
        return;
      }
      void this.#withClient((client) => renewLease(client, this.#schema, lease.claim, lease.epochs)).then(
        (lost) => {
          if (lost.length > 0) this.#lose(lease, 'its renewal found it expired or taken');
          else if (this.#leases.has(lease)) {
            lease.deadline = sentAt + this.#ttlMs;
            this.#scheduleRenewal(lease);
          }
        },
        // The database did not answer this time: try again at the next tick, unless the lease
        // would expire before it; then it is lost now, before another holder can take it.
        () => {
          if (!this.#leases.has(lease)) return;
          if (this.#clock.now() + this.#renewEveryMs >= lease.deadline) this.#lose(lease, 'the database did not answer its renewals before it expired');
          else this.#scheduleRenewal(lease);
        },
      );
    }, this.#renewEveryMs);
    // Renewal alone must not keep a finished process alive.
    lease.timer.unref();
  }

  #lose(lease: HeldLease, reason: string): void {
    if (lease.lost !== undefined) return;
    lease.lost = reason;
    lease.onLost?.(reason);
  }

  async #read(): Promise<StoredState> {
    return await this.#withClient(async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const head = await client.query<{ version: number; lineage: string; serial: string }>(`SELECT version, lineage, serial FROM ${this.#schema}.state`);
        const rows = await client.query<{ key: string; body: unknown }>(`SELECT key, body FROM ${this.#schema}.resources`);
        await client.query('COMMIT');
        const state = head.rows[0];
        if (!state) throw stateCorrupt(this.location, `the table ${this.#schema}.state has no row`);
        if (state.version !== STATE_VERSION) throw stateVersionUnsupported(this.location, state.version, STATE_VERSION);
        const resources = new Map<string, ResourceState>();
        for (const row of rows.rows) resources.set(row.key, this.#storedResource(row.key, row.body));
        return { version: STATE_VERSION, lineage: state.lineage, serial: Number(state.serial), resources };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  #storedResource(key: string, body: unknown): ResourceState {
    if (typeof body !== 'object' || body === null || (body as { key?: unknown }).key !== key) {
      throw stateCorrupt(this.location, `the row of resource ${JSON.stringify(key)} does not hold that resource`);
    }
    return body as ResourceState;
  }

  async #write(mutations: readonly StateMutation[]): Promise<void> {
    // Only the last change of each key matters; the batch lands as one transaction.
    const last = new Map<string, StateMutation>();
    for (const mutation of mutations) last.set(mutation.type === 'put' ? mutation.resource.key : mutation.key, mutation);
    const puts: ResourceState[] = [];
    const removes: string[] = [];
    const projects = new Set<string>();
    for (const [key, mutation] of last) {
      if (mutation.type === 'put') puts.push(mutation.resource);
      else removes.push(key);
      const project = mutation.type === 'put' ? mutation.resource.project : parseResourceKey(key)?.project;
      if (project) projects.add(project);
    }
    await this.#transaction(async (client) => {
      await this.#fence(client, [...projects].sort());
      const bumped = await client.query<{ serial: string }>(`UPDATE ${this.#schema}.state SET serial = serial + 1 RETURNING serial`);
      const serial = Number(bumped.rows[0]?.serial ?? 0);
      await this.#upsert(client, puts, serial);
      if (removes.length > 0) await client.query(`DELETE FROM ${this.#schema}.resources WHERE key = ANY($1::text[])`, [removes]);
    });
  }

  async #upsert(client: pg.PoolClient, resources: readonly ResourceState[], serial: number): Promise<void> {
    if (resources.length === 0) return;
    const records = resources.map((resource) => ({ key: resource.key, project: resource.project, kind: resource.kind, name: resource.name, body: resource }));
    await client.query(
      `INSERT INTO ${this.#schema}.resources (key, project, kind, name, body, written_serial)
       SELECT r.key, r.project, r.kind, r.name, r.body, $2 FROM json_to_recordset($1::json) AS r(key text, project text, kind text, name text, body json)
       ON CONFLICT (key) DO UPDATE SET project = EXCLUDED.project, kind = EXCLUDED.kind, name = EXCLUDED.name,
         body = EXCLUDED.body, written_serial = EXCLUDED.written_serial`,
      [JSON.stringify(records), serial],
    );
  }

  /**
   * Refuses the write unless this store may write every project it touches. Under a lease: the
   * lease row must still carry our claim at our epoch and be unexpired. Without one: nobody
   * else may hold a live lease on the project or the whole state. The lease rows stay locked
   * (FOR SHARE) until the write commits, so a taker waits for this write and never slips
   * between the check and the write.
   */
  async #fence(client: pg.PoolClient, projects: readonly string[]): Promise<void> {
    const rows = new Map((await selectLeases(client, this.#schema, [WHOLE_STATE, ...projects], 'SHARE')).map((row) => [row.project, row]));
    const whole = [...this.#leases].find((lease) => lease.claim.projects.includes(WHOLE_STATE));
    if (whole) {
      this.#checkOurs(whole, WHOLE_STATE, rows.get(WHOLE_STATE));
      return;
    }
    const wholeRow = rows.get(WHOLE_STATE);
    for (const project of projects) {
      const lease = [...this.#leases].find((held) => held.claim.projects.includes(project));
      if (lease) {
        this.#checkOurs(lease, project, rows.get(project));
        if (wholeRow && isHeldByOther(wholeRow, lease.claim.id)) throw stateLeaseLost(this.location, project, 'another process holds the whole state');
      } else {
        for (const row of [wholeRow, rows.get(project)]) if (row && isHeldByOther(row, undefined)) throw this.#locked(row);
      }
    }
  }

  #checkOurs(lease: HeldLease, project: string, row: LeaseRow | undefined): void {
    const name = project === WHOLE_STATE ? '(the whole state)' : project;
    if (lease.lost === undefined && this.#clock.now() >= lease.deadline) this.#lose(lease, 'it expired before it could be renewed (the process was paused or starved)');
    if (lease.lost !== undefined) throw stateLeaseLost(this.location, name, lease.lost);
    if (!row || row.holderId !== lease.claim.id || row.epoch !== lease.epochs.get(project)) {
      const who = row?.holder ? `; it is now held by ${row.holder.owner || 'an agoractl process'} (pid ${row.holder.pid} on ${row.holder.hostname})` : '';
      throw stateLeaseLost(this.location, name, `the lease was taken over${who}`);
    }
    if (!row.live) throw stateLeaseLost(this.location, name, 'the lease expired before this write (it was not renewed in time)');
  }

  #locked(row: LeaseRow): StateLockedError {
    const what = row.project === WHOLE_STATE ? 'the whole state' : `project ${JSON.stringify(row.project)}`;
    const until = row.expiresAt ? ` until ${row.expiresAt.toISOString()} unless renewed` : '';
    return new StateLockedError(
      this.location,
      row.holder,
      `wait for its lease to expire (${Math.round(this.#ttlMs / 1000)} s after its last renewal)`,
      `It holds the lease on ${what}${until}.`,
    );
  }

  #schemaTooNew(version: number): StateError {
    return stateVersionUnsupported(this.location, `schema migration ${version}`, LATEST_SCHEMA_VERSION);
  }

  async #transaction(body: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    await this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        await body(client);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (error instanceof StateError) throw error;
        throw stateWriteFailed(this.location, this.#scrubbed(error));
      }
    });
  }

  /** Runs `body` on a pooled connection; a failure to connect or to query becomes StateDatabaseUnavailable. */
  #withClient<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withPooledClient(this.#pool, body, (error) =>
      error instanceof StateError || (error instanceof Error && error.name === 'AbortError') ? error : stateDatabaseUnavailable(this.location, this.#scrubbed(error)),
    );
  }

  #scrubbed(error: unknown): Error {
    return withoutPassword(this.#target, error);
  }

  #assertOpen(): void {
    if (this.#closed) throw stateClosed(this.location);
  }
}

function isHeldByOther(row: LeaseRow, mine: string | undefined): boolean {
  return row.live && row.holderId !== null && row.holderId !== mine;
}

