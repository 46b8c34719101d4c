// One rate budget per project across processes: `apply` and a `plan` loop on one project at
// once, each its own process, with the state in PostgreSQL, share the project's List windows
// through the database and together never get a 429 from the emulator, which enforces the
// same limits on real time.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, type CliResult } from '../support/cli.ts';
import { startTestDatabase, type TestDatabase } from '../state/postgres-server.ts';
import { Scenario, assertExit, docs, playerDoc, projectDoc } from './harness.ts';

let started: Promise<TestDatabase> | undefined;
function database(): Promise<TestDatabase> {
  started ??= startTestDatabase();
  return started;
}
after(async () => {
  if (started) await (await started).close();
});

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
});
