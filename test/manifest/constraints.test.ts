// Every documented constraint, broken once: the document gets exactly one error, at the node
// marked ▶ in its text, with the field path, the message and the code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifests, ErrorCode } from '../../src/manifest/index.ts';
import {
  ORIGIN_BASE,
  PLAYER_BASE,
  PROJECT_BASE,
  PROJECT_FIXTURE,
  RECORDING_BASE,
  documentText,
  suiteFolder,
  tempFolder,
  unmark,
} from './helpers.ts';
import { builtInManifestKinds } from '../../src/resources/builtin.ts';

type Kind = 'Project' | 'CloudPlayer' | 'CloudRecording' | 'OriginSite';

interface Case {
  /** What the rule is, as a sentence. */
  rule: string;
  kind: Kind;
  /** Spec lines added to the kind's base spec (a key given here replaces the base's). */
  spec?: string;
  without?: string[];
  metadata?: string;
  markSpec?: boolean;
  /** A whole document instead of base + spec. */
  whole?: string;
  path: string;
  message: string;
  code: ErrorCode;
}

const BASE: Record<Kind, string> = {
  Project: PROJECT_BASE,
  CloudPlayer: PLAYER_BASE,
  CloudRecording: RECORDING_BASE,
  OriginSite: ORIGIN_BASE,
};

const ENCRYPT_MODES = '"aes-128-xts", "aes-256-xts", "aes-128-ecb", "sm4-128-ecb", "aes-128-gcm", "aes-256-gcm", "aes-128-gcm2", "aes-256-gcm2"';
const LITERAL_SECRET = 'literal secret; use { env: NAME } or { file: PATH }';
const STORAGE = (lines: string): string => `  storageConfig:
    bucket: recordings
    accessKey: { env: S3_ACCESS_KEY }
    secretKey: { env: S3_SECRET_KEY }
${lines}`;

