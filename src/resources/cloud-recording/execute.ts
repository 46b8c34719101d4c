// Carrying out a planned cloud recording action. Each call is written ahead to state as it is
// sent (session.ts); a removed recording stays in state as a tombstone that keeps its final file
// list, and diff ignores tombstones, so a removal is carried out once.
import type { ExecuteContext, PlannedAction } from '../kind.ts';
import { RECORDING_CODES } from '../../agora/recordings.ts';
import { updateBody, updateLayoutBody } from './bodies.ts';
import { ACTION_ERROR, ActionError } from '../action-error.ts';
import { vendorCode } from './errors.ts';
import { currentState, requireSpec, saveRecording, startSession, stopSession, type SessionRef, type StartAnswer, type StartOptions } from './session.ts';
import { inPlaceValues, recordingData, withSession, type RecordingData, type SessionRecord } from './model.ts';

export async function executeRecording(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  switch (action.type) {
    case 'create':
      return startSession(action, ctx, startOptions(action));
    case 'replace': {
      const data = runningData(action, ctx);
      const session = await stopSession(action, ctx, data);
      await saveRecording(action, ctx, endSession(data, session), {});
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

function startOptions(action: PlannedAction): StartOptions {
  const detail = action.detail;
  const previous = detail.previous as Partial<SessionRef> | undefined;
  return {
    specHash: String(detail.specHash),
    resumeResourceId: typeof detail.resumeResourceId === 'string' ? detail.resumeResourceId : undefined,
    previous: previous?.resourceId && previous.sid ? { resourceId: previous.resourceId, sid: previous.sid } : undefined,
  };
}

/** The recording's data with its session ids, or an error if state lost them. */
function runningData(action: PlannedAction, ctx: ExecuteContext): RecordingData & SessionRef {
  const data = recordingData(currentState(action, ctx).data);
  if (!data?.sid || !data.resourceId) throw new ActionError(`${action.key} has no recording session in state`, ACTION_ERROR.notInState);
  return { ...data, sid: data.sid, resourceId: data.resourceId };
}

/** The data once its session has ended: ids cleared, the session kept in history. */
function endSession(data: RecordingData, session: SessionRecord): RecordingData {
  return { cname: data.cname, uid: data.uid, mode: data.mode, sessions: withSession(data.sessions, session) };
}

async function removeRecording(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const resume = action.detail.resumeResourceId;
  if (typeof resume === 'string') return removeAmbiguous(action, ctx, resume);
  const data = runningData(action, ctx);
  const session = await stopSession(action, ctx, data);
  await saveTombstone(action, ctx, data, session);
}

/**
 * Removing a recording whose start had an unknown outcome: its session must be found before it
 * can be stopped. A repeated start with the same resourceId answers code 7 (it started) or
 * starts it now; either way there is a session to stop. The manifest is gone, so the repeat
 * carries no recording settings: a resourceId that never started answers 433 (expired) or 2
 * (bad parameter) and leaves nothing behind.
 */
async function removeAmbiguous(action: PlannedAction, ctx: ExecuteContext, resourceId: string): Promise<void> {
  const data = recordingData(currentState(action, ctx).data);
  if (!data) return ctx.state.remove(action.key);
  let sid: string | undefined;
  try {
    const writeIntent = (): Promise<void> => saveRecording(action, ctx, data, { pending: { action: 'start', startedAt: ctx.clock.now(), detail: { resourceId } } });
    const answer: StartAnswer = await ctx.client.recordings.start(resourceId, data.mode, { cname: data.cname, uid: data.uid, clientRequest: {} }, { beforeSend: writeIntent, signal: ctx.signal });
    if (answer.outcome === 'unknown') {
      throw new ActionError(`${action.name}: repeating its start to find the session had an unknown outcome again`, ACTION_ERROR.outcomeUnknown, answer.requestId);
    }
    sid = answer.sid;
  } catch (err) {
    const code = vendorCode(err);
    // 433: the resourceId expired unused; 2: the bare body was refused, so nothing started with it.
    if (code === RECORDING_CODES.resourceExpired || code === RECORDING_CODES.badParameter) {
      ctx.logger.warn({ event: 'recording_ambiguous_start_expired', key: action.key }, 'the earlier start left no session agoractl can find; forgetting it');
      return saveOrRemove(action, ctx, data);
    }
    if (code !== RECORDING_CODES.alreadyStarted) throw err;
  }
  if (!sid) {
    throw new ActionError(`${action.name}: a recording runs with resourceId ${resourceId} (code 7) but Agora did not say its sid; stop it in Agora Console`, ACTION_ERROR.sidUnknown);
  }
  const running = { ...data, resourceId, sid };
  await saveRecording(action, ctx, running, { externalId: sid, pending: undefined });
  const session = await stopSession(action, ctx, running);
  await saveTombstone(action, ctx, running, session);
}

/** Nothing to stop: keep what the last session produced as the tombstone, or forget it. */
async function forgetRecording(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const data = recordingData(currentState(action, ctx).data);
  if (!data) return ctx.state.remove(action.key);
  if (!data.sid || !data.resourceId) return saveOrRemove(action, ctx, data);
  const session: SessionRecord = {
    resourceId: data.resourceId,
    sid: data.sid,
    startedAt: data.startedAt,
    endedAt: ctx.clock.now(),
    end: 'exited',
    fileList: data.fileList,
    fileListMode: data.fileListMode,
  };
  await saveTombstone(action, ctx, data, session);
}

/** A recording that never ran this time: its earlier sessions stay as a tombstone, if it had any. */
async function saveOrRemove(action: PlannedAction, ctx: ExecuteContext, data: RecordingData): Promise<void> {
  const last = data.sessions?.at(-1);
  if (!last) return ctx.state.remove(action.key);
  await saveTombstone(action, ctx, data, last, data.sessions?.slice(0, -1));
}

async function saveTombstone(action: PlannedAction, ctx: ExecuteContext, data: RecordingData, final: SessionRecord, sessions = data.sessions): Promise<void> {
  await saveRecording(action, ctx, { cname: data.cname, uid: data.uid, mode: data.mode, sessions, stopped: final }, {});
}

async function updateRecording(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const spec = requireSpec(action, ctx);
  const state = currentState(action, ctx);
  const data = runningData(action, ctx);
  const calls = Array.isArray(action.detail.calls) ? action.detail.calls : [];
  // The intent is written as the first of the calls is sent.
  const intent = { signal: ctx.signal, beforeSend: () => saveRecording(action, ctx, data, { externalId: state.externalId, specHash: state.specHash, pending: { action: 'update', startedAt: ctx.clock.now(), detail: { calls } } }) };
  const updates = calls.includes('update');
  try {
    if (updates) await ctx.client.recordings.update(data.resourceId, data.sid, data.mode, updateBody(spec), intent);
    if (calls.includes('updateLayout')) await ctx.client.recordings.updateLayout(data.resourceId, data.sid, data.mode, updateLayoutBody(spec), updates ? undefined : intent);
  } catch (err) {
    await saveRecording(action, ctx, data, { externalId: state.externalId, specHash: state.specHash });
    if (vendorCode(err) === RECORDING_CODES.workerNotFound || (err as { status?: unknown }).status === 404) {
      // It exited between observe and update: the next plan sees that and starts it again.
      throw new ActionError(`${action.name}: the recording exited before it could be updated; the next run starts it again`, ACTION_ERROR.exited, (err as { requestId?: string }).requestId);
    }
    throw err;
  }
  await saveRecording(action, ctx, { ...data, applied: inPlaceValues(spec) }, { externalId: state.externalId, specHash: state.specHash });
}
