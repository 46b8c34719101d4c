// Saved plans as a pull-request pipeline uses them: `plan --out FILE` on the pull request,
// `apply FILE` on merge. Apply carries out exactly the saved plan (no observing, no planning
// again, no prompt), or refuses before any call when the plan is stale (the state was written,
// the manifests changed, the plan is too old) or was edited. The file never holds a secret.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.ts';
import {
  SECRET_VALUES,
  STATE_BACKENDS,
  Scenario,
  assertExit,
  assertNoChanges,
  assertPlayers,
  docs,
  playerDoc,
  playerNamed,
  projectDoc,
  recordingDoc,
  streamUrl,
  type RequestEntry,
} from './harness.ts';

/** The key of player c, in a file beside the manifests: a `{ file: }` secret. */
const ENCRYPT_KEY = 'saved-plan-encrypt-key-0123456789';

function planPathOf(s: Scenario): string {
  return join(dirname(s.dir), 'plan.agoractl');
}

/** `plan --out` into the scenario's plan file; the file as parsed. */
async function savePlan(s: Scenario): Promise<{ result: CliResult; file: SavedPlanJson; text: string }> {
  const result = await s.plan(['--out', planPathOf(s)]);
  assertExit(result, 0, 'plan --out');
  const text = await readFile(planPathOf(s), 'utf8');
  return { result, file: JSON.parse(text) as SavedPlanJson, text };
}

interface SavedPlanJson {
  manifests: string[];
  plan: { actions: { key: string; project: string; name: string; type: string }[]; basis: { stateSerial: number } };
}

/** `apply FILE` reading the manifests the plan names (no -f). */
function applySaved(s: Scenario, extra: string[] = []): Promise<CliResult> {
  return runCli(['apply', planPathOf(s), '--state', s.stateLocation, ...extra], { env: s.env });
}

/** What reached the emulator since `since`, as `METHOD path`. */
async function callsSince(s: Scenario, since: number): Promise<string[]> {
  return (await s.requests()).slice(since).map((r: RequestEntry) => `${r.method} ${r.path}`);
}

/** Refused with `message`, and nothing reached Agora. */
async function assertRefused(s: Scenario, result: CliResult, since: number, message: RegExp): Promise<void> {
  assertExit(result, 1, 'apply of a refused plan');
  assert.match(result.stderr, message);
  assert.match(result.stderr, /Nothing was applied\./);
  assert.deepEqual(await callsSince(s, since), [], 'no call reached Agora');
}

const actionsOf = (file: SavedPlanJson): string[] => file.plan.actions.map((a) => `${a.type} ${a.name}`);

for (const backend of STATE_BACKENDS) {
  void describe(`saved plans against the emulator (${backend} state)`, { timeout: 600_000 }, () => {
    void test('apply of a saved plan makes exactly its calls, without observing again, and the file holds no secret', () =>
      Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) }, async (s) => {
        assertExit(await s.apply(), 0);
        await s.write({
          'players.yaml': docs(
            playerDoc('a', { streamUrl: streamUrl('a-moved') }),
            playerDoc('c', { encryptMode: 'aes-128-xts', encryptKey: { file: 'secrets/encrypt-key' } }),
          ),
          'recording.yaml': recordingDoc('archive'),
          'secrets/encrypt-key': ENCRYPT_KEY,
        });
        const { result, file, text } = await savePlan(s);
        assert.match(result.stdout, /Saved the plan to .*plan\.agoractl/);
        assert.deepEqual(actionsOf(file), ['delete b', 'update a', 'create c', 'create archive']);
        assert.deepEqual(file.manifests, [s.dir], 'the plan names the manifests it was made from');
        assert.equal((await stat(planPathOf(s))).mode & 0o777, 0o600, 'only its owner reads the plan file');
        for (const secret of [...SECRET_VALUES, ENCRYPT_KEY]) assert.ok(!text.includes(secret), 'no secret value in the plan file');
        assert.doesNotMatch(text, /007eJ[A-Za-z0-9+/=]{40,}/, 'no minted token in the plan file');

        const since = (await s.requests()).length;
        const applied = await applySaved(s);
        assertExit(applied, 0, 'apply of the saved plan');
        assert.match(applied.stdout, /Apply complete! Resources: 2 created, 1 updated, 0 replaced, 1 deleted/);
        const calls = await callsSince(s, since);
        assert.deepEqual(calls.filter((c) => c.startsWith('GET')), [], 'apply neither listed nor queried: it used the saved plan');
        assert.equal(calls.filter((c) => /^DELETE .*\/players\//.test(c)).length, 1, 'b deleted once');
        assert.equal(calls.filter((c) => /^PATCH .*\/players\//.test(c)).length, 1, 'a updated once');
        assert.equal(calls.filter((c) => /^POST .*\/players$/.test(c)).length, 1, 'c created once');
        assert.deepEqual(
          calls.filter((c) => c.includes('cloud_recording')).map((c) => c.split('/').at(-1)),
          ['acquire', 'start'],
          'the recording acquired and started, nothing more',
        );
        assert.deepEqual(calls.length, 5, `exactly the plan's calls: ${calls.join(', ')}`);

        await assertPlayers(s, ['a', 'c']);
        assert.equal((await playerNamed(s, 'a')).streamUrl, streamUrl('a-moved'));
        assert.equal((await s.world()).recordings.filter((r) => r.phase === 'running').length, 1);
        await assertNoChanges(s);
      }, { backend }));

    void test('a saved plan is refused once another apply wrote the state, and nothing of it is applied', () =>
      Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, async (s) => {
        assertExit(await s.apply(), 0);
        await s.write({ 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) });
        const { file } = await savePlan(s);
        assert.deepEqual(actionsOf(file), ['create b', 'create c']);
        assertExit(await s.apply(['--target', 'CloudPlayer/b']), 0, 'another apply in between');

        const since = (await s.requests()).length;
        const refused = await applySaved(s);
        await assertRefused(s, refused, since, new RegExp(`the state at .* changed since the plan was made \\(serial \\d+, the plan read serial ${file.plan.basis.stateSerial}\\)`));
        assert.match(refused.stderr, /Run `agoractl plan --out <file>` again/);
        await assertPlayers(s, ['a', 'b']);
      }, { backend }));
  });
}

