// start's clientRequest, per mode (cloud-recording.en.yaml, client-request and below). Shape
// errors are refused at once with code 2. Values Agora only finds wrong once the recording runs
// (a storage vendor, bucket or prefix it cannot use, an impossible transcoding canvas) are
// accepted: "the recording stops when transcodingConfig or storageConfig in the start request
// are invalid" (cloud-recording-rest-api.txt), so start answers 200 and the recording exits
// abnormally soon after.
import { isObject } from '../json.ts';
import { checkTranscoding } from './layout.ts';
import type { Layout } from './layout.ts';
import { bad, checkSubscriptions, intField, objectField } from './validate.ts';
import type { RecordingMode, Subscriptions } from './validate.ts';

export interface RecordingSettings extends Subscriptions {
  channelType: number;
  streamTypes: number;
  maxIdleTime: number;
  videoStreamType: number;
  decryptionMode: number;
  streamMode: string;
  audioProfile: number;
  subscribeUidGroup?: number;
}

/** What the world may show of storageConfig: never the keys. */
export interface StorageSummary {
  vendor: number;
  region: number;
  bucket: string;
  fileNamePrefix?: string[];
}

export interface WebPage {
  url: string;
  maxRecordingHour: number;
  onhold: boolean;
}

/** Why a started recording will exit abnormally, as its error notification reports it. */
export interface DeferredFailure {
  /** 0 recording module, 1 upload module (cloud_recording_error `module`). */
  module: number;
  errorCode: number;
  message: string;
}

export interface StartConfig {
  recording: RecordingSettings | null;
  layout: Layout | null;
  avFileType: ('hls' | 'mp4')[];
  storage: StorageSummary;
  web: WebPage | null;
  /** Screenshots only (individual mode, snapshotConfig without recordingFileConfig): no file list. */
  screenshotsOnly: boolean;
  failure: DeferredFailure | null;
}

const RECORDING_DEFAULTS: RecordingSettings = {
  channelType: 0,
  streamTypes: 2,
  maxIdleTime: 30,
  videoStreamType: 0,
  decryptionMode: 0,
  streamMode: 'default',
  audioProfile: 0,
};

const STORAGE_VENDORS = [1, 2, 3, 5, 6, 7, 8, 11];
// Amazon S3's regions are numbered 0..25 (agora-facts.md).
const S3_MAX_REGION = 25;

/**
 * recordingConfig is optional: start's clientRequest requires only storageConfig (docs-portal
 * cloud-recording.en.yaml, client-request), and agora-rest-client-python's default start sends
 * none. Without it the recording takes every field's documented default; the fields that are
 * required (channelType, and subscribeUidGroup in individual mode) are required only inside it.
 */
function checkRecordingConfig(value: unknown, mode: RecordingMode): RecordingSettings {
  const path = 'clientRequest.recordingConfig';
  if (value === undefined) return { ...RECORDING_DEFAULTS };
  if (!isObject(value)) bad(`${path} must be an object`);
  if (value.channelType === undefined) bad(`${path}.channelType is required`);
  const settings: RecordingSettings = {
    channelType: intField(value, 'channelType', path, 0, 1, 0),
    streamTypes: intField(value, 'streamTypes', path, 0, 2, 2),
    maxIdleTime: intField(value, 'maxIdleTime', path, 5, 2_592_000, 30),
    videoStreamType: intField(value, 'videoStreamType', path, 0, 1, 0),
    decryptionMode: intField(value, 'decryptionMode', path, 0, 8, 0),
    audioProfile: intField(value, 'audioProfile', path, 0, 2, 0),
    streamMode: 'default',
    ...checkSubscriptions(value, path, ['Audio', 'Video']),
  };
  if (settings.decryptionMode !== 0 && (typeof value.secret !== 'string' || value.secret === '')) {
    bad(`${path}.secret is required when decryptionMode is not 0`);
  }
  if (settings.decryptionMode === 7 || settings.decryptionMode === 8) {
    const salt = value.salt;
    if (typeof salt !== 'string' || Buffer.from(salt, 'base64').length !== 32) bad(`${path}.salt (Base64 of 32 bytes) is required by decryptionMode 7 and 8`);
  }
  const streamMode = value.streamMode ?? 'default';
  if (streamMode !== 'default' && streamMode !== 'standard' && streamMode !== 'original') bad(`${path}.streamMode must be default, standard or original`);
  settings.streamMode = streamMode;
  const group = intField(value, 'subscribeUidGroup', path, 0, 5);
  if (mode === 'individual' && group === undefined) bad(`${path}.subscribeUidGroup is required in individual mode`);
  if (group !== undefined) settings.subscribeUidGroup = group;
  return settings;
}

