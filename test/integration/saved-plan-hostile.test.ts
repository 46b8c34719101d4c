// A saved plan is a file a pipeline carries from the pull request to the merge: whoever can
// write it between the two may change it, and `apply PATH` may name anything. A path that is no
// plan file (a folder, nothing, an empty device) is refused, naming it, before any call.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import { Scenario, assertExit, assertPlayers, docs, playerDoc, projectDoc } from './harness.ts';

const threePlayers = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) };

function planPathOf(s: Scenario): string {
  return join(dirname(s.dir), 'plan.agoractl');
}

function applySaved(s: Scenario, path = planPathOf(s)): Promise<CliResult> {
  return runCli(['apply', path, '--state', s.stateLocation], { env: s.env });
}

/** Refused, and nothing reached Agora since `since`. */
async function assertRefusedBeforeAnyCall(s: Scenario, result: CliResult, since: number, what: string): Promise<void> {
  assertExit(result, 1, what);
  assert.match(result.stderr, /Nothing was applied\.|plan file/);
  assert.deepEqual((await s.requests()).slice(since).map((r) => `${r.method} ${r.path}`), [], `${what}: no call reached Agora`);
}

void describe('hostile saved plans', { timeout: 300_000 }, () => {
  void test('a plan path that is no plan file (a folder, nothing, an empty device) is refused at once, naming the path', () =>
    Scenario.run(threePlayers, async (s) => {
      const since = (await s.requests()).length;
      for (const path of [dirname(s.dir), join(dirname(s.dir), 'missing.agoractl'), '/dev/null']) {
        const result = await applySaved(s, path);
        await assertRefusedBeforeAnyCall(s, result, since, `apply ${path}`);
        assert.ok(result.stderr.includes(path), `the error names ${path}: ${result.stderr}`);
      }
      await assertPlayers(s, []);
    }));
});