void describe('saved plans refused before any call', { timeout: 600_000 }, () => {
  void test('a plan of manifests edited since is refused, naming the digests', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, async (s) => {
      await savePlan(s);
      await s.write({ 'players.yaml': playerDoc('a', { idleTimeout: 90 }) });
      const since = (await s.requests()).length;
      await assertRefused(s, await applySaved(s), since, /the manifests \(.*\) changed since the plan was made: their digest is sha256:[0-9a-f]{64}, the plan was made from sha256:[0-9a-f]{64}/);
      await assertPlayers(s, []);

      // Formatting, comments and the order of documents are no change.
      await s.write({ 'players.yaml': `# the player\n${playerDoc('a')}\n`, 'project.yaml': `${projectDoc()}\n\n` });
      assertExit(await applySaved(s), 0, 'apply of the same manifests, reformatted');
      await assertPlayers(s, ['a']);
    }));

  void test('a plan older than --max-plan-age is refused, and --max-plan-age takes only seconds', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, async (s) => {
      await savePlan(s);
      const since = (await s.requests()).length;
      const sixMinutes = 6 * 60_000;
      await assertRefused(s, await s.agoractl(['apply', planPathOf(s)], { laterMs: sixMinutes }), since, /the saved plan was made 36\d s ago \(at .*\), more than --max-plan-age 300 s/);
      const badAge = await s.agoractl(['apply', planPathOf(s), '--max-plan-age', '5m']);
      assertExit(badAge, 1, 'apply --max-plan-age 5m');
      assert.match(badAge.stderr, /option '--max-plan-age <seconds>' argument '5m' is invalid/);
      await assertPlayers(s, []);

      assertExit(await s.agoractl(['apply', planPathOf(s), '--max-plan-age', '600'], { laterMs: sixMinutes }), 0, 'apply within a longer --max-plan-age');
      await assertPlayers(s, ['a']);
    }));

  void test('a plan edited to act outside the manifests, or cut short, is refused', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': playerDoc('a') }, async (s) => {
      const { text } = await savePlan(s);
      const since = (await s.requests()).length;

      const elsewhere = text.replaceAll('"prod/CloudPlayer/a"', '"staging/CloudPlayer/a"').replaceAll('"project": "prod"', '"project": "staging"');
      await writeFile(planPathOf(s), elsewhere);
      await assertRefused(s, await applySaved(s), since, /the saved plan would create staging\/CloudPlayer\/a of project staging, which no manifest declares; .* edited after it was saved/);

      const undeclared = text.replaceAll('CloudPlayer/a"', 'CloudPlayer/zz"').replace('"name": "a"', '"name": "zz"');
      await writeFile(planPathOf(s), undeclared);
      await assertRefused(s, await applySaved(s), since, /the saved plan would create prod\/CloudPlayer\/zz, which no manifest declares/);

      // -f takes every argument after it: a plan named there is caught, not read as a manifest.
      await writeFile(planPathOf(s), text);
      const misplaced = await runCli(['apply', '-f', s.dir, planPathOf(s), '--state', s.stateLocation], { env: s.env });
      assertExit(misplaced, 1, 'apply -f <manifests> <plan>');
      assert.match(misplaced.stderr, /plan\.agoractl is a saved plan, not a manifest: -f takes every argument after it\. Name the plan first/);

      await writeFile(planPathOf(s), text.slice(0, Math.floor(text.length / 2)));
      await assertRefused(s, await applySaved(s), since, /the plan file .* is not a valid plan: it is not complete JSON .*; it may be truncated/);
      await assertPlayers(s, []);
    }));
});
