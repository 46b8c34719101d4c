import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRecording, RECORDING_REASONS } from '../../src/resources/cloud-recording/diff.ts';
import { inPlaceValues, recordingHash, type CloudRecordingSpec, type RecordingData, type RecordingDetail, type RecordingRecord } from '../../src/resources/cloud-recording/model.ts';
import type { DiffInput, KindState, ObservedResource, PlannedAction } from '../../src/resources/kind.ts';
import type { RecordingConfig } from '../../src/manifest/types.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

type RecordingState = KindState<RecordingRecord>;

const KEY = resourceKey('prod', 'CloudRecording', 'class32-archive');
const NOW = Date.UTC(2025, 0, 1, 12);

const SPEC: CloudRecordingSpec = {
  channelName: 'class32',
  uid: 900001,
  mode: 'mix',
  token: { generate: true },
  recordingConfig: {
    maxIdleTime: 300,
    streamTypes: 2,
    channelType: 1,
    subscribeAudioUids: ['101', '102'],
    transcodingConfig: { width: 640, height: 360, fps: 15, bitrate: 600, mixedVideoLayout: 1, backgroundColor: '#000000' },
  },
  storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: { env: 'S3_KEY' }, secretKey: { env: 'S3_SECRET' } },
};

function withConfig(spec: CloudRecordingSpec, change: (recordingConfig: RecordingConfig) => void): CloudRecordingSpec {
  const copy = structuredClone(spec);
  const recordingConfig: RecordingConfig = copy.recordingConfig ?? { channelType: 1 };
  change(recordingConfig);
  return { ...copy, recordingConfig };
}

function running(spec: CloudRecordingSpec, extra: Partial<RecordingState> = {}): RecordingState {
  const data: RecordingData = { cname: 'class32', uid: '900001', mode: 'mix', resourceId: 'rid-1', sid: 'sid-1', acquiredAt: NOW - 60_000, startedAt: NOW - 60_000, applied: inPlaceValues(spec) };
  return { key: KEY, project: 'prod', kind: 'CloudRecording', name: 'class32-archive', externalId: 'sid-1', specHash: recordingHash(spec), data, updatedAt: NOW - 60_000, ...extra };
}

const tombstone: RecordingState = {
  key: KEY,
  project: 'prod',
  kind: 'CloudRecording',
  name: 'class32-archive',
  data: { cname: 'class32', uid: '900001', mode: 'mix', stopped: { resourceId: 'rid-1', sid: 'sid-1', endedAt: NOW - 1000, end: 'stopped', uploadingStatus: 'uploaded', fileList: 'sid-1_class32.m3u8' } },
  updatedAt: NOW - 1000,
};

const ambiguous: RecordingState = {
  key: KEY,
  project: 'prod',
  kind: 'CloudRecording',
  name: 'class32-archive',
  data: { cname: 'class32', uid: '900001', mode: 'mix', resourceId: 'rid-9', acquiredAt: NOW - 5000 },
  pending: { action: 'start', startedAt: NOW - 5000, detail: { resourceId: 'rid-9' } },
  updatedAt: NOW - 5000,
};

const observedAs = (status: string): ObservedResource => ({ name: 'class32-archive', externalId: 'sid-1', status, fields: { status: status === 'running' ? 5 : 8 } });

type RecordingDiffInput = DiffInput<CloudRecordingSpec, RecordingRecord>;

function input(desired: CloudRecordingSpec | undefined, state: RecordingState | undefined, observed: ObservedResource | undefined): RecordingDiffInput {
  return {
    key: KEY,
    project: 'prod',
    name: 'class32-archive',
    desired: desired ? { key: KEY, project: 'prod', kind: 'CloudRecording', name: 'class32-archive', spec: desired } : undefined,
    state,
    observed,
    now: NOW,
  };
}

interface Want {
  type?: PlannedAction['type'];
  reason?: string;
  quotaDelta?: number;
  detail?: RecordingDetail;
  paths?: string[];
}

