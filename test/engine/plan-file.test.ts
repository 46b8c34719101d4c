import { describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePlanFile, parsePlanFile, PLAN_FILE_ERROR, PlanFileError, readPlanFile, writePlanFile, type PlanFile, type PlanFileErrorCode } from '../../src/engine/plan-file.ts';
import { manifestsRefusal, planAgeRefusal, scopeRefusal, stateRefusal, type PlanScope } from '../../src/engine/plan-file-checks.ts';
import type { KindModule, PlannedAction } from '../../src/resources/kind.ts';
import { createCloudPlayerModule } from '../../src/resources/cloud-player/index.ts';
import { createCloudRecordingModule } from '../../src/resources/cloud-recording/index.ts';
import type { ResourceState } from '../../src/state/types.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const NOW = 1_800_000_000_000;
const DIGEST = `sha256:${'0f'.repeat(32)}`;

function action(type: PlannedAction['type'], name: string, extra: Partial<PlannedAction> = {}): PlannedAction {
  return { key: resourceKey('prod', 'CloudPlayer', name), project: 'prod', kind: 'CloudPlayer', name, type, reason: 'why', changes: [], detail: { specHash: 'abc', region: 'na' }, quotaDelta: type === 'create' ? 1 : 0, ...extra };
}

function record(name: string, data: Record<string, unknown> = { region: 'na', channelName: 'class32', sequence: 0, applied: {}, lastStatus: 'running' }): ResourceState {
  return { key: resourceKey('prod', 'CloudPlayer', name), project: 'prod', kind: 'CloudPlayer', name, externalId: `id-${name}`, data, updatedAt: NOW };
}

function planFile(actions: PlannedAction[] = [action('create', 'a', { changes: [{ path: 'token', after: '(sensitive)', sensitive: true }] }), action('delete', 'old', { detail: { id: 'id-old', region: 'na' } })]): PlanFile {
  return {
    format: 'agoractl-plan',
    version: 1,
    manifests: ['manifests/'],
    plan: {
      formatVersion: 1,
      actions,
      unmanaged: [{ project: 'prod', kind: 'CloudPlayer', name: 'theirs', externalId: 'id-theirs' }],
      errors: [],
      summary: { create: 1, update: 0, replace: 0, delete: 1, adopt: 0, forget: 0, conflict: 0 },
      quotaFree: { prod: { CloudPlayer: 3, CloudRecording: null } },
      observedAt: NOW,
      basis: { manifestDigest: DIGEST, stateLineage: 'lineage-1', stateSerial: 4 },
    },
    refreshed: [record('old')],
  };
}

/** The file's text with the member at `path` set to `value` (undefined: removed); a function gets the member's old value. */
function edited(path: (string | number)[], value: unknown): string {
  const json: unknown = JSON.parse(encodePlanFile(planFile()));
  let node = json as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path.at(-1) ?? '';
  const next: unknown = typeof value === 'function' ? (value as (old: unknown) => unknown)(node[last]) : value;
  if (next === undefined) delete node[last];
  else node[last] = next;
  return JSON.stringify(json);
}

