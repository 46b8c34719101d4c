// The Markdown plan a pull request shows: pinned by one golden file per action type (and per
// apply outcome) under test/engine/golden/markdown/, and held against hostile manifests.
// Regenerate the golden files only on purpose, and review their diff:
//   AGORACTL_UPDATE_GOLDEN=1 npx tsx scripts/run-tests.ts test/engine/render-markdown.test.ts
// A missing or different file fails; nothing is ever written unless asked (and never in CI).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLAN_ERROR, type Plan, type PlanError, type UnmanagedResource } from '../../src/engine/plan.ts';
import type { ApplyResult } from '../../src/engine/apply.ts';
import { renderApplyMarkdown, renderPlanMarkdown } from '../../src/engine/render-markdown.ts';
import { code, html, prose, visible } from '../../src/engine/markdown-text.ts';
import { ACTION_TYPES, type ActionType, type FieldChange, type PlannedAction } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden', 'markdown');
const UPDATE = process.env.AGORACTL_UPDATE_GOLDEN === '1';

async function assertGolden(name: string, actual: string): Promise<void> {
  const path = join(GOLDEN, `${name}.md`);
  const text = `${actual}\n`;
  if (UPDATE) {
    if (process.env.CI) throw new Error('AGORACTL_UPDATE_GOLDEN is refused in CI: regenerate golden files locally and commit them');
    await writeFile(path, text);
    return;
  }
  const expected = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') assert.fail(`no golden file ${name}.md; create it with AGORACTL_UPDATE_GOLDEN=1 and review it`);
    throw err;
  });
  assert.equal(text, expected, `the Markdown differs from golden/markdown/${name}.md; if intended, regenerate with AGORACTL_UPDATE_GOLDEN=1 and review the diff`);
}

// ---- plans, as the kinds build them ----

function action(type: ActionType, name: string, reason: string, changes: FieldChange[] = [], more: Partial<PlannedAction> = {}): PlannedAction {
  const project = more.project ?? 'prod';
  const kind = more.kind ?? 'CloudPlayer';
  return { key: resourceKey(project, kind, name), project, kind, name, type, reason, changes, detail: {}, quotaDelta: 0, ...more };
}

function planOf(actions: PlannedAction[], errors: PlanError[] = [], unmanaged: UnmanagedResource[] = []): Plan {
  const summary = Object.fromEntries(ACTION_TYPES.map((t) => [t, actions.filter((a) => a.type === t).length])) as Record<ActionType, number>;
  return { formatVersion: 1, actions, unmanaged, errors, summary, quotaFree: {}, observedAt: 0 };
}

const CREATE = action('create', 'class32-101', 'in the manifests, not in Agora', [
  { path: 'region', after: 'na' },
  { path: 'channelName', after: 'class32' },
  { path: 'uid', after: 101 },
  { path: 'streamUrl', after: 'rtmp://origin.example.com/live/class32/101' },
  { path: 'token', after: '(sensitive)', sensitive: true },
  { path: 'idleTimeout', after: 300 },
]);
const UPDATE_ACTION = action('update', 'class32-102', 'fields Agora updates in place differ', [
  { path: 'streamUrl', before: 'rtmp://origin.example.com/live/old', after: 'rtmp://origin.example.com/live/class32/102' },
  { path: 'audioOptions.volume', before: 100, after: 50 },
  { path: 'isPause', before: undefined, after: true },
]);
const REPLACE = action('replace', 'class32-103', 'a field that Agora cannot update in place changed', [
  { path: 'region', before: 'na', after: 'eu', forcesReplacement: true },
  { path: 'encryptKey', before: '(sensitive)', after: '(sensitive)', sensitive: true, forcesReplacement: true },
  { path: 'streamUrl', before: 'rtmp://origin.example.com/live/old', after: 'rtmp://origin.example.com/live/class32/103' },
]);
/** A player recorded before agoractl kept its applied fields: the plan says so rather than guess. */
const REPLACE_UNRECORDED = action('replace', 'class32-108', 'a field that Agora cannot update in place changed', [{ path: 'spec', unrecorded: true, forcesReplacement: true }]);
const DELETE = action('delete', 'class32-104', 'removed from the manifests', [{ path: 'player', before: '2a9fd6c1-9e1f-4a53-8c44-3f0c5e4b1a77' }]);
const ADOPT = action('adopt', 'class32-105', 'a player named class32-105 already exists with the same channel, user and stream');
const FORGET = action('forget', 'class32-106', 'removed from the manifests; it was never created');
const CONFLICT = action(
  'conflict',
  'class32-107',
  'a player named class32-107 exists (id 5b1c0e2a-77f4-4c1e-9d0e-2b8f6a3c9d10) with other streamUrl; delete it or rename the manifest',
  [{ path: 'streamUrl', before: 'rtmp://elsewhere.example.com/live/x', after: 'rtmp://origin.example.com/live/class32/107' }],
  { blocked: true },
);
const MASS_DELETE: PlanError = {
  code: PLAN_ERROR.massDelete,
  project: 'prod',
  kind: 'CloudPlayer',
  message: 'the plan deletes 2 of 3 managed CloudPlayer in project prod; rerun with --allow-mass-delete if that is intended',
};

