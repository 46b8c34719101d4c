// A saved plan is a file a pipeline carries from the pull request to the merge: whoever can
// write it between the two may change it. Apply must refuse a plan file that would touch
// anything the manifests and the state do not already name (another player's id in place of
// the managed one's), and a path that is no plan file (a folder, an empty device), before any call.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import { APP_ID, Scenario, assertExit, assertPlayers, docs, playerDoc, projectDoc } from './harness.ts';
import { player } from '../emulator/helpers.ts';

const threePlayers = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) };

function planPathOf(s: Scenario): string {
  return join(dirname(s.dir), 'plan.agoractl');
}

function applySaved(s: Scenario, path = planPathOf(s)): Promise<CliResult> {
  return runCli(['apply', path, '--state', s.stateLocation], { env: s.env });
}

/** A player made outside agoractl; its id. */
async function playerMadeElsewhere(s: Scenario, name: string, uid: number): Promise<string> {
  const made = await s.emu.createPlayer(APP_ID, player({ name, uid, streamUrl: `rtmp://elsewhere.example.com/live/${name}` }));
  assert.equal(made.status, 200, made.text);
  return (made.body as { player: { id: string } }).player.id;
}

/** Refused, and nothing reached Agora since `since`. */
async function assertRefusedBeforeAnyCall(s: Scenario, result: CliResult, since: number, what: string): Promise<void> {
  assertExit(result, 1, what);
  assert.match(result.stderr, /Nothing was applied\.|plan file/);
  assert.deepEqual((await s.requests()).slice(since).map((r) => `${r.method} ${r.path}`), [], `${what}: no call reached Agora`);
}

void describe('hostile saved plans', { timeout: 300_000 }, () => {
  void test("a plan edited to name another player's id under a managed key is refused, and that player is left alone", () =>
    Scenario.run(threePlayers, async (s) => {
      assertExit(await s.apply(), 0);
      await s.write({ 'players.yaml': docs(playerDoc('a', { streamUrl: 'rtmp://backup.example.com/live/a' }), playerDoc('b')) });
      await s.control('PUT', '/limits', { playerCreateNamed: null });
      const victim = await playerMadeElsewhere(s, 'x', 4343);
      const result = await s.plan(['--out', planPathOf(s)]);
      assertExit(result, 0, 'plan --out');
      const text = await readFile(planPathOf(s), 'utf8');
      const ids = await Promise.all(['a', 'c'].map(async (n) => (await s.stateOf('CloudPlayer', n))?.externalId ?? ''));
      for (const id of ids) assert.ok(id && text.includes(`"${id}"`), 'the plan names the managed ids');

      for (const [i, id] of ids.entries()) {
        await writeFile(planPathOf(s), text.replaceAll(`"${id}"`, `"${victim}"`));
        const since = (await s.requests()).length;
        await assertRefusedBeforeAnyCall(s, await applySaved(s), since, `apply of a plan whose ${i === 0 ? 'update' : 'delete'} names another player`);
      }
      const x = (await s.world()).players.find((p) => p.id === victim);
      assert.equal(x?.streamUrl, 'rtmp://elsewhere.example.com/live/x', 'the unmanaged player was neither updated nor deleted');
      await assertPlayers(s, ['a', 'b', 'c'], ['x']);
    }));

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
