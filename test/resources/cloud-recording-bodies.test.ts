import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquireBody, startBody, updateBody, updateLayoutBody } from '../../src/resources/cloud-recording/bodies.ts';
import { refreshRecording } from '../../src/resources/cloud-recording/observe.ts';
import type { RecordingData, RecordingRecord, ResolvedRecordingSpec } from '../../src/resources/cloud-recording/model.ts';
import type { KindState } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const appId = '970ca35de60c44645bbae8a215061b33';
const appCertificate = '5cfd2fd1755d40ecb72977518be15d3b';

const MIX: ResolvedRecordingSpec = {
  channelName: 'class32',
  uid: 900001,
  mode: 'mix',
  token: { generate: true },
  recordingConfig: { channelType: 1, streamTypes: 2, maxIdleTime: 300, subscribeAudioUids: ['101'], transcodingConfig: { width: 640, height: 360, mixedVideoLayout: 1 } },
  storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: 'AKIA-resolved', secretKey: 'resolved-secret' },
};

const WEB: ResolvedRecordingSpec = {
  channelName: 'page',
  uid: 42,
  mode: 'web',
  storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: 'a', secretKey: 'b' },
  extensionServiceConfig: {
    extensionServices: [
      { serviceName: 'web_recorder_service', serviceParam: { url: 'https://example.com', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2, onhold: true } },
      { serviceName: 'rtmp_publish_service', serviceParam: { outputs: [{ rtmpUrl: 'rtmp://cdn.example.com/live/a' }] } },
    ],
  },
};

void describe('CloudRecording request bodies', () => {
  void test('the uid goes to Agora as a string, and the scene follows the mode unless set', () => {
    assert.deepEqual(acquireBody(MIX), { cname: 'class32', uid: '900001', clientRequest: { scene: 0 } });
    assert.deepEqual(acquireBody({ ...WEB, resourceExpiredHour: 24, region: 'NA' }), { cname: 'page', uid: '42', clientRequest: { scene: 1, resourceExpiredHour: 24, region: 'NA' } });
  });

  void test('start carries the resolved storage keys and a token minted for the recording uid', () => {
    const body = startBody(MIX, { appId, appCertificate }, Date.now());
    assert.equal(body.uid, '900001');
    const request = body.clientRequest as { token?: unknown; storageConfig?: { accessKey?: unknown }; recordingConfig?: unknown };
    assert.equal(typeof request.token, 'string');
    assert.match(String(request.token), /^007/);
    assert.equal(request.storageConfig?.accessKey, 'AKIA-resolved');
    assert.deepEqual(request.recordingConfig, MIX.recordingConfig);
  });

  void test('generating a token without an App Certificate is refused with a clear code', () => {
    assert.throws(() => startBody(MIX, { appId }, Date.now()), { code: 'NoAppCertificate' });
  });

  void test('update names both subscription lists, since a list for one media type alone drops the other', () => {
    assert.deepEqual(updateBody(MIX).clientRequest, {
      streamSubscribe: { audioUidList: { subscribeAudioUids: ['101'] }, videoUidList: { subscribeVideoUids: ['#allstream#'] } },
    });
    const audioOnly: ResolvedRecordingSpec = { ...MIX, recordingConfig: { channelType: 1, streamTypes: 0, unsubscribeAudioUids: ['7'] } };
    assert.deepEqual(updateBody(audioOnly).clientRequest, { streamSubscribe: { audioUidList: { unsubscribeAudioUids: ['7'] } } });
  });

  void test('web page recording updates onhold and the CDN outputs', () => {
    assert.deepEqual(updateBody(WEB).clientRequest, {
      webRecordingConfig: { onhold: true },
      rtmpPublishConfig: { outputs: [{ rtmpUrl: 'rtmp://cdn.example.com/live/a' }] },
    });
  });

  void test('updateLayout sends the whole layout, with documented defaults for fields left out', () => {
    assert.deepEqual(updateLayoutBody(MIX).clientRequest, { mixedVideoLayout: 1, backgroundColor: '#000000' });
  });
});

void describe('CloudRecording refresh', () => {
  const data: RecordingData = { cname: 'class32', uid: '900001', mode: 'mix', resourceId: 'rid-1', sid: 'sid-1' };
  const state: KindState<RecordingRecord> = {
    key: resourceKey('prod', 'CloudRecording', 'a'),
    project: 'prod',
    kind: 'CloudRecording',
    name: 'a',
    externalId: 'sid-1',
    data,
    updatedAt: 1,
  };

  void test('the file list query shows while the recording runs is kept in state', () => {
    const next = refreshRecording(state, { name: 'a', externalId: 'sid-1', status: 'running', fields: { status: 5, fileListMode: 'string', fileList: 'sid-1_class32.m3u8' } });
    assert.deepEqual(next, { ...data, lastStatus: 5, fileListMode: 'string', fileList: 'sid-1_class32.m3u8' });
  });

  void test('an exit keeps the last file list, and nothing new changes nothing', () => {
    const running = { ...state, data: { ...data, lastStatus: 5, fileListMode: 'string', fileList: 'f.m3u8' } };
    const exited = refreshRecording(running, { name: 'a', externalId: 'sid-1', status: 'exited', fields: {} });
    assert.deepEqual(exited, { ...running.data, lastStatus: 8 });
    assert.equal(refreshRecording(running, { name: 'a', externalId: 'sid-1', status: 'running', fields: { status: 5, fileListMode: 'string', fileList: 'f.m3u8' } }), undefined);
    assert.equal(refreshRecording(running, { name: 'a', externalId: 'sid-1', status: 'unknown', fields: { error: 'x' } }), undefined);
  });
});
