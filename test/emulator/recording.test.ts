// Cloud Recording conformance, part 1: the life of a recording over real HTTP
// (cloud-recording-rest-api.txt; agora-facts.md "Cloud Recording"; agora-usage-notes-zh.txt on
// empty channels and the recorder being a hidden audience).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CNAME, STORAGE, UID, assertCode, clientRequestFor, serverResponse, useRecordings } from './recording-helpers.ts';

const APP = 'app-recording';

void describe('Cloud Recording lifecycle', () => {
  const { emu, rec } = useRecordings(APP);

  void test('acquire answers the cname, the uid and a resourceId', async () => {
    const answer = await rec.acquire(CNAME, UID, { scene: 0, resourceExpiredHour: 24 });
    assert.equal(answer.status, 200);
    const body = answer.body as Record<string, unknown>;
    assert.equal(body.cname, CNAME);
    assert.equal(body.uid, UID);
    assert.equal(typeof body.resourceId, 'string');
    assert.notEqual(body.resourceId, (await rec.acquire(CNAME, UID)).body, 'every acquire gets a new resourceId');
  });

  void test('start answers a sid, and the recording boots through statuses 1 to 4 before it records (5)', async () => {
    await rec.users(CNAME, 2);
    const { rid, sid } = await rec.begin(CNAME, UID);
    assert.match(sid, /^[0-9a-f]{32}$/);
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(serverResponse(await rec.query(rid, sid)).status as number);
      await emu.advance(250);
    }
    assert.equal(seen[0], 1, 'initialised right after start');
    assert.deepEqual([...new Set(seen)], [1, 2, 3, 4, 5], `statuses in order: ${seen.join(',')}`);
    assert.ok(seen.indexOf(5) * 250 <= 2000, 'recording within two virtual seconds');
  });

  void test('a mix recording lists <sid>_<cname>.m3u8 once its first slice exists, not before', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    assert.deepEqual(serverResponse(await rec.query(rid, sid)), { status: 1, fileListMode: 'string', fileList: '' });
    await emu.advance(2000);
    assert.deepEqual(serverResponse(await rec.query(rid, sid)), { status: 5, fileListMode: 'string', fileList: `${sid}_${CNAME}.m3u8` });
    const body = (await rec.query(rid, sid)).body as Record<string, unknown>;
    assert.deepEqual({ ...body, serverResponse: undefined }, { cname: CNAME, uid: UID, resourceId: rid, sid, serverResponse: undefined });
  });

  void test('stop answers 200 with the file list and uploadingStatus "uploaded"', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    const answer = await rec.stop(rid, sid, CNAME, UID);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, {
      cname: CNAME,
      uid: UID,
      resourceId: rid,
      sid,
      serverResponse: { fileListMode: 'string', fileList: `${sid}_${CNAME}.m3u8`, uploadingStatus: 'uploaded' },
    });
    await emu.advance(1000);
    const state = await rec.state(sid);
    assert.equal(state?.status, 8);
    assert.equal(state?.exitReason, 'stopped');
  });

  void test('query after stop answers 404 with code 404', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    assert.equal((await rec.stop(rid, sid, CNAME, UID)).status, 200);
    assertCode(await rec.query(rid, sid), 404, 404);
    await emu.advance(10_000);
    assertCode(await rec.query(rid, sid), 404, 404);
    assertCode(await rec.post(rid, sid, 'mix', 'update', { cname: CNAME, uid: UID, clientRequest: {} }), 404, 404);
  });

  void test('a second stop while the first is under way answers 400 with code 49, and 404 once the recording exited', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    assert.equal((await rec.stop(rid, sid, CNAME, UID)).status, 200);
    assertCode(await rec.stop(rid, sid, CNAME, UID), 400, 49);
    await emu.advance(5000);
    assertCode(await rec.stop(rid, sid, CNAME, UID), 404, 404);
  });

  void test('stop together with query answers 206 without fileList', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(5000);
    assert.equal((await rec.query(rid, sid)).status, 200);
    const answer = await rec.stop(rid, sid, CNAME, UID);
    assert.equal(answer.status, 206, answer.text);
    const response = serverResponse(answer);
    assert.equal('fileList' in response, false);
    assert.equal(response.uploadingStatus, 'unknown');
    assertCode(await rec.query(rid, sid), 404, 404);
  });

  void test('stop of a recording that never recorded anything answers 206 with code 435', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(3000);
    assertCode(await rec.stop(rid, sid, CNAME, UID), 206, 435);
  });

  void test('a recording alone in its channel records nothing and exits after maxIdleTime (status 8)', async () => {
    const body = clientRequestFor('mix', { recordingConfig: { channelType: 1, maxIdleTime: 60 } });
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', body);
    await emu.advance(59_000);
    assert.deepEqual(serverResponse(await rec.query(rid, sid)), { status: 4, fileListMode: 'string', fileList: '' });
    await emu.advance(1_000);
    assertCode(await rec.query(rid, sid), 404, 404);
    const state = await rec.state(sid);
    assert.equal(state?.status, 8);
    assert.equal(state?.exitReason, 'idle');
  });

  void test('maxIdleTime counts from when the channel last emptied, and defaults to 30 s', async () => {
    const body = clientRequestFor('mix', { recordingConfig: { channelType: 1 } });
    await rec.users(CNAME, 3);
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', body);
    await emu.advance(100_000);
    await rec.users(CNAME, 0);
    await emu.advance(20_000);
    await rec.users(CNAME, 1);
    await emu.advance(20_000);
    await rec.users(CNAME, 0);
    await emu.advance(29_000);
    assert.equal(serverResponse(await rec.query(rid, sid)).status, 5, 'still recording 29 s after the channel emptied');
    await emu.advance(1_000);
    assertCode(await rec.query(rid, sid), 404, 404);
  });

  void test('a cloud player in the channel keeps a recording going', async () => {
    const created = await emu.createPlayer(APP, { streamUrl: 'rtmp://origin.example.com/live/s', channelName: CNAME, uid: 101, idleTimeout: 600 });
    assert.equal(created.status, 200, created.text);
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', clientRequestFor('mix', { recordingConfig: { channelType: 1, maxIdleTime: 5 } }));
    await emu.advance(60_000);
    assert.equal(serverResponse(await rec.query(rid, sid)).status, 5);
  });

  void test('invalid storage settings: start answers 200, then the recording exits abnormally (status 20) and query answers 404', async () => {
    const body = clientRequestFor('mix', { storageConfig: { ...STORAGE, vendor: 4 } });
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID, 'mix', body);
    await emu.advance(2000);
    assertCode(await rec.query(rid, sid), 404, 404);
    assert.equal((await rec.state(sid))?.status, 20);
  });

  const invalidAfterStart: Record<string, Record<string, unknown>> = {
    'a fileNamePrefix with an underscore': { storageConfig: { ...STORAGE, fileNamePrefix: ['class_32'] } },
    'an empty bucket': { storageConfig: { ...STORAGE, bucket: '' } },
    'S3-compatible storage without an endpoint': { storageConfig: { ...STORAGE, vendor: 11 } },
    'a transcoding canvas above 1920 × 1080': {
      recordingConfig: { channelType: 1, transcodingConfig: { width: 3840, height: 2160, fps: 15, bitrate: 500 } },
    },
    'a custom layout of 18 regions': {
      recordingConfig: {
        channelType: 1,
        transcodingConfig: { mixedVideoLayout: 3, layoutConfig: Array.from({ length: 18 }, () => ({ x_axis: 0, y_axis: 0, width: 0.1, height: 0.1 })) },
      },
    },
  };
  for (const [reason, overrides] of Object.entries(invalidAfterStart)) {
    void test(`${reason} is accepted by start and ends the recording with status 20`, async () => {
      await rec.users(CNAME, 1);
      const { sid } = await rec.begin(CNAME, UID, 'mix', clientRequestFor('mix', overrides));
      await emu.advance(2000);
      const state = await rec.state(sid);
      assert.equal(state?.status, 20);
      assert.equal(state?.exitReason, 'invalidConfig');
    });
  }

  void test('the world shows recordings without storage keys', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(2000);
    const state = await rec.state(sid);
    assert.ok(state);
    assert.deepEqual(
      { appId: state.appId, resourceId: state.resourceId, cname: state.cname, uid: state.uid, mode: state.mode, status: state.status },
      { appId: APP, resourceId: rid, cname: CNAME, uid: UID, mode: 'mix', status: 5 },
    );
    assert.equal(typeof state.startedAt, 'number');
    assert.deepEqual((state.fileList as { fileName: string }[]).map((f) => f.fileName), [`${sid}_${CNAME}.m3u8`]);
    const text = JSON.stringify(state);
    assert.ok(!text.includes(STORAGE.secretKey) && !text.includes(STORAGE.accessKey));
  });

  void test('a reset forgets every recording and its timers', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.control('POST', '/reset');
    await emu.unlimited();
    await emu.advance(60_000);
    assert.equal(await rec.state(sid), undefined);
    assertCode(await rec.query(rid, sid), 404, 404);
  });
});
