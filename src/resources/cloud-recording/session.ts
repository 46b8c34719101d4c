// Starting and stopping one recording session. Every call goes through ctx.send, which writes its
// intent to state as the call is sent (not while it waits for the rate limiter). The vendor's
// sequences (cloud-recording-rest-api.txt, "common errors"; agora-facts.md codes) decide what a
// repeated or refused call means:
//   acquire → start → start       201 + code 7: already started with this resourceId
//   acquire → start → acquire → start  400 + code 53: this cname + uid is already recording
//   start later than 5 minutes after acquire: code 433, the resourceId expired
//   stop together with query: 206 without fileList; stop of an exited one: 404
// An unknown outcome is resolved here, not by the engine's resolve: repeating a start with the
// same resourceId (code 7 if the first arrived) or a stop (404 or code 49) is how Cloud Recording
// tells, and it needs the resourceId this module holds. So execute never returns `unknown`.
import type { ExecuteContext, Outcome, PlannedAction } from '../kind.ts';
import type { StartResult } from '../../agora/client.ts';
import { RECORDING_CODES } from '../../agora/recordings.ts';
import { ACTION_ERROR, ActionError } from '../action-error.ts';
import { acquireBody, identity, startBody, stopBody } from './bodies.ts';
import { requestIdOf, vendorCode } from './errors.ts';
import { statusOf } from './observe.ts';
import { SESSION_STATUS } from './diff.ts';
import type { SensitiveField } from '../applied-spec.ts';
import {
  RESOURCE_ID_MAX_AGE_MS,
  appliedRecordingSpec,
  inPlaceValues,
  isRecording,
  recordingMode,
  withSession,
  type CloudRecordingSpec,
  type RecordingData,
  type RecordingDetail,
  type RecordingRecord,
  type ResolvedRecordingSpec,
  type SessionRecord,
  type SessionRef,
} from './model.ts';

export type RecordingContext = ExecuteContext<CloudRecordingSpec, RecordingRecord>;
export type RecordingAction = PlannedAction<RecordingDetail>;
export type RecordingOutcome = Outcome<RecordingRecord>;

/** Acquires in one start: each 433 costs one, and three in a row means something else is wrong. */
const MAX_ACQUIRES = 3;
/** Starts or stops repeated after an unknown outcome before the next run is left to resolve it. */
const MAX_UNKNOWN = 3;

/** start's answers as execute tells them apart; `alreadyStarted` is code 7 (sid if Agora said it). */
export type StartAnswer = StartResult | { outcome: 'alreadyStarted'; sid?: string; requestId: string };

export interface StartOptions {
  /** An earlier start with an unknown outcome: repeating it with its resourceId finds its session. */
  resumeResourceId?: string;
  /** The session that exited before this start. */
  previous?: SessionRef;
  /** The hash of the desired spec (secret references, never values), from the plan. */
  specHash?: string;
  /** Hashes of the spec's secret references, from the plan: recorded with the session. */
  sensitiveFields?: SensitiveField[];
}

export function requireSpec(action: RecordingAction, ctx: RecordingContext): ResolvedRecordingSpec {
  if (!ctx.spec) throw new ActionError(`${action.key} is not in the manifests`, ACTION_ERROR.notDesired);
  return ctx.spec;
}

/** The recording's data as state holds it now; undefined when the record has none (or no record). */
export function currentData(ctx: RecordingContext): RecordingData | undefined {
  const data = ctx.current()?.data;
  return isRecording(data) ? data : undefined;
}

/** The outcome that records `data`; ids left out are dropped from the record. */
export function recorded(data: RecordingData, ids: { externalId?: string; specHash?: string } = {}): RecordingOutcome {
  return { type: 'recorded', ...ids, data };
}

/** The data without a resourceId: it is spent (or was never used) and must not be started. */
function withoutResource({ resourceId: _id, acquiredAt: _at, ...data }: RecordingData): RecordingData {
  return data;
}

