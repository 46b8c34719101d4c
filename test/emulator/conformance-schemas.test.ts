// The manifest schemas and the emulator hold the same ranges and enums (docs/agora-conformance.md):
// each boundary value in and out is accepted or refused by both `validate` (the compiled manifest
// validators) and the emulator over HTTP. Where they differ on purpose the case names the decision.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestSchemas } from '../../src/manifest/schemas.ts';
import { player, useEmulator } from './helpers.ts';
import { Recordings, STORAGE, clientRequestFor } from './recording-helpers.ts';
import type { Mode } from './recording-helpers.ts';
import { ABSENT, uids, withFields } from './conformance-fields.ts';

const APP = 'app-conformance-schemas';
const CASES: [string, Record<string, unknown>, boolean][] = [
  ['frameRate 4', { videoOptions: { frameRate: 4 } }, false],
  ['frameRate 5', { videoOptions: { frameRate: 5 } }, true],
  ['frameRate 30', { videoOptions: { frameRate: 30 } }, true],
  ['frameRate 31', { videoOptions: { frameRate: 31 } }, false],
  ['profile 0', { audioOptions: { profile: 0 } }, true],
  ['profile 5', { audioOptions: { profile: 5 } }, true],
  ['profile 6', { audioOptions: { profile: 6 } }, false],
  ['volume 0', { audioOptions: { volume: 0 } }, true],
  ['volume 200', { audioOptions: { volume: 200 } }, true],
  ['volume 201', { audioOptions: { volume: 201 } }, false],
  ['volume 50.5', { audioOptions: { volume: 50.5 } }, false],
  ['width 65', { videoOptions: { width: 65 } }, false],
  ['width 1920', { videoOptions: { width: 1920 } }, true],
  ['height 1081', { videoOptions: { height: 1081 } }, false],
  ['bitrate 10000', { videoOptions: { bitrate: 10000 } }, true],
  ['bitrate 0', { videoOptions: { bitrate: 0 } }, false],
  ['gop 11', { videoOptions: { gop: 11 } }, false],
  ['fillMode stretch', { videoOptions: { fillMode: 'stretch' } }, false],
  ['uid 4294967295', { uid: 4294967295 }, true],
  ['uid 4294967296', { uid: 4294967296 }, false],
  ['repeatTime -1', { repeatTime: -1 }, true],
  ['repeatTime 0', { repeatTime: 0 }, false],
  ['seekPosition -1', { seekPosition: -1 }, false],
  ['tempo 1.75', { tempo: 1.75 }, true],
  ['tempo 1.1', { tempo: 1.1 }, false],
  ['channelName of 65 bytes', { channelName: 'c'.repeat(65) }, false],
  ['channelName with a slash', { channelName: 'a/b' }, false],
  ['streamUrl ftp', { streamUrl: 'ftp://origin.example.com/a' }, false],
];

void describe('schemas and emulator agree on CloudPlayer ranges', () => {
  const emu = useEmulator({ frozenClock: true });
  const validate = manifestSchemas().validatorFor('CloudPlayer');
  let n = 0;
  for (const [what, fields, accepted] of CASES) {
    void test(`${what} is ${accepted ? 'accepted' : 'refused'} by validate and by the emulator`, async () => {
      assert.ok(validate, 'a CloudPlayer validator');
      n += 1;
      const spec = { region: 'na', channelName: 'class32', uid: 101, streamUrl: 'rtmp://origin.example.com/live/x', ...fields };
      const doc = { apiVersion: 'agoractl/v1', kind: 'CloudPlayer', metadata: { name: `p${n}`, project: 'prod' }, spec };
      assert.equal(validate(doc), accepted, JSON.stringify(validate.errors));
      assert.equal((await emu.createPlayer(APP, player({ name: `p${n}`, ...fields }))).status, accepted ? 200 : 400);
    });
  }
});

