// A recording's replace names the fields only a new session can change, from what state recorded
// when the session started (query returns none of them); storage keys only as "(sensitive)".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCloudRecordingModule } from '../../src/resources/cloud-recording/index.ts';
import { appliedRecordingSpec, inPlaceValues, manifestAppliedRecordingSpec, type CloudRecordingSpec, type RecordingData, type RecordingDetail, type RecordingRecord, type ResolvedRecordingSpec } from '../../src/resources/cloud-recording/model.ts';
import type { FieldChange, KindState, ObservedResource, PlannedAction } from '../../src/resources/kind.ts';
import { checkedResourceCopy } from '../../src/state/resource-check.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const recordings = createCloudRecordingModule();
const NOW = Date.UTC(2025, 0, 1, 12);
const NAME = 'class32-archive';
const KEY = resourceKey('prod', 'CloudRecording', NAME);
const SECRET_VALUES: Record<string, string> = { REC_ACCESS_REF: 'AKIA-access-value-000', REC_SECRET_REF: 'secret-value-1111111', REC_SECRET_REF_2: 'secret-value-2222222' };

const SPEC: CloudRecordingSpec = {
  channelName: 'class32',
  uid: 900001,
  mode: 'mix',
  token: { generate: true },
  recordingConfig: { maxIdleTime: 300, streamTypes: 2, channelType: 1, subscribeAudioUids: ['101', '102'], transcodingConfig: { width: 640, height: 360, fps: 15, bitrate: 600, mixedVideoLayout: 1 } },
  storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: { env: 'REC_ACCESS_REF' }, secretKey: { env: 'REC_SECRET_REF' } },
};

function resolved(spec: CloudRecordingSpec): ResolvedRecordingSpec {
  const copy = structuredClone(spec) as unknown as Record<string, unknown> & { storageConfig: Record<string, unknown> };
  for (const field of ['accessKey', 'secretKey'] as const) {
    const ref = spec.storageConfig[field];
    if ('env' in ref) copy.storageConfig[field] = SECRET_VALUES[ref.env];
  }
  delete copy.token;
  return copy as unknown as ResolvedRecordingSpec;
}

function diff(spec: CloudRecordingSpec, state: KindState<RecordingRecord> | undefined, observed: ObservedResource | undefined): PlannedAction<RecordingDetail>[] {
  return recordings.diff({ key: KEY, project: 'prod', name: NAME, desired: { key: KEY, project: 'prod', kind: 'CloudRecording', name: NAME, spec }, state, observed, now: NOW });
}

const RUNNING: ObservedResource = { name: NAME, externalId: 'sid-1', status: 'running', fields: { status: 5 } };

/** The record of a session started from `spec`: the create's hashes of secret references, and the resolved spec without its secrets. */
function startedRecord(spec: CloudRecordingSpec): KindState<RecordingData> {
  const [create] = diff(spec, undefined, undefined);
  assert.equal(create?.type, 'create');
  const data: RecordingData = {
    cname: spec.channelName,
    uid: String(spec.uid),
    mode: spec.mode ?? 'mix',
    resourceId: 'rid-1',
    sid: 'sid-1',
    startedAt: NOW - 60_000,
    applied: inPlaceValues(spec),
    appliedSpec: appliedRecordingSpec(resolved(spec), create.detail.sensitiveFields),
  };
  return { key: KEY, project: 'prod', kind: 'CloudRecording', name: NAME, externalId: 'sid-1', specHash: create.detail.specHash, data, updatedAt: NOW - 60_000 };
}

function versionOneRecord(spec: CloudRecordingSpec): KindState<RecordingData> {
  const record = startedRecord(spec);
  const { appliedSpec: _spec, ...data } = record.data;
  return { ...record, data };
}

function withRecordingConfig(change: Partial<NonNullable<CloudRecordingSpec['recordingConfig']>>): CloudRecordingSpec {
  return { ...SPEC, recordingConfig: { ...SPEC.recordingConfig, channelType: 1, ...change } };
}