/** acquire + start, re-acquiring an expired resourceId and resolving ambiguous answers. */
export async function startSession(action: RecordingAction, ctx: RecordingContext, options: StartOptions): Promise<RecordingOutcome> {
  const spec = requireSpec(action, ctx);
  const mode = recordingMode(spec);
  const { cname, uid } = identity(spec);
  const old = currentData(ctx);
  let sessions = old?.sessions;
  // A tombstone's final session and a session that exited become history of this recording.
  if (old?.stopped) sessions = withSession(sessions, old.stopped);
  // The file list of an exited session is the one query last showed while it ran (refreshRecording).
  if (options.previous) {
    sessions = withSession(sessions, { ...options.previous, fileList: old?.fileList, fileListMode: old?.fileListMode, startedAt: old?.startedAt, endedAt: ctx.clock.now(), end: 'exited' });
  }
  let data: RecordingData = { cname, uid, mode, sessions, acquiredAt: old?.acquiredAt };

  let resourceId = options.resumeResourceId;
  let trustResourceId = resourceId !== undefined;
  let acquires = 0;
  let unknowns = 0;
  for (;;) {
    // A resumed resourceId is tried whatever its age: only Agora knows whether its start worked.
    const expired = data.acquiredAt === undefined || ctx.clock.now() - data.acquiredAt > RESOURCE_ID_MAX_AGE_MS;
    if (!resourceId || (!trustResourceId && expired)) {
      if (acquires >= MAX_ACQUIRES) {
        await ctx.record(recorded(data));
        throw new ActionError(`${action.name}: ${MAX_ACQUIRES} resourceIds in a row expired before start; check the clock and the rate limits`, ACTION_ERROR.expiredRepeatedly);
      }
      // The session this replaces (if any) is history now: its sid leaves the record with the intent.
      const acquired = await ctx.send({ action: 'acquire', data, clearExternalId: true }, (hooks, client) => client.recordings.acquire(acquireBody(spec), hooks));
      acquires += 1;
      resourceId = acquired.resourceId;
      data = { ...data, resourceId, acquiredAt: ctx.clock.now() };
    }
    trustResourceId = false;
    data = { ...data, resourceId };
    const startingId = resourceId;

    let answer: StartAnswer;
    try {
      answer = await ctx.send({ action: 'start', detail: { resourceId: startingId }, data, clearExternalId: true }, (hooks, client) =>
        client.recordings.start(startingId, mode, startBody(spec, ctx.project, ctx.clock.now()), hooks),
      );
    } catch (err) {
      const code = vendorCode(err);
      const requestId = requestIdOf(err);
      if (code === RECORDING_CODES.resourceExpired) {
        ctx.logger.warn({ event: 'recording_resource_expired', key: action.key, requestId }, 'resourceId expired before start; acquiring another');
        resourceId = undefined;
        continue;
      }
      if (code === RECORDING_CODES.alreadyStarted) {
        answer = { outcome: 'alreadyStarted', requestId: requestId ?? '' };
      } else if (code === RECORDING_CODES.alreadyRecording) {
        return adoptRunning(action, ctx, data, options, requestId);
      } else {
        // A clear refusal: nothing started, and this resourceId is spent.
        await ctx.record(recorded(withoutResource(data)));
        if (code === RECORDING_CODES.paramsMismatch) {
          throw new ActionError(
            `${action.name}: Agora refused the start (code 432): its channel, uid or mode do not match the acquired resourceId`,
            ACTION_ERROR.paramsMismatch,
            requestId,
          );
        }
        throw err;
      }
    }

    if (answer.outcome === 'started') return startedOutcome(spec, ctx, data, answer.sid, startingId, options);
    if (answer.outcome === 'alreadyStarted') {
      if (answer.sid) return startedOutcome(spec, ctx, data, answer.sid, startingId, options);
      throw new ActionError(
        `${action.name}: a recording runs with resourceId ${startingId} (code 7) but Agora did not say its sid; agoractl keeps the start pending`,
        ACTION_ERROR.sidUnknown,
        answer.requestId,
      );
    }
    // Outcome unknown: repeat the start with the same resourceId. If the first one arrived,
    // Agora answers code 7 instead of starting a second recording.
    unknowns += 1;
    ctx.logger.warn({ event: 'recording_start_outcome_unknown', key: action.key, requestId: answer.requestId, cause: answer.cause }, 'start outcome unknown; repeating it with the same resourceId');
    if (unknowns >= MAX_UNKNOWN) {
      throw new ActionError(
        `${action.name}: the outcome of starting with resourceId ${startingId} stayed unknown after ${MAX_UNKNOWN} attempts; the next run resolves it`,
        ACTION_ERROR.outcomeUnknown,
        answer.requestId,
      );
    }
    trustResourceId = true;
  }
}

/**
 * Code 53: this channel and uid are recording already. If it is the session that seemed to
 * exit (Agora's own failover answers 404 for about a minute, agora-facts.md), query shows it
 * running and agoractl keeps it; otherwise it belongs to someone else.
 */
