// Rate windows shared through the PostgreSQL state: two stores on one schema play two
// processes (each its own pool), on one injected clock so no test waits for real seconds.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { setTimeout as realDelay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { EndpointLimiter, WINDOW_SPANS_MS } from '../../src/agora/rate-limiter.ts';
import type { Reservation } from '../../src/agora/rate-windows.ts';
import { deadPid } from '../../src/state/conformance.ts';
import { openPostgresStateStore, type PostgresStateStore } from '../../src/state/postgres-store.ts';
import { ManualClock, settle } from '../agora/fake-clocks.ts';
import { closeSharedTestDatabase, sharedTestDatabase, type TestDatabase } from './postgres-server.ts';

const SECOND = WINDOW_SPANS_MS.perSecond;

const database = sharedTestDatabase;
after(closeSharedTestDatabase);

async function withProcesses(body: (stores: [PostgresStateStore, PostgresStateStore], db: TestDatabase, schema: string) => Promise<void>): Promise<void> {
  const db = await database();
  const schema = db.newSchema();
  const stores: PostgresStateStore[] = [];
  try {
    stores.push(await openPostgresStateStore(schema.url), await openPostgresStateStore(schema.url));
    const [a, b] = stores;
    assert.ok(a && b);
    await body([a, b], db, schema.schema);
  } finally {
    for (const store of stores) await store.close();
    await schema.drop();
  }
}

/** Real time passes until no store has a query in flight and the answers' continuations ran. */
async function quiet(windows: readonly { busy: boolean }[]): Promise<void> {
  for (let waited = 0; ; waited += 2) {
    if (waited > 10_000) assert.fail('the rate windows stayed busy for 10 s');
    await settle();
    if (windows.every((w) => !w.busy)) {
      await settle();
      if (windows.every((w) => !w.busy)) return;
    }
    await realDelay(2);
  }
}

const granted = (reservations: Reservation[]) => reservations.filter((r) => r.granted).length;

