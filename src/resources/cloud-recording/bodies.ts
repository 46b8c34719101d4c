// The request bodies of Cloud Recording calls, built from a resolved spec (secret values in
// place). They go to the client only: never to state, plans or logs.
import type { AcquireRequest, RecordingRequestBody } from '../../agora/client.ts';
import type { ProjectSecrets } from '../kind.ts';
import { mintRtcToken } from '../../agora/tokens.ts';
import { ACTION_ERROR, ActionError } from '../action-error.ts';
import { RTMP_PUBLISH_SERVICE, inPlaceValues, recordingMode, uidString, type InPlaceSource, type InPlaceValues, type RecordingConfig, type ResolvedRecordingSpec } from './model.ts';

/** start's clientRequest fields that come straight from the spec (cloud-recording-rest-api.txt). */
const START_FIELDS = ['recordingConfig', 'recordingFileConfig', 'snapshotConfig', 'storageConfig', 'extensionServiceConfig'] as const;

/** updateLayout sets the whole layout: a field the manifest dropped goes back to Agora's default. */
/** What of a spec update and updateLayout read: identity and the in-place parts, never a secret. */
export type UpdateSource = InPlaceSource & { channelName: string; uid: number; recordingConfig?: Pick<RecordingConfig, 'streamTypes'> };

const LAYOUT_DEFAULTS = { mixedVideoLayout: 0, backgroundColor: '#000000' };

export function identity(spec: { channelName: string; uid: number }): { cname: string; uid: string } {
  return { cname: spec.channelName, uid: uidString(spec) };
}

export function acquireBody(spec: ResolvedRecordingSpec): AcquireRequest {
  const clientRequest: Record<string, unknown> = {
    // scene 1 is web page recording; 0 real-time recording (mix and individual).
    scene: spec.scene ?? (recordingMode(spec) === 'web' ? 1 : 0),
  };
  if (spec.resourceExpiredHour !== undefined) clientRequest.resourceExpiredHour = spec.resourceExpiredHour;
  if (spec.region !== undefined) clientRequest.region = spec.region;
  return { ...identity(spec), clientRequest };
}

export function startBody(spec: ResolvedRecordingSpec, project: ProjectSecrets, now: number): RecordingRequestBody {
  const clientRequest: Record<string, unknown> = {};
  const token = recordingToken(spec, project, now);
  if (token !== undefined) clientRequest.token = token;
  for (const field of START_FIELDS) if (spec[field] !== undefined) clientRequest[field] = spec[field];
  return { ...identity(spec), clientRequest };
}

export function stopBody(cname: string, uid: string): RecordingRequestBody {
  return { cname, uid, clientRequest: {} };
}

/**
 * Cloud Recording cannot update a token during a session (docs-portal cloud-recording.en.yaml,
 * `token`), so `{ generate: true }` mints a fresh one for every start, for the recording's uid.
 */
function recordingToken(spec: ResolvedRecordingSpec, project: ProjectSecrets, now: number): string | undefined {
  const token = spec.token;
  if (typeof token === 'string') return token;
  if (token?.generate === true) {
    if (!project.appCertificate) throw new ActionError('token: { generate: true } needs Project.spec.appCertificate', ACTION_ERROR.noAppCertificate);
    return mintRtcToken({ appId: project.appId, appCertificate: project.appCertificate, channelName: spec.channelName, uid: Number(uidString(spec)), now });
  }
  return undefined;
}

/**
 * update's clientRequest. streamSubscribe names both lists the stream types record: a list set
 * for one media type alone stops the other from being subscribed (docs-portal
 * cloud-recording.en.yaml, subscribeAudioUids), so an absent list subscribes to all.
 */
export function updateBody(spec: UpdateSource): RecordingRequestBody {
  const values = inPlaceValues(spec);
  if (recordingMode(spec) === 'web') return { ...identity(spec), clientRequest: webUpdate(spec, values) };
  const streamTypes = spec.recordingConfig?.streamTypes ?? 2;
  const list = (kind: 'Audio' | 'Video'): Record<string, unknown> => {
    const subscribe = values.subscription[`subscribe${kind}Uids`];
    const unsubscribe = values.subscription[`unsubscribe${kind}Uids`];
    if (subscribe !== undefined) return { [`subscribe${kind}Uids`]: subscribe };
    if (unsubscribe !== undefined) return { [`unsubscribe${kind}Uids`]: unsubscribe };
    return { [`subscribe${kind}Uids`]: ['#allstream#'] };
  };
  const streamSubscribe: Record<string, unknown> = {};
  if (streamTypes === 0 || streamTypes === 2) streamSubscribe.audioUidList = list('Audio');
  if (streamTypes === 1 || streamTypes === 2) streamSubscribe.videoUidList = list('Video');
  return { ...identity(spec), clientRequest: { streamSubscribe } };
}

function webUpdate(spec: UpdateSource, values: InPlaceValues): Record<string, unknown> {
  const clientRequest: Record<string, unknown> = { webRecordingConfig: { onhold: values.web.onhold ?? false } };
  const services = spec.extensionServiceConfig?.extensionServices ?? [];
  if (services.some((s) => s.serviceName === RTMP_PUBLISH_SERVICE) && values.web.outputs !== undefined) {
    clientRequest.rtmpPublishConfig = { outputs: values.web.outputs };
  }
  return clientRequest;
}

export function updateLayoutBody(spec: UpdateSource): RecordingRequestBody {
  return { ...identity(spec), clientRequest: { ...LAYOUT_DEFAULTS, ...inPlaceValues(spec).layout } };
}
