// The PostgreSQL state backend against a real PostgreSQL (or the embedded one where no server
// answers): the shared conformance suite, then what only this backend does — per-project
// leases fenced by epoch, its own schema migrations, one row per resource.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { after, describe, test } from 'node:test';
import { deadPid, describeStateStoreConformance } from '../../src/state/conformance.ts';
import { StateError, StateLockedError } from '../../src/state/errors.ts';
import { openPostgresStateStore, type PostgresStateStore, type PostgresStateStoreOptions } from '../../src/state/postgres-store.ts';
import { LATEST_SCHEMA_VERSION } from '../../src/state/postgres-schema.ts';
import type { StateStore } from '../../src/state/store.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
import { player, steppingClock } from './helpers.ts';
import { closeSharedTestDatabase, sharedTestDatabase, type TestDatabase } from './postgres-server.ts';

const database = sharedTestDatabase;
after(closeSharedTestDatabase);

describeStateStoreConformance('postgres', async () => {
  const db = await database();
  const schema = db.newSchema();
  const store = await openPostgresStateStore(schema.url);
  return {
    store,
    reopen: () => openPostgresStateStore(schema.url),
    // A holder that died leaves its lease to run out: the same row, with an expiry in the past.
    async leaveStaleLock(deadPid) {
      const holder = { pid: deadPid, hostname: 'test-host', startedAt: Date.now() - 60_000, owner: 'agoractl apply' };
      await db.query(`UPDATE "${schema.schema}".leases SET holder_id = 'dead', holder = $1, epoch = epoch + 1, expires_at = now() - interval '1 second' WHERE project = ''`, [
        JSON.stringify(holder),
      ]);
    },
    cleanup: () => schema.drop(),
  };
});

/** Runs `body` with a fresh schema; every store it opens is closed and the schema dropped after. */
async function withSchema(body: (open: (options?: PostgresStateStoreOptions) => Promise<PostgresStateStore>, schema: { url: string; schema: string }, db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await database();
  const schema = db.newSchema();
  const opened: StateStore[] = [];
  const open = async (options: PostgresStateStoreOptions = {}) => {
    const store = await openPostgresStateStore(schema.url, options);
    opened.push(store);
    return store;
  };
  try {
    await body(open, schema, db);
  } finally {
    for (const store of opened) await store.close();
    await schema.drop();
  }
}

function isStateError(code: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof StateError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  };
}

const staging = (name: string) => ({ ...player(name), project: 'staging', key: resourceKey('staging', 'CloudPlayer', name) });

