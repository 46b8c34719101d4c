// Cloud Recording conformance: one test per CR row of docs/agora-conformance.md, over real HTTP
// against the emulator, and through agoractl's client where the row names the client.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { AgoraApiError } from '../../src/agora/client.ts';
import { updateBody } from '../../src/resources/cloud-recording/bodies.ts';
import { CNAME, STORAGE, UID, assertCode, clientRequestFor, serverResponse, useRecordings } from './recording-helpers.ts';
import { assertNcsIpList, clientFor, row } from './conformance-support.ts';

const APP = 'app-conformance-recording';

void describe('Cloud Recording conformance (docs/agora-conformance.md, CR rows)', () => {
  const { emu, rec } = useRecordings(APP);

  /** The subscription lists the world shows in the recording's recordingConfig. */
  const subscriptions = async (sid: string): Promise<Record<string, unknown>> => {
    const config = ((await rec.state(sid))?.recordingConfig ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(config).filter(([key]) => /^(un)?subscribe(Audio|Video)Uids$/.test(key)));
  };

  const startWith = async (mode: 'mix' | 'individual', clientRequest: Record<string, unknown>) => {
    const rid = await rec.resourceId(CNAME, UID);
    return rec.start(rid, mode, { cname: CNAME, uid: UID, clientRequest });
  };

  row('CR-01', 'acquire answers 200 with cname, uid and resourceId', async () => {
    const answer = await rec.acquire(CNAME, UID, { scene: 0, resourceExpiredHour: 24 });
    assert.equal(answer.status, 200, answer.text);
    const body = answer.body as Record<string, unknown>;
    assert.equal(body.cname, CNAME);
    assert.equal(body.uid, UID);
    assert.equal(typeof body.resourceId, 'string');
  });

  row('CR-02', 'acquire takes resourceExpiredHour 1 and 720 and refuses 0 and 721 with 400 code 2', async () => {
    for (const hours of [1, 720]) assert.equal((await rec.acquire(CNAME, UID, { resourceExpiredHour: hours })).status, 200);
    for (const hours of [0, 721]) assertCode(await rec.acquire(CNAME, UID, { resourceExpiredHour: hours }), 400, 2);
  });

  row('CR-03', 'start without recordingConfig records in mix and individual modes with the documented defaults', async () => {
    for (const [mode, uid] of [['mix', '900001'], ['individual', '900002']] as const) {
      const rid = await rec.resourceId(CNAME, uid);
      const answer = await rec.start(rid, mode, { cname: CNAME, uid, clientRequest: { storageConfig: STORAGE } });
      assert.equal(answer.status, 200, answer.text);
      const state = await rec.state((answer.body as { sid: string }).sid);
      assert.equal(state?.mode, mode);
    }
  });

  row('CR-04', 'start without storageConfig answers 400 code 2', async () => {
    assertCode(await startWith('mix', { recordingConfig: { channelType: 1 } }), 400, 2);
  });

  row('CR-05', 'recordingConfig.maxIdleTime takes 5 and 2592000 and refuses 4 and 2592001', async () => {
    for (const [maxIdleTime, ok] of [[5, true], [2_592_000, true], [4, false], [2_592_001, false]] as const) {
      const answer = await startWith('mix', clientRequestFor('mix', { recordingConfig: { channelType: 1, maxIdleTime } }));
      if (ok) {
        assert.equal(answer.status, 200, answer.text);
        await rec.stop((answer.body as { resourceId: string }).resourceId, (answer.body as { sid: string }).sid, CNAME, UID);
      } else {
        assertCode(answer, 400, 2);
      }
    }
  });

  row('CR-06', 'start takes unSubscribeAudioUids (the Go and Node clients\' spelling) as the unsubscribe list', async () => {
    const answer = await startWith('mix', clientRequestFor('mix', { recordingConfig: { channelType: 1, unSubscribeAudioUids: ['101'] } }));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(await subscriptions((answer.body as { sid: string }).sid), { unsubscribeAudioUids: ['101'] });
  });

  row('CR-07', 'a subscribe list with an unsubscribe list of either spelling, or both spellings, answers 400 code 2', async () => {
    const configs = [
      { channelType: 1, subscribeAudioUids: ['101'], unSubscribeAudioUids: ['102'] },
      { channelType: 1, subscribeVideoUids: ['101'], unsubscribeVideoUids: ['102'] },
      { channelType: 1, unsubscribeAudioUids: ['101'], unSubscribeAudioUids: ['102'] },
    ];
    for (const recordingConfig of configs) assertCode(await startWith('mix', clientRequestFor('mix', { recordingConfig })), 400, 2);
  });

  row('CR-08', 'update takes unSubscribeVideoUids and unsubscribeVideoUids alike and replaces the video lists', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    for (const key of ['unSubscribeVideoUids', 'unsubscribeVideoUids']) {
      const answer = await rec.post(rid, sid, 'mix', 'update', { cname: CNAME, uid: UID, clientRequest: { streamSubscribe: { videoUidList: { [key]: ['444'] } } } });
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(await subscriptions(sid), { unsubscribeVideoUids: ['444'] });
    }
  });

  row('CR-09', 'a second start with one resourceId answers 201 code 7 and names the sid', async () => {
    const rid = await rec.resourceId(CNAME, UID);
    const first = await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') });
    const again = await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') });
    assertCode(again, 201, 7);
    assert.equal((again.body as { sid: string }).sid, (first.body as { sid: string }).sid);
  });

  row('CR-10', 'query of a running recording answers 200 with serverResponse.status', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    const answer = await rec.query(rid, sid);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(typeof serverResponse(answer).status, 'number');
  });

  row('CR-11', 'query after stop answers 404 code 404; the client reports notFound', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    await rec.stop(rid, sid, CNAME, UID);
    await emu.advance(1000);
    assertCode(await rec.query(rid, sid), 404, 404);
    const client = clientFor(emu, APP);
    try {
      assert.equal((await client.recordings.query(rid, sid, 'mix')).outcome, 'notFound');
    } finally {
      await client.close();
    }
  });

  row('CR-12', 'updateLayout in a mode other than mix answers 400 code 2', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID, 'individual');
    assertCode(await rec.post(rid, sid, 'individual', 'updateLayout', { cname: CNAME, uid: UID, clientRequest: { mixedVideoLayout: 1 } }), 400, 2);
  });

  row('CR-13', 'stop with nothing recorded answers 206 code 435; the client reports noData, not an error', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    const client = clientFor(emu, APP);
    try {
      const result = await client.recordings.stop(rid, sid, 'mix', { cname: CNAME, uid: UID, clientRequest: {} });
      assert.equal(result.outcome, 'noData');
    } finally {
      await client.close();
    }
    await emu.advance(1000);
    assert.equal((await rec.state(sid))?.exitReason, 'stopped');
  });

  row('CR-14', 'a repeated stop answers 49 while stopping, then 404; the client reports code 49, then notFound', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    const client = clientFor(emu, APP);
    const body = { cname: CNAME, uid: UID, clientRequest: {} };
    try {
      assert.equal((await client.recordings.stop(rid, sid, 'mix', body)).outcome, 'stopped');
      const again = await rec.stop(rid, sid, CNAME, UID);
      if (again.status === 400) {
        assertCode(again, 400, 49);
        await assert.rejects(client.recordings.stop(rid, sid, 'mix', body), (err: unknown) => err instanceof AgoraApiError && err.code === 49);
      } else {
        assertCode(again, 404, 404);
      }
      await emu.advance(1000);
      assert.equal((await client.recordings.stop(rid, sid, 'mix', body)).outcome, 'notFound');
    } finally {
      await client.close();
    }
  });

  row('CR-15', 'GET /v1/ncs/ip answers 200 with data.service.hosts[].primaryIP', async () => {
    await assertNcsIpList(emu, '/v1/ncs/ip');
  });

  row('CR-16', 'wrong credentials answer 401 from the gateway: {message}, no code; the client names HTTP 401', async () => {
    const answer = await emu.call('POST', rec.paths.acquire, { body: { cname: CNAME, uid: UID, clientRequest: {} }, headers: { authorization: `Basic ${Buffer.from('x:y').toString('base64')}` } });
    assert.equal(answer.status, 401);
    assert.equal(typeof (answer.body as { message?: unknown }).message, 'string');
    assert.equal((answer.body as { code?: unknown }).code, undefined);
  });

  row('CR-17', 'over the rate limit answers 429 from the gateway: {message}, no code', async () => {
    await emu.control('PUT', '/limits', { recording: { perSecond: 1 } });
    await rec.acquire(CNAME, UID);
    const answer = await rec.acquire(CNAME, UID);
    assert.equal(answer.status, 429);
    assert.equal(typeof (answer.body as { message?: unknown }).message, 'string');
    assert.equal((answer.body as { code?: unknown }).code, undefined);
  });

  row('CR-18', 'fileList[].sliceStartTime is Unix time in milliseconds, as the top-level sliceStartTime', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID, 'individual', clientRequestFor('individual', { recordingFileConfig: { avFileType: ['hls', 'mp4'] } }));
    await emu.advance(5000);
    const response = serverResponse(await rec.query(rid, sid, 'individual'));
    const top = response.sliceStartTime as number;
    assert.ok(top > 1e12, `sliceStartTime ${top} is in ms`);
    const files = response.fileList as { sliceStartTime: number }[];
    assert.ok(files.length > 0);
    for (const file of files) assert.equal(file.sliceStartTime, top);
  });

  row('CR-19', 'a mode outside individual, mix, web answers 400 code 2', async () => {
    const rid = await rec.resourceId(CNAME, UID);
    assertCode(await rec.start(rid, 'composite', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') }), 400, 2);
  });

  row('CR-20', 'agoractl\'s update body uses the OpenAPI spelling unsubscribeAudioUids, and the emulator applies it', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    const spec = { channelName: CNAME, uid: Number(UID), mode: 'mix' as const, recordingConfig: { channelType: 1, unsubscribeAudioUids: ['7'] }, storageConfig: STORAGE };
    const body = updateBody(spec);
    assert.deepEqual((body.clientRequest.streamSubscribe as Record<string, unknown>).audioUidList, { unsubscribeAudioUids: ['7'] });
    const client = clientFor(emu, APP);
    try {
      await client.recordings.update(rid, sid, 'mix', body);
    } finally {
      await client.close();
    }
    assert.deepEqual(await subscriptions(sid), { unsubscribeAudioUids: ['7'], subscribeVideoUids: ['#allstream#'] });
  });

  row('CR-43', 'query in each mode answers its own serverResponse; a query naming another mode answers 404 code 404', async () => {
    const modes = [['individual', '900011'], ['mix', '900012'], ['web', '900013']] as const;
    for (const [mode, uid] of modes) {
      const { rid, sid } = await rec.begin(CNAME, uid, mode);
      const answer = await rec.query(rid, sid, mode);
      assert.equal(answer.status, 200, answer.text);
      const body = answer.body as Record<string, unknown>;
      assert.deepEqual([body.cname, body.uid, body.resourceId, body.sid], [CNAME, uid, rid, sid]);
      const response = serverResponse(answer);
      assert.equal(typeof response.status, 'number');
      if (mode === 'web') {
        const states = response.extensionServiceState as { serviceName: string; payload: Record<string, unknown> }[];
        assert.equal(states[0]?.serviceName, 'web_recorder_service');
        assert.equal(states[0]?.payload.onhold, false);
        assert.ok(Array.isArray(states[0]?.payload.fileList));
      } else {
        assert.ok('fileListMode' in response, answer.text);
        // Only individual recordings report when slicing started.
        assert.equal('sliceStartTime' in response, mode === 'individual', answer.text);
      }
      for (const [other] of modes.filter(([m]) => m !== mode)) assertCode(await rec.query(rid, sid, other), 404, 404);
    }
  });

  row('CR-44', 'updateLayout: mix answers 200 and the world takes the layout; individual and web answer 400 code 2', async () => {
    const mix = await rec.begin(CNAME, '900021');
    const layout = { mixedVideoLayout: 3, backgroundColor: '#FF0000', layoutConfig: [{ uid: '1', x_axis: 0.1, y_axis: 0.1, width: 0.5, height: 0.5 }] };
    const answer = await rec.post(mix.rid, mix.sid, 'mix', 'updateLayout', { cname: CNAME, uid: '900021', clientRequest: layout });
    assert.equal(answer.status, 200, answer.text);
    const world = (await rec.state(mix.sid))?.layout as Record<string, unknown>;
    assert.equal(world.mixedVideoLayout, 3);
    assert.equal(world.backgroundColor, '#FF0000');
    for (const [mode, uid] of [['individual', '900022'], ['web', '900023']] as const) {
      const { rid, sid } = await rec.begin(CNAME, uid, mode);
      assertCode(await rec.post(rid, sid, mode, 'updateLayout', { cname: CNAME, uid, clientRequest: layout }), 400, 2);
    }
  });

  row('CR-45', 'acquire scene 0 starts individual and mix, 1 web only, 2 individual only; another mode answers 400 code 432', async () => {
    const cases: [number, 'individual' | 'mix' | 'web', boolean][] = [
      [0, 'individual', true], [0, 'mix', true], [0, 'web', false],
      [1, 'web', true], [1, 'mix', false], [1, 'individual', false],
      [2, 'individual', true], [2, 'mix', false], [2, 'web', false],
    ];
    let next = 900030;
    for (const [scene, mode, accepted] of cases) {
      const uid = String((next += 1));
      const rid = await rec.resourceId(CNAME, uid, { scene });
      const answer = await rec.start(rid, mode, { cname: CNAME, uid, clientRequest: clientRequestFor(mode) });
      if (accepted) assert.equal(answer.status, 200, `scene ${scene} ${mode}: ${answer.text}`);
      else assertCode(answer, 400, 432);
    }
  });

  row('CR-46', 'web update: webRecordingConfig.onhold pauses the page, which query and the world show; rtmpPublishConfig adds the push', async () => {
    const uid = '900041';
    const { rid, sid } = await rec.begin(CNAME, uid, 'web');
    const update = (clientRequest: Record<string, unknown>) => rec.post(rid, sid, 'web', 'update', { cname: CNAME, uid, clientRequest });
    assert.equal((await update({ webRecordingConfig: { onhold: true } })).status, 200);
    const states = () => rec.query(rid, sid, 'web').then((a) => serverResponse(a).extensionServiceState as { serviceName: string; payload: Record<string, unknown> }[]);
    assert.equal((await states())[0]?.payload.onhold, true);
    assert.deepEqual((await rec.state(sid))?.webPage, { url: 'https://example.com/board', onhold: true });
    assert.equal((await update({ rtmpPublishConfig: { outputs: [{ rtmpUrl: 'rtmp://cdn.example.com/live/a' }] } })).status, 200);
    const rtmp = (await states()).find((s) => s.serviceName === 'rtmp_publish_service');
    assert.deepEqual(rtmp?.payload.outputs, [{ rtmpUrl: 'rtmp://cdn.example.com/live/a', status: 'publishing' }]);
  });
});
