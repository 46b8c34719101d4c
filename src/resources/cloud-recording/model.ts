// What agoractl keeps about a cloud recording (Agora's ids live only in state: there is no call
// that lists recordings), and how a manifest spec splits into what Cloud Recording changes in
// place (update, updateLayout) and what needs a new session (cloud-recording-rest-api.txt,
// agora-facts.md "Cloud Recording").
import { canonicalJson, specHash } from '../spec-hash.ts';

export const KIND = 'CloudRecording';

export type RecordingMode = 'mix' | 'individual' | 'web';

/**
 * A resourceId is valid for 5 minutes after acquire (cloud-recording-rest-api.txt); one older
 * than this margin is acquired again rather than risk a 433 on start.
 */
export const RESOURCE_ID_MAX_AGE_MS = 270_000;

/** Past sessions kept per recording, so a recording that keeps exiting cannot grow state forever. */
export const MAX_SESSIONS_KEPT = 20;

/** The subscription lists that `update` (streamSubscribe) changes in place. */
export const SUBSCRIPTION_FIELDS = [
  'subscribeAudioUids',
  'unsubscribeAudioUids',
  'subscribeVideoUids',
  'unsubscribeVideoUids',
] as const;

/** The composite layout that `updateLayout` changes in place (mix mode only). */
export const LAYOUT_FIELDS = [
  'maxResolutionUid',
  'mixedVideoLayout',
  'backgroundColor',
  'backgroundImage',
  'defaultUserBackgroundImage',
  'layoutConfig',
  'backgroundConfig',
] as const;

export const WEB_RECORDER_SERVICE = 'web_recorder_service';
export const RTMP_PUBLISH_SERVICE = 'rtmp_publish_service';

/** The parts of a spec changed in place, as last applied (kept in state) or as desired. */
export interface InPlaceValues {
  /** recordingConfig's subscription lists (update → streamSubscribe). */
  subscription: Record<string, unknown>;
  /** recordingConfig.transcodingConfig's layout fields in mix mode (updateLayout). */
  layout: Record<string, unknown>;
  /** Web page recording: onhold and the CDN outputs (update → webRecordingConfig, rtmpPublishConfig). */
  web: Record<string, unknown>;
}

export type InPlaceGroup = keyof InPlaceValues;

/** One finished session: what the recording produced, kept after it stopped or exited. */
export interface SessionRecord {
  resourceId: string;
  sid: string;
  startedAt?: number;
  endedAt: number;
  /** Why it ended: "stopped" by agoractl, or "exited" on Agora's side. */
  end: 'stopped' | 'exited';
  uploadingStatus?: string;
  fileListMode?: string;
  fileList?: unknown;
}

/** Kept in state: query returns none of it. No secrets (tokens are minted per start). */
export interface RecordingData {
  cname: string;
  /** The recording's uid, as the string Agora's API wants. */
  uid: string;
  mode: RecordingMode;
  resourceId?: string;
  /** Client time (ms) of the acquire that gave resourceId. */
  acquiredAt?: number;
  sid?: string;
  /** Client time (ms) the current session started. */
  startedAt?: number;
  applied?: InPlaceValues;
  /** What the last query said of the current session. */
  lastStatus?: number;
  fileListMode?: string;
  fileList?: unknown;
  /** Earlier sessions of this recording (exited or replaced), newest last. */
  sessions?: SessionRecord[];
  /** Set when the recording was removed from the manifests and stopped: a tombstone that keeps the final files. */
  stopped?: SessionRecord;
}

export function recordingData(data: Record<string, unknown> | undefined): RecordingData | undefined {
  if (!data || typeof data.cname !== 'string' || typeof data.uid !== 'string') return undefined;
  return data as unknown as RecordingData;
}

/** A removed recording's record, kept for its final file list; diff ignores it. */
export function isTombstone(state: { externalId?: string; data: Record<string, unknown>; pending?: unknown } | undefined): boolean {
  return !!state && state.externalId === undefined && state.data.stopped !== undefined && !state.pending;
}

export function recordingMode(spec: Record<string, unknown>): RecordingMode {
  const mode = spec.mode;
  return mode === 'individual' || mode === 'web' ? mode : 'mix';
}

/** Cloud Recording takes integer uids only, sent as strings (cloud-recording-rest-api.txt). */
export function uidString(spec: Record<string, unknown>): string {
  const uid = spec.uid;
  return typeof uid === 'number' ? String(Math.trunc(uid)) : String(uid);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function extensionServices(spec: Record<string, unknown>): Record<string, unknown>[] {
  const services = record(spec.extensionServiceConfig)?.extensionServices;
  return Array.isArray(services) ? services.map((s) => record(s) ?? {}) : [];
}

function serviceParam(spec: Record<string, unknown>, serviceName: string): Record<string, unknown> | undefined {
  return record(extensionServices(spec).find((s) => s.serviceName === serviceName)?.serviceParam);
}

/** The in-place parts of a spec, by the call that changes them. */
export function inPlaceValues(spec: Record<string, unknown>): InPlaceValues {
  const mode = recordingMode(spec);
  const values: InPlaceValues = { subscription: {}, layout: {}, web: {} };
  const recordingConfig = record(spec.recordingConfig) ?? {};
  if (mode !== 'web') {
    for (const field of SUBSCRIPTION_FIELDS) if (recordingConfig[field] !== undefined) values.subscription[field] = recordingConfig[field];
  }
  if (mode === 'mix') {
    const transcoding = record(recordingConfig.transcodingConfig) ?? {};
    for (const field of LAYOUT_FIELDS) if (transcoding[field] !== undefined) values.layout[field] = transcoding[field];
  }
  if (mode === 'web') {
    const web = serviceParam(spec, WEB_RECORDER_SERVICE);
    if (web?.onhold !== undefined) values.web.onhold = web.onhold;
    const rtmp = serviceParam(spec, RTMP_PUBLISH_SERVICE);
    if (rtmp?.outputs !== undefined) values.web.outputs = rtmp.outputs;
  }
  return values;
}

/** The spec without its in-place parts (and without the token, minted anew for each start). */
function withoutInPlace(spec: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(spec);
  delete copy.token;
  const mode = recordingMode(copy);
  const recordingConfig = record(copy.recordingConfig);
  if (recordingConfig && mode !== 'web') for (const field of SUBSCRIPTION_FIELDS) delete recordingConfig[field];
  const transcoding = record(recordingConfig?.transcodingConfig);
  if (transcoding && mode === 'mix') for (const field of LAYOUT_FIELDS) delete transcoding[field];
  if (mode === 'web') {
    for (const service of extensionServices(copy)) {
      const param = record(service.serviceParam);
      if (!param) continue;
      if (service.serviceName === WEB_RECORDER_SERVICE) delete param.onhold;
      if (service.serviceName === RTMP_PUBLISH_SERVICE) delete param.outputs;
    }
  }
  return copy;
}

/** Hash of what only a new session can change. The spec holds secret references, never values. */
export function recordingHash(spec: Record<string, unknown>): string {
  return specHash(withoutInPlace(spec));
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Appends a finished session, keeping the newest MAX_SESSIONS_KEPT. */
export function withSession(sessions: readonly SessionRecord[] | undefined, session: SessionRecord): SessionRecord[] {
  return [...(sessions ?? []), session].slice(-MAX_SESSIONS_KEPT);
}