async function adoptRunning(action: RecordingAction, ctx: RecordingContext, data: RecordingData, options: StartOptions, requestId: string | undefined): Promise<RecordingOutcome> {
  const previous = options.previous;
  if (previous) {
    const result = await ctx.client.recordings.query(previous.resourceId, previous.sid, data.mode);
    const status = statusOf(result);
    if (status === SESSION_STATUS.running || status === SESSION_STATUS.starting) {
      ctx.logger.info({ event: 'recording_readopted', key: action.key, sid: previous.sid }, 'the recording that seemed to exit is still running; keeping it');
      const sessions = (data.sessions ?? []).filter((s) => s.sid !== previous.sid);
      return startedOutcome(requireSpec(action, ctx), ctx, { ...withoutResource(data), sessions }, previous.sid, previous.resourceId, options);
    }
  }
  await ctx.record(recorded(withoutResource(data)));
  const mine = options.resumeResourceId ? ` It may be the one an earlier start with resourceId ${options.resumeResourceId} began; its sid is unknown.` : '';
  throw new ActionError(
    `${action.name}: channel ${data.cname} already has a recording by uid ${data.uid} (code 53) that agoractl cannot identify.${mine} Stop it, or give this recording another uid.`,
    ACTION_ERROR.conflict,
    requestId,
  );
}

/** A running session: what the last one left (status, files, tombstone) is cleared. */
function startedOutcome(spec: ResolvedRecordingSpec, ctx: RecordingContext, data: RecordingData, sid: string, resourceId: string, options: StartOptions): RecordingOutcome {
  const { lastStatus: _status, fileList: _files, fileListMode: _mode, stopped: _stopped, ...kept } = data;
  const started: RecordingData = {
    ...kept,
    resourceId,
    sid,
    startedAt: ctx.clock.now(),
    applied: inPlaceValues(spec),
    // Recorded with the spec hash, so a later replace can name what changed.
    appliedSpec: appliedRecordingSpec(spec, options.sensitiveFields),
  };
  return recorded(started, { externalId: sid, specHash: options.specHash });
}

/**
 * Stops the session in state and returns what it produced. A 206 (no file list, or code 435
 * no recorded data) keeps the upload status "unknown" and the files known so far; a 404
 * means it had already exited.
 */
export async function stopSession(action: RecordingAction, ctx: RecordingContext, data: RecordingData & SessionRef): Promise<SessionRecord> {
  const known = { fileList: data.fileList, fileListMode: data.fileListMode };
  const base: SessionRecord = { resourceId: data.resourceId, sid: data.sid, startedAt: data.startedAt, endedAt: ctx.clock.now(), end: 'stopped' };
  // The record already holds `data` (with its externalId and specHash): only the intent is new.
  const intent = { action: 'stop', detail: { resourceId: data.resourceId, sid: data.sid } };
  for (let attempt = 1; ; attempt++) {
    let result;
    try {
      result = await ctx.send(intent, (hooks, client) => client.recordings.stop(data.resourceId, data.sid, data.mode, stopBody(data.cname, data.uid), hooks));
    } catch (err) {
      // Code 49: a stop is already under way (an earlier, lost one): the session is ending.
      if (vendorCode(err) === RECORDING_CODES.alreadyStopping) return { ...base, ...known, uploadingStatus: 'unknown' };
      throw err;
    }
    switch (result.outcome) {
      case 'stopped': {
        const response = result.serverResponse;
        return {
          ...base,
          uploadingStatus: response.uploadingStatus ?? 'unknown',
          fileListMode: response.fileListMode ?? known.fileListMode,
          fileList: response.fileList ?? known.fileList,
        };
      }
      case 'noData':
        return { ...base, ...known, uploadingStatus: 'unknown' };
      case 'notFound':
        return { ...base, ...known, end: 'exited' };
      case 'unknown':
        // A repeated stop is safe: it answers 404 or code 49 if the first one arrived.
        ctx.logger.warn({ event: 'recording_stop_outcome_unknown', key: action.key, requestId: result.requestId, cause: result.cause }, 'stop outcome unknown; stopping again');
        if (attempt >= MAX_UNKNOWN) {
          throw new ActionError(`${action.name}: stopping sid ${data.sid} stayed unknown after ${MAX_UNKNOWN} attempts; the next run stops it again`, ACTION_ERROR.outcomeUnknown, result.requestId);
        }
    }
  }
}
