// Rate windows shared through the PostgreSQL state: two stores on one schema play two
// processes (each its own pool), on one injected clock so no test waits for real seconds.
import assert from 'node:assert/strict';
import { setTimeout as realDelay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { EndpointLimiter, WINDOW_SPANS_MS } from '../../src/agora/rate-limiter.ts';
import type { Reservation } from '../../src/agora/rate-windows.ts';
import { openPostgresStateStore, type PostgresStateStore } from '../../src/state/postgres-store.ts';
import { ManualClock, settle } from '../agora/fake-clocks.ts';
import { startTestDatabase, type TestDatabase } from './postgres-server.ts';

const SECOND = WINDOW_SPANS_MS.perSecond;

let started: Promise<TestDatabase> | undefined;
function database(): Promise<TestDatabase> {
  started ??= startTestDatabase();
  return started;
}
after(async () => {
  if (started) await (await started).close();
});

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
});
