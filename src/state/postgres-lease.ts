// Per-project leases of the PostgreSQL state (DESIGN.md "Identity, ownership, state"): a row
// per project in `<schema>.leases` with a holder, an epoch and an expiry, taken and renewed by
// compare-and-set in a transaction. The row of project '' is the lease on the whole state (what
// `lock()` without projects takes, and what the file backend's single lock means).
//
// Not advisory locks: a session advisory lock dies with its connection (a pool recycling one
// frees it silently) and, on the embedded single-session server the tests fall back to
// (PGlite behind its socket server), every client shares one session, so such a lock would
// never keep two holders apart. A lease row is plain data every server keeps the same way.
//
// Expiry is measured on the database's clock (`now()`), never the processes': two hosts whose
// clocks disagree still agree on who holds a project. Lock order, to never deadlock: the '' row
// first, then project rows sorted, then (for writes) the state row.
import { hostname } from 'node:os';
import type { PoolClient } from 'pg';
import { settleStamps } from './postgres-rate-windows.ts';
import { WHOLE_STATE } from './postgres-schema.ts';
import { isProcessAlive } from './process-liveness.ts';
import type { LockHolder } from './store.ts';

export interface LeaseClaim {
  /** Unique to this taking of the lease: the same store locking twice is two claims. */
  id: string;
  holder: LockHolder;
  /** Sorted project names, or [WHOLE_STATE]. */
  projects: readonly string[];
  ttlMs: number;
}

export interface LeaseRow {
  project: string;
  holderId: string | null;
  holder: LockHolder | undefined;
  epoch: number;
  live: boolean;
  expiresAt: Date | null;
}

export type LeaseAttempt =
  | { taken: true; epochs: ReadonlyMap<string, number>; takenOver: LockHolder | undefined }
  | { taken: false; busy: LeaseRow };

/**
 * One attempt at taking every lease of the claim at once; all or none. A live lease whose holder
 * is a process of this host that no longer runs (killed, crashed) is ended first, as the file
 * lock takes over a dead pid's lock: the next apply on the host need not wait out the TTL. The
 * previous holder's requests still counted as in flight in the projects' rate windows are
 * settled too (dead, or whose lease expired), or they would block their class for up to the
 * in-flight bound (~65 s).
 */
export async function tryTakeLease(client: PoolClient, schema: string, claim: LeaseClaim): Promise<LeaseAttempt> {
  const abandoned: LockHolder[] = [];
  // Each round ends one abandoned lease; the bound only stops a row flapping between holders.
  for (let round = 0; round < 32; round += 1) {
    const attempt = await attemptLease(client, schema, claim);
    if (attempt.taken) {
      // Whoever left the leases, ended above or expired on its own, may have died mid-call.
      // A holder whose lease expired (paused, partitioned) counts as gone too: its intents are
      // fenced by the epoch, so it sends no mutation once it resumes, and its requests in flight
      // reached Agora long before the TTL ran out.
      for (const holder of [...abandoned, attempt.takenOver]) if (holder) await settleStampsOf(client, schema, holder, claim.projects);
      const takenOver = attempt.takenOver ?? abandoned.at(-1);
      return takenOver ? { ...attempt, takenOver } : attempt;
    }
    const { busy: row } = attempt;
    if (!row.live || row.holderId === null || !row.holder || !isAbandonedHere(row.holder)) return attempt;
    await client.query(`UPDATE ${schema}.leases SET expires_at = now() WHERE project = $1 AND holder_id = $2 AND epoch = $3`, [row.project, row.holderId, row.epoch]);
    abandoned.push(row.holder);
  }
  return await attemptLease(client, schema, claim);
}

/**
 * A holder on this host whose pid no longer runs. The pid is only checked on the host that
 * recorded it; were it wrongly thought dead (a pid namespace of its own), the holder would
 * only lose its lease: its writes are fenced by the epoch, so none lands after the takeover,
 * and its calls still running would count from the takeover rather than from their answers.
 */
function isAbandonedHere(holder: LockHolder | undefined): boolean {
  return holder !== undefined && holder.hostname === hostname() && !isProcessAlive(holder.pid);
}

async function settleStampsOf(client: PoolClient, schema: string, holder: LockHolder, projects: readonly string[]): Promise<void> {
  await settleStamps(client, schema, { pids: [holder.pid], hostname: holder.hostname, projects: projects.includes(WHOLE_STATE) ? 'every' : projects });
}

