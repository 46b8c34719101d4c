// What agoractl keeps about a cloud recording (Agora's ids live only in state: there is no call
// that lists recordings), and how a manifest spec splits into what Cloud Recording changes in
// place (update, updateLayout) and what needs a new session (cloud-recording-rest-api.txt,
// agora-facts.md "Cloud Recording").
import { canonicalJson, specHash } from '../spec-hash.ts';
import { appliedSpec, sensitiveFields, type AppliedSpec, type SensitiveField } from '../applied-spec.ts';
import type { CloudRecordingSpec, ExtensionServiceConfig, ExtensionServiceParam, RecordingConfig, Resolved, TranscodingConfig } from '../../manifest/types.ts';

export const KIND = 'CloudRecording';

export type { CloudRecordingSpec, RecordingConfig };
/** The spec execute sees: secret references replaced by their values (storage keys, token). */
export type ResolvedRecordingSpec = Resolved<CloudRecordingSpec>;

export type RecordingMode = CloudRecordingSpec['mode'];

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

/** What web page recording changes in place: onhold (web_recorder_service) and the CDN outputs (rtmp_publish_service). */
export const WEB_FIELDS = ['onhold', 'outputs'] as const;

export const WEB_RECORDER_SERVICE = 'web_recorder_service';
export const RTMP_PUBLISH_SERVICE = 'rtmp_publish_service';

/**
 * The parts of a spec changed in place, as last applied (kept in state) or as desired. Values
 * are the manifest's, compared and sent as they are.
 */
export interface InPlaceValues {
  /** recordingConfig's subscription lists (update → streamSubscribe). */
  subscription: Partial<Record<(typeof SUBSCRIPTION_FIELDS)[number], unknown>>;
  /** recordingConfig.transcodingConfig's layout fields in mix mode (updateLayout). */
  layout: Partial<Record<(typeof LAYOUT_FIELDS)[number], unknown>>;
  /** Web page recording: onhold and the CDN outputs (update → webRecordingConfig, rtmpPublishConfig). */
  web: Partial<Record<(typeof WEB_FIELDS)[number], unknown>>;
}

export type InPlaceGroup = keyof InPlaceValues;

/** What of a spec (resolved or not) decides the in-place values: none of it is secret. */
export interface InPlaceSource {
  mode: RecordingMode;
  recordingConfig?: Pick<RecordingConfig, (typeof SUBSCRIPTION_FIELDS)[number]> & { transcodingConfig?: TranscodingConfig };
  extensionServiceConfig?: ExtensionServiceConfig;
}

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
  /** As Agora answered it: a string (fileListMode "string") or a list of file objects. */
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
  /**
   * What only a new session can change, as the running session was started with, so a replace
   * names what changed; absent in records written before data version 2.
   */
  appliedSpec?: AppliedSpec;
}

/** Data version 2 added appliedSpec. */
export const RECORDING_DATA_VERSION = 2;

/** A record's data: a recording's, or `{}` (a record the engine began without data). */
export type RecordingRecord = RecordingData | Record<string, never>;

/** A session agoractl can stop or adopt again: both of Agora's ids. */
export interface SessionRef {
  resourceId: string;
  sid: string;
}

/** What execute needs of a planned action (never a secret: the spec's values come from the context). */
export interface RecordingDetail {
  /** The hash of the desired spec (secret references, never values): create and replace. */
  specHash?: string;
  /** An earlier start with an unknown outcome: repeating it with its resourceId finds its session. */
  resumeResourceId?: string;
  /** The session that exited before this create. */
  previous?: SessionRef;
  /** The running session a delete, replace or update acts on, as the plan saw it. */
  sid?: string;
  resourceId?: string;
  /** The calls an update makes. */
  calls?: ('update' | 'updateLayout')[];
  /** Hashes of the manifest's secret references, which execute records (it sees only resolved values). */
  sensitiveFields?: SensitiveField[];
}

export function isRecording(data: RecordingRecord | undefined): data is RecordingData {
  return data !== undefined && 'cname' in data;
}

/** A removed recording's record, kept for its final file list; diff ignores it. */
export function isTombstone(state: { externalId?: string; data: RecordingRecord; pending?: unknown } | undefined): boolean {
  return !!state && state.externalId === undefined && isRecording(state.data) && state.data.stopped !== undefined && !state.pending;
}

