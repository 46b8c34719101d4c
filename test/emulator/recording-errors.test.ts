// Cloud Recording conformance, part 2: the documented error answers over real HTTP
// (cloud-recording-rest-api.txt "common errors"; agora-facts.md error codes, limits).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CNAME, Recordings, UID, assertCode, clientRequestFor, paths, useRecordings } from './recording-helpers.ts';

const APP = 'app-recording-errors';

void describe('Cloud Recording errors', () => {
  const { emu, rec } = useRecordings(APP);

  const badUids: Record<string, unknown> = {
    'a string account': 'teacher101',
    'a number instead of a string of one': 900001,
    'zero': '0',
    'above 2^32 - 1': '4294967296',
    'a decimal': '12.5',
    'a leading zero': '0123',
  };
  for (const [reason, uid] of Object.entries(badUids)) {
    void test(`acquire refuses a uid that is ${reason} with 400 and code 2`, async () => {
      assertCode(await rec.acquire(CNAME, uid as string), 400, 2);
    });
  }

  void test('acquire takes the largest integer uid, 4294967295', async () => {
    assert.equal((await rec.acquire(CNAME, '4294967295')).status, 200);
  });

  const badAcquires: Record<string, Record<string, unknown>> = {
    'resourceExpiredHour above 720': { cname: CNAME, uid: UID, clientRequest: { resourceExpiredHour: 721 } },
    'an unknown region': { cname: CNAME, uid: UID, clientRequest: { region: 'MARS' } },
    'no clientRequest': { cname: CNAME, uid: UID },
    'no cname': { uid: UID, clientRequest: {} },
  };
  for (const [reason, body] of Object.entries(badAcquires)) {
    void test(`acquire refuses ${reason} with 400 and code 2`, async () => {
      assertCode(await emu.call('POST', rec.paths.acquire, { body }), 400, 2);
    });
  }

  void test('a channel name longer than 64 bytes answers 400 with code 1013 (invalid channel name)', async () => {
    assertCode(await emu.call('POST', rec.paths.acquire, { body: { cname: 'c'.repeat(65), uid: UID, clientRequest: {} } }), 400, 1013);
  });

  void test('a body that is not JSON answers 400 with code 8', async () => {
    assertCode(await emu.call('POST', rec.paths.acquire, { body: '{"cname": ', headers: { 'content-type': 'application/json' } }), 400, 8);
  });

  void test('repeating start with one resourceId answers 201 with code 7', async () => {
    await rec.users(CNAME, 1);
    const rid = await rec.resourceId(CNAME, UID);
    const body = { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') };
    assert.equal((await rec.start(rid, 'mix', body)).status, 200);
    assertCode(await rec.start(rid, 'mix', body), 201, 7);
  });

  void test('a resourceId serves one recording only, even after that recording ended', async () => {
    const rid = await rec.resourceId(CNAME, UID);
    const body = { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') };
    const started = await rec.start(rid, 'mix', body);
    const sid = (started.body as { sid: string }).sid;
    await emu.advance(1000);
    await rec.stop(rid, sid, CNAME, UID);
    await emu.advance(5000);
    assertCode(await rec.start(rid, 'mix', body), 201, 7);
  });

  void test('acquire + start again with the same cname and uid while recording answers 400 with code 53', async () => {
    await rec.begin(CNAME, UID);
    const rid = await rec.resourceId(CNAME, UID);
    assertCode(await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') }), 400, 53);
    // Another uid records the same channel a second time.
    await rec.begin(CNAME, '900002');
  });

  void test('start more than five minutes after acquire answers 433', async () => {
    const rid = await rec.resourceId(CNAME, UID);
    await emu.advance(5 * 60_000 + 1);
    assertCode(await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') }), 400, 433);
  });

  void test('query, update and stop keep working with a resourceId older than five minutes', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, UID);
    await emu.advance(10 * 60_000);
    assert.equal((await rec.query(rid, sid)).status, 200);
    const update = { cname: CNAME, uid: UID, clientRequest: { streamSubscribe: { audioUidList: { subscribeAudioUids: ['#allstream#'] } } } };
    assert.equal((await rec.post(rid, sid, 'mix', 'update', update)).status, 200);
    await emu.advance(2000);
    assert.equal((await rec.stop(rid, sid, CNAME, UID)).status, 200);
  });

  void test('query after the resource\'s resourceExpiredHour answers 433', async () => {
    await rec.users(CNAME, 1);
    const rid = await rec.resourceId(CNAME, UID, { resourceExpiredHour: 1 });
    const started = await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') });
    const sid = (started.body as { sid: string }).sid;
    await emu.advance(3_600_000 + 1);
    assertCode(await rec.query(rid, sid), 400, 433);
  });

  void test('start with a cname or uid other than the resource\'s answers 432', async () => {
    const rid = await rec.resourceId(CNAME, UID);
    assertCode(await rec.start(rid, 'mix', { cname: 'other', uid: UID, clientRequest: clientRequestFor('mix') }), 400, 432);
    assertCode(await rec.start(rid, 'mix', { cname: CNAME, uid: '900002', clientRequest: clientRequestFor('mix') }), 400, 432);
  });

  void test('start in web mode with a resource acquired for real-time recording answers 432', async () => {
    const rid = await rec.resourceId(CNAME, UID);
    assertCode(await rec.start(rid, 'web', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('web') }), 400, 432);
  });

  void test('start that differs from acquire\'s startParameter answers 432', async () => {
    const startParameter = clientRequestFor('mix');
    const rid = await rec.resourceId(CNAME, UID, { startParameter });
    const other = clientRequestFor('mix', { recordingConfig: { channelType: 0 } });
    assertCode(await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: other }), 400, 432);
    assert.equal((await rec.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: startParameter })).status, 200);
  });

  void test('update and stop with a cname or uid other than the recording\'s answer 432', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    assertCode(await rec.post(rid, sid, 'mix', 'update', { cname: CNAME, uid: '1', clientRequest: {} }), 400, 432);
    assertCode(await rec.post(rid, sid, 'mix', 'stop', { cname: 'other', uid: UID, clientRequest: {} }), 400, 432);
  });

  void test('a resourceId the service never issued answers 1001', async () => {
    assertCode(await rec.start('not-a-resource-id', 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') }), 400, 1001);
    assertCode(await rec.query('not-a-resource-id', '0123456789abcdef0123456789abcdef'), 400, 1001);
  });

  void test('a resourceId of another App ID, or a sid of another resource, answers 1003', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    const elsewhere = new Recordings(emu, 'another-app');
    assertCode(await elsewhere.start(rid, 'mix', { cname: CNAME, uid: UID, clientRequest: clientRequestFor('mix') }), 400, 1003);
    const otherRid = await rec.resourceId(CNAME, '900002');
    assertCode(await rec.query(otherRid, sid), 400, 1003);
    assert.equal((await rec.query(rid, sid)).status, 200);
  });

  void test('an unknown sid answers 404 with code 404', async () => {
    const { rid } = await rec.begin(CNAME, UID);
    assertCode(await rec.query(rid, 'ffffffffffffffffffffffffffffffff'), 404, 404);
  });

  void test('query with a mode other than the recording\'s answers 404, an unknown mode 400 with code 2', async () => {
    const { rid, sid } = await rec.begin(CNAME, UID);
    assertCode(await rec.query(rid, sid, 'individual'), 404, 404);
    assertCode(await rec.query(rid, sid, 'composite'), 400, 2);
  });

  const badStarts: Record<string, { mode: 'mix' | 'individual'; clientRequest: Record<string, unknown> }> = {
    'no storageConfig': { mode: 'mix', clientRequest: { recordingConfig: { channelType: 1 } } },
    'storageConfig without secretKey': { mode: 'mix', clientRequest: { recordingConfig: { channelType: 1 }, storageConfig: { vendor: 1, region: 0, bucket: 'b', accessKey: 'a' } } },
    'a recordingConfig that is not an object': { mode: 'mix', clientRequest: clientRequestFor('mix', { recordingConfig: 'default' }) },
    'recordingConfig without channelType': { mode: 'mix', clientRequest: clientRequestFor('mix', { recordingConfig: { maxIdleTime: 30 } }) },
    'maxIdleTime below 5': { mode: 'mix', clientRequest: clientRequestFor('mix', { recordingConfig: { channelType: 1, maxIdleTime: 4 } }) },
    'subscribeAudioUids together with unsubscribeAudioUids': {
      mode: 'mix',
      clientRequest: clientRequestFor('mix', { recordingConfig: { channelType: 1, subscribeAudioUids: ['1'], unsubscribeAudioUids: ['2'] } }),
    },
    'a subscription list of 33 UIDs': {
      mode: 'mix',
      clientRequest: clientRequestFor('mix', { recordingConfig: { channelType: 1, subscribeVideoUids: Array.from({ length: 33 }, (_, i) => String(i + 1)) } }),
    },
    'decryptionMode 7 without salt': { mode: 'mix', clientRequest: clientRequestFor('mix', { recordingConfig: { channelType: 1, decryptionMode: 7, secret: 'k' } }) },
    'individual mode without subscribeUidGroup': { mode: 'individual', clientRequest: clientRequestFor('individual', { recordingConfig: { channelType: 1 } }) },
    'avFileType ["mp4"] alone': { mode: 'mix', clientRequest: clientRequestFor('mix', { recordingFileConfig: { avFileType: ['mp4'] } }) },
  };
  for (const [reason, { mode, clientRequest }] of Object.entries(badStarts)) {
    void test(`start refuses ${reason} with 400 and code 2`, async () => {
      const rid = await rec.resourceId(CNAME, UID);
      assertCode(await rec.start(rid, mode, { cname: CNAME, uid: UID, clientRequest }), 400, 2);
    });
  }

  void test('50 concurrent recordings per App ID by default; the 51st start is refused with 429', async () => {
    for (let i = 1; i <= 50; i++) await rec.begin(`room${i}`, UID);
    const rid = await rec.resourceId('room51', UID);
    const answer = await rec.start(rid, 'mix', { cname: 'room51', uid: UID, clientRequest: clientRequestFor('mix') });
    assert.equal(answer.status, 429, answer.text);
    // Another App ID has its own 50.
    await new Recordings(emu, 'second-app').begin('room51', UID);
  });

  void test('a recording that exited frees its place in the quota', async () => {
    await emu.control('PUT', '/limits', { recordingsPerApp: 1 });
    const { rid, sid } = await rec.begin('room1', UID);
    const second = await rec.resourceId('room2', UID);
    assert.equal((await rec.start(second, 'mix', { cname: 'room2', uid: UID, clientRequest: clientRequestFor('mix') })).status, 429);
    await rec.stop(rid, sid, 'room1', UID);
    await emu.advance(1000);
    const third = await rec.resourceId('room2', UID);
    assert.equal((await rec.start(third, 'mix', { cname: 'room2', uid: UID, clientRequest: clientRequestFor('mix') })).status, 200);
  });

  void test('every Cloud Recording call counts against the App ID\'s request limit; beyond it, 429', async () => {
    await emu.control('PUT', '/limits', { recording: { perMinute: 3 } });
    const { rid, sid } = await rec.begin(CNAME, UID);
    assert.equal((await rec.query(rid, sid)).status, 200);
    const refused = await rec.query(rid, sid);
    assert.equal(refused.status, 429, refused.text);
    assert.equal((await new Recordings(emu, 'second-app').acquire(CNAME, UID)).status, 200, 'limits are per App ID');
  });

  void test('Cloud Recording needs Basic auth', async () => {
    const answer = await emu.call('POST', paths(APP).acquire, { body: { cname: CNAME, uid: UID, clientRequest: {} }, noAuth: true });
    assert.equal(answer.status, 401);
  });
});
