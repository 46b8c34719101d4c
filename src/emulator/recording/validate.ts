// Checks of Cloud Recording request bodies, field by field as Agora's OpenAPI document
// (cloud-recording.en.yaml) describes them. A refused field throws RecordingFailure with code 2
// and says which field; what Agora accepts and only fails on later (storage, transcoding) is
// left to start-config.ts.
import { isObject } from '../json.ts';
import { RECORDING_ERRORS, RecordingFailure } from './errors.ts';

export const RECORDING_MODES = ['individual', 'mix', 'web'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export const MAX_UID = 2 ** 32 - 1;
export const ALL_STREAMS = '#allstream#';

export function bad(detail: string): never {
  throw new RecordingFailure(RECORDING_ERRORS.badParameter(detail));
}

export function checkMode(mode: string): RecordingMode {
  if (!(RECORDING_MODES as readonly string[]).includes(mode)) bad(`mode must be one of ${RECORDING_MODES.join(', ')}`);
  return mode as RecordingMode;
}

/** An integer field in [min, max], or its default when absent. */
export function intField(obj: Record<string, unknown>, key: string, path: string, min: number, max: number, fallback: number): number;
export function intField(obj: Record<string, unknown>, key: string, path: string, min: number, max: number): number | undefined;
export function intField(obj: Record<string, unknown>, key: string, path: string, min: number, max: number, fallback?: number): number | undefined {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    bad(`${path}.${key} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function objectField(obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!isObject(value)) bad(`${path}.${key} must be an object`);
  return value;
}

/** Cloud Recording takes integer UIDs only, sent as strings: "527841" (cloud-recording-rest-api.txt). */
export function isUidString(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,9}$/.test(value)) return false;
  return Number(value) <= MAX_UID;
}

// Channel names: at most 64 bytes of letters, digits, space and the punctuation Agora lists;
// web page recording only uses cname to tell recordings apart and allows 1024 bytes.
const CNAME_CHARS = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{|}~,]+$/;

export interface Identity {
  cname: string;
  uid: string;
}

/** `cname` and `uid` of any Cloud Recording body. */
export function checkIdentity(body: unknown, webPage = false): Identity & { body: Record<string, unknown> } {
  if (!isObject(body)) bad('the body must be a JSON object');
  const { cname, uid } = body;
  if (typeof cname !== 'string' || cname === '') bad('cname must be a non-empty string');
  const bytes = Buffer.byteLength(cname, 'utf8');
  if (webPage ? bytes > 1024 : bytes > 64 || !CNAME_CHARS.test(cname)) throw new RecordingFailure(RECORDING_ERRORS.invalidChannelName);
  if (!isUidString(uid)) bad('uid must be a string of an integer from 1 to 4294967295');
  return { cname, uid, body };
}

export function checkClientRequest(body: Record<string, unknown>, required: boolean): Record<string, unknown> {
  const clientRequest = body.clientRequest;
  if (clientRequest === undefined && !required) return {};
  if (!isObject(clientRequest)) bad('clientRequest must be an object');
  return clientRequest;
}

export interface AcquireRequest extends Identity {
  scene: number;
  resourceExpiredHour: number;
  region?: string;
  startParameter?: Record<string, unknown>;
}

const ACQUIRE_REGIONS = ['CN', 'AP', 'EU', 'NA'];

export function checkAcquire(body: unknown): AcquireRequest {
  const scene = isObject(body) && isObject(body.clientRequest) ? body.clientRequest.scene : undefined;
  const identity = checkIdentity(body, scene === 1);
  const clientRequest = checkClientRequest(identity.body, true);
  const request: AcquireRequest = {
    cname: identity.cname,
    uid: identity.uid,
    // 0 real-time recording, 1 web page recording, 2 postponed transcoding.
    scene: intField(clientRequest, 'scene', 'clientRequest', 0, 2, 0),
    resourceExpiredHour: 72,
  };
  const hours = clientRequest.resourceExpiredHour;
  if (hours !== undefined) {
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 1 || hours > 720) {
      bad('clientRequest.resourceExpiredHour must be from 1 to 720');
    }
    request.resourceExpiredHour = hours;
  }
  const region = clientRequest.region;
  if (region !== undefined) {
    if (typeof region !== 'string' || !ACQUIRE_REGIONS.includes(region)) bad(`clientRequest.region must be one of ${ACQUIRE_REGIONS.join(', ')}`);
    request.region = region;
  }
  const startParameter = objectField(clientRequest, 'startParameter', 'clientRequest');
  if (startParameter) request.startParameter = startParameter;
  const exclude = clientRequest.excludeResourceIds;
  if (exclude !== undefined && (!Array.isArray(exclude) || !exclude.every((id) => typeof id === 'string'))) {
    bad('clientRequest.excludeResourceIds must be an array of strings');
  }
  return request;
}

/** A subscription list: at most 32 integer UIDs as strings, or ["#allstream#"]. */
export function checkUidList(value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 32) bad(`${path} must be an array of at most 32 UIDs`);
  for (const uid of value) {
    if (uid !== ALL_STREAMS && !isUidString(uid)) bad(`${path} holds ${JSON.stringify(uid)}, not a UID string or "${ALL_STREAMS}"`);
  }
  return value as string[];
}

export interface Subscriptions {
  subscribeAudioUids?: string[];
  unsubscribeAudioUids?: string[];
  subscribeVideoUids?: string[];
  unsubscribeVideoUids?: string[];
}

/**
 * An unsubscribe list under either spelling. Agora's OpenAPI document and
 * agora-rest-client-python write `unsubscribeAudioUids`; agora-rest-client-go and
 * agora-rest-client-nodejs (and the field notes in agora-usage-notes-zh.txt) send
 * `unSubscribeAudioUids`. Both are Agora's own clients, so Agora takes both as one list.
 */
function unsubscribeList(source: Record<string, unknown>, path: string, kind: 'Audio' | 'Video'): string[] | undefined {
  const documented = checkUidList(source[`unsubscribe${kind}Uids`], `${path}.unsubscribe${kind}Uids`);
  const camel = checkUidList(source[`unSubscribe${kind}Uids`], `${path}.unSubscribe${kind}Uids`);
  if (documented && camel) bad(`${path}: unsubscribe${kind}Uids and unSubscribe${kind}Uids are one list; set it once`);
  return documented ?? camel;
}

/** The four lists of recordingConfig (or of update's audioUidList / videoUidList). */
export function checkSubscriptions(source: Record<string, unknown>, path: string, kinds: ('Audio' | 'Video')[]): Subscriptions {
  const out: Subscriptions = {};
  for (const kind of kinds) {
    const sub = checkUidList(source[`subscribe${kind}Uids`], `${path}.subscribe${kind}Uids`);
    const unsub = unsubscribeList(source, path, kind);
    if (sub && unsub) bad(`${path}: subscribe${kind}Uids and unsubscribe${kind}Uids cannot be set together`);
    if (sub) out[`subscribe${kind}Uids`] = sub;
    if (unsub) out[`unsubscribe${kind}Uids`] = unsub;
  }
  return out;
}

export interface UpdateRequest {
  audio?: Subscriptions;
  video?: Subscriptions;
  onhold?: boolean;
  rtmpUrls?: string[];
}

export function checkUpdate(clientRequest: Record<string, unknown>, mode: RecordingMode): UpdateRequest {
  const update: UpdateRequest = {};
  const streamSubscribe = objectField(clientRequest, 'streamSubscribe', 'clientRequest');
  if (streamSubscribe) {
    if (mode === 'web') bad('streamSubscribe applies to individual and mix recordings only');
    const audio = objectField(streamSubscribe, 'audioUidList', 'clientRequest.streamSubscribe');
    const video = objectField(streamSubscribe, 'videoUidList', 'clientRequest.streamSubscribe');
    if (audio) update.audio = checkSubscriptions(audio, 'clientRequest.streamSubscribe.audioUidList', ['Audio']);
    if (video) update.video = checkSubscriptions(video, 'clientRequest.streamSubscribe.videoUidList', ['Video']);
  }
  const web = objectField(clientRequest, 'webRecordingConfig', 'clientRequest');
  if (web) {
    if (mode !== 'web') bad('webRecordingConfig applies to web page recordings only');
    if (web.onhold !== undefined && typeof web.onhold !== 'boolean') bad('clientRequest.webRecordingConfig.onhold must be a boolean');
    if (typeof web.onhold === 'boolean') update.onhold = web.onhold;
  }
  const rtmp = objectField(clientRequest, 'rtmpPublishConfig', 'clientRequest');
  if (rtmp) {
    if (mode !== 'web') bad('rtmpPublishConfig applies to web page recordings only');
    const outputs = rtmp.outputs;
    // "A maximum of one stream can be pushed to CDN at a time."
    if (!Array.isArray(outputs) || outputs.length > 1) bad('clientRequest.rtmpPublishConfig.outputs must be an array of at most one output');
    update.rtmpUrls = outputs.map((output, i) => {
      const url = isObject(output) ? output.rtmpUrl : undefined;
      if (typeof url !== 'string' || !/^rtmps?:\/\//.test(url)) bad(`clientRequest.rtmpPublishConfig.outputs[${i}].rtmpUrl must be an rtmp(s) URL`);
      return url;
    });
  }
  return update;
}

export function checkStop(clientRequest: Record<string, unknown>): void {
  const asyncStop = clientRequest.async_stop;
  if (asyncStop !== undefined && typeof asyncStop !== 'boolean') bad('clientRequest.async_stop must be a boolean');
}
