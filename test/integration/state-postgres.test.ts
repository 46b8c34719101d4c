// State in PostgreSQL end to end: the real CLI with `--state postgres://...` (or
// $AGORACTL_STATE) against the emulator, and `state push` / `state pull` moving a state between
// a file and the database without ever overwriting a newer one.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openPostgresStateStore } from '../../src/state/postgres-store.ts';
import type { StateSnapshot } from '../../src/state/types.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { closeSharedTestDatabase, sharedTestDatabase } from '../state/postgres-server.ts';
import { Scenario, assertExit, docs, playerDoc, projectDoc } from './harness.ts';

const database = sharedTestDatabase;
after(closeSharedTestDatabase);

/** agoractl against the scenario's emulator and manifests, with the state wherever `args` say. */
function agoractl(s: Scenario, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...args], { env: { ...s.env, ...env } });
}

async function databaseState(url: string): Promise<StateSnapshot> {
  const store = await openPostgresStateStore(url);
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

const manifests = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) };

/** A test body run in a scenario over `manifests`, with a fresh database schema dropped after it. */
function withDatabaseState(body: (s: Scenario, schema: { url: string }) => Promise<void>): () => Promise<void> {
  return () =>
    Scenario.run(manifests, async (s) => {
      const schema = (await database()).newSchema();
      try {
        await body(s, schema);
      } finally {
        await schema.drop();
      }
    });
}

void describe('state in PostgreSQL against the emulator', { timeout: 300_000 }, () => {
  void test(
    'a state pushed from a file plans "No changes" from the database, with the same lineage and serial',
    withDatabaseState(async (s, schema) => {
      assertExit(await s.apply(), 0, 'apply with a state file');
      const file = await s.state();

      const pushed = await agoractl(s, ['state', 'push', '--to', schema.url, '--state', s.statePath]);
      assertExit(pushed, 0, 'state push');
      const stored = await databaseState(schema.url);
      assert.equal(stored.lineage, file.lineage);
      assert.equal(stored.serial, file.serial);
      assert.deepEqual(stored.resources, file.resources);

      const plan = await agoractl(s, ['plan', '--detailed-exitcode', '-f', s.dir, '--state', schema.url]);
      assertExit(plan, 0, 'plan --state postgres://');
      assert.match(plan.stdout, /No changes\./);
    }),
  );

  void test(
    'applies with $AGORACTL_STATE, then refuses to push an older file over it, and pulls it back',
    withDatabaseState(async (s, schema) => {
      assertExit(await s.apply(), 0, 'apply with a state file');
      assertExit(await agoractl(s, ['state', 'push', '--to', schema.url, '--state', s.statePath]), 0, 'state push');

      await s.write({ 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) });
      const applied = await agoractl(s, ['apply', '--auto-approve', '-f', s.dir], { AGORACTL_STATE: schema.url });
      assertExit(applied, 0, 'apply with AGORACTL_STATE');
      assert.deepEqual((await s.world()).players.map((p) => p.name).sort(), ['a', 'b', 'c']);
      const stored = await databaseState(schema.url);
      assert.ok(stored.resources['prod/CloudPlayer/c']?.externalId, 'the database state records the new player');
      assert.equal((await s.state()).resources['prod/CloudPlayer/c'], undefined, 'the file was not written');

      const refused = await agoractl(s, ['state', 'push', '--to', schema.url, '--state', s.statePath]);
      assertExit(refused, 1, 'push of an older file');
      assert.match(refused.stderr, /refused to copy .* newer \(serial/s);
      assert.deepEqual((await databaseState(schema.url)).resources, stored.resources, 'the database state is unchanged');

      assertExit(await agoractl(s, ['state', 'pull', '--from', schema.url, '--state', s.statePath]), 0, 'state pull');
      assert.deepEqual((await s.state()).resources, stored.resources);
      const plan = await s.plan(['--detailed-exitcode']);
      assertExit(plan, 0, 'plan with the pulled file');
      assert.match(plan.stdout, /No changes\./);
    }),
  );

  void test(
    'refuses to push a state of another lineage without --force',
    withDatabaseState(async (s, schema) => {
      assertExit(await agoractl(s, ['apply', '--auto-approve', '-f', s.dir, '--state', schema.url]), 0, 'apply into the database');
      assertExit(await s.apply(), 0, 'apply with a separate state file (adopting the players)');
      const before = await databaseState(schema.url);

      const refused = await agoractl(s, ['state', 'push', '--to', schema.url, '--state', s.statePath]);
      assertExit(refused, 1, 'push of another lineage');
      assert.match(refused.stderr, /different states \(lineage/);
      assert.equal((await databaseState(schema.url)).lineage, before.lineage);

      assertExit(await agoractl(s, ['state', 'push', '--to', schema.url, '--state', s.statePath, '--force']), 0, 'push --force');
      assert.equal((await databaseState(schema.url)).lineage, (await s.state()).lineage);
    }),
  );
});
