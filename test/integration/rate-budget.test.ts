// One rate budget per project across processes: `apply` and a `plan` loop on one project at
// once, each its own process, with the state in PostgreSQL, share the project's List windows
// through the database and together never get a 429 from the emulator, which enforces the
// same limits on real time. With a daemon leading the project too, the apply waits for the
// daemon's lease (as Terraform waits for a locked state) while the plans, which take no lease,
// share the budget with the daemon.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startDaemon, waitFor } from '../e2e/daemon-harness.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { openPostgresStateStore } from '../../src/state/postgres-store.ts';
import { closeSharedTestDatabase, sharedTestDatabase } from '../state/postgres-server.ts';
import { PROJECT, Scenario, assertExit, docs, playerDoc, projectDoc } from './harness.ts';

const database = sharedTestDatabase;
after(closeSharedTestDatabase);

// One List a second: processes starting together would collide in their first second unless
// they count each other's requests. 20 a minute is never reached by this test's few Lists.
const LIST_LIMITS = { playerListUnfiltered: { perSecond: 1, perMinute: 20 }, playerListFiltered: { perSecond: 1, perMinute: 20 } };

void describe('one rate budget per project across processes', { timeout: 300_000 }, () => {
  void test('an apply and a plan loop on one project at once, with PostgreSQL state, get no 429', () =>
    Scenario.run({ 'project.yaml': projectDoc(LIST_LIMITS), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) }, async (s) => {
      const db = await database();
      const schema = db.newSchema();
      try {
        await s.control('PUT', '/limits', LIST_LIMITS);
        const run = (args: string[]): Promise<CliResult> => runCli([...args, '-f', s.dir, '--state', schema.url], { env: s.env });
        const planLoop = async (): Promise<CliResult[]> => {
          const results: CliResult[] = [];
          for (let i = 0; i < 3; i += 1) results.push(await run(['plan']));
          return results;
        };
        const [applied, loopA, loopB] = await Promise.all([run(['apply', '--auto-approve']), planLoop(), planLoop()]);
        assertExit(applied, 0, 'apply');
        for (const plan of [...loopA, ...loopB]) assert.ok(plan.code === 0 || plan.code === 2, `plan exited ${plan.code}: ${plan.stderr}`);
        const requests = await s.requests();
        const lists = requests.filter((r) => r.method === 'GET' && /\/cloud-player\/players$/.test(r.path));
        assert.ok(lists.length >= 7, `every process listed the players (${lists.length} Lists)`);
        assert.deepEqual(
          requests.filter((r) => r.status === 429).map((r) => `${r.method} ${r.path}`),
          [],
          'no request was refused for its rate',
        );
        assert.deepEqual((await s.world()).players.map((p) => p.name).sort(), ['a', 'b']);
      } finally {
        await schema.drop();
      }
    }));

  void test('a daemon leading the project, a plan loop and an apply waiting for the lease, with PostgreSQL state, get no 429', () =>
    Scenario.run(
      { 'project.yaml': projectDoc(LIST_LIMITS), 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) },
      async (s) => {
        const db = await database();
        const schema = db.newSchema();
        try {
          await s.control('PUT', '/limits', LIST_LIMITS);
          const run = (args: string[]): Promise<CliResult> => runCli([...args, '-f', s.dir, '--state', schema.url], { env: s.env });
          const daemon = await startDaemon(s.dir, schema.url, s.emu);
          let daemonStopped: number | undefined;
          try {
            // Led: the daemon holds the project's lease and starts converging it; the others start now.
            await daemon.waitForLog((line) => line.event === 'replica.project_gained');
            let appliedAt: number | undefined;
            const apply = run(['apply', '--auto-approve', '--lock-timeout', '120']).then((result) => {
              appliedAt = Date.now();
              return result;
            });
            const planLoop = async (): Promise<CliResult[]> => {
              const results: CliResult[] = [];
              for (let i = 0; i < 3; i += 1) results.push(await run(['plan']));
              return results;
            };
            const plans = planLoop();
            await waitFor(async () => ((await s.world()).players.length === 3 ? true : undefined), 60_000, () => 'the daemon did not create the players');
            const plansDone = await plans;
            for (const plan of plansDone) assert.ok(plan.code === 0 || plan.code === 2, `plan exited ${plan.code}: ${plan.stderr}`);
            assert.equal(appliedAt, undefined, 'the apply waits while the daemon holds the lease');
            assert.equal(await daemon.stop('SIGTERM'), 0);
            daemonStopped = Date.now();
            const applied = await apply;
            assertExit(applied, 0, 'apply --lock-timeout, once the daemon released the project');
            assert.match(applied.stdout, /No changes\./, 'the daemon had converged the project');
            assert.ok((appliedAt ?? 0) >= daemonStopped, 'the apply ended only after the daemon released its lease');
          } finally {
            if (daemonStopped === undefined) await daemon.stop('SIGKILL');
          }
          const requests = await s.requests();
          const lists = requests.filter((r) => r.method === 'GET' && /\/cloud-player\/players$/.test(r.path));
          assert.ok(lists.length >= 5, `the daemon, every plan and the apply listed the players (${lists.length} Lists)`);
          assert.deepEqual(
            requests.filter((r) => r.status === 429).map((r) => `${r.method} ${r.path}`),
            [],
            'no request was refused for its rate',
          );
          const players = (await s.world()).players;
          assert.deepEqual(players.map((p) => p.name).sort(), ['a', 'b', 'c']);
          const state = await openPostgresStateStore(schema.url);
          try {
            const owned = Object.values((await state.load()).resources).filter((r) => r.project === PROJECT && r.kind === 'CloudPlayer');
            assert.deepEqual(owned.map((r) => r.externalId).sort(), players.map((p) => p.id).sort(), 'the state records every player once');
          } finally {
            await state.close();
          }
        } finally {
          await schema.drop();
        }
      },
      // The daemon waits on real time (list lag, ticks): the emulator's clock runs too.
      { frozenClock: false },
    ));
});
