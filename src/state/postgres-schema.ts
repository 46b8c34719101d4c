// The PostgreSQL state's tables, created and migrated by agoractl itself. Each migration runs
// once, in order, in a transaction, and is recorded in `<schema>.migrations`; a database
// migrated by a newer agoractl (a version this build does not know) is refused, never touched.
//
// Tables: `state` (one row: format version, lineage, serial), `resources` (one row per
// resource, so a write touches only what changed), `leases` (one row per project; the row of
// project '' is the lease on the whole state), `replicas` (one row per live daemon replica,
// since migration 2), and since migration 3 the shared rate windows (postgres-rate-windows.ts):
// `rate_classes` (one row per project and endpoint class, locked while a slot is taken) and
// `rate_stamps` (the recent requests of every process).
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { quoteIdentifier } from './postgres-location.ts';
import { STATE_VERSION } from './types.ts';

/** The lease row that stands for the whole state: a project name is never empty. */
export const WHOLE_STATE = '';

interface Migration {
  version: number;
  description: string;
  statements(schema: string): { text: string; values?: unknown[] }[];
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'state head, one row per resource, per-project leases',
    statements: (s) => [
      {
        text: `CREATE TABLE ${s}.state (
          id boolean PRIMARY KEY DEFAULT true CHECK (id),
          version integer NOT NULL,
          lineage text NOT NULL,
          serial bigint NOT NULL)`,
      },
      { text: `INSERT INTO ${s}.state (version, lineage, serial) VALUES ($1, $2, 0)`, values: [STATE_VERSION, randomUUID()] },
      {
        // json, not jsonb: it keeps the text exactly as written (jsonb refuses \u0000 and reorders keys).
        text: `CREATE TABLE ${s}.resources (
          key text PRIMARY KEY,
          project text NOT NULL,
          kind text NOT NULL,
          name text NOT NULL,
          body json NOT NULL,
          written_serial bigint NOT NULL)`,
      },
      { text: `CREATE INDEX resources_project ON ${s}.resources (project)` },
      {
        text: `CREATE TABLE ${s}.leases (
          project text PRIMARY KEY,
          holder_id text,
          holder json,
          epoch bigint NOT NULL DEFAULT 0,
          expires_at timestamptz)`,
      },
      { text: `INSERT INTO ${s}.leases (project) VALUES ($1)`, values: [WHOLE_STATE] },
    ],
  },
  {
    version: 2,
    description: 'daemon replicas heartbeat',
    statements: (s) => [
      {
        // One row per running daemon replica, renewed like a lease: the live rows are how many
        // replicas share the projects (postgres-replicas.ts).
        text: `CREATE TABLE ${s}.replicas (
          id text PRIMARY KEY,
          holder json NOT NULL,
          expires_at timestamptz NOT NULL)`,
      },
    ],
  },
  {
    version: 3,
    description: 'rate windows shared by every process calling a project',
    statements: (s) => [
      {
        text: `CREATE TABLE ${s}.rate_classes (
          project text NOT NULL,
          limit_key text NOT NULL,
          PRIMARY KEY (project, limit_key))`,
      },
      {
        // counts_from: when the request's windows start running; send + the in-flight bound
        // until its answer comes, then the answer time (rate-windows.ts). holder_pid and
        // holder_host: the process that sent it, as a lease names its holder, so the stamps
        // of a process that died mid-call can be settled (postgres-rate-windows.ts).
        text: `CREATE TABLE ${s}.rate_stamps (
          id bigserial PRIMARY KEY,
          project text NOT NULL,
          limit_key text NOT NULL,
          holder_pid integer NOT NULL,
          holder_host text NOT NULL,
          sent_at timestamptz NOT NULL,
          counts_from timestamptz NOT NULL)`,
      },
      { text: `CREATE INDEX rate_stamps_class ON ${s}.rate_stamps (project, limit_key, counts_from)` },
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

export interface MigrationReport {
  /** The version before, 0 for a schema agoractl had not created yet. */
  from: number;
  to: number;
  applied: { version: number; description: string }[];
}

/** The schema's migration version, 0 when agoractl has not created it. */
export async function schemaVersion(client: PoolClient, schema: string): Promise<number> {
  const found = await client.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [`${quoteIdentifier(schema)}.migrations`]);
  if (!found.rows[0]?.table) return 0;
  const result = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoteIdentifier(schema)}.migrations`);
  return result.rows[0]?.version ?? 0;
}

/**
 * Brings the schema to this build's version. Concurrent migrators (two pipelines starting on a
 * new database) are serialised by a transaction-scoped advisory lock: it lives only as long as
 * the migration's transaction, so the embedded single-session server's caveat about session
 * locks (see postgres-lease.ts) does not apply to it.
 */
export async function migrateSchema(client: PoolClient, schema: string): Promise<MigrationReport> {
  const s = quoteIdentifier(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`agoractl-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const from = await schemaVersion(client, schema);
    if (from > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(from);
    const applied: MigrationReport['applied'] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      for (const statement of migration.statements(s)) await client.query(statement.text, statement.values);
      await client.query(`INSERT INTO ${s}.migrations (version, description) VALUES ($1, $2)`, [migration.version, migration.description]);
      applied.push({ version: migration.version, description: migration.description });
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, LATEST_SCHEMA_VERSION), applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A schema migrated by a newer agoractl: its tables may no longer mean what this build thinks. */
export class SchemaTooNewError extends Error {
  readonly version: number;

  constructor(version: number) {
    super(`the schema is at migration ${version}, newer than this agoractl's ${LATEST_SCHEMA_VERSION}`);
    this.version = version;
  }
}