const PER_TYPE: { name: string; plan: Plan }[] = [
  { name: 'create', plan: planOf([CREATE]) },
  { name: 'update', plan: planOf([UPDATE_ACTION]) },
  { name: 'replace', plan: planOf([REPLACE]) },
  { name: 'replace-unrecorded', plan: planOf([REPLACE_UNRECORDED]) },
  { name: 'delete', plan: planOf([DELETE]) },
  { name: 'adopt', plan: planOf([ADOPT]) },
  { name: 'forget', plan: planOf([FORGET]) },
  { name: 'conflict', plan: planOf([CONFLICT]) },
  {
    name: 'mass-delete-refused',
    plan: planOf([action('delete', 'b', 'removed from the manifests', [{ path: 'player', before: 'id-b' }]), action('delete', 'c', 'removed from the manifests', [{ path: 'player', before: 'id-c' }])], [MASS_DELETE]),
  },
];

/** Two projects, three kinds, every section: the order of sections and tables is pinned. */
const MIXED = planOf(
  [
    DELETE,
    action('delete', 'live', 'deletionPolicy Disable: pull from origin is turned off', [{ path: 'enabled', before: true, after: false }], { project: 'staging', kind: 'OriginSite' }),
    REPLACE,
    action('update', 'class32-archive', 'fields Agora updates in place (update)', [{ path: 'recordingConfig.subscribeAudioUids', before: ['#allstream#'], after: ['101', '102'] }], { kind: 'CloudRecording' }),
    UPDATE_ACTION,
    CREATE,
    action('create', 'lobby', 'in the manifests, not in Agora', [{ path: 'channelName', after: 'lobby' }], { project: 'staging' }),
    CONFLICT,
  ],
  [],
  [
    { project: 'prod', kind: 'CloudPlayer', name: 'someone-else', externalId: '9c3e1d2f-0000-4000-8000-000000000001' },
    { project: 'prod', kind: 'OriginSite', name: 'vod' },
  ],
);