export function recordingMode(spec: { mode?: unknown }): RecordingMode {
  const mode = spec.mode;
  return mode === 'individual' || mode === 'web' ? mode : 'mix';
}

/** Cloud Recording takes integer uids only, sent as strings (cloud-recording-rest-api.txt). */
export function uidString(spec: { uid: number }): string {
  return String(Math.trunc(spec.uid));
}

function serviceParam(spec: InPlaceSource, serviceName: string): ExtensionServiceParam | undefined {
  return spec.extensionServiceConfig?.extensionServices.find((s) => s.serviceName === serviceName)?.serviceParam;
}

/** The in-place parts of a spec, by the call that changes them. */
export function inPlaceValues(spec: InPlaceSource): InPlaceValues {
  const mode = recordingMode(spec);
  const values: InPlaceValues = { subscription: {}, layout: {}, web: {} };
  const recordingConfig = spec.recordingConfig ?? {};
  if (mode !== 'web') {
    for (const field of SUBSCRIPTION_FIELDS) if (recordingConfig[field] !== undefined) values.subscription[field] = recordingConfig[field];
  }
  if (mode === 'mix') {
    const transcoding = recordingConfig.transcodingConfig ?? {};
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

/** What of a spec (resolved or not) withoutInPlace reads and leaves out. */
type SessionSource = InPlaceSource & { token?: unknown };

/** The spec without its in-place parts (and without the token, minted anew for each start). */
function withoutInPlace<S extends SessionSource>(spec: S): Omit<S, 'token'> {
  const { token: _token, ...copy } = structuredClone(spec);
  const mode = recordingMode(copy);
  const recordingConfig = copy.recordingConfig;
  if (recordingConfig && mode !== 'web') for (const field of SUBSCRIPTION_FIELDS) delete recordingConfig[field];
  const transcoding = recordingConfig?.transcodingConfig;
  if (transcoding && mode === 'mix') for (const field of LAYOUT_FIELDS) delete transcoding[field];
  if (mode === 'web') {
    for (const service of copy.extensionServiceConfig?.extensionServices ?? []) {
      const param = service.serviceParam;
      if (service.serviceName === WEB_RECORDER_SERVICE) delete param.onhold;
      if (service.serviceName === RTMP_PUBLISH_SERVICE) delete param.outputs;
    }
  }
  return copy;
}

/** Hash of what only a new session can change. The spec holds secret references, never values. */
export function recordingHash(spec: CloudRecordingSpec): string {
  return specHash(withoutInPlace(spec));
}

/** Every field of what withoutInPlace leaves counts: it already dropped the others. */
const NOTHING_SKIPPED = (): boolean => false;

/** What only a new session can change, of a manifest spec: compared with a session's appliedSpec. */
export function sessionFields(spec: CloudRecordingSpec): object {
  return withoutInPlace(spec);
}

/** Hashes of a manifest spec's secret references (storage keys...), for execute to record. */
export function recordingSensitiveFields(spec: CloudRecordingSpec): SensitiveField[] | undefined {
  return sensitiveFields(withoutInPlace(spec), NOTHING_SKIPPED);
}

/** What a started session records of its (resolved) spec: secret values skipped, the plan's hashes kept. */
export function appliedRecordingSpec(spec: ResolvedRecordingSpec, sensitive: readonly SensitiveField[] | undefined): AppliedSpec {
  return appliedSpec(withoutInPlace(spec), NOTHING_SKIPPED, sensitive);
}

/** The applied spec of a manifest spec taken as it is (an import): its secret references only as hashes. */
export function manifestAppliedRecordingSpec(spec: CloudRecordingSpec): AppliedSpec {
  return appliedSpec(withoutInPlace(spec), NOTHING_SKIPPED, recordingSensitiveFields(spec));
}

export { NOTHING_SKIPPED };

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Appends a finished session, keeping the newest MAX_SESSIONS_KEPT. */
export function withSession(sessions: readonly SessionRecord[] | undefined, session: SessionRecord): SessionRecord[] {
  return [...(sessions ?? []), session].slice(-MAX_SESSIONS_KEPT);
}
