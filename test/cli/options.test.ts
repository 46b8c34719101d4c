// Option values as a user mistypes them, through the real CLI: each is refused while the command
// line is parsed, with one line naming the option and exit 1, and nothing reaches Agora or the
// state. Also the rules that need the manifests: a --target must name a resource, and apply's
// JSON output needs --auto-approve.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { runCli, type CliResult } from '../support/cli.ts';
import { Scenario, assertExit, assertPlayers, docs, playerDoc, projectDoc } from '../integration/harness.ts';

/** Exit 1 and a single line of stderr, commander's, naming `option`. */
function assertRefusedOption(result: CliResult, option: string, reason: string): void {
  assert.equal(result.code, 1, `${reason}: exit ${result.code}\n${result.stderr}`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${reason}: one line of error, got\n${result.stderr}`);
  assert.match(lines[0] ?? '', new RegExp(`^error: option '[^']*${option}[ ,'][^']*' argument '.*' is invalid\\. `), reason);
  assert.equal(result.stdout, '', `${reason}: nothing on stdout`);
}

async function assertNoStateFile(s: Scenario): Promise<void> {
  await assert.rejects(access(s.statePath), { code: 'ENOENT' }, 'no state was written');
}

/** Runs `run` on every row, a few at a time: each is a CLI start of its own. */
async function eachRow<T>(rows: readonly T[], run: (row: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < rows.length; i += 3) await Promise.all(rows.slice(i, i + 3).map(run));
}