function refusedWith(code: PlanFileErrorCode, message: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PlanFileError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

describe('plan file', () => {
  test('reads back exactly what was written, as a file only its owner reads', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'agoractl-plan-file-'));
    try {
      const path = join(folder, 'plan.agoractl');
      await writePlanFile(path, planFile());
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(JSON.stringify(await readPlanFile(path))), JSON.parse(JSON.stringify(planFile())));
      assert.equal(await readFile(path, 'utf8'), encodePlanFile(planFile()));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('keeps which fields force a replacement, and which were not recorded', async () => {
    const changes = [
      { path: 'region', before: 'na', after: 'eu', forcesReplacement: true },
      { path: 'encryptKey', before: '(sensitive)', after: '(sensitive)', sensitive: true, forcesReplacement: true },
      { path: 'spec', unrecorded: true, forcesReplacement: true },
    ];
    const folder = await mkdtemp(join(tmpdir(), 'agoractl-plan-file-'));
    try {
      const path = join(folder, 'plan.agoractl');
      await writePlanFile(path, planFile([action('replace', 'r', { changes })]));
      assert.deepEqual((await readPlanFile(path)).plan.actions[0]?.changes, changes);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('a missing file is refused as unreadable, naming it', async () => {
    await assert.rejects(readPlanFile('/nonexistent/plan.agoractl'), refusedWith(PLAN_FILE_ERROR.unreadable, /cannot read the plan file \/nonexistent\/plan\.agoractl: it does not exist/));
  });

  test('a path that is no regular file (a pipe, a device, a folder) is refused without reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agoractl-plan-fifo-'));
    try {
      const fifo = join(dir, 'plan.agoractl');
      // A named pipe no one writes to: reading it would wait for ever.
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      for (const path of [fifo, '/dev/zero', dir]) {
        await assert.rejects(readPlanFile(path), refusedWith(PLAN_FILE_ERROR.invalid, /it is not a regular file/));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const tampered: { reason: string; text: string; code?: PlanFileErrorCode; message: RegExp }[] = [
    { reason: 'an empty file', text: '', message: /it is empty/ },
    { reason: 'a file cut short', text: encodePlanFile(planFile()).slice(0, 200), message: /not complete JSON .*; it may be truncated/ },
    { reason: 'another JSON document', text: '{"resources": {}}', message: /"format" is not "agoractl-plan"/ },
    { reason: 'a newer layout', text: edited(['version'], 2), code: PLAN_FILE_ERROR.version, message: /format version 2; this agoractl reads version 1/ },
    { reason: 'a plan holding errors', text: edited(['plan', 'errors'], [{ code: 'QuotaExceeded', message: 'no' }]), code: PLAN_FILE_ERROR.hasErrors, message: /holds 1 error\(s\)/ },
    { reason: 'a key that is not the action’s own', text: edited(['plan', 'actions', 0, 'key'], 'prod/CloudPlayer/other'), message: /plan\.actions\[0\]\.key is not "<project>\/<kind>\/<name>"/ },
    { reason: 'an action type agoractl has not', text: edited(['plan', 'actions', 0, 'type'], 'destroy-everything'), message: /plan\.actions\[0\]\.type is not one of create, update/ },
    { reason: 'one resource acted on twice', text: edited(['plan', 'actions'], (actions: unknown[]) => [...actions, actions[0]]), message: /plan\.actions holds prod\/CloudPlayer\/a twice/ },
    { reason: 'a project holding a slash', text: edited(['plan', 'actions', 0, 'project'], 'prod/x'), message: /plan\.actions\[0\]\.project holds "\/"/ },
    { reason: 'a secret in an action’s detail', text: edited(['plan', 'actions', 0, 'detail', 'customerSecret'], 'hunter2'), message: /plan\.actions\[0\]\.detail\.customerSecret is named like a secret/ },
    { reason: 'a value shown for a sensitive field', text: edited(['plan', 'actions', 0, 'changes', 0, 'after'], 'hunter2'), message: /changes\[0\]\.after of a sensitive field is not "\(sensitive\)"/ },
    { reason: 'a negative free quota', text: edited(['plan', 'quotaFree', 'prod', 'CloudPlayer'], -1), message: /plan\.quotaFree\.prod\.CloudPlayer is negative/ },
    { reason: 'no basis', text: edited(['plan', 'basis'], undefined), message: /plan\.basis is not an object/ },
    { reason: 'a digest of another form', text: edited(['plan', 'basis', 'manifestDigest'], 'md5:abc'), message: /manifestDigest is not sha256:<64 hex digits>/ },
    { reason: 'a time that is not a number', text: edited(['plan', 'observedAt'], 'now'), message: /plan\.observedAt is not an integer/ },
    { reason: 'a refreshed record holding a secret', text: edited(['refreshed', 0, 'data', 'token'], 'x'), message: /refreshed\[0\] is not a state record: .*token/ },
    { reason: 'no manifests', text: edited(['manifests'], []), message: /"manifests" names no manifest/ },
  ];
  for (const row of tampered) {
    test(`refuses ${row.reason}`, () => {
      assert.throws(() => parsePlanFile(row.text, 'plan.agoractl'), refusedWith(row.code ?? PLAN_FILE_ERROR.invalid, row.message));
    });
  }

  test('recounts the summary from the actions instead of trusting it', () => {
    const file = parsePlanFile(edited(['plan', 'summary', 'create'], 0), 'plan.agoractl');
    assert.equal(file.plan.summary.create, 1);
    assert.equal(file.plan.summary.delete, 1);
  });

  test('refuses to save a plan that holds a secret (a bug upstream)', () => {
    assert.throws(() => encodePlanFile(planFile([action('create', 'a', { detail: { encryptKey: 'k' } })])), refusedWith(PLAN_FILE_ERROR.invalid, /detail\.encryptKey is named like a secret/));
  });
});

describe('plan file checks', () => {
  const MINUTE = 60_000;

  test('the age: refused past the bound or from the future, accepted within it', () => {
    assert.equal(planAgeRefusal(planFile(), NOW + 4 * MINUTE, 5 * MINUTE), undefined);
    assert.match(planAgeRefusal(planFile(), NOW + 6 * MINUTE, 5 * MINUTE)?.message ?? '', /made 360 s ago .*, more than --max-plan-age 300 s/);
    assert.match(planAgeRefusal(planFile(), NOW - 10 * MINUTE, 5 * MINUTE)?.message ?? '', /600 s in this machine's future/);
  });

  test('the manifests: refused when their digest is another', () => {
    assert.equal(manifestsRefusal(planFile(), DIGEST), undefined);
    assert.equal(manifestsRefusal(planFile(), `sha256:${'1e'.repeat(32)}`)?.code, PLAN_FILE_ERROR.manifestsChanged);
  });

  const states: { reason: string; planSerial: number; lineage: string; serial: number; refused?: RegExp }[] = [
    { reason: 'the same lineage and serial', planSerial: 4, lineage: 'lineage-1', serial: 4 },
    { reason: 'a write since', planSerial: 4, lineage: 'lineage-1', serial: 5, refused: /changed since the plan was made \(serial 5, the plan read serial 4\)/ },
    { reason: 'another state', planSerial: 4, lineage: 'lineage-2', serial: 4, refused: /is not the one the plan was made from \(lineage lineage-2, the plan read lineage lineage-1\)/ },
    { reason: 'a state nobody has written yet, then or now (its lineage is not fixed before its first write)', planSerial: 0, lineage: 'lineage-2', serial: 0 },
    { reason: 'a state first written since', planSerial: 0, lineage: 'lineage-2', serial: 1, refused: /changed since the plan was made \(serial 1, the plan read serial 0\)/ },
  ];
  for (const row of states) {
    test(`the state: ${row.refused ? 'refused' : 'accepted'} for ${row.reason}`, () => {
      const file = planFile();
      file.plan.basis.stateSerial = row.planSerial;
      const refusal = stateRefusal(file, { lineage: row.lineage, serial: row.serial }, 'state.json');
      if (row.refused) {
        assert.equal(refusal?.code, PLAN_FILE_ERROR.stateChanged);
        assert.match(refusal.message, row.refused);
      } else {
        assert.equal(refusal, undefined);
      }
    });
  }

  const kinds = new Map([createCloudPlayerModule(), createCloudRecordingModule()].map((m) => [m.kind, m as KindModule]));
  const scope: PlanScope = { projects: new Set(['prod']), kinds, desired: new Set(['prod/CloudPlayer/a']), state: { 'prod/CloudPlayer/old': record('old'), 'prod/CloudPlayer/a': record('a') } };
  const scopes: { reason: string; file: () => PlanFile; refused?: RegExp }[] = [
    { reason: 'a plan of the manifests and the state', file: () => planFile() },
    { reason: 'an action of a project no manifest declares', file: () => planFile([action('create', 'a', { project: 'staging', key: resourceKey('staging', 'CloudPlayer', 'a') })]), refused: /would create staging\/CloudPlayer\/a of project staging, which no manifest declares/ },
    { reason: 'an action of a kind agoractl does not manage', file: () => planFile([action('create', 'a', { kind: 'Secret', key: resourceKey('prod', 'Secret', 'a') })]), refused: /of kind Secret, which agoractl does not manage/ },
    { reason: 'a create of a resource no manifest declares', file: () => planFile([action('create', 'b')]), refused: /would create prod\/CloudPlayer\/b, which no manifest declares/ },
    { reason: 'a delete of a resource the state does not record', file: () => planFile([action('delete', 'unmanaged')]), refused: /would delete prod\/CloudPlayer\/unmanaged, which the state does not record/ },
    {
      reason: 'a delete of a resource the manifests still declare',
      file: () => planFile([action('delete', 'a', { detail: { id: 'id-a', region: 'na' } })]),
      refused: /would delete prod\/CloudPlayer\/a, which the manifests still declare/,
    },
    { reason: 'a delete of the player the state records', file: () => planFile([action('delete', 'old', { detail: { id: 'id-old', region: 'na' } })]) },
    { reason: 'a delete naming another player than the one the state records', file: () => planFile([action('delete', 'old', { detail: { id: 'someone-elses' } })]), refused: /would delete prod\/CloudPlayer\/old though it names player someone-elses, the state records id-old/ },
    { reason: 'a create claiming an earlier create the state does not record', file: () => planFile([action('create', 'a', { detail: { earlierCreate: true } })]), refused: /claims an earlier create in flight/ },
    { reason: 'a refreshed record naming another id', file: () => ({ ...planFile(), refreshed: [{ ...record('old'), externalId: 'someone-elses' }] }), refused: /records prod\/CloudPlayer\/old as someone-elses, the state as id-old/ },
    {
      reason: 'a quota of another project',
      file: () => {
        const file = planFile();
        file.plan.quotaFree = { other: { CloudPlayer: 100 } };
        return file;
      },
      refused: /holds a quota of project other/,
    },
    {
      reason: 'a refreshed record the state does not hold',
      file: () => ({ ...planFile(), refreshed: [record('new')] }),
      refused: /records prod\/CloudPlayer\/new, which the state does not hold/,
    },
  ];
  for (const row of scopes) {
    test(`the scope: ${row.refused ? 'refused' : 'accepted'} for ${row.reason}`, () => {
      const refusal = scopeRefusal(row.file(), scope);
      if (row.refused) {
        assert.equal(refusal?.code, PLAN_FILE_ERROR.outsideManifests);
        assert.match(refusal.message, row.refused);
      } else {
        assert.equal(refusal, undefined);
      }
    });
  }
});
