// Cloud Recording field rows of docs/agora-conformance.md (CR-21 on): each request field with its
// boundary values in and out, over real HTTP against the emulator. Source: Agora's OpenAPI
// document content/openapi/cloud-recording/cloud-recording.en.yaml (AgoraIO/docs-portal); codes
// 8, 1013 and 1028 from Agora's response-code page as quoted in agora-rest-client-python
// agora_rest_client/services/cloud_recording/v1/code.py.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from './helpers.ts';
import type { Answer } from './helpers.ts';
import { CNAME, Recordings, STORAGE, assertCode, clientRequestFor } from './recording-helpers.ts';
import type { Mode } from './recording-helpers.ts';
import { row } from './conformance-support.ts';
import { ABSENT, uids, withFields } from './conformance-fields.ts';

const APP = 'app-conformance-fields-cr';

/** What start does with a body: 'ok' records; 'later' answers 200 and the recording exits abnormally (status 20); a number is the 400 code. */
type Outcome = 'ok' | 'later' | number;
type Case = [Record<string, unknown>, Outcome];

const region = (i: number) => ({ x_axis: 0, y_axis: 0, width: 0.1, height: 0.1, uid: String(100 + i) });

const START_ROWS: [string, Mode, string, Case[]][] = [
  ['CR-24', 'mix', 'recordingConfig.channelType: required in recordingConfig, 0 or 1', [
    [{ 'recordingConfig.channelType': 0 }, 'ok'], [{ 'recordingConfig.channelType': 1 }, 'ok'], [{ 'recordingConfig.channelType': 2 }, 2], [{ 'recordingConfig.channelType': ABSENT }, 2],
  ]],
  ['CR-25', 'mix', 'recordingConfig.streamTypes 0..2, videoStreamType 0..1, audioProfile 0..2', [
    [{ 'recordingConfig.streamTypes': 0 }, 'ok'], [{ 'recordingConfig.streamTypes': 2 }, 'ok'], [{ 'recordingConfig.streamTypes': 3 }, 2], [{ 'recordingConfig.streamTypes': '2' }, 2],
    [{ 'recordingConfig.videoStreamType': 1 }, 'ok'], [{ 'recordingConfig.videoStreamType': 2 }, 2],
    [{ 'recordingConfig.audioProfile': 2 }, 'ok'], [{ 'recordingConfig.audioProfile': 3 }, 2],
  ]],
  ['CR-26', 'individual', 'recordingConfig.subscribeUidGroup: required in individual mode, 0..5; streamMode default, standard, original', [
    [{ 'recordingConfig.subscribeUidGroup': 5 }, 'ok'], [{ 'recordingConfig.subscribeUidGroup': 6 }, 2], [{ 'recordingConfig.subscribeUidGroup': ABSENT }, 2],
    [{ 'recordingConfig.streamMode': 'standard' }, 'ok'], [{ 'recordingConfig.streamMode': 'original' }, 'ok'], [{ 'recordingConfig.streamMode': 'mixed' }, 2],
  ]],
  ['CR-27', 'mix', 'subscribe lists: at most 32 UID strings 1..2^32-1, or ["#allstream#"]', [
    [{ 'recordingConfig.subscribeAudioUids': uids(32) }, 'ok'], [{ 'recordingConfig.subscribeAudioUids': uids(33) }, 2],
    [{ 'recordingConfig.subscribeVideoUids': ['#allstream#'] }, 'ok'], [{ 'recordingConfig.subscribeVideoUids': ['4294967295'] }, 'ok'],
    [{ 'recordingConfig.subscribeVideoUids': ['0'] }, 2], [{ 'recordingConfig.subscribeVideoUids': ['4294967296'] }, 2], [{ 'recordingConfig.subscribeVideoUids': [101] }, 2],
    [{ 'recordingConfig.unsubscribeVideoUids': uids(32) }, 'ok'], [{ 'recordingConfig.unsubscribeVideoUids': uids(33) }, 2],
  ]],
  ['CR-28', 'mix', 'recordingConfig.decryptionMode 0..8; secret when not 0; salt (Base64 of 32 bytes) for 7 and 8', [
    [{ 'recordingConfig.decryptionMode': 1, 'recordingConfig.secret': 's' }, 'ok'], [{ 'recordingConfig.decryptionMode': 1 }, 2],
    [{ 'recordingConfig.decryptionMode': 8, 'recordingConfig.secret': 's', 'recordingConfig.salt': Buffer.alloc(32).toString('base64') }, 'ok'],
    [{ 'recordingConfig.decryptionMode': 7, 'recordingConfig.secret': 's', 'recordingConfig.salt': Buffer.alloc(16).toString('base64') }, 2],
    [{ 'recordingConfig.decryptionMode': 9, 'recordingConfig.secret': 's' }, 2],
  ]],
  ['CR-29', 'mix', 'transcodingConfig: width × height at most 1920 × 1080, positive fps and bitrate; a wrong canvas is taken and the recording exits', [
    [{ 'recordingConfig.transcodingConfig': { width: 1920, height: 1080, fps: 30, bitrate: 4000 } }, 'ok'],
    [{ 'recordingConfig.transcodingConfig': { width: 1080, height: 1920 } }, 'ok'],
    [{ 'recordingConfig.transcodingConfig': { width: 1920, height: 1081 } }, 'later'],
    [{ 'recordingConfig.transcodingConfig': { fps: 0 } }, 'later'], [{ 'recordingConfig.transcodingConfig': { bitrate: 0 } }, 'later'],
  ]],
  ['CR-30', 'mix', 'transcodingConfig layout: mixedVideoLayout 0..3 (2 needs maxResolutionUid), layoutConfig at most 17 regions in 0..1, backgroundColor #RRGGBB', [
    [{ 'recordingConfig.transcodingConfig': { mixedVideoLayout: 2, maxResolutionUid: '101' } }, 'ok'],
    [{ 'recordingConfig.transcodingConfig': { mixedVideoLayout: 2 } }, 'later'], [{ 'recordingConfig.transcodingConfig': { mixedVideoLayout: 4 } }, 'later'],
    [{ 'recordingConfig.transcodingConfig': { mixedVideoLayout: 3, layoutConfig: Array.from({ length: 17 }, (_, i) => region(i)) } }, 'ok'],
    [{ 'recordingConfig.transcodingConfig': { mixedVideoLayout: 3, layoutConfig: Array.from({ length: 18 }, (_, i) => region(i)) } }, 'later'],
    [{ 'recordingConfig.transcodingConfig': { mixedVideoLayout: 3, layoutConfig: [{ ...region(0), alpha: 1.1 }] } }, 'later'],
    [{ 'recordingConfig.transcodingConfig': { backgroundColor: '#00ff00' } }, 'ok'], [{ 'recordingConfig.transcodingConfig': { backgroundColor: 'green' } }, 'later'],
  ]],
  ['CR-31', 'mix', 'recordingFileConfig.avFileType: ["hls"] or ["hls","mp4"]; ["mp4"] alone, [] and other types 400', [
    [{ recordingFileConfig: { avFileType: ['hls'] } }, 'ok'], [{ recordingFileConfig: { avFileType: ['hls', 'mp4'] } }, 'ok'],
    [{ recordingFileConfig: { avFileType: ['mp4'] } }, 2], [{ recordingFileConfig: { avFileType: [] } }, 2], [{ recordingFileConfig: { avFileType: ['hls', 'flv'] } }, 2],
  ]],
  ['CR-32', 'individual', 'snapshotConfig: individual mode, captureInterval 5..3600, fileType ["jpg"], streamTypes 1 or 2, subscribeVideoUids with subscribeAudioUids', [
    [{ snapshotConfig: { captureInterval: 5, fileType: ['jpg'] } }, 'ok'], [{ snapshotConfig: { captureInterval: 3600, fileType: ['jpg'] } }, 'ok'],
    [{ snapshotConfig: { captureInterval: 4, fileType: ['jpg'] } }, 2], [{ snapshotConfig: { captureInterval: 3601, fileType: ['jpg'] } }, 2],
    [{ snapshotConfig: { fileType: ['png'] } }, 2], [{ snapshotConfig: { captureInterval: 10 } }, 2],
    [{ snapshotConfig: { fileType: ['jpg'] }, 'recordingConfig.streamTypes': 0 }, 2],
    [{ snapshotConfig: { fileType: ['jpg'] }, 'recordingConfig.subscribeAudioUids': ['101'] }, 2],
    [{ snapshotConfig: { fileType: ['jpg'] }, 'recordingConfig.subscribeAudioUids': ['101'], 'recordingConfig.subscribeVideoUids': ['101'] }, 'ok'],
  ]],
  ['CR-33', 'mix', 'storageConfig: vendor, region, bucket, accessKey, secretKey required; an unknown vendor or region is taken and the upload fails', [
    ...[1, 2, 3, 5, 6, 7, 8].map((vendor): Case => [{ 'storageConfig.vendor': vendor }, 'ok']),
    [{ 'storageConfig.vendor': 11, 'storageConfig.extensionParams': { endpoint: 's3.example.com' } }, 'ok'], [{ 'storageConfig.vendor': 11 }, 'later'],
    [{ 'storageConfig.vendor': 4 }, 'later'], [{ 'storageConfig.region': 25 }, 'ok'], [{ 'storageConfig.region': 26 }, 'later'],
    [{ 'storageConfig.vendor': '1' }, 2], [{ 'storageConfig.accessKey': ABSENT }, 2], [{ 'storageConfig.secretKey': ABSENT }, 2], [{ 'storageConfig.bucket': ABSENT }, 2],
    [{ 'storageConfig.bucket': '' }, 'later'],
  ]],
  ['CR-34', 'mix', 'storageConfig.fileNamePrefix: letters and digits, 128 characters joined with "/"', [
    [{ 'storageConfig.fileNamePrefix': ['directory1', 'directory2'] }, 'ok'], [{ 'storageConfig.fileNamePrefix': ['a'.repeat(127)] }, 'ok'],
    [{ 'storageConfig.fileNamePrefix': ['a'.repeat(128)] }, 'later'], [{ 'storageConfig.fileNamePrefix': ['dir_1'] }, 'later'], [{ 'storageConfig.fileNamePrefix': 'dir' }, 2],
  ]],
  ['CR-35', 'web', 'extensionServiceConfig web_recorder_service: url, audioProfile, videoWidth, videoHeight, maxRecordingHour required', [
    [{ 'extensionServiceConfig.extensionServices': [{ serviceName: 'web_recorder_service', serviceParam: { url: 'https://example.com', audioProfile: 0, videoWidth: 1280, videoHeight: 720 } }] }, 2],
    [{ 'extensionServiceConfig.extensionServices': [{ serviceName: 'web_recorder_service', serviceParam: { url: 'ftp://example.com', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 1 } }] }, 2],
    [{ extensionServiceConfig: ABSENT }, 2],
  ]],
];