const FILES = { 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b')) };

void describe('option values', { timeout: 600_000 }, () => {
  void test('plan, apply and reconcile refuse bad option values before they call Agora or write state', () =>
    Scenario.run(FILES, async (s) => {
      const table: { reason: string; args: string[]; option: string }[] = [
        { reason: 'a resync that is not a number (it became a loop every millisecond)', args: ['reconcile', '--resync', 'abc'], option: '--resync' },
        { reason: 'a resync of zero', args: ['reconcile', '--resync', '0'], option: '--resync' },
        { reason: 'a resync of more than a day', args: ['reconcile', '--resync', '86401'], option: '--resync' },
        { reason: 'a listen port out of range', args: ['reconcile', '--listen', '127.0.0.1:65536'], option: '--listen' },
        { reason: 'a listen address without a port', args: ['reconcile', '--listen', '127.0.0.1:'], option: '--listen' },
        { reason: 'a listen host that is no host', args: ['reconcile', '--listen', 'not a host:9464'], option: '--listen' },
        { reason: 'an unknown log format', args: ['reconcile', '--log-format', 'xml'], option: '--log-format' },
        { reason: 'an unknown log level (pino threw its own error)', args: ['reconcile', '--log-level', 'verbose'], option: '--log-level' },
        { reason: 'a negative shutdown grace', args: ['reconcile', '--shutdown-grace', '-1'], option: '--shutdown-grace' },
        { reason: 'a lock timeout of Infinity', args: ['reconcile', '--lock-timeout', 'Infinity'], option: '--lock-timeout' },
        { reason: 'a list lag in minutes', args: ['reconcile', '--list-lag', '5m'], option: '--list-lag' },
        { reason: 'an output format plan does not have (it printed text, exit 0)', args: ['plan', '-o', 'yaml'], option: '--output' },
        { reason: 'a target of an unknown kind (it printed "No changes", exit 0)', args: ['plan', '--target', 'CloudPlayr/a'], option: '--target' },
        { reason: 'a target with too many parts', args: ['plan', '--target', 'prod/CloudPlayer/a/b'], option: '--target' },
        { reason: 'a target without a name', args: ['plan', '--target', 'CloudPlayer/'], option: '--target' },
        { reason: 'a list lag that is not a number', args: ['plan', '--list-lag', 'abc'], option: '--list-lag' },
        { reason: 'an unknown log level on plan', args: ['plan', '--log-level', 'verbose'], option: '--log-level' },
        { reason: 'an output format apply does not have', args: ['apply', '--auto-approve', '-o', 'yaml'], option: '--output' },
        { reason: 'a target of an unknown kind on apply', args: ['apply', '--auto-approve', '--target', 'Player/a'], option: '--target' },
        { reason: 'a negative lock timeout', args: ['apply', '--auto-approve', '--lock-timeout', '-5'], option: '--lock-timeout' },
        { reason: 'a lock timeout past a day', args: ['apply', '--auto-approve', '--lock-timeout', '1e9'], option: '--lock-timeout' },
      ];
      await eachRow(table, async (row) => assertRefusedOption(await s.agoractl(row.args), row.option, row.reason));
      assert.deepEqual(await s.requests(), [], 'no request reached the emulator');
      await assertNoStateFile(s);
    }));

  void test('validate, emulator and state refuse bad option values', async () => {
    const table: { reason: string; args: string[]; option: string }[] = [
      { reason: 'an output format validate does not have', args: ['validate', '-f', 'manifests/', '-o', 'yaml'], option: '--output' },
      { reason: 'an emulator port out of range', args: ['emulator', '--port', '70000'], option: '--port' },
      { reason: 'an emulator port that is not a number', args: ['emulator', '--port', 'http'], option: '--port' },
      { reason: 'an emulator host that is no host', args: ['emulator', '--host', 'a b'], option: '--host' },
      { reason: 'an emulator domain list of a non-name', args: ['emulator', '--domains', 'api.agora.io,/x'], option: '--domains' },
      { reason: 'an emulator seed that is not a number', args: ['emulator', '--seed', 'abc'], option: '--seed' },
      { reason: 'a state list format it does not have', args: ['state', 'list', '-o', 'yaml'], option: '--output' },
      { reason: 'a state show format it does not have', args: ['state', 'show', 'prod/CloudPlayer/a', '-o', 'text'], option: '--output' },
      { reason: 'a state forget lock timeout that is not a number', args: ['state', 'forget', 'prod/CloudPlayer/a', '--lock-timeout', 'abc'], option: '--lock-timeout' },
    ];
    await eachRow(table, async (row) => assertRefusedOption(await runCli(row.args), row.option, row.reason));
  });

  void test('every state command that finds a state names the manifests with -f/--file, as apply does', async () => {
    for (const command of ['list', 'show', 'forget', 'push', 'pull']) {
      const help = await runCli(['state', command, '--help']);
      assert.equal(help.code, 0, `state ${command} --help`);
      assert.match(help.stdout, /^ {2}-f, --file <path> /m, `state ${command} --help`);
    }
  });

  void test('a --target that names no resource in the manifests or the state is an error, before any change', () =>
    Scenario.run(FILES, async (s) => {
      const planned = await s.plan(['--target', 'CloudPlayer/typo']);
      assertExit(planned, 1, 'plan --target of nothing');
      assert.match(planned.stderr, /--target CloudPlayer\/typo matches no resource in the manifests or the state/);
      const applied = await s.apply(['--target', 'CloudPlayer/a', '--target', 'prod/CloudPlayer/typo']);
      assertExit(applied, 1, 'apply with one --target of nothing');
      assert.match(applied.stderr, /--target prod\/CloudPlayer\/typo matches no resource/);
      await assertPlayers(s, []);

      // A resource only in state is a target too: it is what apply would delete.
      assertExit(await s.apply(), 0);
      await s.write({ 'players.yaml': playerDoc('b') });
      assertExit(await s.plan(['--target', 'CloudPlayer/a', '--detailed-exitcode']), 2, 'plan --target of a resource only in state');
      assertExit(await s.apply(['--target', 'prod/CloudPlayer/a']), 0);
      await assertPlayers(s, ['b']);
    }));

  void test('apply -o json refuses to run without --auto-approve and applies nothing', () =>
    Scenario.run(FILES, async (s) => {
      const result = await s.agoractl(['apply', '-o', 'json']);
      assertExit(result, 1, 'apply -o json');
      assert.match(result.stderr, /apply -o json needs --auto-approve/);
      assert.equal(result.stdout, '');
      assert.deepEqual(await s.requests(), [], 'no request reached the emulator');
      await assertNoStateFile(s);
    }));

  void test('state list shows the status the kinds recorded, for the state apply wrote', () =>
    Scenario.run(FILES, async (s) => {
      assertExit(await s.apply(), 0);
      const listed = await runCli(['state', 'list', '--state', s.statePath]);
      assertExit(listed, 0, 'state list');
      const rows = listed.stdout.trimEnd().split('\n').slice(1);
      assert.equal(rows.length, 2);
      for (const row of rows) assert.match(row, /^prod\/CloudPlayer\/[ab]\s+[0-9a-f-]+\s+(connecting|running|idle)\s+-$/, row);
    }));
});