void describe('PostgreSQL rate windows', () => {
  void test('two processes asking at once for more than the per-second limit get exactly the limit between them', async () => {
    await withProcesses(async ([first, second], db, schema) => {
      const clock = new ManualClock();
      const [a, b] = [first.rateWindows({ clock }), second.rateWindows({ clock })];
      const ask = () => Array.from({ length: 5 }, (_, i) => (i % 2 === 0 ? a : b).reserve('prod', 'recording', { perSecond: 3 }));
      const round = await Promise.all([...ask(), ...ask()]);
      assert.equal(granted(round), 3);
      for (const r of round) if (!r.granted) assert.ok(r.waitMs > 0 && r.waitMs <= 250, 'all three in flight: a short re-check');
      // A ticket names a row of the database: either process's store may report its answer.
      for (const r of round) if (r.granted) a.answered(r.ticket);
      await Promise.all([a.close(), b.close()]);
      const [c, d] = [first.rateWindows({ clock }), second.rateWindows({ clock })];
      const answeredWait = await c.reserve('prod', 'recording', { perSecond: 3 });
      assert.deepEqual(answeredWait, { granted: false, waitMs: SECOND }, 'answered at this instant: the window runs a full second from now');
      await clock.advance(SECOND);
      const next = await Promise.all([c, d, c, d].map((w) => w.reserve('prod', 'recording', { perSecond: 3 })));
      assert.equal(granted(next), 3);
      assert.equal(granted(await Promise.all([c.reserve('staging', 'recording', { perSecond: 3 })])), 1, 'another project has its own windows');
      const rows = await db.query(`SELECT count(*)::int AS n FROM "${schema}".rate_stamps WHERE project = 'prod'`);
      assert.equal((rows.rows[0] as { n: number }).n, 6);
    });
  });

  void test('two limiters of one project (two processes) with a per-second limit of 3 admit at most 3 per second between them', async () => {
    await withProcesses(async ([first, second]) => {
      const clock = new ManualClock();
      const windows = [first.rateWindows({ clock }), second.rateWindows({ clock })];
      const [one, two] = windows.map((store) => new EndpointLimiter('playerListUnfiltered', clock, { perSecond: 3, perMinute: 100 }, { store, project: 'prod' }));
      assert.ok(one && two);
      const grants: number[] = [];
      const total = 10;
      const calls = Array.from({ length: total }, (_, i) =>
        (i % 2 === 0 ? one : two).acquire().then((slot) => {
          grants.push(clock.now());
          slot.release(); // answered at once
        }),
      );
      // Time moves on only once the database answered every waiter that woke.
      await quiet(windows);
      while (grants.length < total) {
        await clock.advance(50);
        await quiet(windows);
      }
      await Promise.all(calls);
      for (const at of grants) {
        const inSecond = grants.filter((g) => g >= at && g < at + SECOND).length;
        assert.ok(inSecond <= 3, `${inSecond} requests admitted in the second from ${at}: ${grants.join(', ')}`);
      }
      assert.ok((grants.at(-1) ?? 0) - (grants[0] ?? 0) >= 3 * SECOND, 'ten requests at three a second span over three seconds');
    });
  });

  void test('a process killed mid-call stops blocking the window once its lease is taken over on its host', async () => {
    await withProcesses(async ([first, second], db, schema) => {
      // The lease is taken over on the database's clock: the windows' clock starts at real time.
      const clock = new ManualClock(Date.now());
      const dead = await deadPid();
      const killed = first.rateWindows({ clock, holder: { pid: dead, hostname: hostname() } });
      assert.equal(granted([await killed.reserve('prod', 'playerListUnfiltered', { perSecond: 1 })]), 1, 'its List was sent and never answered');
      await killed.close();
      await leaveLease(db, schema, 'prod', { pid: dead, hostname: hostname() });

      const lock = await second.lock({ projects: ['prod'], owner: 'next apply' });
      assert.equal(lock.takenOver?.pid, dead);
      assert.equal(await inFlight(db, schema, dead), 0, 'its stamp counts from the takeover, no longer from send + the in-flight bound');
      // Well past the takeover, well before the in-flight bound (65 s).
      await clock.advance(5 * SECOND);
      const next = second.rateWindows({ clock });
      assert.equal(granted([await next.reserve('prod', 'playerListUnfiltered', { perSecond: 1 })]), 1);
      await lock.release();
    });
  });

  void test('requests in flight of a live process, or of a process on another host, keep blocking after a takeover', async () => {
    await withProcesses(async ([first, second], db, schema) => {
      const clock = new ManualClock(Date.now());
      const dead = await deadPid();
      // The test runner that started this file runs on; the other host's pid is dead here, which proves nothing there.
      const live = first.rateWindows({ clock, holder: { pid: process.ppid, hostname: hostname() } });
      const remote = first.rateWindows({ clock, holder: { pid: dead, hostname: 'another-host' } });
      assert.equal(granted([await live.reserve('prod', 'playerListUnfiltered', { perSecond: 1 })]), 1);
      assert.equal(granted([await remote.reserve('prod', 'playerListFiltered', { perSecond: 1 })]), 1);
      await Promise.all([live.close(), remote.close()]);
      // A process of this host with the remote one's pid died holding the lease: only its own stamps are settled.
      await leaveLease(db, schema, 'prod', { pid: dead, hostname: hostname() });
      const lock = await second.lock({ projects: ['prod'] });
      assert.equal(lock.takenOver?.pid, dead);

      await clock.advance(5 * SECOND);
      const next = second.rateWindows({ clock });
      for (const key of ['playerListUnfiltered', 'playerListFiltered'] as const) {
        const reservation = await next.reserve('prod', key, { perSecond: 1 });
        assert.ok(!reservation.granted && reservation.waitMs <= 250, `${key}: still in flight, re-checked shortly (${JSON.stringify(reservation)})`);
      }
      assert.equal(await inFlight(db, schema, dead), 1, 'the other host\'s stamp is untouched');
      await lock.release();
    });
  });

  void test('a reservation blocked by a dead process of this host settles its stamps and waits only for the window', async () => {
    await withProcesses(async ([first, second]) => {
      const clock = new ManualClock();
      const killed = first.rateWindows({ clock, holder: { pid: await deadPid(), hostname: hostname() } });
      assert.equal(granted([await killed.reserve('prod', 'recording', { perSecond: 1 })]), 1);
      await killed.close();
      const next = second.rateWindows({ clock });
      assert.deepEqual(await next.reserve('prod', 'recording', { perSecond: 1 }), { granted: false, waitMs: SECOND }, 'counted from now: one second, not 65');
      await clock.advance(SECOND);
      assert.equal(granted([await next.reserve('prod', 'recording', { perSecond: 1 })]), 1);
    });
  });
});

/** What a SIGKILLed process leaves: its lease on `project`, live for an hour. */
async function leaveLease(db: TestDatabase, schema: string, project: string, holder: { pid: number; hostname: string }): Promise<void> {
  await db.query(
    `INSERT INTO "${schema}".leases (project, holder_id, holder, epoch, expires_at) VALUES ($1, 'killed', $2, 1, now() + interval '1 hour')
     ON CONFLICT (project) DO UPDATE SET holder_id = EXCLUDED.holder_id, holder = EXCLUDED.holder, epoch = 1, expires_at = EXCLUDED.expires_at`,
    [project, JSON.stringify({ ...holder, startedAt: Date.now() - 5_000, owner: 'agoractl apply' })],
  );
}

/** How many stamps of `pid` still count as in flight on the database's clock. */
async function inFlight(db: TestDatabase, schema: string, pid: number): Promise<number> {
  const rows = await db.query(`SELECT count(*)::int AS n FROM "${schema}".rate_stamps WHERE holder_pid = $1 AND counts_from > clock_timestamp()`, [pid]);
  return (rows.rows[0] as { n: number }).n;
}
