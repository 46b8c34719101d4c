// What the CloudRecording module declares beside observe, diff and execute: how it reads its
// state records, which notifications name its recordings, and who it joins a channel as.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCloudRecordingModule } from '../../src/resources/cloud-recording/index.ts';
import type { RecordingData } from '../../src/resources/cloud-recording/model.ts';

const module = createCloudRecordingModule();

const running: RecordingData = {
  cname: 'class32',
  uid: '900001',
  mode: 'mix',
  resourceId: 'rid-1',
  acquiredAt: 1,
  sid: 'sid-1',
  startedAt: 2,
  applied: { subscription: { subscribeAudioUids: ['101'] }, layout: { mixedVideoLayout: 1 }, web: {} },
  lastStatus: 5,
  fileListMode: 'string',
  fileList: 'sid-1_class32.m3u8',
  sessions: [{ resourceId: 'rid-0', sid: 'sid-0', startedAt: 0, endedAt: 1, end: 'exited', fileList: [{ fileName: 'a.m3u8' }] }],
};

void describe('CloudRecording state data', () => {
  const layouts: { reason: string; data: Record<string, unknown> }[] = [
    { reason: 'a running recording with its history', data: { ...running } },
    { reason: 'a recording whose acquire is in flight', data: { cname: 'class32', uid: '900001', mode: 'individual' } },
    { reason: 'a recording whose start is in flight', data: { cname: 'page', uid: '42', mode: 'web', resourceId: 'rid-9', acquiredAt: 5 } },
    {
      reason: 'a tombstone with its final session',
      data: { cname: 'class32', uid: '900001', mode: 'mix', sessions: [], stopped: { resourceId: 'rid-1', sid: 'sid-1', endedAt: 9, end: 'stopped', uploadingStatus: 'uploaded', fileList: 'f.m3u8' } },
    },
    { reason: 'a record begun without data', data: {} },
  ];
  for (const { reason, data } of layouts) {
    void test(`reads every layout agoractl wrote as it is: ${reason}`, () => {
      assert.deepEqual(module.decode(data, 1), data);
    });
  }

  void test("a record that is not a recording's is not read as one", () => {
    assert.equal(module.decode({ playerId: 'p-1', sequence: 3 }, 1), undefined);
    assert.equal(module.decode({ cname: 'class32', uid: '900001', mode: 'composite' }, 1), undefined);
  });
});

void describe('CloudRecording notifications', () => {
  const event = (payload: Record<string, unknown>, productId = 3) => module.notificationTarget?.({ productId, eventType: 11, payload });

  void test('a Cloud Recording event names the recording by its sid', () => {
    assert.deepEqual(event({ cname: 'class32', uid: 900001, sid: 'sid-1' }), { kind: 'CloudRecording', externalId: 'sid-1', eventType: 11 });
    assert.deepEqual(event({ cname: 'class32', uid: '900001', sid: 'sid-1' }), { kind: 'CloudRecording', externalId: 'sid-1', eventType: 11 });
  });

  void test('an event of another product, or without cname, uid or sid, names no recording', () => {
    assert.equal(event({ cname: 'class32', uid: 900001, sid: 'sid-1' }, 4), undefined);
    assert.equal(event({ cname: 'class32', uid: 900001 }), undefined);
    assert.equal(event({ uid: 900001, sid: 'sid-1' }), undefined);
    assert.equal(event({ cname: 'class32', sid: 'sid-1' }), undefined);
  });
});

void describe('CloudRecording manifest rules', () => {
  void test('a recording joins its channel as its uid, but a web page recording joins none', () => {
    assert.deepEqual(module.manifest.channelUser?.({ channelName: 'class32', uid: 900001, mode: 'mix' }), { channelName: 'class32', field: 'uid', id: 'uid:900001', text: 'uid 900001' });
    assert.equal(module.manifest.channelUser?.({ channelName: 'page', uid: 42, mode: 'web' }), undefined);
  });

  void test('recordings count against the App ID quota of cloud recordings', () => {
    assert.deepEqual(module.manifest.quota, { key: 'recordingsPerApp', noun: 'cloud recordings' });
    assert.equal(module.manifest.quota?.key, 'recordingsPerApp');
  });
});
