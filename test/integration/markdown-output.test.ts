// `plan -o markdown` and `apply -o markdown --auto-approve` as a pull-request pipeline runs them:
// the real CLI against the emulator, a manifest whose stream URL is hostile Markdown and HTML,
// and the comment compared between two runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { Scenario, assertExit, assertNoSecrets, assertPlayers, docs, playerDoc, projectDoc } from './harness.ts';

// Valid for the schema (no whitespace) and for Agora, and a table's, a code span's and a
// <details>' worst case.
const HOSTILE_URL = 'rtmp://origin.example.com/live/a|b`x`<script>alert(1)</script></details>@ops';

/** Each table row of `markdown` with as many cell delimiters (unescaped `|`) as its header. */
function assertTablesIntact(markdown: string): void {
  let columns: number | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      columns = undefined;
      continue;
    }
    const delimiters = line.match(/(?<!\\)\|/g)?.length ?? 0;
    columns ??= delimiters;
    assert.equal(delimiters, columns, `a table row with other cells than its header: ${line}`);
  }
}

void describe('Markdown output of plan and apply against the emulator', { timeout: 300_000 }, () => {
  void test('plan and apply print a pull-request comment that is the same on every run and holds no secret, path or raw HTML', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a', { streamUrl: HOSTILE_URL }), playerDoc('b')) }, async (s) => {
      const first = await s.plan(['-o', 'markdown']);
      assertExit(first, 0, 'plan -o markdown');
      const second = await s.plan(['-o', 'markdown']);
      assertExit(second, 0, 'plan -o markdown again');
      assert.equal(second.stdout, first.stdout, 'two plans of the same world print the same comment');

      const plan = first.stdout;
      assert.match(plan, /^## agoractl plan\n\n\*\*Plan: 2 to create, 0 to update, 0 to replace, 0 to delete\.\*\*\n/);
      assert.match(plan, /^\| `\+` \| `a` \| create \| in the manifests, not in Agora \|$/m);
      assert.match(plan, /^\| `token` \| \*\(sensitive\)\* \|$/m);
      // The URL as a code span (double backticks, as it holds single ones), its pipe escaped.
      assert.ok(plan.includes('| `streamUrl` | ``"rtmp://origin.example.com/live/a\\|b`x`<script>alert(1)</script></details>@ops"`` |'), plan);
      assertTablesIntact(plan);
      assert.equal(plan.split('\n').filter((l) => l === '</details>').length, 2, 'one </details> per resource: none from the URL');
      for (const path of [s.dir, tmpdir()]) assert.ok(!plan.includes(path), `the comment names a path of this machine: ${path}`);

      const refused = await s.agoractl(['apply', '-o', 'markdown']);
      assertExit(refused, 1, 'apply -o markdown without --auto-approve');
      assert.match(refused.stderr, /apply -o markdown needs --auto-approve/);
      assert.equal(refused.stdout, '');
      await assertPlayers(s, []);

      const applied = await s.apply(['-o', 'markdown']);
      assertExit(applied, 0, 'apply -o markdown --auto-approve');
      assert.match(applied.stdout, /^## agoractl apply\n\n\*\*Apply complete\. Resources: 2 created, 0 updated, 0 replaced, 0 deleted, 0 adopted, 0 forgotten, 0 failed, 0 skipped\.\*\*\n/);
      assert.match(applied.stdout, /^\| `\+` \| `b` \| create \| in the manifests, not in Agora \| done \|$/m);
      assert.doesNotMatch(applied.stdout, /Applying|\(\d+\.\ds\)/, 'no progress lines or durations in the comment');
      assertTablesIntact(applied.stdout);
      await assertPlayers(s, ['a', 'b']);
      await assertNoSecrets(s, first, applied);

      const again = await s.plan(['-o', 'markdown']);
      assertExit(again, 0);
      assert.equal(again.stdout, '## agoractl plan\n\n**No changes. Agora matches the manifests.**\n');
    }));

  void test('apply -o markdown of a refused mass delete says nothing was applied, and deletes nothing', () =>
    Scenario.run({ 'project.yaml': projectDoc(), 'players.yaml': docs(playerDoc('a'), playerDoc('b'), playerDoc('c')) }, async (s) => {
      assertExit(await s.apply(), 0);
      await s.write({ 'players.yaml': playerDoc('a') });

      const planned = await s.plan(['-o', 'markdown']);
      assertExit(planned, 1, 'plan -o markdown of a refused mass delete');
      assert.match(planned.stdout, /^### Refused changes$/m);
      assert.match(planned.stdout, /^- \*\*MassDeleteRefused\*\* in project `prod`, kind `CloudPlayer`: the plan deletes 2 of 3 managed CloudPlayer/m);

      const applied = await s.apply(['-o', 'markdown']);
      assertExit(applied, 1, 'apply -o markdown of a refused mass delete');
      assert.match(applied.stdout, /^\*\*Nothing was applied: the plan holds refused changes\.\*\*$/m);
      assert.match(applied.stdout, /^\| `-` \| `b` \| delete, \*\*refused\*\* \| removed from the manifests \| not applied \|$/m);
      await assertPlayers(s, ['a', 'b', 'c']);
    }));
});
