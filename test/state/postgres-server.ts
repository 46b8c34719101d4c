// The PostgreSQL the state tests run against: AGORACTL_TEST_DATABASE_URL (default the local
// server CI provides), or, when nothing answers there (a laptop, a fresh clone), an embedded
// PostgreSQL started in this process: PGlite behind its socket server, which speaks the wire
// protocol to `pg` exactly as a server does. Every caller gets schemas of its own, dropped
// afterwards, so test files running in parallel never see each other's tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactPostgresUrl } from '../../src/state/postgres-location.ts';

export const TEST_DATABASE_ENV = 'AGORACTL_TEST_DATABASE_URL';
const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Which server answered: a real one, or the embedded fallback. */
  kind: 'server' | 'embedded';
  /** The database's URL, without a schema. */
  url: string;
  /** A state location in a new schema nobody else uses; `drop` removes it and its tables. */
  newSchema(): { url: string; schema: string; drop(): Promise<void> };
  /** Runs SQL as the test (to play a paused process, or look at the rows). */
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Drops every schema handed out that is still there, and stops the embedded server. */
  close(): Promise<void>;
}

/** Connects to the test database, or starts the embedded one; prints one line saying which. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const configured = process.env[TEST_DATABASE_ENV] || DEFAULT_TEST_DATABASE_URL;
  let url = configured;
  let kind: TestDatabase['kind'] = 'server';
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!(await answers(configured))) {
    const embedded = await startEmbedded();
    url = embedded.url;
    kind = 'embedded';
    stopEmbedded = embedded.stop;
  }
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on('error', () => undefined);
  const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  process.stdout.write(
    kind === 'server'
      ? `# PostgreSQL tests: server ${redactPostgresUrl(url)} (PostgreSQL ${version})\n`
      : `# PostgreSQL tests: nothing answered at ${redactPostgresUrl(configured)}; embedded PGlite at ${url} (PostgreSQL ${version})\n`,
  );
  const schemas = new Set<string>();
  const drop = async (schema: string): Promise<void> => {
    if (!schemas.delete(schema)) return;
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
  return {
    kind,
    url,
    newSchema() {
      const schema = `agoractl_t${process.pid}_${randomBytes(4).toString('hex')}`;
      schemas.add(schema);
      const location = new URL(url);
      location.searchParams.set('schema', schema);
      return { url: location.toString(), schema, drop: () => drop(schema) };
    },
    query: (text, values) => admin.query(text, values),
    async close() {
      for (const schema of [...schemas]) await drop(schema);
      await admin.end();
      await stopEmbedded?.();
    },
  };
}

let shared: Promise<TestDatabase> | undefined;

/** One test database for the whole test file, started at the first call (a file state never starts it). */
export function sharedTestDatabase(): Promise<TestDatabase> {
  shared ??= startTestDatabase();
  return shared;
}

/** Closes the shared database if it was started: for the file's `after` hook. */
export async function closeSharedTestDatabase(): Promise<void> {
  const started = shared;
  shared = undefined;
  if (started) await (await started).close();
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startEmbedded(): Promise<{ url: string; stop(): Promise<void> }> {
  // Loaded only when needed: a machine with a server never starts the WebAssembly build.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  // PGlite is one session; the socket server multiplexes connections onto it, running one
  // connection's transaction at a time. Every store of a test holds a small pool.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 200 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
