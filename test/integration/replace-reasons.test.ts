// A replace names the fields that changed, through the real CLI against the emulator: those List
// returns and those only state remembers from the last apply; a secret only as (sensitive).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scenario, actionsOf, assertExit, assertNoSecrets, assertPlayers, playerDoc, projectDoc } from './harness.ts';

void describe('replace reasons against the emulator', { timeout: 300_000 }, () => {
  void test('after apply, a region change plans "region: na -> eu # forces replacement", with an unlisted field and a secret beside it', () =>
    Scenario.run(
      {
        'project.yaml': projectDoc(),
        'players.yaml': playerDoc('a', { encryptMode: 'aes-128-xts', encryptKey: { env: 'S3_KEY' } }),
      },
      async (s) => {
        assertExit(await s.apply(), 0, 'first apply');
        const record = await s.stateOf('CloudPlayer', 'a');
        assert.equal(record?.dataVersion, 2, 'the record carries the data version that holds the applied spec');

        // region is listed nowhere but in state; idleTimeout only through the recorded spec; the
        // key's reference moves to another variable.
        await s.write({ 'players.yaml': playerDoc('a', { region: 'eu', idleTimeout: 120, encryptMode: 'aes-128-xts', encryptKey: { env: 'S3_SECRET' } }) });
        const text = await s.plan(['--detailed-exitcode']);
        assertExit(text, 2, 'plan of the replacement');
        assert.match(text.stdout, /^ +~ region: na -> eu # forces replacement$/m);
        assert.match(text.stdout, /^ +~ idleTimeout: 60 -> 120 # forces replacement$/m);
        assert.match(text.stdout, /^ +~ encryptKey: \(sensitive\) -> \(sensitive\) # forces replacement$/m);
        assert.doesNotMatch(text.stdout, /S3_KEY|S3_SECRET/, 'the plan names no secret reference');

        const { plan, result: planned } = await s.planJson();
        assertExit(planned, 0, 'plan -o json');
        assert.deepEqual(actionsOf(plan), ['replace a']);
        const region = plan.actions[0]?.changes.find((c) => c.path === 'region');
        assert.deepEqual(region, { path: 'region', before: 'na', after: 'eu', forcesReplacement: true });

        const applied = await s.applyJson();
        assertExit(applied.result, 0, 'apply of the replacement');
        const [player] = await assertPlayers(s, ['a']);
        assert.equal(player?.idleTimeout, 120);
        assert.doesNotMatch(await s.stateText(), /S3_KEY|S3_SECRET/, 'state names no secret reference');
        await assertNoSecrets(s, text, planned, applied.result);
      },
    ));
});