const web = (param: Record<string, unknown>): Record<string, unknown> => ({
  'extensionServiceConfig.extensionServices': [{ serviceName: 'web_recorder_service', serviceParam: { url: 'https://example.com/board', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2, ...param } }],
});

START_ROWS.push(['CR-36', 'web', 'serviceParam ranges: maxRecordingHour 1..720, videoFps 5..60, maxVideoDuration 30..240, readyTimeout 0..60, audioProfile 0..2, width × height at most 1920 × 1080', [
  [web({ maxRecordingHour: 1 }), 'ok'], [web({ maxRecordingHour: 720 }), 'ok'], [web({ maxRecordingHour: 0 }), 2], [web({ maxRecordingHour: 721 }), 2],
  [web({ videoFps: 5 }), 'ok'], [web({ videoFps: 60 }), 'ok'], [web({ videoFps: 4 }), 2], [web({ videoFps: 61 }), 2],
  [web({ maxVideoDuration: 30 }), 'ok'], [web({ maxVideoDuration: 240 }), 'ok'], [web({ maxVideoDuration: 29 }), 2], [web({ maxVideoDuration: 241 }), 2],
  [web({ readyTimeout: 0 }), 'ok'], [web({ readyTimeout: 60 }), 'ok'], [web({ readyTimeout: 61 }), 2],
  [web({ audioProfile: 2 }), 'ok'], [web({ audioProfile: 3 }), 2],
  [web({ videoWidth: 1920, videoHeight: 1080 }), 'ok'], [web({ videoWidth: 1920, videoHeight: 1081 }), 2],
]]);