// CloudRecording: a field changed in the manifest spec and in start's clientRequest alike (the
// two share their paths below spec / clientRequest). The emulator refuses with 400 or, for what
// Agora only finds wrong once recording (CR-D7), starts and ends the recording with invalidConfig.
// The one difference is listed with its decision: a web page canvas over 1920 × 1080 is a product
// JSON Schema cannot state.
const web = (param: Record<string, unknown>): Record<string, unknown> => ({
  'extensionServiceConfig.extensionServices': [{ serviceName: 'web_recorder_service', serviceParam: { url: 'https://example.com/board', audioProfile: 0, videoWidth: 1280, videoHeight: 720, maxRecordingHour: 2, ...param } }],
});
const regions = (n: number) => Array.from({ length: n }, () => ({ x_axis: 0, y_axis: 0, width: 0.1, height: 0.1 }));
const RECORDING_CASES: [string, Mode, Record<string, unknown>, boolean, boolean?][] = [
  ['maxIdleTime 4', 'mix', { 'recordingConfig.maxIdleTime': 4 }, false],
  ['maxIdleTime 5', 'mix', { 'recordingConfig.maxIdleTime': 5 }, true],
  ['maxIdleTime 2592000', 'mix', { 'recordingConfig.maxIdleTime': 2_592_000 }, true],
  ['maxIdleTime 2592001', 'mix', { 'recordingConfig.maxIdleTime': 2_592_001 }, false],
  ['channelType 2', 'mix', { 'recordingConfig.channelType': 2 }, false],
  ['channelType absent', 'mix', { 'recordingConfig.channelType': ABSENT, 'recordingConfig.maxIdleTime': 30 }, false],
  ['streamTypes 0', 'mix', { 'recordingConfig.streamTypes': 0 }, true],
  ['streamTypes 3', 'mix', { 'recordingConfig.streamTypes': 3 }, false],
  ['videoStreamType 1', 'mix', { 'recordingConfig.videoStreamType': 1 }, true],
  ['videoStreamType 2', 'mix', { 'recordingConfig.videoStreamType': 2 }, false],
  ['audioProfile 2', 'mix', { 'recordingConfig.audioProfile': 2 }, true],
  ['audioProfile 3', 'mix', { 'recordingConfig.audioProfile': 3 }, false],
  ['streamMode original', 'individual', { 'recordingConfig.streamMode': 'original' }, true],
  ['streamMode mixed', 'individual', { 'recordingConfig.streamMode': 'mixed' }, false],
  ['subscribeUidGroup 5', 'individual', { 'recordingConfig.subscribeUidGroup': 5 }, true],
  ['subscribeUidGroup 6', 'individual', { 'recordingConfig.subscribeUidGroup': 6 }, false],
  ['subscribeUidGroup absent in individual', 'individual', { 'recordingConfig.subscribeUidGroup': ABSENT }, false],
  ['32 subscribed UIDs', 'mix', { 'recordingConfig.subscribeAudioUids': uids(32) }, true],
  ['33 subscribed UIDs', 'mix', { 'recordingConfig.subscribeAudioUids': uids(33) }, false],
  ['UID "0" in a list', 'mix', { 'recordingConfig.subscribeVideoUids': ['0'] }, false],
  ['subscribe and unsubscribe audio', 'mix', { 'recordingConfig.subscribeAudioUids': ['1'], 'recordingConfig.unsubscribeAudioUids': ['2'] }, false],
  ['decryptionMode 9', 'mix', { 'recordingConfig.decryptionMode': 9 }, false],
  ['mixedVideoLayout 3 with 17 regions', 'mix', { 'recordingConfig.transcodingConfig': { mixedVideoLayout: 3, layoutConfig: regions(17) } }, true],
  ['mixedVideoLayout 3 with 18 regions', 'mix', { 'recordingConfig.transcodingConfig': { mixedVideoLayout: 3, layoutConfig: regions(18) } }, false],
  ['mixedVideoLayout 4', 'mix', { 'recordingConfig.transcodingConfig': { mixedVideoLayout: 4 } }, false],
  ['mixedVideoLayout 2 without maxResolutionUid', 'mix', { 'recordingConfig.transcodingConfig': { mixedVideoLayout: 2 } }, false],
  ['region alpha 1.1', 'mix', { 'recordingConfig.transcodingConfig': { mixedVideoLayout: 3, layoutConfig: [{ x_axis: 0, y_axis: 0, width: 1, height: 1, alpha: 1.1 }] } }, false],
  ['backgroundColor green', 'mix', { 'recordingConfig.transcodingConfig': { backgroundColor: 'green' } }, false],
  ['canvas 1920 × 1080', 'mix', { 'recordingConfig.transcodingConfig': { width: 1920, height: 1080 } }, true],
  ['canvas fps 0', 'mix', { 'recordingConfig.transcodingConfig': { fps: 0 } }, false],
  ['avFileType ["hls","mp4"]', 'mix', { recordingFileConfig: { avFileType: ['hls', 'mp4'] } }, true],
  ['avFileType ["mp4"]', 'mix', { recordingFileConfig: { avFileType: ['mp4'] } }, false],
  ['captureInterval 5', 'individual', { snapshotConfig: { captureInterval: 5, fileType: ['jpg'] } }, true],
  ['captureInterval 3601', 'individual', { snapshotConfig: { captureInterval: 3601, fileType: ['jpg'] } }, false],
  ['snapshotConfig in mix mode', 'mix', { snapshotConfig: { fileType: ['jpg'] } }, false],
  ['screenshots of audio only', 'individual', { snapshotConfig: { fileType: ['jpg'] }, 'recordingConfig.streamTypes': 0 }, false],
  ['screenshots with an audio list only', 'individual', { snapshotConfig: { fileType: ['jpg'] }, 'recordingConfig.subscribeAudioUids': ['1'] }, false],
  ['storage vendor 8', 'mix', { 'storageConfig.vendor': 8 }, true],
  ['storage vendor 4', 'mix', { 'storageConfig.vendor': 4 }, false],
  ['vendor 11 without endpoint', 'mix', { 'storageConfig.vendor': 11 }, false],
  ['vendor 11 with endpoint', 'mix', { 'storageConfig.vendor': 11, 'storageConfig.extensionParams': { endpoint: 's3.example.com' } }, true],
  ['S3 region 25', 'mix', { 'storageConfig.region': 25 }, true],
  ['S3 region 26', 'mix', { 'storageConfig.region': 26 }, false],
  ['fileNamePrefix 127 characters', 'mix', { 'storageConfig.fileNamePrefix': ['a'.repeat(127)] }, true],
  ['fileNamePrefix 128 characters', 'mix', { 'storageConfig.fileNamePrefix': ['a'.repeat(128)] }, false],
  ['fileNamePrefix dir_1', 'mix', { 'storageConfig.fileNamePrefix': ['dir_1'] }, false],
  ['maxRecordingHour 720', 'web', web({ maxRecordingHour: 720 }), true],
  ['maxRecordingHour 721', 'web', web({ maxRecordingHour: 721 }), false],
  ['videoFps 4', 'web', web({ videoFps: 4 }), false],
  ['videoFps 60', 'web', web({ videoFps: 60 }), true],
  ['maxVideoDuration 29', 'web', web({ maxVideoDuration: 29 }), false],
  ['maxVideoDuration 240', 'web', web({ maxVideoDuration: 240 }), true],
  ['readyTimeout 61', 'web', web({ readyTimeout: 61 }), false],
  ['web audioProfile 3', 'web', web({ audioProfile: 3 }), false],
  ['page 1920 × 1081 (CR-D7: validate accepts, Agora refuses)', 'web', web({ videoWidth: 1920, videoHeight: 1081 }), true, false],
];