const rows: { reason: string; args: RecordingDiffInput; want: Want | undefined }[] = [
  { reason: 'a new recording in the manifests is acquired and started, taking one slot of the quota', args: input(SPEC, undefined, undefined), want: { type: 'create', reason: RECORDING_REASONS.create, quotaDelta: 1, detail: { specHash: recordingHash(SPEC) } } },
  { reason: 'a running recording that matches its manifest needs nothing', args: input(SPEC, running(SPEC), observedAs('running')), want: undefined },
  { reason: 'a recording that is still starting and matches its manifest needs nothing', args: input(SPEC, running(SPEC), observedAs('starting')), want: undefined },
  {
    reason: 'a recording that exited (empty channel past maxIdleTime, or stopped elsewhere) is started again, remembering the old session',
    args: input(SPEC, running(SPEC), observedAs('exited')),
    want: { type: 'create', reason: RECORDING_REASONS.exited, quotaDelta: 1, detail: { previous: { resourceId: 'rid-1', sid: 'sid-1' } } },
  },
  { reason: 'a recording whose query failed is left alone until its status is known', args: input(SPEC, running(SPEC), observedAs('unknown')), want: undefined },
  {
    reason: 'a changed subscription list is applied in place with update',
    args: input(withConfig(SPEC, (c) => (c.subscribeAudioUids = ['101', '103'])), running(SPEC), observedAs('running')),
    want: { type: 'update', detail: { sid: 'sid-1', resourceId: 'rid-1', calls: ['update'] }, paths: ['recordingConfig.subscribeAudioUids'] },
  },
  {
    reason: 'a subscription list removed from the manifest is reset in place with update',
    args: input(withConfig(SPEC, (c) => delete c.subscribeAudioUids), running(SPEC), observedAs('running')),
    want: { type: 'update', detail: { sid: 'sid-1', resourceId: 'rid-1', calls: ['update'] }, paths: ['recordingConfig.subscribeAudioUids'] },
  },
  {
    reason: 'a changed mix layout is applied in place with updateLayout',
    args: input(withConfig(SPEC, (c) => (c.transcodingConfig = { ...c.transcodingConfig, mixedVideoLayout: 3, layoutConfig: [{ x_axis: 0, y_axis: 0, width: 1, height: 1 }] })), running(SPEC), observedAs('running')),
    want: { type: 'update', detail: { sid: 'sid-1', resourceId: 'rid-1', calls: ['updateLayout'] }, paths: ['recordingConfig.transcodingConfig.mixedVideoLayout', 'recordingConfig.transcodingConfig.layoutConfig'] },
  },
  {
    reason: 'a subscription and a layout change together make one action with both calls',
    args: input(withConfig(SPEC, (c) => {
      c.unsubscribeVideoUids = ['7'];
      c.transcodingConfig = { ...c.transcodingConfig, backgroundColor: '#ffffff' };
    }), running(SPEC), observedAs('running')),
    want: { type: 'update', detail: { sid: 'sid-1', resourceId: 'rid-1', calls: ['update', 'updateLayout'] } },
  },
  {
    reason: 'a change of maxIdleTime needs a new session: stop, then acquire and start',
    args: input(withConfig(SPEC, (c) => (c.maxIdleTime = 600)), running(SPEC), observedAs('running')),
    want: { type: 'replace', reason: RECORDING_REASONS.replace, quotaDelta: 0, detail: { sid: 'sid-1', resourceId: 'rid-1' } },
  },
  {
    reason: 'a change of the transcoded resolution is not a layout change and needs a new session',
    args: input(withConfig(SPEC, (c) => (c.transcodingConfig = { ...c.transcodingConfig, width: 1280 })), running(SPEC), observedAs('running')),
    want: { type: 'replace' },
  },
  {
    reason: 'a change of the channel needs a new session',
    args: input({ ...SPEC, channelName: 'class33' }, running(SPEC), observedAs('running')),
    want: { type: 'replace' },
  },
  {
    reason: 'in individual mode the layout is not updatable, so a layout field change needs a new session',
    args: input(withConfig({ ...SPEC, mode: 'individual' }, (c) => (c.transcodingConfig = { ...c.transcodingConfig, mixedVideoLayout: 2 })), running({ ...SPEC, mode: 'individual' }), observedAs('running')),
    want: { type: 'replace' },
  },
  {
    reason: 'a new token reference is minted per start and is not a change',
    args: input({ ...SPEC, token: { env: 'REC_TOKEN' } }, running(SPEC), observedAs('running')),
    want: undefined,
  },
  {
    reason: 'a running recording removed from the manifests is stopped, freeing its slot',
    args: input(undefined, running(SPEC), observedAs('running')),
    want: { type: 'delete', reason: RECORDING_REASONS.removed, quotaDelta: -1, detail: { sid: 'sid-1', resourceId: 'rid-1' } },
  },
  {
    reason: 'a recording of unknown status removed from the manifests is stopped, without counting on a freed slot',
    args: input(undefined, running(SPEC), observedAs('unknown')),
    want: { type: 'delete', reason: RECORDING_REASONS.removedUnknown, quotaDelta: 0 },
  },
  {
    reason: 'an exited recording removed from the manifests needs no call: its last file list becomes the tombstone',
    args: input(undefined, running(SPEC), observedAs('exited')),
    want: { type: 'forget', reason: RECORDING_REASONS.removedExited },
  },
  { reason: 'a tombstone is ignored once stopped, so removal is not repeated forever', args: input(undefined, tombstone, undefined), want: undefined },
  {
    reason: 'a tombstone whose manifest comes back is recorded again',
    args: input(SPEC, tombstone, undefined),
    want: { type: 'create', reason: RECORDING_REASONS.recreateTombstone, quotaDelta: 1 },
  },
  {
    reason: 'a start whose outcome was lost is resolved with the same resourceId before anything new is acquired',
    args: input(SPEC, ambiguous, undefined),
    want: { type: 'create', reason: RECORDING_REASONS.resolveAmbiguous, quotaDelta: 1, detail: { resumeResourceId: 'rid-9' } },
  },
  {
    reason: 'a start whose outcome was lost, removed from the manifests, is found first and then stopped',
    args: input(undefined, ambiguous, undefined),
    want: { type: 'delete', reason: RECORDING_REASONS.removedAmbiguous, detail: { resumeResourceId: 'rid-9' } },
  },
  {
    reason: 'a recording that never started (its start failed) is forgotten when removed',
    args: input(undefined, { ...ambiguous, pending: undefined }, undefined),
    want: { type: 'forget', reason: RECORDING_REASONS.removedNeverStarted },
  },
  {
    reason: 'a recording that never started is started when desired',
    args: input(SPEC, { ...ambiguous, pending: undefined }, undefined),
    want: { type: 'create', reason: RECORDING_REASONS.create },
  },
];