const cases: Case[] = [
  // CloudPlayer (media-pull-rest-api.txt)
  { rule: 'streamUrl must be an rtmp, http or https URL', kind: 'CloudPlayer', spec: '  streamUrl: ▶ftp://origin.example.com/live', path: 'spec.streamUrl', message: 'must be an rtmp://, http:// or https:// URL', code: ErrorCode.InvalidValue },
  { rule: 'streamUrl is at most 1024 bytes, counted in UTF-8', kind: 'CloudPlayer', spec: `  streamUrl: ▶https://media.example.com/${'é'.repeat(500)}`, path: 'spec.streamUrl', message: 'must be at most 1024 bytes', code: ErrorCode.InvalidLength },
  { rule: 'channelName is at most 64 bytes', kind: 'CloudPlayer', spec: `  channelName: ▶${'c'.repeat(65)}`, path: 'spec.channelName', message: 'must be at most 64 bytes', code: ErrorCode.InvalidLength },
  { rule: "channelName uses Agora's channel-name character set", kind: 'CloudPlayer', spec: '  channelName: ▶class/32', path: 'spec.channelName', message: 'must contain only a-z A-Z 0-9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,', code: ErrorCode.InvalidValue },
  { rule: 'uid is at most 2^32-1', kind: 'CloudPlayer', spec: '  uid: ▶4294967296', path: 'spec.uid', message: 'must be <= 4294967295', code: ErrorCode.OutOfRange },
  { rule: 'uid is not negative', kind: 'CloudPlayer', spec: '  uid: ▶-1', path: 'spec.uid', message: 'must be >= 0', code: ErrorCode.OutOfRange },
  { rule: 'uid and account are not both set', kind: 'CloudPlayer', spec: '  ▶account: teacher', path: 'spec.account', message: 'cannot be set together with uid: set exactly one of uid, account', code: ErrorCode.Conflict },
  { rule: 'uid or account is set', kind: 'CloudPlayer', spec: '', without: ['uid'], markSpec: true, path: 'spec', message: 'must set exactly one of uid, account', code: ErrorCode.Required },
  { rule: 'account is at most 255 bytes', kind: 'CloudPlayer', spec: `  account: ▶${'a'.repeat(256)}`, without: ['uid'], path: 'spec.account', message: 'must be at most 255 bytes', code: ErrorCode.InvalidLength },
  { rule: 'idleTimeout is at least 5 seconds', kind: 'CloudPlayer', spec: '  idleTimeout: ▶4', path: 'spec.idleTimeout', message: 'must be >= 5', code: ErrorCode.OutOfRange },
  { rule: 'idleTimeout is at most 600 seconds', kind: 'CloudPlayer', spec: '  idleTimeout: ▶601', path: 'spec.idleTimeout', message: 'must be <= 600', code: ErrorCode.OutOfRange },
  { rule: 'playTs is a Unix time, not negative', kind: 'CloudPlayer', spec: '  playTs: ▶-1', path: 'spec.playTs', message: 'must be >= 0', code: ErrorCode.OutOfRange },
  { rule: 'repeatTime is not 0', kind: 'CloudPlayer', spec: '  repeatTime: ▶0', path: 'spec.repeatTime', message: 'must not be 0', code: ErrorCode.InvalidValue },
  { rule: 'repeatTime is -1 or a positive count', kind: 'CloudPlayer', spec: '  repeatTime: ▶-2', path: 'spec.repeatTime', message: 'must be >= -1', code: ErrorCode.OutOfRange },
  { rule: 'seekPosition is not negative', kind: 'CloudPlayer', spec: '  seekPosition: ▶-5', path: 'spec.seekPosition', message: 'must be >= 0', code: ErrorCode.OutOfRange },
  { rule: 'encryptMode is one of the documented modes', kind: 'CloudPlayer', spec: '  encryptMode: ▶rot13\n  encryptKey: { env: PLAYER_KEY }', path: 'spec.encryptMode', message: `must be one of: ${ENCRYPT_MODES}`, code: ErrorCode.InvalidValue },
  { rule: 'the gcm2 modes need encryptKdfSalt', kind: 'CloudPlayer', spec: '  encryptMode: ▶aes-256-gcm2\n  encryptKey: { env: PLAYER_KEY }', path: 'spec.encryptKdfSalt', message: 'is required when encryptMode is aes-256-gcm2', code: ErrorCode.Required },
  { rule: 'encryptKdfSalt needs an encryptMode', kind: 'CloudPlayer', spec: '  ▶encryptKdfSalt: { env: PLAYER_SALT }', path: 'spec.encryptMode', message: 'is required when encryptKdfSalt is set', code: ErrorCode.Required },
  { rule: 'encryptKey is a secret reference, not a literal', kind: 'CloudPlayer', spec: '  encryptMode: aes-128-gcm\n  encryptKey: ▶hunter2hunter2', path: 'spec.encryptKey', message: LITERAL_SECRET, code: ErrorCode.LiteralSecret },
  { rule: 'audioOptions.profile is 0 to 5', kind: 'CloudPlayer', spec: '  audioOptions: { profile: ▶6 }', path: 'spec.audioOptions.profile', message: 'must be <= 5', code: ErrorCode.OutOfRange },
  { rule: 'audioOptions.volume is 0 to 200', kind: 'CloudPlayer', spec: '  audioOptions: { volume: ▶201 }', path: 'spec.audioOptions.volume', message: 'must be <= 200', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.width is at most 1920', kind: 'CloudPlayer', spec: '  videoOptions:\n    width: ▶4000', path: 'spec.videoOptions.width', message: 'must be <= 1920', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.width is at least 66', kind: 'CloudPlayer', spec: '  videoOptions:\n    width: ▶65', path: 'spec.videoOptions.width', message: 'must be >= 66', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.height is at most 1080', kind: 'CloudPlayer', spec: '  videoOptions:\n    height: ▶1081', path: 'spec.videoOptions.height', message: 'must be <= 1080', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.height is at least 66', kind: 'CloudPlayer', spec: '  videoOptions:\n    height: ▶10', path: 'spec.videoOptions.height', message: 'must be >= 66', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.frameRate is at most 30', kind: 'CloudPlayer', spec: '  videoOptions:\n    frameRate: ▶31', path: 'spec.videoOptions.frameRate', message: 'must be <= 30', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.frameRate is at least 5 (docs/agora-conformance.md MP-D1)', kind: 'CloudPlayer', spec: '  videoOptions:\n    frameRate: ▶4', path: 'spec.videoOptions.frameRate', message: 'must be >= 5', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.bitrate is at most 10000', kind: 'CloudPlayer', spec: '  videoOptions:\n    bitrate: ▶10001', path: 'spec.videoOptions.bitrate', message: 'must be <= 10000', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.bitrate is at least 1', kind: 'CloudPlayer', spec: '  videoOptions:\n    bitrate: ▶0', path: 'spec.videoOptions.bitrate', message: 'must be >= 1', code: ErrorCode.OutOfRange },
  { rule: 'videoOptions.fillMode is fit or fill', kind: 'CloudPlayer', spec: '  videoOptions:\n    fillMode: ▶stretch', path: 'spec.videoOptions.fillMode', message: 'must be one of: "fit", "fill"', code: ErrorCode.InvalidValue },
  { rule: 'region is cn, ap, na or eu', kind: 'CloudPlayer', spec: '  region: ▶us', path: 'spec.region', message: 'must be one of: "cn", "ap", "na", "eu"', code: ErrorCode.InvalidValue },
  { rule: 'tempo is one of the documented speeds', kind: 'CloudPlayer', spec: '  tempo: ▶3', path: 'spec.tempo', message: 'must be one of: 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2', code: ErrorCode.InvalidValue },
  { rule: 'streamIp is an IPv4 address', kind: 'CloudPlayer', spec: '  streamIp: ▶300.1.1.1', path: 'spec.streamIp', message: 'must be an IPv4 address', code: ErrorCode.InvalidValue },
  { rule: 'restartPolicy is Always, OnFailure or Never', kind: 'CloudPlayer', spec: '  restartPolicy: ▶OnFailur', path: 'spec.restartPolicy', message: 'must be one of: "Always", "OnFailure", "Never" (did you mean "OnFailure"?)', code: ErrorCode.InvalidValue },
  { rule: 'a token is a reference or { generate: true }, not a literal', kind: 'CloudPlayer', spec: '  token: ▶007eJxTYBBYmZGQ', path: 'spec.token', message: 'literal secret; use { generate: true }, { env: NAME } or { file: PATH }', code: ErrorCode.LiteralSecret },
  { rule: 'token generation is asked for with true', kind: 'CloudPlayer', spec: '  token: { generate: ▶false }', path: 'spec.token.generate', message: 'must be true', code: ErrorCode.InvalidValue },
  { rule: 'an env reference names an environment variable', kind: 'CloudPlayer', spec: '  token: { env: ▶player_token }', path: 'spec.token.env', message: "must be an environment variable name: A-Z, 0-9 and '_', not starting with a digit", code: ErrorCode.InvalidValue },
  { rule: 'a misspelt reference field gets a suggestion', kind: 'CloudPlayer', spec: '  token: { ▶evn: PLAYER_TOKEN }', path: 'spec.token.evn', message: 'unknown field "evn" (did you mean "env"?)', code: ErrorCode.UnknownField },
  { rule: 'dataStreamOptions.enable is a boolean', kind: 'CloudPlayer', spec: '  dataStreamOptions: { enable: ▶yes }', path: 'spec.dataStreamOptions.enable', message: 'must be true or false', code: ErrorCode.InvalidType },
  { rule: 'streamUrl is required', kind: 'CloudPlayer', spec: '', without: ['streamUrl'], markSpec: true, path: 'spec.streamUrl', message: 'is required', code: ErrorCode.Required },
  { rule: 'an unknown spec field is refused, with a suggestion', kind: 'CloudPlayer', spec: '  ▶idleTimout: 30', path: 'spec.idleTimout', message: 'unknown field "idleTimout" (did you mean "idleTimeout"?)', code: ErrorCode.UnknownField },
  { rule: 'an unknown nested field is refused too', kind: 'CloudPlayer', spec: '  videoOptions: { width: 1280, ▶heigth: 720 }', path: 'spec.videoOptions.heigth', message: 'unknown field "heigth" (did you mean "height"?)', code: ErrorCode.UnknownField },
  { rule: "a player's name is Agora's player name: letters, digits, _ and -", kind: 'CloudPlayer', spec: '', metadata: 'metadata:\n  name: ▶class 32\n  project: prod', path: 'metadata.name', message: "must contain only letters, digits, '_' and '-'", code: ErrorCode.InvalidValue },
  { rule: "a player's name is at most 64 characters", kind: 'CloudPlayer', spec: '', metadata: `metadata:\n  name: ▶${'n'.repeat(65)}\n  project: prod`, path: 'metadata.name', message: 'must be at most 64 characters', code: ErrorCode.InvalidLength },
  { rule: 'metadata.project is required on a resource', kind: 'CloudPlayer', spec: '', metadata: '▶metadata:\n  name: example', path: 'metadata.project', message: 'is required', code: ErrorCode.Required },
  { rule: 'apiVersion is agoractl/v1', kind: 'CloudPlayer', whole: `apiVersion: ▶agoractl/v2\nkind: CloudPlayer\nmetadata: { name: example, project: prod }\nspec:\n${PLAYER_BASE}\n`, path: 'apiVersion', message: 'must be "agoractl/v1"', code: ErrorCode.InvalidValue },

  // Project
  { rule: 'customerSecret is a secret reference, not a literal', kind: 'Project', spec: '  customerSecret: ▶s3cr3t-value', path: 'spec.customerSecret', message: LITERAL_SECRET, code: ErrorCode.LiteralSecret },
  { rule: 'a literal appId is a 32-character hexadecimal App ID', kind: 'Project', spec: '  appId: ▶my-app', path: 'spec.appId', message: 'must be a 32-character hexadecimal App ID', code: ErrorCode.InvalidValue },
  { rule: 'customerId is a string or a reference', kind: 'Project', spec: '  customerId: ▶12345', path: 'spec.customerId', message: 'must be a string, { env: NAME } or { file: PATH }', code: ErrorCode.InvalidType },
  { rule: 'domain is api.agora.io or api.sd-rtn.com', kind: 'Project', spec: '  domain: ▶api.agora.com', path: 'spec.domain', message: 'must be one of: "api.agora.io", "api.sd-rtn.com" (did you mean "api.agora.io"?)', code: ErrorCode.InvalidValue },
  { rule: "serverRegion is one of Agora's regional domains", kind: 'Project', spec: '  serverRegion: ▶us-west-2', path: 'spec.serverRegion', message: 'must be one of: "us-west-1", "us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "cn-east-1", "cn-north-1" (did you mean "us-west-1"?)', code: ErrorCode.InvalidValue },
  { rule: 'endpoints are http or https base URLs', kind: 'Project', spec: '  endpoints: [▶ftp://emulator.local]', path: 'spec.endpoints[0]', message: 'must be an http:// or https:// URL', code: ErrorCode.InvalidValue },
  { rule: 'limits take the keys of the shared limit table only', kind: 'Project', spec: '  limits: { ▶playersPerProjekt: 100 }', path: 'spec.limits.playersPerProjekt', message: 'unknown field "playersPerProjekt" (did you mean "playersPerProject"?)', code: ErrorCode.UnknownField },
  { rule: 'a quota is a positive integer', kind: 'Project', spec: '  limits: { playersPerProject: ▶0 }', path: 'spec.limits.playersPerProject', message: 'must be >= 1', code: ErrorCode.OutOfRange },
  { rule: 'a rate limit is a positive integer per window', kind: 'Project', spec: '  limits: { playerCreateNamed: { perSecond: ▶0 } }', path: 'spec.limits.playerCreateNamed.perSecond', message: 'must be >= 1', code: ErrorCode.OutOfRange },
  { rule: 'the notification secret is a reference, not a literal', kind: 'Project', spec: '  notifications: { secret: ▶webhook-secret }', path: 'spec.notifications.secret', message: LITERAL_SECRET, code: ErrorCode.LiteralSecret },
  { rule: 'customerSecret is required', kind: 'Project', spec: '', without: ['customerSecret'], markSpec: true, path: 'spec.customerSecret', message: 'is required', code: ErrorCode.Required },
  { rule: 'a Project has no metadata.project', kind: 'Project', spec: '', metadata: 'metadata:\n  name: prod\n  ▶project: prod', path: 'metadata.project', message: 'unknown field "project"', code: ErrorCode.UnknownField },

  // CloudRecording (cloud-recording-rest-api.txt)
  { rule: 'a recording uid is an integer: Cloud Recording has no string accounts', kind: 'CloudRecording', spec: '  uid: ▶"900001"', path: 'spec.uid', message: 'must be an integer from 1 to 4294967295: Cloud Recording does not support string user accounts', code: ErrorCode.InvalidType },
  { rule: 'a recording uid is not 0', kind: 'CloudRecording', spec: '  uid: ▶0', path: 'spec.uid', message: 'must be >= 1', code: ErrorCode.OutOfRange },
  { rule: 'mode is mix, individual or web', kind: 'CloudRecording', spec: '  mode: ▶composite', path: 'spec.mode', message: 'must be one of: "mix", "individual", "web"', code: ErrorCode.InvalidValue },
  { rule: 'resourceExpiredHour is at most 720', kind: 'CloudRecording', spec: '  resourceExpiredHour: ▶721', path: 'spec.resourceExpiredHour', message: 'must be <= 720', code: ErrorCode.OutOfRange },
  { rule: 'scene matches the mode', kind: 'CloudRecording', spec: '  scene: ▶1', path: 'spec.scene', message: 'must be 0 when mode is mix', code: ErrorCode.InvalidValue },
  { rule: 'the storage vendor is one of the documented numbers', kind: 'CloudRecording', spec: STORAGE('    vendor: ▶4\n    region: 0'), path: 'spec.storageConfig.vendor', message: 'must be one of: 1, 2, 3, 5, 6, 7, 8, 11', code: ErrorCode.InvalidValue },
  { rule: 'an Amazon S3 region is one of the documented numbers', kind: 'CloudRecording', spec: STORAGE('    vendor: 1\n    region: ▶17'), path: 'spec.storageConfig.region', message: 'must be one of: 0-16, 18-22, 24, 25 when vendor is 1', code: ErrorCode.InvalidValue },
  { rule: 'an Alibaba Cloud region is at most 27', kind: 'CloudRecording', spec: STORAGE('    vendor: 2\n    region: ▶28'), path: 'spec.storageConfig.region', message: 'must be <= 27 when vendor is 2', code: ErrorCode.OutOfRange },
  { rule: 'S3-compatible storage needs extensionParams.endpoint', kind: 'CloudRecording', spec: STORAGE('    vendor: ▶11\n    region: 0'), path: 'spec.storageConfig.extensionParams', message: 'is required when vendor is 11', code: ErrorCode.Required },
  { rule: 'a storage key is a secret reference, not a literal', kind: 'CloudRecording', spec: '  storageConfig:\n    vendor: 1\n    region: 0\n    bucket: recordings\n    accessKey: ▶AKIAIOSFODNN7EXAMPLE\n    secretKey: { env: S3_SECRET_KEY }', path: 'spec.storageConfig.accessKey', message: LITERAL_SECRET, code: ErrorCode.LiteralSecret },
  { rule: 'fileNamePrefix folders have no underscores', kind: 'CloudRecording', spec: STORAGE('    vendor: 1\n    region: 0\n    fileNamePrefix: [recordings, ▶class_32]'), path: 'spec.storageConfig.fileNamePrefix[1]', message: "must contain only letters and digits (Agora refuses '_', '-' and other characters in fileNamePrefix)", code: ErrorCode.InvalidValue },
  { rule: 'fileNamePrefix is at most 128 characters with its slashes', kind: 'CloudRecording', spec: STORAGE(`    vendor: 1\n    region: 0\n    fileNamePrefix: ▶[${'a'.repeat(60)}, ${'b'.repeat(60)}, ${'c'.repeat(10)}]`), path: 'spec.storageConfig.fileNamePrefix', message: 'must be at most 127 characters joined with "/"', code: ErrorCode.InvalidLength },
  { rule: 'maxIdleTime is at least 5 seconds', kind: 'CloudRecording', spec: '  recordingConfig:\n    channelType: 1\n    maxIdleTime: ▶4', path: 'spec.recordingConfig.maxIdleTime', message: 'must be >= 5', code: ErrorCode.OutOfRange },
  { rule: 'streamTypes is 0, 1 or 2', kind: 'CloudRecording', spec: '  recordingConfig:\n    channelType: 1\n    streamTypes: ▶3', path: 'spec.recordingConfig.streamTypes', message: 'must be one of: 0, 1, 2', code: ErrorCode.InvalidValue },
  { rule: 'channelType is required in recordingConfig', kind: 'CloudRecording', spec: '  ▶recordingConfig:\n    streamTypes: 2', path: 'spec.recordingConfig.channelType', message: 'is required', code: ErrorCode.Required },
  { rule: 'a subscribe list and an unsubscribe list are not both set', kind: 'CloudRecording', spec: '  recordingConfig:\n    channelType: 1\n    subscribeAudioUids: ["101"]\n    ▶unsubscribeAudioUids: ["102"]', path: 'spec.recordingConfig.unsubscribeAudioUids', message: 'cannot be set together with subscribeAudioUids', code: ErrorCode.Conflict },
  { rule: 'decryption modes 7 and 8 need a salt', kind: 'CloudRecording', spec: '  recordingConfig:\n    channelType: 1\n    decryptionMode: ▶7\n    secret: { env: CHANNEL_KEY }', path: 'spec.recordingConfig.salt', message: 'is required when decryptionMode is 7', code: ErrorCode.Required },
  { rule: 'avFileType includes hls', kind: 'CloudRecording', spec: '  recordingFileConfig:\n    avFileType: ▶[mp4]', path: 'spec.recordingFileConfig.avFileType', message: 'must include "hls" (["mp4"] alone is refused)', code: ErrorCode.InvalidValue },
  { rule: 'individual mode needs subscribeUidGroup', kind: 'CloudRecording', spec: '  mode: ▶individual', path: 'spec.recordingConfig.subscribeUidGroup', message: 'is required when mode is individual', code: ErrorCode.Required },
  { rule: 'web mode needs extensionServiceConfig', kind: 'CloudRecording', spec: '  mode: ▶web', path: 'spec.extensionServiceConfig', message: 'is required when mode is web', code: ErrorCode.Required },
  { rule: 'snapshots are for individual mode only', kind: 'CloudRecording', spec: '  ▶snapshotConfig: { fileType: [jpg] }', path: 'spec.snapshotConfig', message: 'must not be set when mode is mix', code: ErrorCode.Conflict },
  { rule: 'screenshots need video: streamTypes 1 or 2 (docs/agora-conformance.md CR-D9)', kind: 'CloudRecording', spec: '  mode: individual\n  recordingConfig:\n    channelType: 1\n    subscribeUidGroup: 0\n    streamTypes: ▶0\n  snapshotConfig: { fileType: [jpg] }', path: 'spec.recordingConfig.streamTypes', message: 'must be one of: 1, 2', code: ErrorCode.InvalidValue },
  { rule: 'screenshots with subscribeAudioUids need subscribeVideoUids (docs/agora-conformance.md CR-D9)', kind: 'CloudRecording', spec: '  mode: individual\n  recordingConfig:\n    channelType: 1\n    subscribeUidGroup: 0\n    ▶subscribeAudioUids: ["1"]\n  snapshotConfig: { fileType: [jpg] }', path: 'spec.recordingConfig.subscribeVideoUids', message: 'is required when subscribeAudioUids is set', code: ErrorCode.Required },
  { rule: 'a custom layout needs mixedVideoLayout', kind: 'CloudRecording', spec: '  recordingConfig:\n    channelType: 1\n    transcodingConfig:\n      layoutConfig: ▶[{ x_axis: 0, y_axis: 0, width: 1, height: 1 }]', path: 'spec.recordingConfig.transcodingConfig.mixedVideoLayout', message: 'is required when layoutConfig is set', code: ErrorCode.Required },
  { rule: 'backgroundColor is #RRGGBB', kind: 'CloudRecording', spec: '  recordingConfig:\n    channelType: 1\n    transcodingConfig: { backgroundColor: ▶red }', path: 'spec.recordingConfig.transcodingConfig.backgroundColor', message: 'must be a colour #RRGGBB', code: ErrorCode.InvalidValue },

  // OriginSite (fls-pull-from-origin.txt)
  { rule: 'domain and callbackUrl are not both set', kind: 'OriginSite', spec: '  domain: origin.example.com\n  ▶callbackUrl: https://hooks.example.com/fls', path: 'spec.callbackUrl', message: 'cannot be set together with domain', code: ErrorCode.Conflict },
  { rule: 'app is set only with domain', kind: 'OriginSite', spec: '  ▶app: live', path: 'spec.domain', message: 'is required when app is set', code: ErrorCode.Required },
  { rule: 'domain is a domain name', kind: 'OriginSite', spec: '  domain: ▶origin_example!com', path: 'spec.domain', message: 'must be a domain name such as origin.example.com', code: ErrorCode.InvalidValue },
  { rule: 'routes answer the dynamic-pull callback, so they need callbackUrl', kind: 'OriginSite', spec: '  ▶routes: [{ stream: "class*", url: "rtmp://origin.example.com/live/class" }]', path: 'spec.callbackUrl', message: 'is required when routes is set', code: ErrorCode.Required },
  { rule: 'a route goes to an rtmp URL: dynamic pull supports RTMP only', kind: 'OriginSite', spec: '  callbackUrl: https://hooks.example.com/fls\n  routes:\n    - stream: "class*"\n      url: ▶http://origin.example.com/live/class', path: 'spec.routes[0].url', message: 'must be an rtmp:// URL', code: ErrorCode.InvalidValue },
  { rule: 'a route stream is one name or glob, without slashes', kind: 'OriginSite', spec: '  callbackUrl: https://hooks.example.com/fls\n  routes:\n    - stream: ▶live/class\n      url: rtmp://origin.example.com/live/class', path: 'spec.routes[0].stream', message: "must be a stream name or a glob with *, without spaces or '/'", code: ErrorCode.InvalidValue },
  { rule: 'deletionPolicy is Orphan or Disable', kind: 'OriginSite', spec: '  deletionPolicy: ▶Delete', path: 'spec.deletionPolicy', message: 'must be one of: "Orphan", "Disable"', code: ErrorCode.InvalidValue },

  // Any document
  { rule: 'kind is one of the four kinds, with a suggestion', kind: 'CloudPlayer', whole: `apiVersion: agoractl/v1\nkind: ▶CloudPlayr\nmetadata: { name: example, project: prod }\nspec:\n${PLAYER_BASE}\n`, path: 'kind', message: 'must be one of: "Project", "CloudPlayer", "CloudRecording", "OriginSite" (did you mean "CloudPlayer"?)', code: ErrorCode.InvalidValue },
  { rule: 'a document is a mapping', kind: 'CloudPlayer', whole: '▶- just\n- a list\n', path: '', message: 'a manifest document must be a mapping with apiVersion, kind, metadata and spec', code: ErrorCode.InvalidType },
];

