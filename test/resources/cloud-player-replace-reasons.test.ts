// A player's replace names the fields that changed and which of them force it, also fields List
// never returns, from what state recorded at create; secret fields only as "(sensitive)".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCloudPlayerModule } from '../../src/resources/cloud-player/index.ts';
import { appliedPlayerSpec, manifestAppliedSpec, playerHash, updatableValues, type CloudPlayerSpec, type PlayerData, type PlayerDetail, type PlayerRecord } from '../../src/resources/cloud-player/model.ts';
import type { FieldChange, KindState, ObservedResource, PlannedAction } from '../../src/resources/kind.ts';
import { renderPlan } from '../../src/engine/render-plan.ts';
import { renderPlanMarkdown } from '../../src/engine/render-markdown.ts';
import { ACTION_TYPES, type ActionType } from '../../src/resources/kind.ts';
import type { Plan } from '../../src/engine/plan.ts';
import { checkedResourceCopy } from '../../src/state/resource-check.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
import { SAMPLE_PLAYER_SPEC } from './player-spec.ts';

const players = createCloudPlayerModule();
const NOW = 1_800_000_000_000;
const NAME = 'class32-101';
const KEY = resourceKey('prod', 'CloudPlayer', NAME);
/** What the environment holds behind the manifest's references: never in a plan or in state. */
const SECRET_VALUES: Record<string, string> = { PLAYER_KEY_REF_A: 'k3y-value-aaaaaaaaaaaaaaaa', PLAYER_KEY_REF_B: 'k3y-value-bbbbbbbbbbbbbbbb', PLAYER_SALT_REF: 'c2FsdC12YWx1ZQ==' };

const BASE = SAMPLE_PLAYER_SPEC;

function spec(overrides: Partial<CloudPlayerSpec> = {}): CloudPlayerSpec {
  return { ...BASE, ...overrides };
}

/** The manifest spec as execute sees it: secret references replaced by their values. */
function resolved(manifest: CloudPlayerSpec): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...manifest };
  for (const field of ['encryptKey', 'encryptKdfSalt'] as const) {
    const ref = manifest[field];
    if (ref && 'env' in ref) copy[field] = SECRET_VALUES[ref.env];
  }
  return copy;
}

function desired(manifest: CloudPlayerSpec): { key: typeof KEY; project: string; kind: string; name: string; spec: CloudPlayerSpec } {
  return { key: KEY, project: 'prod', kind: 'CloudPlayer', name: NAME, spec: manifest };
}

function observed(manifest: CloudPlayerSpec): ObservedResource {
  return { name: NAME, externalId: 'p1', status: 'running', fields: { channelName: manifest.channelName, uid: manifest.uid, streamUrl: manifest.streamUrl, createTs: 1_799_999_000 } };
}

function diff(manifest: CloudPlayerSpec | undefined, state: KindState<PlayerRecord> | undefined, listed: ObservedResource | undefined): PlannedAction<PlayerDetail>[] {
  return players.diff({ key: KEY, project: 'prod', name: NAME, desired: manifest ? desired(manifest) : undefined, observed: listed, state, now: NOW });
}

/**
 * The record agoractl writes once it created the player of `applied`: what the create action
 * carries (the secret references' hashes) and what execute records of the resolved spec.
 */
function createdRecord(applied: CloudPlayerSpec): KindState<PlayerData> {
  const [create] = diff(applied, undefined, undefined);
  assert.equal(create?.type, 'create');
  const data: PlayerData = {
    region: applied.region,
    channelName: applied.channelName,
    sequence: 0,
    applied: updatableValues(applied, ['streamUrl', 'seekPosition']),
    createdAt: NOW - 3_600_000,
    playStartedAt: 1_799_999_000,
    lastStatus: 'running',
    seen: true,
    appliedSpec: appliedPlayerSpec(resolved(applied), create.detail.sensitiveFields),
  };
  return { key: KEY, project: 'prod', kind: 'CloudPlayer', name: NAME, externalId: 'p1', specHash: create.detail.specHash, data, updatedAt: NOW - 3_600_000 };
}

/** The same record as agoractl before data version 2 wrote it: no applied spec. */
function versionOneRecord(applied: CloudPlayerSpec): KindState<PlayerData> {
  const { appliedSpec: _spec, ...data } = createdRecord(applied).data;
  return { ...createdRecord(applied), data };
}

