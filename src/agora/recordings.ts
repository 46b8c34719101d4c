// Cloud Recording: acquire, start, query, update, updateLayout, stop
// (cloud-recording-rest-api.txt; paths and codes from agora-facts.md). The vendor's codes reach
// the caller either as typed results (query/stop of an exited recording: 404; stop with no
// recorded data: 206 + 435; stop whose upload status is still open: 206) or as
// AgoraApiError.code (7 already started, 53 already recording, 432/433 resourceId mismatch or
// expired, 2 bad parameter, 49 already stopping, ...).
import type { Answer, CallContext, CallSpec, SendHooks } from './call.ts';
import { answerError, callAgora, callIdempotent, isSuccess, pathSegment } from './call.ts';
import { AGORA_CLIENT_REASONS } from './errors.ts';
import { ShapeError, array, bool, json, num, numericString, object, oneOf, optional, str } from './shape.ts';
import type { Reader } from './shape.ts';

export const RECORDING_MODES = ['mix', 'individual', 'web'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

/** Recording status numbers of query's serverResponse.status (agora-facts.md). */
export const RECORDING_STATUS = {
  notStarted: 0,
  initialised: 1,
  recording: 5,
  stopRequested: 6,
  stopped: 7,
  exited: 8,
  exitedAbnormally: 20,
} as const;

/** Vendor codes the engine acts on (agora-facts.md, Cloud Recording error codes). */
export const RECORDING_CODES = {
  badParameter: 2,
  alreadyStarted: 7,
  alreadyStopping: 49,
  alreadyRecording: 53,
  requestTimeout: 62,
  workerNotFound: 404,
  paramsMismatch: 432,
  resourceExpired: 433,
  noRecordedData: 435,
} as const;

export interface AcquireRequest {
  cname: string;
  /** Integer UID only: Cloud Recording does not support string accounts. */
  uid: number | string;
  clientRequest?: { scene?: number; resourceExpiredHour?: number; region?: string } & Record<string, unknown>;
}

/** start, update, updateLayout and stop all take `{cname, uid, clientRequest}`. */
export interface RecordingRequestBody {
  cname: string;
  uid: number | string;
  clientRequest: Record<string, unknown>;
}

export interface RecordingFile {
  fileName: string;
  trackType?: string;
  uid?: string;
  mixedAllUser?: boolean;
  isPlayable?: boolean;
  sliceStartTime?: number;
}

export interface RecordingServerResponse {
  status?: number;
  fileListMode?: string;
  /** A file name ("string" mode) or a list of files ("json" mode). */
  fileList?: string | RecordingFile[];
  sliceStartTime?: number;
  uploadingStatus?: string;
  /** Web mode's per-service states, passed through unread. */
  extensionServiceState?: unknown;
}

export interface AcquireResult {
  cname: string;
  uid: string;
  resourceId: string;
  requestId: string;
}

export type StartResult =
  | { outcome: 'started'; cname: string; uid: string; resourceId: string; sid: string; requestId: string }
  /** 201 + code 7: this resourceId already started a recording (sid when the answer names it). */
  | { outcome: 'alreadyStarted'; sid?: string; requestId: string }
  | { outcome: 'unknown'; requestId: string; cause: string };

export type QueryResult =
  /** cname and uid as the answer names them (an import compares them with the manifest), when it does. */
  | { outcome: 'found'; resourceId: string; sid: string; cname?: string; uid?: string; serverResponse: RecordingServerResponse; requestId: string }
  /** 404 + code 404: the recording has stopped or exited (or is in failover, for about a minute). */
  | { outcome: 'notFound'; requestId: string };

export type StopResult =
  /** `complete` is false for a 206 whose upload status and file list are still open. */
  | { outcome: 'stopped'; complete: boolean; serverResponse: RecordingServerResponse; requestId: string }
  | { outcome: 'noData'; requestId: string }
  | { outcome: 'notFound'; requestId: string }
  | { outcome: 'unknown'; requestId: string; cause: string };

export interface UpdateResult {
  resourceId: string;
  sid: string;
  requestId: string;
}

/** `hooks.beforeSend` runs as the request goes out (the caller's write-ahead intent; call.ts). */
export interface RecordingsApi {
  acquire(request: AcquireRequest, hooks?: SendHooks): Promise<AcquireResult>;
  start(resourceId: string, mode: RecordingMode, body: RecordingRequestBody, hooks?: SendHooks): Promise<StartResult>;
  query(resourceId: string, sid: string, mode: RecordingMode): Promise<QueryResult>;
  update(resourceId: string, sid: string, mode: RecordingMode, body: RecordingRequestBody, hooks?: SendHooks): Promise<UpdateResult>;
  updateLayout(resourceId: string, sid: string, mode: RecordingMode, body: RecordingRequestBody, hooks?: SendHooks): Promise<UpdateResult>;
  stop(resourceId: string, sid: string, mode: RecordingMode, body: RecordingRequestBody, hooks?: SendHooks): Promise<StopResult>;
}

/** Agora sends some times as numbers and some as strings of digits. */
const timestamp: Reader<number> = (value, path) => Number(numericString(value, path));

const recordingFile = (value: unknown, path: string): RecordingFile => {
  const file = object({
    fileName: optional(str),
    filename: optional(str),
    trackType: optional(str),
    uid: optional(numericString),
    mixedAllUser: optional(bool),
    isPlayable: optional(bool),
    sliceStartTime: optional(timestamp),
  })(value, path);
  const fileName = file.fileName ?? file.filename;
  if (fileName === undefined) throw new ShapeError(`${path}.fileName`, 'a string');
  const { filename: _, ...rest } = file;
  return { ...rest, fileName };
};

const serverResponse = object({
  status: optional(num),
  fileListMode: optional(str),
  fileList: optional(oneOf<string | RecordingFile[]>(str, array(recordingFile))),
  sliceStartTime: optional(timestamp),
  uploadingStatus: optional(str),
  extensionServiceState: optional(json),
});

const acquireAnswer = object({ resourceId: str, cname: optional(str), uid: optional(numericString) });
const startAnswer = object({ resourceId: optional(str), sid: str, cname: optional(str), uid: optional(numericString) });
const sessionAnswer = object({ resourceId: optional(str), sid: optional(str), cname: optional(str), uid: optional(numericString), serverResponse: optional(serverResponse) });

function read<T>(spec: CallSpec, answer: Answer, reader: Reader<T>): T {
  try {
    return reader(answer.body, '');
  } catch (err) {
    if (err instanceof ShapeError) throw answerError(spec, answer, AGORA_CLIENT_REASONS.invalidResponse);
    throw err;
  }
}

/** A body `code` other than 0 is an error, whatever the HTTP status says (201 + code 7). */
function hasErrorCode(answer: Answer): boolean {
  return answer.vendorCode !== undefined && answer.vendorCode !== 0;
}

function checkMode(mode: string): RecordingMode {
  if (!(RECORDING_MODES as readonly string[]).includes(mode)) throw new RangeError(`mode must be one of ${RECORDING_MODES.join(', ')}`);
  return mode as RecordingMode;
}

/** Cloud Recording sends uid as a string of the integer. */
function wireBody(body: RecordingRequestBody | AcquireRequest): Record<string, unknown> {
  return { ...body, uid: String(body.uid), clientRequest: body.clientRequest ?? {} };
}

export function recordingsApi(ctx: CallContext): RecordingsApi {
  const base = `/v1/apps/${encodeURIComponent(ctx.appId)}/cloud_recording`;
  const session = (rid: string, sid: string, mode: RecordingMode, action: string) =>
    `${base}/resourceid/${pathSegment(rid)}/sid/${pathSegment(sid)}/mode/${checkMode(mode)}/${action}`;
  const common = { family: 'recording', limitKey: 'recording' } as const;

  async function updateCall(action: 'update' | 'updateLayout', resourceId: string, sid: string, mode: RecordingMode, body: RecordingRequestBody, hooks?: SendHooks): Promise<UpdateResult> {
    const spec = {
      ...common,
      safety: 'idempotent' as const,
      method: 'POST',
      endpoint: `POST /v1/apps/{appId}/cloud_recording/resourceid/{resourceId}/sid/{sid}/mode/{mode}/${action}`,
      path: session(resourceId, sid, mode, action),
      body: wireBody(body),
      beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
    } satisfies CallSpec;
    const answer = await callIdempotent(ctx, spec);
    if (!isSuccess(answer) || hasErrorCode(answer)) throw answerError(spec, answer);
    const parsed = read(spec, answer, sessionAnswer);
    return { resourceId: parsed.resourceId ?? resourceId, sid: parsed.sid ?? sid, requestId: answer.requestId };
  }

  return {
    async acquire(request, hooks) {
      const spec = {
        ...common,
        // A repeated acquire only yields another resourceId, which expires unused.
        safety: 'idempotent' as const,
        method: 'POST',
        endpoint: 'POST /v1/apps/{appId}/cloud_recording/acquire',
        path: `${base}/acquire`,
        body: wireBody(request),
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      } satisfies CallSpec;
      const answer = await callIdempotent(ctx, spec);
      if (!isSuccess(answer)) throw answerError(spec, answer);
      const parsed = read(spec, answer, acquireAnswer);
      return { resourceId: parsed.resourceId, cname: parsed.cname ?? request.cname, uid: parsed.uid ?? String(request.uid), requestId: answer.requestId };
    },

    async start(resourceId, mode, body, hooks) {
      const spec: CallSpec = {
        ...common,
        safety: 'mutation',
        method: 'POST',
        endpoint: 'POST /v1/apps/{appId}/cloud_recording/resourceid/{resourceId}/mode/{mode}/start',
        path: `${base}/resourceid/${pathSegment(resourceId)}/mode/${checkMode(mode)}/start`,
        body: wireBody(body),
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      };
      const outcome = await callAgora(ctx, spec);
      if (outcome.kind === 'unknown') return { outcome: 'unknown', requestId: outcome.requestId, cause: outcome.cause };
      // A repeated start answers 201 with code 7 (cloud-recording-rest-api.txt): the session of
      // an earlier start whose answer was lost, not an error for the caller.
      if (outcome.status === 201 && outcome.vendorCode === RECORDING_CODES.alreadyStarted) {
        const sid = typeof (outcome.body as { sid?: unknown } | undefined)?.sid === 'string' ? (outcome.body as { sid: string }).sid : undefined;
        return { outcome: 'alreadyStarted', sid, requestId: outcome.requestId };
      }
      if (!isSuccess(outcome) || hasErrorCode(outcome)) throw answerError(spec, outcome);
      try {
        const parsed = startAnswer(outcome.body, '');
        return {
          outcome: 'started',
          resourceId: parsed.resourceId ?? resourceId,
          sid: parsed.sid,
          cname: parsed.cname ?? body.cname,
          uid: parsed.uid ?? String(body.uid),
          requestId: outcome.requestId,
        };
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        return { outcome: 'unknown', requestId: outcome.requestId, cause: `HTTP ${outcome.status} with an unreadable body (${err.message})` };
      }
    },

    async query(resourceId, sid, mode) {
      const spec = {
        ...common,
        safety: 'idempotent' as const,
        method: 'GET',
        endpoint: 'GET /v1/apps/{appId}/cloud_recording/resourceid/{resourceId}/sid/{sid}/mode/{mode}/query',
        path: session(resourceId, sid, mode, 'query'),
      } satisfies CallSpec;
      const answer = await callIdempotent(ctx, spec);
      if (answer.status === 404) return { outcome: 'notFound', requestId: answer.requestId };
      if (!isSuccess(answer) || hasErrorCode(answer)) throw answerError(spec, answer);
      const parsed = read(spec, answer, sessionAnswer);
      return {
        outcome: 'found',
        resourceId: parsed.resourceId ?? resourceId,
        sid: parsed.sid ?? sid,
        ...(parsed.cname === undefined ? {} : { cname: parsed.cname }),
        ...(parsed.uid === undefined ? {} : { uid: parsed.uid }),
        serverResponse: parsed.serverResponse ?? {},
        requestId: answer.requestId,
      };
    },

    update: (resourceId, sid, mode, body, hooks) => updateCall('update', resourceId, sid, mode, body, hooks),
    updateLayout: (resourceId, sid, mode, body, hooks) => updateCall('updateLayout', resourceId, sid, mode, body, hooks),

    async stop(resourceId, sid, mode, body, hooks) {
      const spec: CallSpec = {
        ...common,
        safety: 'mutation',
        method: 'POST',
        endpoint: 'POST /v1/apps/{appId}/cloud_recording/resourceid/{resourceId}/sid/{sid}/mode/{mode}/stop',
        path: session(resourceId, sid, mode, 'stop'),
        body: wireBody(body),
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      };
      const outcome = await callAgora(ctx, spec);
      if (outcome.kind === 'unknown') return { outcome: 'unknown', requestId: outcome.requestId, cause: outcome.cause };
      if (outcome.status === 404) return { outcome: 'notFound', requestId: outcome.requestId };
      if (outcome.status === 206 && outcome.vendorCode === RECORDING_CODES.noRecordedData) return { outcome: 'noData', requestId: outcome.requestId };
      if (!isSuccess(outcome) || hasErrorCode(outcome)) throw answerError(spec, outcome);
      const parsed = read(spec, outcome, sessionAnswer);
      const response = parsed.serverResponse ?? {};
      return { outcome: 'stopped', complete: outcome.status === 200, serverResponse: response, requestId: outcome.requestId };
    },
  };
}