describe('a document that breaks one rule gets exactly one error, at the marked node', () => {
  const folder = suiteFolder();

  cases.forEach((rule, index) => {
    test(rule.rule, async () => {
      const marked = rule.whole ?? documentText(rule.kind, BASE[rule.kind], rule.spec ?? '', rule);
      const { text, line, column } = unmark(marked);
      const file = await folder.write(`case-${index}.yaml`, text);
      const paths = rule.kind === 'Project' ? [file] : [PROJECT_FIXTURE, file];
      const { errors, desired } = await loadManifests(paths, builtInManifestKinds());
      assert.deepEqual(errors, [{ file, line, column, path: rule.path, message: rule.message, code: rule.code }]);
      assert.equal(
        [...desired.projects, ...desired.resources].some((doc) => doc.source.file === file),
        false,
        'an invalid document is not part of the desired state',
      );
    });
  });
});

describe('the bases the cases start from', () => {
  test('are valid documents of each kind', async () => {
    const folder = await tempFolder();
    try {
      const files = await Promise.all(
        (Object.keys(BASE) as Kind[]).map((kind) => folder.write(`${kind}.yaml`, documentText(kind, BASE[kind], '', kind === 'Project' ? { metadata: 'metadata:\n  name: other' } : {}))),
      );
      const { errors, desired } = await loadManifests([PROJECT_FIXTURE, ...files], builtInManifestKinds());
      assert.deepEqual(errors, []);
      assert.equal(desired.projects.length + desired.resources.length, 5);
    } finally {
      await folder.remove();
    }
  });
});