const ENCRYPTED = spec({ encryptMode: 'aes-128-gcm2', encryptKey: { env: 'PLAYER_KEY_REF_A' }, encryptKdfSalt: { env: 'PLAYER_SALT_REF' } });

const rows: { reason: string; before: CloudPlayerSpec; after: CloudPlayerSpec; record?: (s: CloudPlayerSpec) => KindState<PlayerData>; changes: FieldChange[] }[] = [
  {
    reason: 'a region change names region, which forces the replacement',
    before: spec(),
    after: spec({ region: 'eu' }),
    changes: [{ path: 'region', before: 'na', after: 'eu', forcesReplacement: true }],
  },
  {
    reason: 'a field List never returns (idleTimeout) is named from what state recorded',
    before: spec(),
    after: spec({ idleTimeout: 600 }),
    changes: [{ path: 'idleTimeout', before: 300, after: 600, forcesReplacement: true }],
  },
  {
    reason: 'a nested field set and another removed are named by their paths',
    before: spec({ repeatTime: 2 }),
    after: spec({ videoOptions: { width: 640 } }),
    changes: [
      { path: 'videoOptions.width', before: undefined, after: 640, forcesReplacement: true },
      { path: 'repeatTime', before: 2, forcesReplacement: true },
    ],
  },
  {
    reason: 'a field Agora updates in place, changed with a region, is shown without forcing anything',
    before: spec(),
    after: spec({ region: 'eu', streamUrl: 'rtmp://origin.example.com/live/class32/202' }),
    changes: [
      { path: 'region', before: 'na', after: 'eu', forcesReplacement: true },
      { path: 'streamUrl', before: 'rtmp://origin.example.com/live/class32/101', after: 'rtmp://origin.example.com/live/class32/202' },
    ],
  },
  {
    reason: 'a secret reference that changed shows (sensitive), never the reference or the value',
    before: ENCRYPTED,
    after: { ...ENCRYPTED, encryptKey: { env: 'PLAYER_KEY_REF_B' } },
    changes: [{ path: 'encryptKey', before: '(sensitive)', after: '(sensitive)', sensitive: true, forcesReplacement: true }],
  },
  {
    reason: 'a secret added to a player without one shows (sensitive) after, nothing before',
    before: spec(),
    after: { ...spec(), encryptMode: 'aes-128-gcm2', encryptKey: { env: 'PLAYER_KEY_REF_A' } },
    changes: [
      { path: 'encryptMode', before: undefined, after: 'aes-128-gcm2', forcesReplacement: true },
      { path: 'encryptKey', after: '(sensitive)', sensitive: true, forcesReplacement: true },
    ],
  },
  {
    reason: 'a version-1 record still names a region change (it always kept the region)',
    before: spec(),
    after: spec({ region: 'eu' }),
    record: versionOneRecord,
    changes: [{ path: 'region', before: 'na', after: 'eu', forcesReplacement: true }],
  },
  {
    reason: 'a version-1 record cannot name an unlisted field: the plan says it was not recorded rather than guess',
    before: spec(),
    after: spec({ idleTimeout: 600 }),
    record: versionOneRecord,
    changes: [{ path: 'spec', unrecorded: true, forcesReplacement: true }],
  },
];