/** The fields of `detail` that `want` names. */
function pick(detail: RecordingDetail, want: RecordingDetail): RecordingDetail {
  return Object.fromEntries(Object.entries(detail).filter(([k]) => k in want));
}

void describe('CloudRecording diff', () => {
  for (const row of rows) {
    void test(row.reason, () => {
      const actions = diffRecording(row.args);
      if (!row.want) {
        assert.deepEqual(actions, []);
        return;
      }
      assert.equal(actions.length, 1);
      const [got] = actions;
      assert.ok(got);
      if (row.want.type) assert.equal(got.type, row.want.type);
      if (row.want.reason) assert.equal(got.reason, row.want.reason);
      if (row.want.quotaDelta !== undefined) assert.equal(got.quotaDelta, row.want.quotaDelta);
      if (row.want.detail) assert.deepEqual(pick(got.detail, row.want.detail), row.want.detail);
      if (row.want.paths) assert.deepEqual(got.changes.map((c) => c.path).sort(), [...row.want.paths].sort());
    });
  }

  void test('the plan of a new recording masks storage keys and shows no secret reference', () => {
    const [create] = diffRecording(input(SPEC, undefined, undefined));
    assert.ok(create);
    const secret = create.changes.filter((c) => c.sensitive).map((c) => c.path).sort();
    assert.deepEqual(secret, ['storageConfig.accessKey', 'storageConfig.secretKey', 'token']);
    assert.doesNotMatch(JSON.stringify(create), /S3_KEY|S3_SECRET/);
    assert.ok(create.changes.some((c) => c.path === 'recordingConfig.maxIdleTime' && c.after === 300));
  });
});