void describe('PostgreSQL state: per-project leases', () => {
  void test('two pipelines on different projects hold their leases at once and each writes its own project', async () => {
    await withSchema(async (open) => {
      const [prodApply, stagingApply] = [await open(), await open()];
      const prodLock = await prodApply.lock({ projects: ['prod'], owner: 'prod pipeline' });
      const stagingLock = await stagingApply.lock({ projects: ['staging'], owner: 'staging pipeline' });
      await Promise.all([prodApply.put(player('a')), stagingApply.put(staging('b'))]);
      await assert.rejects(stagingApply.put(player('intruder')), (error: unknown) => {
        assert.ok(error instanceof StateLockedError, String(error));
        assert.equal(error.holder?.owner, 'prod pipeline');
        return true;
      });
      await Promise.all([prodLock.release(), stagingLock.release()]);
      const reader = await open();
      assert.deepEqual(Object.keys((await reader.load()).resources).sort(), ['prod/CloudPlayer/a', 'staging/CloudPlayer/b']);
    });
  });

  void test('a second apply on the same project waits, then gets the lease once the first releases it', async () => {
    await withSchema(async (open) => {
      const [first, second] = [await open(), await open()];
      const held = await first.lock({ projects: ['prod'] });
      let acquired = false;
      const waiting = second.lock({ projects: ['prod', 'staging'], waitMs: 60_000 }).then((lock) => {
        acquired = true;
        return lock;
      });
      await first.put(player('written-while-held'));
      assert.equal(acquired, false, 'still waiting while prod is leased');
      await held.release();
      const lock = await waiting;
      assert.ok((await second.load()).resources['prod/CloudPlayer/written-while-held']);
      await second.put(player('next'));
      await lock.release();
    });
  });

  void test('a second apply on the same project gives up at its lock timeout, naming the holder and the project', async () => {
    await withSchema(async (open) => {
      const holder = await open();
      const lock = await holder.lock({ projects: ['prod'], owner: 'agoractl apply' });
      const clock = steppingClock();
      const waiter = await open({ clock });
      await assert.rejects(waiter.lock({ projects: ['prod'], waitMs: 30_000 }), (error: unknown) => {
        assert.ok(error instanceof StateLockedError, String(error));
        assert.equal(error.holder?.owner, 'agoractl apply');
        assert.equal(error.holder?.pid, process.pid);
        assert.match(error.message, /project "prod"/);
        return true;
      });
      assert.ok(clock.elapsed() >= 30_000, `waited ${clock.elapsed()} ms of clock time`);
      await lock.release();
    });
  });

  void test('a lock of the whole state and a lock of one project exclude each other', async () => {
    await withSchema(async (open) => {
      const [whole, project] = [await open(), await open()];
      const wholeLock = await whole.lock({ owner: 'agoractl state forget' });
      await assert.rejects(project.lock({ projects: ['prod'] }), StateLockedError);
      await wholeLock.release();
      const projectLock = await project.lock({ projects: ['prod'] });
      await assert.rejects(whole.lock(), StateLockedError);
      await projectLock.release();
    });
  });

  void test('a process whose lease expired (paused past its TTL) cannot write after another took the project over', async () => {
    await withSchema(async (open, schema, db) => {
      // Renewal far in the future: this store behaves as a process paused right after locking.
      const paused = await open({ renewEveryMs: 3_600_000 });
      const pausedLock = await paused.lock({ projects: ['prod'], owner: 'paused apply' });
      await paused.put(player('before-pause'));
      await db.query(`UPDATE "${schema.schema}".leases SET expires_at = now() - interval '1 second' WHERE project = 'prod'`);

      const successor = await open();
      const lock = await successor.lock({ projects: ['prod'], owner: 'next apply' });
      assert.equal(lock.takenOver?.owner, 'paused apply');
      await assert.rejects(paused.put(player('after-pause')), isStateError('StateLeaseLost'));
      await assert.rejects(paused.remove(resourceKey('prod', 'CloudPlayer', 'before-pause')), isStateError('StateLeaseLost'));
      await successor.put(player('by-successor'));

      // The paused process's release leaves the successor's lease alone.
      await pausedLock.release();
      await assert.rejects((await open()).lock({ projects: ['prod'] }), StateLockedError);
      assert.deepEqual(Object.keys((await successor.load()).resources).sort(), ['prod/CloudPlayer/before-pause', 'prod/CloudPlayer/by-successor']);
      await lock.release();
    });
  });

  void test('a lease whose holder died on this host is taken over at once; one held from another host is waited out', async () => {
    await withSchema(async (open, schema, db) => {
      const store = await open();
      const pid = await deadPid();
      // What a SIGKILLed apply leaves: its lease, still live for most of its TTL.
      const leave = (project: string, host: string) =>
        db.query(
          `INSERT INTO "${schema.schema}".leases (project, holder_id, holder, epoch, expires_at) VALUES ($1, 'killed', $2, 1, now() + interval '1 hour')
           ON CONFLICT (project) DO UPDATE SET holder_id = EXCLUDED.holder_id, holder = EXCLUDED.holder, epoch = 1, expires_at = EXCLUDED.expires_at`,
          [project, JSON.stringify({ pid, hostname: host, startedAt: Date.now() - 5_000, owner: 'agoractl apply' })],
        );
      await leave('prod', hostname());
      const lock = await store.lock({ projects: ['prod'], owner: 'next apply' });
      assert.equal(lock.takenOver?.pid, pid, 'the dead holder is named as taken over');
      await store.put(player('after-takeover'));
      await assert.rejects((await open()).lock({ projects: ['prod'] }), StateLockedError, 'the new holder keeps its lease');
      await lock.release();

      await leave('staging', 'another-host');
      await assert.rejects(store.lock({ projects: ['staging'] }), (error: unknown) => {
        assert.ok(error instanceof StateLockedError, String(error));
        assert.equal(error.holder?.hostname, 'another-host');
        return true;
      });
      // The whole state's taker ends an abandoned project lease too, but not another host's.
      await leave('staging', hostname());
      const whole = await store.lock();
      assert.equal(whole.takenOver?.pid, pid);
      await whole.release();
    });
  });

  void test('a held lease is renewed in the background, pushing its expiry forward on the database clock', async () => {
    await withSchema(async (open, schema, db) => {
      const store = await open({ leaseTtlMs: 60_000, renewEveryMs: 5 });
      const lock = await store.lock({ projects: ['prod'] });
      const expiry = async () =>
        ((await db.query(`SELECT expires_at FROM "${schema.schema}".leases WHERE project = 'prod'`)).rows[0] as { expires_at: Date }).expires_at.getTime();
      const first = await expiry();
      for (let look = 0; (await expiry()) <= first; look += 1) {
        assert.ok(look < 2_000, 'the lease was never renewed');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await store.put(player('still-mine'));
      await lock.release();
    });
  });

  void test('a process whose lease expired cannot write even before anyone else takes the project', async () => {
    await withSchema(async (open, schema, db) => {
      const paused = await open({ renewEveryMs: 3_600_000 });
      await paused.lock({ projects: ['prod'] });
      await db.query(`UPDATE "${schema.schema}".leases SET expires_at = now() - interval '1 second' WHERE project = 'prod'`);
      await assert.rejects(paused.put(player('late')), isStateError('StateLeaseLost'));
      assert.deepEqual((await paused.load()).resources, {});
    });
  });
});

void describe('PostgreSQL state: schema and rows', () => {
  void test('creates its schema at the latest migration, and refuses one migrated by a newer agoractl', async () => {
    await withSchema(async (open, schema, db) => {
      const store = await open();
      const migrations = await db.query(`SELECT version FROM "${schema.schema}".migrations ORDER BY version`);
      assert.deepEqual(migrations.rows.map((row: { version: number }) => row.version), Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
      assert.deepEqual((await store.migrate()).applied, [], 'migrating again applies nothing');
      await db.query(`INSERT INTO "${schema.schema}".migrations (version, description) VALUES (999, 'from the future')`);
      await assert.rejects(openPostgresStateStore(schema.url), isStateError('StateVersionUnsupported'));
    });
  });

  void test('keeps one row per resource, and a write rewrites only the resources it changes', async () => {
    await withSchema(async (open, schema, db) => {
      const store = await open();
      await Promise.all([store.put(player('a')), store.put(player('b')), store.put(player('c'))]);
      const before = await db.query(`SELECT key, written_serial FROM "${schema.schema}".resources ORDER BY key`);
      assert.equal(before.rowCount, 3);
      await store.put(player('b', { externalId: 'changed' }));
      const after = await db.query(`SELECT key, written_serial FROM "${schema.schema}".resources ORDER BY key`);
      const serialOf = (rows: { key: string; written_serial: string }[], key: string) => rows.find((row) => row.key === key)?.written_serial;
      const rowsBefore = before.rows as { key: string; written_serial: string }[];
      const rowsAfter = after.rows as { key: string; written_serial: string }[];
      assert.equal(serialOf(rowsAfter, 'prod/CloudPlayer/a'), serialOf(rowsBefore, 'prod/CloudPlayer/a'));
      assert.notEqual(serialOf(rowsAfter, 'prod/CloudPlayer/b'), serialOf(rowsBefore, 'prod/CloudPlayer/b'));
    });
  });

  const UNUSUAL_PASSWORDS: { reason: string; url: (port: number) => string; secret: string }[] = [
    { reason: 'a "%" that escapes nothing', url: (port) => `postgres://agoractl:50%zz-secret@127.0.0.1:${port}/state`, secret: '50%zz-secret' },
    { reason: 'a password in the query string', url: (port) => `postgres://agoractl@127.0.0.1:${port}/state?password=q-secret`, secret: 'q-secret' },
  ];
  for (const row of UNUSUAL_PASSWORDS) {
    void test(`a server that does not answer is reported as unavailable, without the password: ${row.reason}`, async () => {
      const port = await closedPort();
      await assert.rejects(openPostgresStateStore(row.url(port)), (error: unknown) => {
        isStateError('StateDatabaseUnavailable')(error);
        assert.ok(!(error as Error).message.includes(row.secret), (error as Error).message);
        return true;
      });
    });
  }

  void test('a server that does not answer is reported without the password of its URL', async () => {
    const port = await closedPort();
    const url = `postgres://agoractl:pa55-w0rd-x@127.0.0.1:${port}/state?schema=prod`;
    await assert.rejects(openPostgresStateStore(url), (error: unknown) => {
      isStateError('StateDatabaseUnavailable')(error);
      const message = (error as Error).message;
      assert.ok(!message.includes('pa55-w0rd-x'), message);
      assert.ok(message.includes(`agoractl:***@127.0.0.1:${port}/state`), message);
      return true;
    });
  });
});

/** A port on 127.0.0.1 where nothing listens (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}