void describe('schemas and emulator agree on CloudRecording ranges and enums', () => {
  const emu = useEmulator({ frozenClock: true });
  const rec = new Recordings(emu, 'app-conformance-schemas-cr');
  const validate = manifestSchemas().validatorFor('CloudRecording');
  const secretStorage = { ...STORAGE, accessKey: { env: 'STORAGE_AK' }, secretKey: { env: 'STORAGE_SK' } };
  let uid = 800_000;
  for (const [what, mode, fields, schemaAccepts, emulatorAccepts = schemaAccepts] of RECORDING_CASES) {
    void test(`${what} is ${schemaAccepts ? 'accepted' : 'refused'} by validate${emulatorAccepts === schemaAccepts ? ' and' : `, ${emulatorAccepts ? 'accepted' : 'refused'} by`} the emulator`, async () => {
      assert.ok(validate, 'a CloudRecording validator');
      uid += 1;
      const base = clientRequestFor(mode);
      const spec = withFields({ channelName: 'class32', uid, mode, ...base, storageConfig: secretStorage }, fields);
      const doc = { apiVersion: 'agoractl/v1', kind: 'CloudRecording', metadata: { name: `r${uid}`, project: 'prod' }, spec };
      assert.equal(validate(doc), schemaAccepts, JSON.stringify(validate.errors));

      await rec.users('class32', 1);
      const rid = await rec.resourceId('class32', String(uid), mode === 'web' ? { scene: 1 } : {});
      const answer = await rec.start(rid, mode, { cname: 'class32', uid: String(uid), clientRequest: withFields(base, fields) });
      let accepted = answer.status === 200;
      if (accepted) {
        await emu.advance(2000);
        accepted = (await rec.state((answer.body as { sid: string }).sid))?.exitReason !== 'invalidConfig';
      } else {
        assert.equal(answer.status, 400, answer.text);
      }
      assert.equal(accepted, emulatorAccepts, answer.text);
    });
  }

  void test('resourceExpiredHour 1 and 720 are accepted, 0 and 721 refused, by validate and by acquire', async () => {
    assert.ok(validate, 'a CloudRecording validator');
    for (const [hours, accepted] of [[0, false], [1, true], [720, true], [721, false]] as const) {
      const spec = { channelName: 'class32', uid: 5, mode: 'mix', ...clientRequestFor('mix'), storageConfig: secretStorage, resourceExpiredHour: hours };
      assert.equal(validate({ apiVersion: 'agoractl/v1', kind: 'CloudRecording', metadata: { name: 'r', project: 'prod' }, spec }), accepted, `${hours}`);
      assert.equal((await rec.acquire('class32', '5', { resourceExpiredHour: hours })).status, accepted ? 200 : 400, `${hours}`);
    }
  });
});