function checkStorage(value: unknown): { storage: StorageSummary; failure: DeferredFailure | null } {
  const path = 'clientRequest.storageConfig';
  if (!isObject(value)) bad(`${path} is required`);
  const { vendor, region, bucket, accessKey, secretKey, fileNamePrefix } = value;
  if (typeof vendor !== 'number' || !Number.isInteger(vendor)) bad(`${path}.vendor must be an integer`);
  if (typeof region !== 'number' || !Number.isInteger(region)) bad(`${path}.region must be an integer`);
  for (const [key, field] of Object.entries({ bucket, accessKey, secretKey })) {
    if (typeof field !== 'string') bad(`${path}.${key} must be a string`);
  }
  if (fileNamePrefix !== undefined && (!Array.isArray(fileNamePrefix) || !fileNamePrefix.every((part) => typeof part === 'string'))) {
    bad(`${path}.fileNamePrefix must be an array of strings`);
  }
  const extensionParams = objectField(value, 'extensionParams', path);
  const storage: StorageSummary = { vendor, region, bucket: String(bucket), ...(fileNamePrefix ? { fileNamePrefix: fileNamePrefix as string[] } : {}) };

  const storageFailure = (message: string): DeferredFailure => ({ module: 1, errorCode: 32, message });
  let failure: DeferredFailure | null = null;
  if (!STORAGE_VENDORS.includes(vendor)) failure = storageFailure(`unknown storage vendor ${vendor}`);
  else if (region < 0 || (vendor === 1 && region > S3_MAX_REGION)) failure = storageFailure(`storage region ${region} does not exist for vendor ${vendor}`);
  else if (bucket === '' || accessKey === '' || secretKey === '') failure = storageFailure('bucket, accessKey and secretKey must not be empty');
  else if (vendor === 11 && typeof extensionParams?.endpoint !== 'string') failure = storageFailure('S3-compatible storage needs extensionParams.endpoint');
  else if (fileNamePrefix) {
    // Letters and digits only (the field notes: an underscore is refused), 128 characters with slashes.
    const parts = fileNamePrefix as string[];
    if (!parts.every((part) => /^[A-Za-z0-9]+$/.test(part)) || parts.join('/').length + 1 > 128) {
      failure = storageFailure('fileNamePrefix allows letters and digits only, 128 characters in all');
    }
  }
  return { storage, failure };
}

