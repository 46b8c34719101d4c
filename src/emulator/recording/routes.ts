// The Cloud Recording REST API under /v1/apps/{appid}/cloud_recording/ (agora-facts.md;
// cloud-recording.en.yaml): acquire, start, query, update, updateLayout and stop, each admitted
// by the `recording` rate limit first, then checked in the order that makes Agora's documented
// error sequences come out (cloud-recording-rest-api.txt "common errors").
import type { HttpApp } from '../http/app.ts';
import type { Reply } from '../http/reply.ts';
import type { EmulatorContext } from '../context.ts';
import { AGORA_MESSAGES } from '../messages.ts';
import { RECORDING_ERRORS, RecordingFailure, sendRecordingError } from './errors.ts';
import type { RecordingError } from './errors.ts';
import { checkLayout } from './layout.ts';
import type { RecordingLifecycle } from './lifecycle.ts';
import { RECORDING_STATUS } from './lifecycle.ts';
import { decodeResourceId, encodeResourceId } from './resource-id.ts';
import type { ResourceIdFields } from './resource-id.ts';
import { checkStartConfig } from './start-config.ts';
import type { Recording, RecordingStore, Resource } from './store.ts';
import { checkAcquire, checkClientRequest, checkIdentity, checkMode, checkStop, checkUpdate, bad } from './validate.ts';
import type { RecordingMode } from './validate.ts';
import { queryServerResponse, stopServerResponse } from './views.ts';

const BASE = '/v1/apps/:appid/cloud_recording';
const SESSION = `${BASE}/resourceid/:resourceid/sid/:sid/mode/:mode`;

/** A resourceId must be used by start within five minutes of acquire (cloud-recording-rest-api.txt). */
export const RESOURCE_START_WINDOW_MS = 5 * 60_000;

export interface RecordingRouteOptions {
  /**
   * A stop within this many virtual ms of a query of the same recording counts as "stop
   * together with query" and answers 206 without fileList (cloud-recording-rest-api.txt).
   */
  stopRaceWindowMs: number;
}

interface SessionParams {
  appid: string;
  resourceid: string;
  sid: string;
  mode: string;
}

function fail(error: RecordingError): never {
  throw new RecordingFailure(error);
}

function parseBody(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return fail(RECORDING_ERRORS.badRequest);
  }
}