async function attemptLease(client: PoolClient, schema: string, claim: LeaseClaim): Promise<LeaseAttempt> {
  const whole = claim.projects.includes(WHOLE_STATE);
  await client.query('BEGIN');
  try {
    // The whole-state row is shared by per-project takers and exclusive to a whole-state taker,
    // so the two kinds of claim exclude each other without locking every row.
    const wholeRow = (await selectLeases(client, schema, [WHOLE_STATE], whole ? 'UPDATE' : 'SHARE'))[0];
    let rows: LeaseRow[];
    if (whole) {
      rows = wholeRow ? [wholeRow] : [];
      const others = await client.query<RawLeaseRow>(
        `SELECT ${LEASE_COLUMNS} FROM ${schema}.leases WHERE project <> $1 AND holder_id IS NOT NULL AND expires_at > now() ORDER BY project LIMIT 1`,
        [WHOLE_STATE],
      );
      const other = others.rows[0];
      if (other) return await busy(client, leaseRow(other));
    } else {
      if (wholeRow?.live && wholeRow.holderId !== null) return await busy(client, wholeRow);
      await client.query(`INSERT INTO ${schema}.leases (project) SELECT unnest($1::text[]) ON CONFLICT (project) DO NOTHING`, [claim.projects]);
      rows = await selectLeases(client, schema, claim.projects, 'UPDATE');
    }
    const held = rows.find((row) => row.live && row.holderId !== null);
    if (held) return await busy(client, held);
    const takenOver = rows.find((row) => row.holderId !== null && !row.live)?.holder;
    const updated = await client.query<{ project: string; epoch: string }>(
      `UPDATE ${schema}.leases SET holder_id = $2, holder = $3, epoch = epoch + 1,
         expires_at = now() + $4 * interval '1 millisecond'
       WHERE project = ANY($1::text[]) RETURNING project, epoch`,
      [claim.projects, claim.id, JSON.stringify(claim.holder), claim.ttlMs],
    );
    await client.query('COMMIT');
    return { taken: true, epochs: new Map(updated.rows.map((row) => [row.project, Number(row.epoch)])), takenOver };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function busy(client: PoolClient, row: LeaseRow): Promise<LeaseAttempt> {
  await client.query('ROLLBACK');
  return { taken: false, busy: row };
}

/**
 * Pushes the expiry of every lease of the claim forward, only while it is still ours and not
 * expired: a lease that lapsed may have been taken since, and is never revived. Returns the
 * projects whose lease is lost.
 */
export async function renewLease(client: PoolClient, schema: string, claim: LeaseClaim, epochs: ReadonlyMap<string, number>): Promise<string[]> {
  const lost: string[] = [];
  for (const project of claim.projects) {
    const result = await client.query(
      `UPDATE ${schema}.leases SET expires_at = now() + $4 * interval '1 millisecond'
       WHERE project = $1 AND holder_id = $2 AND epoch = $3 AND expires_at > now()`,
      [project, claim.id, epochs.get(project) ?? -1, claim.ttlMs],
    );
    if (result.rowCount !== 1) lost.push(project);
  }
  return lost;
}

/** Gives the leases up, leaving alone any another holder took after ours lapsed. */
export async function releaseLease(client: PoolClient, schema: string, claim: LeaseClaim): Promise<void> {
  await client.query(`UPDATE ${schema}.leases SET holder_id = NULL, holder = NULL, expires_at = NULL WHERE project = ANY($1::text[]) AND holder_id = $2`, [
    claim.projects,
    claim.id,
  ]);
}

/** Reads lease rows, locking them FOR `mode` until the transaction ends; rows are created by tryTakeLease. */
export async function selectLeases(client: PoolClient, schema: string, projects: readonly string[], mode: 'SHARE' | 'UPDATE'): Promise<LeaseRow[]> {
  const result = await client.query<RawLeaseRow>(
    `SELECT ${LEASE_COLUMNS} FROM ${schema}.leases WHERE project = ANY($1::text[]) ORDER BY project FOR ${mode}`,
    [projects],
  );
  return result.rows.map(leaseRow);
}

const LEASE_COLUMNS = 'project, holder_id, holder, epoch, expires_at, (expires_at IS NOT NULL AND expires_at > now()) AS live';

interface RawLeaseRow {
  project: string;
  holder_id: string | null;
  holder: unknown;
  epoch: string;
  expires_at: Date | null;
  live: boolean;
}

function leaseRow(raw: RawLeaseRow): LeaseRow {
  return { project: raw.project, holderId: raw.holder_id, holder: lockHolder(raw.holder), epoch: Number(raw.epoch), live: raw.live, expiresAt: raw.expires_at };
}

function lockHolder(value: unknown): LockHolder | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, hostname, startedAt, owner } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || typeof hostname !== 'string' || typeof startedAt !== 'number') return undefined;
  return { pid, hostname, startedAt, owner: typeof owner === 'string' ? owner : '' };
}