function checkWebPage(value: unknown): WebPage {
  const path = 'clientRequest.extensionServiceConfig';
  if (!isObject(value) || !Array.isArray(value.extensionServices)) bad(`${path}.extensionServices is required in web mode`);
  const service = value.extensionServices.find((s) => isObject(s) && s.serviceName === 'web_recorder_service');
  if (!isObject(service) || !isObject(service.serviceParam)) bad(`${path} needs a web_recorder_service with serviceParam`);
  const param = service.serviceParam;
  const paramPath = `${path}.extensionServices.web_recorder_service.serviceParam`;
  if (typeof param.url !== 'string' || !/^https?:\/\//.test(param.url)) bad(`${paramPath}.url must be an http(s) URL`);
  for (const key of ['audioProfile', 'videoWidth', 'videoHeight', 'maxRecordingHour']) {
    if (param[key] === undefined) bad(`${paramPath}.${key} is required`);
  }
  intField(param, 'audioProfile', paramPath, 0, 2);
  const width = intField(param, 'videoWidth', paramPath, 1, 1920, 1280);
  const height = intField(param, 'videoHeight', paramPath, 1, 1920, 720);
  if (width * height > 1920 * 1080) bad(`${paramPath}: videoWidth × videoHeight cannot exceed 1920 × 1080`);
  intField(param, 'videoFps', paramPath, 5, 60);
  intField(param, 'maxVideoDuration', paramPath, 30, 240);
  intField(param, 'readyTimeout', paramPath, 0, 60);
  if (param.onhold !== undefined && typeof param.onhold !== 'boolean') bad(`${paramPath}.onhold must be a boolean`);
  return { url: param.url, maxRecordingHour: intField(param, 'maxRecordingHour', paramPath, 1, 720, 1), onhold: param.onhold === true };
}

function checkFileConfig(clientRequest: Record<string, unknown>): ('hls' | 'mp4')[] | null {
  const fileConfig = objectField(clientRequest, 'recordingFileConfig', 'clientRequest');
  if (!fileConfig) return null;
  const types = fileConfig.avFileType ?? ['hls'];
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => t === 'hls' || t === 'mp4')) {
    bad('clientRequest.recordingFileConfig.avFileType must be an array of "hls" and "mp4"');
  }
  // "Setting to ["mp4"] alone causes an error."
  if (!types.includes('hls')) bad('clientRequest.recordingFileConfig.avFileType needs "hls"');
  return [...new Set(types as ('hls' | 'mp4')[])];
}

export function checkStartConfig(clientRequest: Record<string, unknown>, mode: RecordingMode): StartConfig {
  if (clientRequest.token !== undefined && typeof clientRequest.token !== 'string') bad('clientRequest.token must be a string');
  const { storage, failure: storageFailure } = checkStorage(clientRequest.storageConfig);
  const fileTypes = checkFileConfig(clientRequest);
  const snapshotConfig = objectField(clientRequest, 'snapshotConfig', 'clientRequest');
  if (snapshotConfig) {
    if (mode !== 'individual') bad('clientRequest.snapshotConfig applies to individual mode only');
    const fileType = snapshotConfig.fileType;
    if (!Array.isArray(fileType) || fileType.length === 0 || !fileType.every((t) => t === 'jpg')) {
      bad('clientRequest.snapshotConfig.fileType must be ["jpg"]');
    }
    intField(snapshotConfig, 'captureInterval', 'clientRequest.snapshotConfig', 5, 3600);
  }

  const config: StartConfig = {
    recording: null,
    layout: null,
    avFileType: fileTypes ?? ['hls'],
    storage,
    web: null,
    screenshotsOnly: snapshotConfig !== undefined && fileTypes === null,
    failure: storageFailure,
  };
  if (mode === 'web') {
    config.web = checkWebPage(clientRequest.extensionServiceConfig);
    return config;
  }
  config.recording = checkRecordingConfig(clientRequest.recordingConfig, mode);
  if (snapshotConfig && config.recording.streamTypes === 0) bad('screenshots need streamTypes 1 or 2');
  // snapshotConfig: "If subscribeAudioUids is set, subscribeVideoUids must also be set" (cloud-recording.en.yaml).
  if (snapshotConfig && config.recording.subscribeAudioUids && !config.recording.subscribeVideoUids) {
    bad('screenshots need subscribeVideoUids when subscribeAudioUids is set');
  }
  const transcoding = isObject(clientRequest.recordingConfig) ? clientRequest.recordingConfig.transcodingConfig : undefined;
  if (mode === 'mix') {
    const layout = transcoding === undefined ? { ok: true as const, value: null } : checkTranscoding(transcoding, 'clientRequest.recordingConfig.transcodingConfig');
    if (layout.ok) config.layout = layout.value;
    else config.failure ??= { module: 0, errorCode: 2, message: layout.problem };
  }
  return config;
}