/** Stable JSON, so start can be compared with acquire's startParameter whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function registerRecordingRoutes(
  app: HttpApp,
  ctx: EmulatorContext,
  store: RecordingStore,
  lifecycle: RecordingLifecycle,
  options: RecordingRouteOptions,
): void {
  /** Runs a handler after the rate limit, turning a RecordingFailure into Agora's error answer. */
  const handle = <P extends { appid: string }>(work: (params: P, body: unknown, reply: Reply) => unknown) =>
    async (request: { params: P; body: unknown }, reply: Reply) => {
      if (!ctx.limits.admit('recording', request.params.appid)) return reply.code(429).send({ message: AGORA_MESSAGES.rateLimited });
      try {
        return work(request.params, parseBody(request.body), reply);
      } catch (error) {
        if (error instanceof RecordingFailure) return sendRecordingError(reply, error.error);
        throw error;
      }
    };

  /** The resourceId's fields: 1001 when it is not one of ours, 1003 when it belongs to another App ID. */
  const resourceFields = (appId: string, resourceId: string): ResourceIdFields => {
    const fields = decodeResourceId(resourceId);
    if (!fields) fail(RECORDING_ERRORS.unparsableResource);
    if (fields.appId !== appId) fail(RECORDING_ERRORS.resourceMismatch);
    return fields;
  };

  /** The recording a session path names, still within the resource's validity. */
  const session = (params: SessionParams): Recording => {
    const mode = checkMode(params.mode);
    resourceFields(params.appid, params.resourceid);
    const recording = store.bySid(params.sid);
    if (!recording || recording.appId !== params.appid) fail(RECORDING_ERRORS.workerNotFound);
    if (recording.resourceId !== params.resourceid) fail(RECORDING_ERRORS.resourceMismatch);
    // There is no worker of another mode for this sid.
    if (recording.mode !== mode) fail(RECORDING_ERRORS.workerNotFound);
    if (ctx.clock.now() > recording.usableUntilMs) fail(RECORDING_ERRORS.resourceExpired);
    return recording;
  };

  /** A body's cname and uid must be the resource's (432 otherwise). */
  const sessionBody = (recording: { cname: string; uid: string; mode: RecordingMode }, body: unknown, clientRequestRequired: boolean) => {
    const identity = checkIdentity(body, recording.mode === 'web');
    const clientRequest = checkClientRequest(identity.body, clientRequestRequired);
    if (identity.cname !== recording.cname || identity.uid !== recording.uid) fail(RECORDING_ERRORS.paramsMismatch);
    return clientRequest;
  };

  const ids = (recording: Recording) => ({ cname: recording.cname, uid: recording.uid, resourceId: recording.resourceId, sid: recording.sid });

  const running = (recording: Recording): void => {
    // Query, update and updateLayout of a recording that stopped or exited: 404 + code 404.
    if (recording.phase !== 'running') fail(RECORDING_ERRORS.workerNotFound);
  };

  // Bodies are parsed here so that bad JSON is Agora's code 2, not a framework error.
  app.scope({ body: 'raw' }, (scope) => {

    scope.post<{ Params: { appid: string } }>(`${BASE}/acquire`, handle(({ appid }, body) => {
      const request = checkAcquire(body);
      const now = ctx.clock.now();
      const nonce = Array.from({ length: 8 }, () => Math.floor(ctx.random() * 256).toString(16).padStart(2, '0')).join('');
      const resourceId = encodeResourceId({ appId: appid, cname: request.cname, uid: request.uid, acquiredAtMs: now, nonce });
      const resource: Resource = {
        resourceId,
        appId: appid,
        cname: request.cname,
        uid: request.uid,
        acquiredAtMs: now,
        scene: request.scene,
        resourceExpiredHour: request.resourceExpiredHour,
        sid: null,
        ...(request.startParameter ? { startParameter: request.startParameter } : {}),
      };
      store.addResource(resource);
      return { cname: request.cname, uid: request.uid, resourceId };
    }));

    scope.post<{ Params: { appid: string; resourceid: string; mode: string } }>(`${BASE}/resourceid/:resourceid/mode/:mode/start`, handle((params, body, reply) => {
      const mode = checkMode(params.mode);
      const fields = resourceFields(params.appid, params.resourceid);
      const clientRequest = sessionBody({ cname: fields.cname, uid: fields.uid, mode }, body, true);
      const resource = store.resource(params.resourceid);
      // A well-formed ID this world no longer knows (issued before a reset) is as good as expired.
      if (!resource) fail(RECORDING_ERRORS.resourceExpired);
      // Like Agora's other recording error bodies, it names the session the resourceId started,
      // which is how a client whose first start answer was lost learns the sid.
      if (resource.sid !== null) return sendRecordingError(reply, RECORDING_ERRORS.alreadyStarted, { cname: fields.cname, uid: fields.uid, resourceId: params.resourceid, sid: resource.sid });
      const now = ctx.clock.now();
      if (now - resource.acquiredAtMs > RESOURCE_START_WINDOW_MS) fail(RECORDING_ERRORS.resourceExpired);
      const config = checkStartConfig(clientRequest, mode);
      // scene 1 resources are for web page recording, 2 (postponed transcoding or audio mixing)
      // for individual recording only, 0 for individual and mix (docs/agora-conformance.md CR-D11).
      if ((mode === 'web') !== (resource.scene === 1)) fail(RECORDING_ERRORS.paramsMismatch);
      if (resource.scene === 2 && mode !== 'individual') fail(RECORDING_ERRORS.paramsMismatch);
      const startParameter = resource.startParameter;
      if (startParameter && Object.keys(startParameter).some((key) => canonical(startParameter[key]) !== canonical(clientRequest[key]))) {
        fail(RECORDING_ERRORS.paramsMismatch);
      }
      if (store.runningWith(params.appid, fields.cname, fields.uid)) fail(RECORDING_ERRORS.alreadyRecording);
      const quota = ctx.limits.quota('recordingsPerApp');
      if (quota !== null && store.runningCount(params.appid) >= quota) return reply.code(429).send({ message: AGORA_MESSAGES.quotaExceeded });

      const sid = Array.from({ length: 16 }, () => Math.floor(ctx.random() * 256).toString(16).padStart(2, '0')).join('');
      const recording: Recording = {
        appId: params.appid,
        resourceId: params.resourceid,
        sid,
        cname: fields.cname,
        uid: fields.uid,
        mode,
        config,
        status: RECORDING_STATUS.initialised,
        phase: 'running',
        startedAtMs: now,
        usableUntilMs: now + resource.resourceExpiredHour * 3_600_000,
        sliceStartMs: null,
        files: [],
        subscriptions: subscriptionsOf(config.recording),
        layout: config.layout,
        onhold: config.web?.onhold ?? false,
        rtmpUrls: [],
        lastQueryAtMs: null,
        exitedAtMs: null,
        exitReason: null,
        sequence: 0,
        timers: new Set(),
        idleTimer: null,
        slicePending: false,
      };
      resource.sid = sid;
      store.add(recording);
      lifecycle.begin(recording);
      return ids(recording);
    }));

    scope.get<{ Params: SessionParams }>(`${SESSION}/query`, handle((params) => {
      const recording = session(params);
      running(recording);
      recording.lastQueryAtMs = ctx.clock.now();
      return { ...ids(recording), serverResponse: queryServerResponse(recording) };
    }));

    scope.post<{ Params: SessionParams }>(`${SESSION}/update`, handle((params, body) => {
      const recording = session(params);
      const update = checkUpdate(sessionBody(recording, body, true), recording.mode);
      running(recording);
      // audioUidList and videoUidList each replace that medium's lists.
      if (update.audio) {
        delete recording.subscriptions.subscribeAudioUids;
        delete recording.subscriptions.unsubscribeAudioUids;
        Object.assign(recording.subscriptions, update.audio);
      }
      if (update.video) {
        delete recording.subscriptions.subscribeVideoUids;
        delete recording.subscriptions.unsubscribeVideoUids;
        Object.assign(recording.subscriptions, update.video);
      }
      if (update.rtmpUrls) recording.rtmpUrls = update.rtmpUrls;
      if (update.onhold !== undefined && update.onhold !== recording.onhold) {
        recording.onhold = update.onhold;
        lifecycle.onholdChanged(recording);
      }
      return ids(recording);
    }));

    scope.post<{ Params: SessionParams }>(`${SESSION}/updateLayout`, handle((params, body) => {
      if (checkMode(params.mode) !== 'mix') bad('updateLayout applies to mix recordings only');
      const recording = session(params);
      const layout = checkLayout(sessionBody(recording, body, true), 'clientRequest');
      if (!layout.ok) fail(RECORDING_ERRORS.badLayout(layout.problem));
      running(recording);
      recording.layout = layout.value;
      return ids(recording);
    }));

    scope.post<{ Params: SessionParams }>(`${SESSION}/stop`, handle((params, body, reply) => {
      const recording = session(params);
      checkStop(sessionBody(recording, body, true));
      if (recording.phase === 'stopping') fail(RECORDING_ERRORS.alreadyStopping);
      running(recording);
      const now = ctx.clock.now();
      const recorded = recording.sliceStartMs !== null;
      const raced = recording.lastQueryAtMs !== null && now - recording.lastQueryAtMs < options.stopRaceWindowMs;
      lifecycle.stop(recording);
      if (!recorded) return sendRecordingError(reply, RECORDING_ERRORS.noRecordedData, ids(recording));
      if (raced) return reply.code(206).send({ ...ids(recording), serverResponse: stopServerResponse(recording, false) });
      return { ...ids(recording), serverResponse: stopServerResponse(recording, true) };
    }));
  });
}

function subscriptionsOf(settings: Recording['config']['recording']): Recording['subscriptions'] {
  if (!settings) return {};
  const { subscribeAudioUids, unsubscribeAudioUids, subscribeVideoUids, unsubscribeVideoUids } = settings;
  return Object.fromEntries(
    Object.entries({ subscribeAudioUids, unsubscribeAudioUids, subscribeVideoUids, unsubscribeVideoUids }).filter(([, v]) => v !== undefined),
  );
}
