// Cloud Recording conformance, part 3: the three modes and the calls that change a running
// recording (cloud-recording.en.yaml: query-serverResponse, stop-serverResponse, update,
// updateLayout), over real HTTP.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CNAME, UID, assertCode, clientRequestFor, serverResponse, useRecordings } from './recording-helpers.ts';

const APP = 'app-recording-modes';

void describe('Cloud Recording modes', () => {
  const { emu, rec } = useRecordings(APP);

  void test('an individual recording lists an audio and a video playlist per subscribed user, in json mode, with sliceStartTime', async () => {
    await rec.users(CNAME, 2);
    const body = clientRequestFor('individual', { recordingConfig: { channelType: 1, subscribeUidGroup: 0, subscribeAudioUids: ['101', '102'], subscribeVideoUids: ['101'] } });
    const { rid, sid } = await rec.begin(CNAME, UID, 'individual', body);
    const startedAt = await emu.now();
    await emu.advance(2000);
    const response = serverResponse(await rec.query(rid, sid, 'individual'));
    assert.equal(response.status, 5);
    assert.equal(response.fileListMode, 'json');
    assert.ok(typeof response.sliceStartTime === 'number' && response.sliceStartTime > startedAt);
    const files = response.fileList as { fileName: string; trackType: string; uid: string; mixedAllUser: boolean }[];
    assert.deepEqual(
      files.map((f) => [f.fileName, f.trackType, f.uid, f.mixedAllUser]),
      [
        [`${sid}_${CNAME}__uid_s_101__uid_e_audio.m3u8`, 'audio', '101', false],
        [`${sid}_${CNAME}__uid_s_101__uid_e_video.m3u8`, 'video', '101', false],
        [`${sid}_${CNAME}__uid_s_102__uid_e_audio.m3u8`, 'audio', '102', false],
        [`${sid}_${CNAME}__uid_s_102__uid_e_video.m3u8`, 'video', '102', false],
      ],
    );
  });

  void test('an audio-only individual recording has audio playlists only', async () => {
    await rec.users(CNAME, 1);
    const body = clientRequestFor('individual', { recordingConfig: { channelType: 1, subscribeUidGroup: 0, streamTypes: 0 } });
    const { rid, sid } = await rec.begin(CNAME, UID, 'individual', body);
    await emu.advance(2000);
    const files = serverResponse(await rec.query(rid, sid, 'individual')).fileList as { trackType: string }[];
    assert.ok(files.length > 0 && files.every((f) => f.trackType === 'audio'));
  });

  void test('a mix recording with MP4 lists its files in json mode and stops with them', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', clientRequestFor('mix', { recordingFileConfig: { avFileType: ['hls', 'mp4'] } }));
    await emu.advance(2000);
    const response = serverResponse(await rec.query(rid, sid));
    assert.equal(response.fileListMode, 'json');
    const names = (response.fileList as { fileName: string; uid: string; mixedAllUser: boolean }[]).map((f) => [f.fileName.replace(/_\d{17}_/, '_<utc>_'), f.uid, f.mixedAllUser]);
    assert.deepEqual(names, [
      [`${sid}_${CNAME}.m3u8`, '0', true],
      [`${sid}_${CNAME}_<utc>_0.mp4`, '0', true],
    ]);
    await emu.advance(2000);
    const stopped = await rec.stop(rid, sid, CNAME, UID);
    assert.equal(stopped.status, 200);
    assert.equal((serverResponse(stopped).fileList as unknown[]).length, 2);
  });

  void test('a web page recording reports its state per extension service and stops through the upload service', async () => {
    const { rid, sid } = await rec.begin('board-7', UID, 'web');
    await emu.advance(2000);
    const response = serverResponse(await rec.query(rid, sid, 'web'));
    assert.equal(response.status, 5);
    const [service] = response.extensionServiceState as { serviceName: string; payload: { fileList: { filename: string }[]; onhold: boolean; state: string } }[];
    assert.equal(service?.serviceName, 'web_recorder_service');
    assert.equal(service?.payload.state, 'inProgress');
    assert.equal(service?.payload.onhold, false);
    assert.equal(service?.payload.fileList[0]?.filename, `${sid}_board-7.m3u8`);
    await emu.advance(2000); // not "together with" the query
    const stopped = await rec.stop(rid, sid, 'board-7', UID, 'web');
    assert.equal(stopped.status, 200);
    const states = serverResponse(stopped).extensionServiceState as { serviceName: string; payload: Record<string, unknown> }[];
    assert.deepEqual(states[0], { serviceName: 'upload_service', payload: { uploadingStatus: 'uploaded' } });
  });

  void test('a web page recording does not need users in a channel and does not exit when it is empty', async () => {
    const { rid, sid } = await rec.begin('board-8', UID, 'web');
    await emu.advance(600_000);
    assert.equal(serverResponse(await rec.query(rid, sid, 'web')).status, 5);
  });

  void test('a web page recording started on hold records only once update resumes it', async () => {
    const body = clientRequestFor('web');
    const services = (body.extensionServiceConfig as { extensionServices: { serviceParam: Record<string, unknown> }[] }).extensionServices;
    services[0] = { ...services[0], serviceParam: { ...services[0]?.serviceParam, onhold: true } };
    const { rid, sid } = await rec.begin('board-9', UID, 'web', body);
    await emu.advance(5000);
    assert.equal(serverResponse(await rec.query(rid, sid, 'web')).status, 4);
    const resume = await rec.post(rid, sid, 'web', 'update', { cname: 'board-9', uid: UID, clientRequest: { webRecordingConfig: { onhold: false } } });
    assert.equal(resume.status, 200, resume.text);
    await emu.advance(1000);
    assert.equal(serverResponse(await rec.query(rid, sid, 'web')).status, 5);
  });

  void test('a web page recording exits after maxRecordingHour', async () => {
    const { rid, sid } = await rec.begin('board-10', UID, 'web');
    await emu.advance(2 * 3_600_000);
    assertCode(await rec.query(rid, sid, 'web'), 404, 404);
    assert.equal((await rec.state(sid))?.exitReason, 'maxRecordingHour');
  });

  void test('update replaces the subscription lists of the medium it names', async () => {
    const body = clientRequestFor('mix', { recordingConfig: { channelType: 1, subscribeAudioUids: ['101'], subscribeVideoUids: ['101'] } });
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', body);
    const update = { cname: CNAME, uid: UID, clientRequest: { streamSubscribe: { audioUidList: { unsubscribeAudioUids: ['102'] } } } };
    const answer = await rec.post(rid, sid, 'mix', 'update', update);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { cname: CNAME, uid: UID, resourceId: rid, sid });
    const config = (await rec.state(sid))?.recordingConfig as Record<string, unknown>;
    assert.deepEqual(
      { a: config.subscribeAudioUids, ua: config.unsubscribeAudioUids, v: config.subscribeVideoUids },
      { a: undefined, ua: ['102'], v: ['101'] },
    );
  });

  const badUpdates: Record<string, { mode: 'mix' | 'web'; clientRequest: Record<string, unknown> }> = {
    'streamSubscribe with both lists of one medium': {
      mode: 'mix',
      clientRequest: { streamSubscribe: { videoUidList: { subscribeVideoUids: ['1'], unsubscribeVideoUids: ['2'] } } },
    },
    'webRecordingConfig on a mix recording': { mode: 'mix', clientRequest: { webRecordingConfig: { onhold: true } } },
    'streamSubscribe on a web page recording': { mode: 'web', clientRequest: { streamSubscribe: { audioUidList: { subscribeAudioUids: ['1'] } } } },
    'two CDN outputs': { mode: 'web', clientRequest: { rtmpPublishConfig: { outputs: [{ rtmpUrl: 'rtmp://a/x' }, { rtmpUrl: 'rtmp://b/y' }] } } },
  };
  for (const [reason, { mode, clientRequest }] of Object.entries(badUpdates)) {
    void test(`update refuses ${reason} with 400 and code 2`, async () => {
      const cname = mode === 'web' ? 'board-11' : CNAME;
      const { rid, sid } = await rec.begin(cname, UID, mode);
      assertCode(await rec.post(rid, sid, mode, 'update', { cname, uid: UID, clientRequest }), 400, 2);
    });
  }

  void test('updateLayout replaces the whole layout: an omitted backgroundColor reverts to #000000', async () => {
    const body = clientRequestFor('mix', { recordingConfig: { channelType: 1, transcodingConfig: { mixedVideoLayout: 1, backgroundColor: '#FF0000' } } });
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', body);
    assert.deepEqual((await rec.state(sid))?.layout, { mixedVideoLayout: 1, backgroundColor: '#FF0000' });
    const layoutConfig = [{ uid: '101', x_axis: 0, y_axis: 0, width: 0.5, height: 0.5, alpha: 1, render_mode: 1 }];
    const answer = await rec.post(rid, sid, 'mix', 'updateLayout', { cname: CNAME, uid: UID, clientRequest: { mixedVideoLayout: 3, layoutConfig } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual((await rec.state(sid))?.layout, { mixedVideoLayout: 3, backgroundColor: '#000000', layoutConfig });
  });

  void test('updateLayout is for mix recordings only', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID, 'individual');
    assertCode(await rec.post(rid, sid, 'individual', 'updateLayout', { cname: CNAME, uid: UID, clientRequest: { mixedVideoLayout: 1 } }), 400, 2);
  });

  const badLayouts: Record<string, Record<string, unknown>> = {
    'a vertical layout without maxResolutionUid': { mixedVideoLayout: 2 },
    'a region outside the canvas': { mixedVideoLayout: 3, layoutConfig: [{ x_axis: 1.5, y_axis: 0, width: 0.1, height: 0.1 }] },
    'a background colour that is not #RRGGBB': { backgroundColor: 'red' },
  };
  for (const [reason, clientRequest] of Object.entries(badLayouts)) {
    void test(`updateLayout refuses ${reason} with 400 and code 1028`, async () => {
      const { rid, sid } = await rec.begin(CNAME, UID);
      assertCode(await rec.post(rid, sid, 'mix', 'updateLayout', { cname: CNAME, uid: UID, clientRequest }), 400, 1028);
    });
  }
});