void describe('Cloud Recording field conformance (docs/agora-conformance.md, CR-21 on)', () => {
  const emu = useEmulator({ frozenClock: true });
  const rec = new Recordings(emu, APP);
  let nextUid = 700_000;
  const uid = () => String((nextUid += 1));

  /** acquire + start with the mode's valid clientRequest changed by `fields`. */
  async function start(mode: Mode, fields: Record<string, unknown>): Promise<{ answer: Answer; uid: string }> {
    const recorder = uid();
    const rid = await rec.resourceId(CNAME, recorder, mode === 'web' ? { scene: 1 } : {});
    const answer = await rec.start(rid, mode, { cname: CNAME, uid: recorder, clientRequest: withFields(clientRequestFor(mode), fields) });
    return { answer, uid: recorder };
  }

  for (const [id, mode, behaviour, cases] of START_ROWS) {
    row(id, `start (${mode}) ${behaviour}`, async () => {
      await rec.users(CNAME, 1);
      const later: string[] = [];
      const running: string[] = [];
      for (const [fields, outcome] of cases) {
        const { answer } = await start(mode, fields);
        const what = JSON.stringify(fields).slice(0, 160);
        if (typeof outcome === 'number') {
          assert.equal(answer.status, 400, `${what}: ${answer.text}`);
          assert.equal((answer.body as { code?: number }).code, outcome, `${what}: ${answer.text}`);
          continue;
        }
        assert.equal(answer.status, 200, `${what}: ${answer.text}`);
        (outcome === 'later' ? later : running).push((answer.body as { sid: string }).sid);
      }
      await emu.advance(2000);
      for (const sid of later) assert.equal((await rec.state(sid))?.exitReason, 'invalidConfig', `${sid} exits for its configuration`);
      for (const sid of running) assert.notEqual((await rec.state(sid))?.exitReason, 'invalidConfig', `${sid} keeps recording`);
    });
  }

  row('CR-21', 'acquire uid: a string of an integer 1..2^32-1; anything else 400 code 2', async () => {
    for (const good of ['1', '4294967295']) assert.equal((await rec.acquire(CNAME, good)).status, 200, good);
    for (const bad of ['0', '4294967296', '01', 'abc', '']) assertCode(await rec.acquire(CNAME, bad), 400, 2);
    assertCode(await rec.acquire(CNAME, 527841), 400, 2);
  });

  row('CR-22', 'cname: at most 64 bytes of the 89 characters (1024 bytes in web page recording), else 400 code 1013', async () => {
    assert.equal((await rec.acquire('c'.repeat(64), '11')).status, 200);
    assert.equal((await rec.acquire('a b!#$%&()+-:;<=.>?@[]^_{|}~,', '11')).status, 200);
    for (const cname of ['c'.repeat(65), 'a/b', 'é']) assertCode(await rec.acquire(cname, '11'), 400, 1013);
    assert.equal((await rec.acquire('w'.repeat(1024), '11', { scene: 1 })).status, 200);
    assertCode(await rec.acquire('w'.repeat(1025), '11', { scene: 1 }), 400, 1013);
    assertCode(await emu.call('POST', rec.paths.acquire, { body: { uid: '11', clientRequest: {} } }), 400, 2);
  });

  row('CR-23', 'acquire clientRequest: required; scene 0..2, region CN, AP, EU, NA, excludeResourceIds strings', async () => {
    for (const clientRequest of [{ scene: 0 }, { scene: 1 }, { scene: 2 }, { region: 'CN' }, { region: 'NA' }, { excludeResourceIds: ['r1'] }]) {
      assert.equal((await rec.acquire(CNAME, '12', clientRequest)).status, 200, JSON.stringify(clientRequest));
    }
    for (const clientRequest of [{ scene: 3 }, { region: 'na' }, { region: 'MARS' }, { excludeResourceIds: [1] }, { resourceExpiredHour: '24' }]) {
      assertCode(await rec.acquire(CNAME, '12', clientRequest), 400, 2);
    }
    assertCode(await emu.call('POST', rec.paths.acquire, { body: { cname: CNAME, uid: '12' } }), 400, 2);
  });

  row('CR-37', 'updateLayout body errors answer 400 code 1028; a valid layout 200', async () => {
    await rec.users(CNAME, 1);
    const { rid, sid } = await rec.begin(CNAME, uid());
    const post = (clientRequest: Record<string, unknown>) => rec.post(rid, sid, 'mix', 'updateLayout', { cname: CNAME, uid: String(nextUid), clientRequest });
    for (const ok of [{ mixedVideoLayout: 1 }, { mixedVideoLayout: 2, maxResolutionUid: '101' }, { mixedVideoLayout: 3, layoutConfig: [region(0)] }]) {
      assert.equal((await post(ok)).status, 200, JSON.stringify(ok));
    }
    const bad = [
      { mixedVideoLayout: 4 }, { mixedVideoLayout: 2 }, { maxResolutionUid: '0' }, { backgroundColor: 'red' }, { backgroundImage: 'ftp://x/y.png' },
      { mixedVideoLayout: 3, layoutConfig: Array.from({ length: 18 }, (_, i) => region(i)) }, { mixedVideoLayout: 3, layoutConfig: [{ ...region(0), x_axis: 1.5 }] },
      { mixedVideoLayout: 3, layoutConfig: [{ ...region(0), render_mode: 2 }] }, { backgroundConfig: [{ uid: '101' }] },
    ];
    for (const clientRequest of bad) assertCode(await post(clientRequest), 400, 1028);
  });

  row('CR-38', 'update: streamSubscribe in individual/mix, webRecordingConfig.onhold and one rtmpPublishConfig output in web; else 400 code 2', async () => {
    await rec.users(CNAME, 1);
    const mixUid = uid();
    const mix = await rec.begin(CNAME, mixUid);
    const mixUpdate = (clientRequest: Record<string, unknown>) => rec.post(mix.rid, mix.sid, 'mix', 'update', { cname: CNAME, uid: mixUid, clientRequest });
    assert.equal((await mixUpdate({ streamSubscribe: { audioUidList: { subscribeAudioUids: ['#allstream#'] } } })).status, 200);
    assertCode(await mixUpdate({ streamSubscribe: { audioUidList: { subscribeAudioUids: uids(33) } } }), 400, 2);
    assertCode(await mixUpdate({ webRecordingConfig: { onhold: true } }), 400, 2);
    const webUid = uid();
    const page = await rec.begin(CNAME, webUid, 'web');
    const webUpdate = (clientRequest: Record<string, unknown>) => rec.post(page.rid, page.sid, 'web', 'update', { cname: CNAME, uid: webUid, clientRequest });
    assert.equal((await webUpdate({ webRecordingConfig: { onhold: true } })).status, 200);
    assert.equal((await webUpdate({ rtmpPublishConfig: { outputs: [{ rtmpUrl: 'rtmp://cdn.example.com/live/a' }] } })).status, 200);
    assertCode(await webUpdate({ webRecordingConfig: { onhold: 'yes' } }), 400, 2);
    assertCode(await webUpdate({ rtmpPublishConfig: { outputs: [{ rtmpUrl: 'rtmp://a.example.com/x' }, { rtmpUrl: 'rtmp://b.example.com/x' }] } }), 400, 2);
    assertCode(await webUpdate({ rtmpPublishConfig: { outputs: [{ rtmpUrl: 'https://cdn.example.com/x' }] } }), 400, 2);
    assertCode(await webUpdate({ streamSubscribe: { audioUidList: { subscribeAudioUids: ['101'] } } }), 400, 2);
  });

  row('CR-39', 'stop: clientRequest.async_stop a boolean, else 400 code 2', async () => {
    await rec.users(CNAME, 1);
    const recorder = uid();
    const { rid, sid } = await rec.begin(CNAME, recorder);
    assertCode(await rec.post(rid, sid, 'mix', 'stop', { cname: CNAME, uid: recorder, clientRequest: { async_stop: 'yes' } }), 400, 2);
    await emu.advance(5000);
    assert.equal((await rec.post(rid, sid, 'mix', 'stop', { cname: CNAME, uid: recorder, clientRequest: { async_stop: true } })).status, 200);
  });

  row('CR-40', 'a body that is not JSON answers 400 code 8 (CR-D6)', async () => {
    assertCode(await emu.call('POST', rec.paths.acquire, { body: '{"cname": ', headers: { 'content-type': 'application/json' } }), 400, 8);
  });

  row('CR-41', 'session paths: a resourceId not from acquire 400 code 1001, another App ID\'s 1003, an unknown sid 404 code 404, cname/uid not the resourceId\'s 432', async () => {
    await rec.users(CNAME, 1);
    const recorder = uid();
    const { rid, sid } = await rec.begin(CNAME, recorder);
    assertCode(await rec.query('not-a-resource-id', sid), 400, 1001);
    const other = new Recordings(emu, 'app-conformance-other');
    assertCode(await other.query(rid, sid), 400, 1003);
    assertCode(await rec.query(rid, 'unknown-sid'), 404, 404);
    const wrongCname = await rec.start(await rec.resourceId(CNAME, uid()), 'mix', { cname: 'other', uid: String(nextUid), clientRequest: clientRequestFor('mix') });
    assertCode(wrongCname, 400, 432);
  });

  row('CR-42', 'start and acquire\'s startParameter must agree: a different start answers 400 code 432', async () => {
    const recorder = uid();
    const startParameter = clientRequestFor('mix');
    const rid = await rec.resourceId(CNAME, recorder, { startParameter });
    const changed = withFields(startParameter, { 'recordingConfig.maxIdleTime': 60, storageConfig: STORAGE });
    assertCode(await rec.start(rid, 'mix', { cname: CNAME, uid: recorder, clientRequest: changed }), 400, 432);
  });
});
