// A postgres:// state location is shown in every message and log about the state: whatever the
// URL's password holds, and whether or not the URL parses, the password never shows.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { parsePostgresLocation, redactPostgresUrl, withPooledClient, withoutPassword } from '../../src/state/postgres-location.ts';
import { closeSharedTestDatabase, sharedTestDatabase } from './postgres-server.ts';

const SECRET = 'pa55';

const ROWS: { reason: string; url: string; shown: string }[] = [
  { reason: 'a plain password', url: `postgres://u:${SECRET}@db:5432/state`, shown: 'postgres://u:***@db:5432/state' },
  { reason: 'an unescaped "@" in the password', url: `postgres://u:${SECRET}@x@db/state`, shown: 'postgres://u:***@db/state' },
  { reason: 'an escaped "@" in the password', url: `postgres://u:${SECRET}%40x@db/state`, shown: 'postgres://u:***@db/state' },
  { reason: 'a "/" in a password, which does not parse', url: `postgres://u:${SECRET}/x@db/state`, shown: 'postgres://u:***@db/state' },
  { reason: 'a "#" in a password, which does not parse', url: `postgres://u:${SECRET}#x@db/state`, shown: 'postgres://u:***@db/state' },
  { reason: 'a password given as a query parameter', url: `postgresql://u@db/state?password=${SECRET}&schema=prod`, shown: 'postgresql://u@db/state?password=***&schema=prod' },
  { reason: 'no password, an "@" further on', url: 'postgres://db:5432/state?application_name=a@b', shown: 'postgres://db:5432/state?application_name=a@b' },
];

void describe('postgres:// state locations', () => {
  for (const row of ROWS) {
    void test(`masks the password: ${row.reason}`, () => {
      assert.equal(redactPostgresUrl(row.url), row.shown);
      let shown: string;
      try {
        shown = parsePostgresLocation(row.url).display;
      } catch (error) {
        shown = error instanceof Error ? error.message : String(error);
      }
      assert.ok(!shown.includes(SECRET), shown);
    });
  }

  void test('a schema that is not a plain identifier is refused, naming it without the password', () => {
    assert.throws(
      () => parsePostgresLocation(`postgres://u:${SECRET}@x@db/state?schema=a;drop`),
      (error: unknown) => error instanceof Error && error.message.includes('"a;drop"') && !error.message.includes(SECRET),
    );
  });

  void test('masks the password in a driver message, however it was given', () => {
    for (const [url, password] of [
      [`postgres://u:${SECRET}%25zz@db/state`, `${SECRET}%zz`],
      [`postgres://u:${SECRET}%zz@db/state`, `${SECRET}%zz`],
      [`postgres://u@db/state?password=${SECRET}`, SECRET],
    ] as const) {
      const message = withoutPassword(parsePostgresLocation(url), new Error(`password "${password}" refused`)).message;
      assert.equal(message, 'password "***" refused', url);
    }
  });
});

void describe('withPooledClient', () => {
  after(closeSharedTestDatabase);

  void test('a connection that errors between statements (the server ended it) does not crash the process, and the pool replaces it', async () => {
    const db = await sharedTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const unavailable = (error: unknown): Error => new Error(`unavailable: ${error instanceof Error ? error.message : String(error)}`);
      const first = await withPooledClient(
        pool,
        async (client) => {
          await client.query('BEGIN');
          // What pg does when idle_in_transaction_session_timeout ends a paused process's
          // connection between two statements: an 'error' event no query takes.
          client.emit('error', new Error('terminating connection due to idle-in-transaction timeout'));
          return client;
        },
        unavailable,
      );
      const second = await withPooledClient(pool, async (client) => (await client.query('SELECT 1'), client), unavailable);
      assert.notEqual(second, first, 'the broken connection went back to the pool');
    } finally {
      await pool.end();
    }
  });
});