void describe('Markdown plans', () => {
  for (const { name, plan } of PER_TYPE) {
    void test(`pins the plan of a ${name}`, () => assertGolden(`plan-${name}`, renderPlanMarkdown(plan)));
  }

  void test('pins a plan of several projects and kinds: conflicts first, then a table per project and kind in name order', () =>
    assertGolden('plan-mixed', renderPlanMarkdown(MIXED)));

  void test('says there is nothing to change', () => assertGolden('plan-no-changes', renderPlanMarkdown(planOf([]))));

  void test('pins the result of an apply: what was done, what failed and what was skipped', () => {
    const result: ApplyResult = {
      // In the order the calls finished, which the Markdown does not follow.
      done: [UPDATE_ACTION, DELETE, CREATE],
      failed: [
        {
          action: REPLACE,
          error: { message: 'create player failed: HTTP 503; X-Request-ID 7f0c2a9e4b1d4c3a', status: 503, requestId: '7f0c2a9e4b1d4c3a' },
        },
      ],
      skipped: [{ action: CONFLICT, why: CONFLICT.reason }],
      durationMs: 12_345,
    };
    return assertGolden('apply-result', renderApplyMarkdown(planOf([DELETE, REPLACE, UPDATE_ACTION, CREATE, CONFLICT]), result));
  });

  void test('pins an apply refused by the mass-delete guard: nothing was applied', () =>
    assertGolden('apply-refused', renderApplyMarkdown(PER_TYPE.find((t) => t.name === 'mass-delete-refused')?.plan ?? planOf([]), undefined)));

  void test('prints the same bytes whatever order the apply finished in, and no duration', () => {
    const plan = planOf([DELETE, UPDATE_ACTION, CREATE]);
    const one = renderApplyMarkdown(plan, { done: [CREATE, UPDATE_ACTION, DELETE], failed: [], skipped: [], durationMs: 1_000 });
    const two = renderApplyMarkdown(plan, { done: [DELETE, CREATE, UPDATE_ACTION], failed: [], skipped: [], durationMs: 98_765 });
    assert.equal(one, two);
  });

  void test('shows (sensitive) for a secret field even if a kind left its value in the plan', () => {
    const leaky = action('update', 'p', 'fields Agora updates in place differ', [{ path: 'token', before: 'old-secret-token', after: 'new-secret-token', sensitive: true }]);
    const text = renderPlanMarkdown(planOf([leaky]));
    assert.doesNotMatch(text, /secret-token/);
    assert.match(text, /\| `token` \| \*\(sensitive\)\* \| \*\(sensitive\)\* \|/);
  });
});

// ---- hostile values ----

const HOSTILE = [
  'a|b',
  'x`y``z',
  '`lead',
  '<script>alert(1)</script>',
  '</details><img src=x onerror=alert(1)>',
  'line1\nline2\r\n| --- |\n## heading',
  '@org/team and @someone',
  '[click](https://evil.example.com) *bold* _it_ ~~gone~~ ![i](x)',
  '\\|escaped\\',
  'a\u202eevil\u200b',
].join(' ');

/** The same plan with `value` in every field a manifest or Agora can fill. */
function planWith(value: string): { plan: Plan; result: ApplyResult } {
  const project = `p${value}`;
  const kind = `K${value}`;
  const create = action('create', `n${value}`, `because ${value}`, [{ path: `f${value}`, after: value }], { project, kind });
  const update = action('update', `u${value}`, `because ${value}`, [{ path: `g${value}`, before: value, after: { nested: value } }], { project, kind });
  const conflict = action('conflict', `c${value}`, `exists with ${value}`, [{ path: `h${value}`, before: value, after: 'ours' }], { project, kind, blocked: true });
  const error: PlanError = { code: PLAN_ERROR.massDelete, project, kind, message: `deletes ${value}` };
  const plan = planOf([update, create, conflict], [error], [{ project, kind, name: `u${value}`, externalId: `id${value}` }]);
  const result: ApplyResult = {
    done: [create],
    failed: [{ action: update, error: { message: `failed: ${value}` } }],
    skipped: [{ action: conflict, why: `skip ${value}` }],
    durationMs: 0,
  };
  return { plan, result };
}

/**
 * A line of Markdown with its code spans removed, as CommonMark reads them: a backslash-escaped
 * backtick opens none; a run of n backticks closes at the next run of exactly n.
 */
function outsideCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (c === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
    } else if (c === '`') {
      const run = /^`+/.exec(line.slice(i))?.[0] ?? '`';
      const closing = new RegExp("(?<!`)" + run + "(?!`)", 'g');
      closing.lastIndex = i + run.length;
      const close = closing.exec(line);
      if (!close) out += run;
      i = close ? close.index + run.length : i + run.length;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The structural reading of a document: the fixed part of each line, and each table row's cell count. */
function skeleton(markdown: string): string[] {
  return markdown.split('\n').map((line) => {
    if (line.startsWith('|')) return `row of ${line.match(/(?<!\\)\|/g)?.length ?? 0} cells`;
    if (line.startsWith('<details>')) return line.replace(/<code>[^<]*<\/code>/g, '<code/>');
    return outsideCodeSpans(line).slice(0, 3);
  });
}

void describe('Markdown plans of hostile manifests', () => {
  const benign = planWith('plain');
  const hostile = planWith(HOSTILE);
  const documents = [
    { what: 'plan', benign: renderPlanMarkdown(benign.plan), hostile: renderPlanMarkdown(hostile.plan) },
    { what: 'apply', benign: renderApplyMarkdown(benign.plan, benign.result), hostile: renderApplyMarkdown(hostile.plan, hostile.result) },
    { what: 'refused apply', benign: renderApplyMarkdown(benign.plan, undefined), hostile: renderApplyMarkdown(hostile.plan, undefined) },
  ];

  for (const doc of documents) {
    void test(`a hostile value adds no line, cell, section or <details> to the ${doc.what}`, () => {
      assert.deepEqual(skeleton(doc.hostile), skeleton(doc.benign));
      const lines = doc.hostile.split('\n');
      assert.equal(lines.filter((l) => l === '</details>').length, lines.filter((l) => l.startsWith('<details>')).length, 'every <details> is closed by one of ours');
    });

    void test(`no HTML, link, emphasis or mention of a hostile value reaches the rendered ${doc.what}`, () => {
      for (const line of doc.hostile.split('\n')) {
        if (line === '</details>') continue;
        if (line.startsWith('<details>')) {
          // Raw HTML: only our tags, the values as entities.
          assert.doesNotMatch(line.replace(/<\/?(details|summary|code)>/g, ''), /[<>]/, line);
          continue;
        }
        const markup = outsideCodeSpans(line);
        assert.doesNotMatch(markup, /[<>]/, `HTML outside a code span: ${line}`);
        assert.doesNotMatch(markup, /(?<!\\)(`|\*bold|_it_|~~gone|\[click|!\[i)/, `Markdown syntax of a value outside a code span: ${line}`);
        assert.doesNotMatch(markup, /@[A-Za-z0-9]/, `a mention: ${line}`);
        assert.doesNotMatch(line, /[\u202e\u200b\r]/, 'an invisible character');
      }
      assert.match(doc.hostile, /line1\\nline2\\r\\n/, 'line breaks are shown as \\n');
    });
  }
});

void describe('Markdown escapes', () => {
  const table: { reason: string; got: string; want: string }[] = [
    { reason: 'a plain value is a code span', got: code('na', false), want: '`na`' },
    { reason: 'a value holding backticks is fenced by a longer run', got: code('x`y``z', false), want: '```x`y``z```' },
    { reason: 'a value starting with a backtick is padded', got: code('`lead', false), want: '`` `lead ``' },
    { reason: 'a pipe in a table cell is escaped, even in a code span', got: code('a|b', true), want: '`a\\|b`' },
    { reason: 'a pipe outside a table stays as it is', got: code('a|b', false), want: '`a|b`' },
    { reason: 'an empty value is said in words', got: code('', true), want: '*(empty)*' },
    { reason: 'a newline is written out', got: code('a\nb', false), want: '`a\\nb`' },
    { reason: 'raw HTML gets entities', got: html('</details><b x="1">&'), want: '&lt;/details&gt;&lt;b x=&quot;1&quot;&gt;&amp;' },
    { reason: 'a bidirectional override is written out', got: visible('a\u202eb'), want: 'a\\u202eb' },
    { reason: 'prose escapes inline Markdown and HTML', got: prose('*a* [b](c) <i>|'), want: '\\*a\\* \\[b\\](c) &lt;i&gt;\\|' },
    { reason: 'prose keeps @ from mentioning anyone', got: prose('ask @ops'), want: 'ask @\u2060ops' },
  ];
  for (const row of table) void test(row.reason, () => assert.equal(row.got, row.want));
});