// OriginSite: the spec's four Agora fields are the PATCH body.
const ORIGIN_CASES: [string, Record<string, unknown>, boolean][] = [
  ['enabled true', { enabled: true }, true],
  ['enabled "true"', { enabled: 'true' }, false],
  ['domain origin.example.com', { domain: 'origin.example.com' }, true],
  ['domain with a 63-character label', { domain: `${'a'.repeat(63)}.example.com` }, true],
  ['domain with a 64-character label', { domain: `${'a'.repeat(64)}.example.com` }, false],
  ['domain with a port', { domain: 'origin.example.com:1935' }, false],
  ['domain with a scheme', { domain: 'rtmp://origin.example.com' }, false],
  ['app of 128 characters', { domain: 'origin.example.com', app: 'a'.repeat(128) }, true],
  ['app of 129 characters', { domain: 'origin.example.com', app: 'a'.repeat(129) }, false],
  ['app with a slash', { domain: 'origin.example.com', app: 'live/x' }, false],
  ['app without domain', { app: 'live' }, false],
  ['callbackUrl https', { callbackUrl: 'https://hooks.example.com/pull' }, true],
  ['callbackUrl ftp', { callbackUrl: 'ftp://hooks.example.com/pull' }, false],
  ['domain and callbackUrl', { domain: 'origin.example.com', callbackUrl: 'https://hooks.example.com/pull' }, false],
];

void describe('schemas and emulator agree on OriginSite fields', () => {
  const emu = useEmulator({ frozenClock: true });
  const validate = manifestSchemas().validatorFor('OriginSite');
  const path = '/v1/projects/app-conformance-schemas-fls/fls/entry_points/live/settings/origin_site';
  for (const [what, spec, accepted] of ORIGIN_CASES) {
    void test(`${what} is ${accepted ? 'accepted' : 'refused'} by validate and by the emulator`, async () => {
      assert.ok(validate, 'an OriginSite validator');
      assert.equal(validate({ apiVersion: 'agoractl/v1', kind: 'OriginSite', metadata: { name: 'live', project: 'prod' }, spec }), accepted, JSON.stringify(validate.errors));
      // Each case starts from no settings, as a manifest applied to a fresh entry point.
      assert.equal((await emu.fls('PATCH', path, { enabled: false, domain: null, callbackUrl: null })).status, 200);
      const answer = await emu.fls('PATCH', path, spec);
      assert.equal(answer.status, accepted ? 200 : 400, answer.text);
    });
  }
});