void describe('CloudPlayer replace reasons', () => {
  for (const row of rows) {
    void test(row.reason, () => {
      const record = (row.record ?? createdRecord)(row.before);
      const actions = diff(row.after, record, observed(row.before));
      assert.deepEqual(actions.map((a) => a.type), ['replace']);
      assert.deepEqual(actions[0]?.changes, row.changes);
    });
  }

  void test('the text plan reads "region: na -> eu # forces replacement"', () => {
    const actions = diff(spec({ region: 'eu' }), createdRecord(spec()), observed(spec()));
    assert.match(renderPlan(planOf(actions)), /^ {6}~ region: na -> eu # forces replacement$/m);
  });

  void test('a secret field: neither its reference nor its value reaches the plan, its JSON, its renderings or state', () => {
    const before = ENCRYPTED;
    const after: CloudPlayerSpec = { ...ENCRYPTED, encryptKey: { env: 'PLAYER_KEY_REF_B' }, region: 'eu' };
    const record = createdRecord(before);
    // The state guard accepts the record (it refuses a value under a secret-looking name).
    const stored = JSON.stringify(checkedResourceCopy({ ...record, data: { ...record.data } }));
    const actions = diff(after, record, observed(before));
    const plan = planOf(actions);
    for (const [what, text] of [
      ['state', stored],
      ['plan JSON', JSON.stringify(plan)],
      ['text plan', renderPlan(plan)],
      ['Markdown plan', renderPlanMarkdown(plan)],
    ] as const) {
      assert.doesNotMatch(text, /PLAYER_KEY_REF|PLAYER_SALT_REF/, `${what} names a secret reference`);
      for (const value of Object.values(SECRET_VALUES)) assert.ok(!text.includes(value), `${what} holds a secret value`);
    }
    assert.match(renderPlan(plan), /~ encryptKey: \(sensitive\) -> \(sensitive\) # forces replacement/);
    assert.match(renderPlanMarkdown(plan), /\| `encryptKey` \| \*\(sensitive\)\* \| \*\(sensitive\)\* \| yes \|/);
  });

  void test('a manifest taken as it is (an import) records the same applied spec as a create of it', () => {
    assert.deepEqual(manifestAppliedSpec(ENCRYPTED), createdRecord(ENCRYPTED).data.appliedSpec);
  });

  void test('an encrypted player whose manifest is unchanged plans nothing: the recorded hashes match', () => {
    assert.deepEqual(diff(ENCRYPTED, createdRecord(ENCRYPTED), observed(ENCRYPTED)), []);
  });
});

void describe('CloudPlayer state data versions', () => {
  test('the module writes data version 2', () => {
    assert.equal(players.dataVersion, 2);
  });

  test('a version-1 record is read as it is, with no applied spec', () => {
    const v1 = versionOneRecord(spec()).data as unknown as Record<string, unknown>;
    assert.equal(players.decode(v1, 1), v1);
    assert.equal((players.decode(v1, 1) as PlayerData).appliedSpec, undefined);
  });

  test('a version-2 record is read as it is, applied spec included', () => {
    const v2 = createdRecord(spec()).data as unknown as Record<string, unknown>;
    const decoded = players.decode(v2, 2) as PlayerData;
    assert.equal(decoded, v2);
    assert.deepEqual(decoded.appliedSpec, { fields: { uid: 101, idleTimeout: 300 } });
  });

  test('an applied spec in a version-1 record is not trusted: version 1 never wrote one', () => {
    const v1 = { ...(createdRecord(spec()).data as unknown as Record<string, unknown>) };
    const decoded = players.decode(v1, 1) as PlayerData;
    assert.equal(decoded.appliedSpec, undefined);
    assert.equal(decoded.region, 'na');
  });

  test('a malformed applied spec is dropped and the rest of the record kept', () => {
    const data = { ...(createdRecord(spec()).data as unknown as Record<string, unknown>), appliedSpec: { fields: { uid: { nested: 1 } } } };
    const decoded = players.decode(data, 2) as PlayerData;
    assert.equal(decoded.appliedSpec, undefined);
    assert.equal(decoded.sequence, 0);
  });

  test('an upgraded version-1 record plans a replace that says what it cannot name', () => {
    const v1 = versionOneRecord(spec());
    const decoded = players.decode(v1.data as unknown as Record<string, unknown>, 1);
    assert.ok(decoded);
    const [replace] = diff(spec({ idleTimeout: 600 }), { ...v1, data: decoded }, observed(spec()));
    assert.match(renderPlan(planOf(replace ? [replace] : [])), /~ spec: changed \(not recorded before this version\) # forces replacement/);
  });

  test('the spec hash a version-2 record keeps is the one version 1 kept: no replace on upgrade', () => {
    assert.equal(createdRecord(spec()).specHash, playerHash(spec()));
  });
});

function planOf(actions: PlannedAction[]): Plan {
  const summary = Object.fromEntries(ACTION_TYPES.map((t) => [t, actions.filter((a) => a.type === t).length])) as Record<ActionType, number>;
  return { formatVersion: 1, actions, unmanaged: [], errors: [], summary, quotaFree: {}, observedAt: 0 };
}