const rows: { reason: string; after: CloudRecordingSpec; record?: (s: CloudRecordingSpec) => KindState<RecordingData>; changes: FieldChange[] }[] = [
  {
    reason: 'maxIdleTime, which query never returns, is named from what the session started with',
    after: withRecordingConfig({ maxIdleTime: 600 }),
    changes: [{ path: 'recordingConfig.maxIdleTime', before: 300, after: 600, forcesReplacement: true }],
  },
  {
    reason: 'a storage bucket change is named; a subscription change made with it is shown without forcing',
    after: { ...withRecordingConfig({ subscribeAudioUids: ['101'] }), storageConfig: { ...SPEC.storageConfig, bucket: 'rec-2' } },
    changes: [
      { path: 'storageConfig.bucket', before: 'rec', after: 'rec-2', forcesReplacement: true },
      { path: 'recordingConfig.subscribeAudioUids', before: ['101', '102'], after: ['101'] },
    ],
  },
  {
    reason: 'a storage secret reference that changed shows (sensitive), never its reference or value',
    after: { ...SPEC, storageConfig: { ...SPEC.storageConfig, secretKey: { env: 'REC_SECRET_REF_2' } } },
    changes: [{ path: 'storageConfig.secretKey', before: '(sensitive)', after: '(sensitive)', sensitive: true, forcesReplacement: true }],
  },
  {
    reason: 'a version-1 record still names a channel change (it always kept the channel)',
    after: { ...SPEC, channelName: 'class33' },
    record: versionOneRecord,
    changes: [{ path: 'channelName', before: 'class32', after: 'class33', forcesReplacement: true }],
  },
  {
    reason: 'a version-1 record cannot name maxIdleTime: the plan says it was not recorded rather than guess',
    after: withRecordingConfig({ maxIdleTime: 600 }),
    record: versionOneRecord,
    changes: [{ path: 'spec', unrecorded: true, forcesReplacement: true }],
  },
];

void describe('CloudRecording replace reasons', () => {
  for (const row of rows) {
    void test(row.reason, () => {
      const actions = diff(row.after, (row.record ?? startedRecord)(SPEC), RUNNING);
      assert.deepEqual(actions.map((a) => a.type), ['replace']);
      assert.deepEqual(actions[0]?.changes, row.changes);
    });
  }

  void test('storage keys reach neither state nor the plan, as references or values', () => {
    const record = startedRecord(SPEC);
    const stored = JSON.stringify(checkedResourceCopy({ ...record, data: { ...record.data } }));
    const plan = JSON.stringify(diff({ ...SPEC, storageConfig: { ...SPEC.storageConfig, secretKey: { env: 'REC_SECRET_REF_2' } } }, record, RUNNING));
    for (const text of [stored, plan]) {
      assert.doesNotMatch(text, /REC_ACCESS_REF|REC_SECRET_REF/);
      for (const value of Object.values(SECRET_VALUES)) assert.ok(!text.includes(value));
    }
  });

  void test('a manifest taken as it is (an import) records the same applied spec as a started session', () => {
    assert.deepEqual(manifestAppliedRecordingSpec(SPEC), startedRecord(SPEC).data.appliedSpec);
  });

  void test('a session started from the manifest plans nothing against it', () => {
    assert.deepEqual(diff(SPEC, startedRecord(SPEC), RUNNING), []);
  });
});

void describe('CloudRecording state data versions', () => {
  void test('the module writes data version 2, and reads a version-1 record without an applied spec', () => {
    assert.equal(recordings.dataVersion, 2);
    const v2 = startedRecord(SPEC).data as unknown as Record<string, unknown>;
    assert.deepEqual(recordings.decode(v2, 2), v2);
    // Version 1 never wrote an applied spec: one found there is not trusted.
    const fromV1 = recordings.decode(v2, 1) as RecordingData;
    assert.equal(fromV1.appliedSpec, undefined);
    assert.equal(fromV1.sid, 'sid-1');
  });
});
