// Carrying out a planned cloud recording action. Each call goes through ctx.send, which writes
// its intent to state as it is sent (session.ts); a removed recording stays in state as a
// tombstone that keeps its final file list, and diff ignores tombstones, so a removal is carried
// out once.
import { RECORDING_CODES } from '../../agora/recordings.ts';
import { ACTION_ERROR, ActionError } from '../action-error.ts';
import { updateBody, updateLayoutBody } from './bodies.ts';
import { httpStatusOf, requestIdOf, vendorCode } from './errors.ts';
import {
  currentData,
  recorded,
  requireSpec,
  startSession,
  stopSession,
  type RecordingAction,
  type RecordingContext,
  type RecordingOutcome,
  type StartAnswer,
  type StartOptions,
} from './session.ts';
import { inPlaceValues, withSession, type RecordingData, type SessionRecord, type SessionRef } from './model.ts';

export async function executeRecording(action: RecordingAction, ctx: RecordingContext): Promise<RecordingOutcome> {
  switch (action.type) {
    case 'create':
      return startSession(action, ctx, startOptions(action));
    case 'replace': {
      const data = runningData(action, ctx);
      const session = await stopSession(action, ctx, data);
      await ctx.record(recorded(endSession(data, session)));
      return startSession(action, ctx, startOptions(action));
    }
    case 'update':
      return updateRecording(action, ctx);
    case 'delete':
      return removeRecording(action, ctx);
    case 'forget':
      return forgetRecording(action, ctx);
    case 'adopt':
    case 'conflict':
      throw new ActionError(action.reason, ACTION_ERROR.conflict);
  }
}

function startOptions(action: RecordingAction): StartOptions {
  const { specHash, resumeResourceId, previous, sensitiveFields } = action.detail;
  return { specHash, resumeResourceId, previous, sensitiveFields };
}

/** The recording's data with its session ids, or an error if state lost them. */
function runningData(action: RecordingAction, ctx: RecordingContext): RecordingData & SessionRef {
  const data = currentData(ctx);
  if (!data?.sid || !data.resourceId) throw new ActionError(`${action.key} has no recording session in state`, ACTION_ERROR.notInState);
  return { ...data, sid: data.sid, resourceId: data.resourceId };
}

/** The data once its session has ended: ids cleared, the session kept in history. */
function endSession(data: RecordingData, session: SessionRecord): RecordingData {
  return { cname: data.cname, uid: data.uid, mode: data.mode, sessions: withSession(data.sessions, session) };
}

async function removeRecording(action: RecordingAction, ctx: RecordingContext): Promise<RecordingOutcome> {
  const resume = action.detail.resumeResourceId;
  if (resume !== undefined) return removeAmbiguous(action, ctx, resume);
  const data = runningData(action, ctx);
  const session = await stopSession(action, ctx, data);
  return tombstone(data, session);
}

/**
 * Removing a recording whose start had an unknown outcome: its session must be found before it
 * can be stopped. A repeated start with the same resourceId answers code 7 (it started) or
 * starts it now; either way there is a session to stop. The manifest is gone, so the repeat
 * carries no recording settings: a resourceId that never started answers 433 (expired) or 2
 * (bad parameter) and leaves nothing behind.
 */
async function removeAmbiguous(action: RecordingAction, ctx: RecordingContext, resourceId: string): Promise<RecordingOutcome> {
  const data = currentData(ctx);
  if (!data) return { type: 'removed' };
  let sid: string | undefined;
  try {
    const answer: StartAnswer = await ctx.send({ action: 'start', detail: { resourceId }, data, clearExternalId: true }, (hooks, client) =>
      client.recordings.start(resourceId, data.mode, { cname: data.cname, uid: data.uid, clientRequest: {} }, hooks),
    );
    if (answer.outcome === 'unknown') {
      throw new ActionError(`${action.name}: repeating its start to find the session had an unknown outcome again`, ACTION_ERROR.outcomeUnknown, answer.requestId);
    }
    sid = answer.sid;
  } catch (err) {
    const code = vendorCode(err);
    // 433: the resourceId expired unused; 2: the bare body was refused, so nothing started with it.
    if (code === RECORDING_CODES.resourceExpired || code === RECORDING_CODES.badParameter) {
      ctx.logger.warn({ event: 'recording_ambiguous_start_expired', key: action.key }, 'the earlier start left no session agoractl can find; forgetting it');
      return tombstoneOrRemoved(data);
    }
    if (code !== RECORDING_CODES.alreadyStarted) throw err;
  }
  if (!sid) {
    throw new ActionError(`${action.name}: a recording runs with resourceId ${resourceId} (code 7) but Agora did not say its sid; stop it in Agora Console`, ACTION_ERROR.sidUnknown);
  }
  const running = { ...data, resourceId, sid };
  await ctx.record(recorded(running, { externalId: sid }));
  const session = await stopSession(action, ctx, running);
  return tombstone(running, session);
}

/** Nothing to stop: keep what the last session produced as the tombstone, or forget it. */
function forgetRecording(action: RecordingAction, ctx: RecordingContext): RecordingOutcome {
  const data = currentData(ctx);
  if (!data) return { type: 'removed' };
  if (!data.sid || !data.resourceId) return tombstoneOrRemoved(data);
  const session: SessionRecord = {
    resourceId: data.resourceId,
    sid: data.sid,
    startedAt: data.startedAt,
    endedAt: ctx.clock.now(),
    end: 'exited',
    fileList: data.fileList,
    fileListMode: data.fileListMode,
  };
  return tombstone(data, session);
}

/** A recording that never ran this time: its earlier sessions stay as a tombstone, if it had any. */
function tombstoneOrRemoved(data: RecordingData): RecordingOutcome {
  const last = data.sessions?.at(-1);
  if (!last) return { type: 'removed' };
  return tombstone(data, last, data.sessions?.slice(0, -1));
}

/** A removed recording's record: no ids, its history and its final session. */
function tombstone(data: RecordingData, final: SessionRecord, sessions = data.sessions): RecordingOutcome {
  return recorded({ cname: data.cname, uid: data.uid, mode: data.mode, sessions, stopped: final });
}

async function updateRecording(action: RecordingAction, ctx: RecordingContext): Promise<RecordingOutcome> {
  const spec = requireSpec(action, ctx);
  const record = ctx.current();
  const ids = { externalId: record?.externalId, specHash: record?.specHash };
  const data = runningData(action, ctx);
  const calls = action.detail.calls ?? [];
  // The record already holds `data`: only the intent is new. Both calls carry the same one.
  const intent = { action: 'update', detail: { calls } };
  try {
    if (calls.includes('update')) await ctx.send(intent, (hooks, client) => client.recordings.update(data.resourceId, data.sid, data.mode, updateBody(spec), hooks));
    if (calls.includes('updateLayout')) await ctx.send(intent, (hooks, client) => client.recordings.updateLayout(data.resourceId, data.sid, data.mode, updateLayoutBody(spec), hooks));
  } catch (err) {
    await ctx.record(recorded(data, ids));
    if (vendorCode(err) === RECORDING_CODES.workerNotFound || httpStatusOf(err) === 404) {
      // It exited between observe and update: the next plan sees that and starts it again.
      throw new ActionError(`${action.name}: the recording exited before it could be updated; the next run starts it again`, ACTION_ERROR.exited, requestIdOf(err));
    }
    throw err;
  }
  return recorded({ ...data, applied: inPlaceValues(spec) }, ids);
}
