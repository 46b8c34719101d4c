// Carrying out a planned cloud player action. Every mutation is written ahead to state as its
// request is sent (not while it waits for the rate limiter), and an answer that leaves the
// outcome unknown is resolved by the player's name, which Agora keeps unique per project
// (crossplane's external-create-pending, made safe by a deterministic external name).
import type { ExecuteContext, PlannedAction } from '../kind.ts';
import { ACTION_ERROR, ActionError } from '../action-error.ts';
import type { ResourceState } from '../../state/types.ts';
import { mintRtcToken } from '../../agora/tokens.ts';
import type { PlayerCreateBody } from '../../agora/client.ts';
import { LIST_PAGE_SIZE } from '../../agora/players.ts';
import { get, updatableValues, type PlayerData, type UpdatablePath } from './model.ts';

const MAX_RESOLVE_ATTEMPTS = 3;

export async function executePlayer(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  switch (action.type) {
    case 'create':
      return createPlayer(action, ctx);
    case 'adopt':
      return recordPlayer(action, ctx, String(action.detail.id), numberOr(action.detail.createTs));
    case 'update':
      return updatePlayer(action, ctx);
    case 'delete':
      await deletePlayer(action, ctx, String(action.detail.id), String(action.detail.region));
      await ctx.state.remove(action.key);
      return;
    case 'replace':
      await deletePlayer(action, ctx, String(action.detail.id), String(action.detail.oldRegion ?? action.detail.region));
      await recordDeleted(action, ctx);
      return createPlayer(action, ctx);
    case 'forget':
      return ctx.state.remove(action.key);
    case 'conflict':
      throw new ActionError(action.reason, ACTION_ERROR.conflict);
  }
}

async function createPlayer(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const spec = requireSpec(action, ctx);
  const region = String(spec.region);
  // An earlier create of this player was sent and its answer never came (diff.ts). Its player,
  // if it was made, has this name: Agora's 409 then names it, and it is ours.
  const again = action.detail.earlierCreate === true;
  const notBefore = numberOr(action.detail.notBefore);
  if (notBefore !== undefined) await sleepUntil(ctx, notBefore);
  const body = createBody(action, spec, ctx, numberOr(action.detail.playTs));
  const streamIp = typeof spec.streamIp === 'string' ? spec.streamIp : undefined;
  // The intent goes to disk when the request is sent, not while it waits for the rate limiter:
  // a create still waiting when the process dies has made nothing, and must not be left to
  // resolve as an unknown outcome. The old id (of a replaced player) is dropped with it.
  const writeIntent = async (): Promise<void> => {
    const now = ctx.clock.now();
    await ctx.state.put({ ...baseState(action, ctx), externalId: undefined, pending: { action: 'create', startedAt: now }, updatedAt: now });
  };

  for (let attempt = 1; attempt <= MAX_RESOLVE_ATTEMPTS; attempt++) {
    const result = await ctx.client.players.create(region, body, { streamIp, ...(attempt === 1 ? { beforeSend: writeIntent, signal: ctx.signal } : {}) });
    if (result.outcome === 'created') {
      await recordPlayer(action, ctx, result.player.id, result.player.createTs, numberOr(body.playTs));
      return applyInitialUpdates(action, ctx, spec);
    }
    if (result.outcome === 'conflict') {
      // Ours only if an earlier attempt of this same create may have made it.
      if (attempt > 1 || again) {
        await recordPlayer(action, ctx, result.existingId, undefined, numberOr(body.playTs));
        return applyInitialUpdates(action, ctx, spec);
      }
      await ctx.state.put({ ...baseState(action, ctx), updatedAt: ctx.clock.now() });
      await ctx.state.remove(action.key);
      throw new ActionError(`a player named ${action.name} was created by someone else meanwhile (id ${result.existingId})`, ACTION_ERROR.conflict);
    }
    // Outcome unknown: look for the name; if List does not show it (yet), creating again is
    // safe, because a second create of one name answers 409 with the first one's id.
    ctx.logger.warn({ event: 'create_outcome_unknown', key: action.key, requestId: result.requestId, cause: result.cause }, 'create outcome unknown; observing');
    const found = await findByName(ctx, String(spec.channelName), action.name);
    if (found) {
      await recordPlayer(action, ctx, found.id, found.createTs, numberOr(body.playTs));
      return applyInitialUpdates(action, ctx, spec);
    }
  }
  throw new ActionError(`the outcome of creating ${action.name} stayed unknown after ${MAX_RESOLVE_ATTEMPTS} attempts; the next run resolves it by name`, ACTION_ERROR.outcomeUnknown);
}

/** Waits until the client clock reads `at`; an apply interrupted meanwhile sends nothing. */
async function sleepUntil(ctx: ExecuteContext, at: number): Promise<void> {
  const wait = at - ctx.clock.now();
  if (wait > 0) await ctx.clock.sleep(wait, ctx.signal);
}

/** Create takes no pause, tempo or volume: a player that must start with them is updated once. */
async function applyInitialUpdates(action: PlannedAction, ctx: ExecuteContext, spec: Record<string, unknown>): Promise<void> {
  const patch = updatePatch(spec, ['isPause', 'tempo', 'audioOptions.volume']);
  if (Object.keys(patch).length === 0) return;
  await updateWithSequence(action, ctx, patch);
}

async function updatePlayer(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  const spec = requireSpec(action, ctx);
  const paths = action.changes.map((c) => c.path as UpdatablePath);
  await updateWithSequence(action, ctx, updatePatch(spec, paths));
}

async function updateWithSequence(action: PlannedAction, ctx: ExecuteContext, patch: Record<string, unknown>): Promise<void> {
  const state = ctx.state.get(action.key);
  const data = state?.data as PlayerData | undefined;
  if (!state?.externalId || !data) throw new ActionError(`${action.key} has no player id in state`, ACTION_ERROR.notInState);
  const sequence = data.sequence + 1;
  // The sequence is recorded as the request is sent: a lost answer must not make the next
  // update reuse it (one never sent may: Agora never saw it).
  const writeIntent = (): Promise<void> =>
    ctx.state.put({ ...state, data: { ...data, sequence }, pending: { action: 'update', startedAt: ctx.clock.now() }, updatedAt: ctx.clock.now() });
  try {
    await ctx.client.players.update(data.region, state.externalId, sequence, patch, { beforeSend: writeIntent, signal: ctx.signal });
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    const failures = typeof status === 'number' && (status === 404 || status >= 500) ? (data.updateFailures ?? 0) + 1 : data.updateFailures ?? 0;
    await ctx.state.put({ ...state, data: { ...data, sequence, updateFailures: failures }, updatedAt: ctx.clock.now() });
    throw err;
  }
  const spec = requireSpec(action, ctx);
  await ctx.state.put({
    ...state,
    specHash: specHashOf(action),
    data: { ...data, sequence, applied: updatableValues(spec), updateFailures: 0 },
    pending: undefined,
    updatedAt: ctx.clock.now(),
  });
}

async function deletePlayer(action: PlannedAction, ctx: ExecuteContext, id: string, region: string): Promise<void> {
  const writeIntent = async (): Promise<void> => {
    const state = ctx.state.get(action.key);
    if (state) await ctx.state.put({ ...state, pending: { action: 'delete', startedAt: ctx.clock.now() }, updatedAt: ctx.clock.now() });
  };
  // Delete is idempotent (a destroyed player answers 2XX, agora-facts.md), so an unknown
  // outcome is settled by deleting again.
  for (let attempt = 1; attempt <= MAX_RESOLVE_ATTEMPTS; attempt++) {
    const result = await ctx.client.players.delete(region, id, attempt === 1 ? { beforeSend: writeIntent, signal: ctx.signal } : {});
    if (result.outcome === 'deleted') return;
    ctx.logger.warn({ event: 'delete_outcome_unknown', key: action.key, requestId: result.requestId }, 'delete outcome unknown; deleting again');
  }
  throw new ActionError(`deleting ${action.name} (id ${id}) stayed unknown after ${MAX_RESOLVE_ATTEMPTS} attempts`, ACTION_ERROR.outcomeUnknown);
}

/**
 * The old player of a replace is gone and its successor not yet sent: state keeps the record
 * without an id or intent, which diff reads as "in the manifests, not in Agora" (create it),
 * whatever the restartPolicy, should the process stop before the create goes out.
 */
async function recordDeleted(action: PlannedAction, ctx: ExecuteContext): Promise<void> {
  await ctx.state.put({ ...baseState(action, ctx), externalId: undefined, pending: undefined, updatedAt: ctx.clock.now() });
}

async function recordPlayer(action: PlannedAction, ctx: ExecuteContext, id: string, createTs?: number, playTs?: number): Promise<void> {
  const spec = requireSpec(action, ctx);
  const now = ctx.clock.now();
  const startedAt = playTs && playTs > 0 ? playTs : createTs ?? Math.floor(now / 1000);
  const data: PlayerData = {
    region: String(spec.region),
    channelName: String(spec.channelName),
    sequence: 0,
    applied: updatableValues({ streamUrl: spec.streamUrl, seekPosition: spec.seekPosition }),
    createdAt: now,
    playStartedAt: startedAt,
    lastStatus: 'connecting',
  };
  await ctx.state.put({ ...baseState(action, ctx), externalId: id, specHash: specHashOf(action), data: { ...data }, pending: undefined, updatedAt: now });
}

async function findByName(ctx: ExecuteContext, channelName: string, name: string): Promise<{ id: string; createTs?: number } | undefined> {
  for await (const page of ctx.client.players.list({ channelName, pageSize: LIST_PAGE_SIZE })) {
    const hit = page.players.find((p) => p.name === name);
    if (hit) return { id: hit.id, createTs: hit.createTs };
  }
  return undefined;
}

function createBody(action: PlannedAction, spec: Record<string, unknown>, ctx: ExecuteContext, playTs: number | undefined): PlayerCreateBody {
  const body: Record<string, unknown> = { name: action.name };
  for (const field of ['channelName', 'uid', 'account', 'streamUrl', 'idleTimeout', 'playTs', 'repeatTime', 'seekPosition', 'encryptMode', 'encryptKey', 'encryptKdfSalt', 'videoOptions', 'dataStreamOptions']) {
    if (spec[field] !== undefined) body[field] = spec[field];
  }
  const audio = spec.audioOptions as Record<string, unknown> | undefined;
  if (audio?.profile !== undefined) body.audioOptions = { profile: audio.profile };
  if (playTs !== undefined) body.playTs = playTs;
  const token = playerToken(spec, ctx);
  if (token !== undefined) body.token = token;
  // The spec passed the CloudPlayer schema, which holds every constraint of Create's body.
  return body as unknown as PlayerCreateBody;
}

function playerToken(spec: Record<string, unknown>, ctx: ExecuteContext): string | undefined {
  const token = spec.token;
  if (typeof token === 'string') return token;
  if (token && typeof token === 'object' && (token as { generate?: unknown }).generate === true) {
    if (!ctx.project.appCertificate) throw new ActionError('token: { generate: true } needs Project.spec.appCertificate', ACTION_ERROR.noAppCertificate);
    // Minted fresh on every create: a token lasts at most 24 h (media-pull-rest-api.txt).
    return mintRtcToken({
      appId: ctx.project.appId,
      appCertificate: ctx.project.appCertificate,
      channelName: String(spec.channelName),
      uid: typeof spec.uid === 'number' ? spec.uid : undefined,
      account: typeof spec.account === 'string' ? spec.account : undefined,
      now: ctx.clock.now(),
    });
  }
  return undefined;
}

function updatePatch(spec: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const path of paths) {
    const value = get(spec, path);
    if (value === undefined) continue;
    if (path === 'audioOptions.volume') patch.audioOptions = { volume: value };
    else patch[path] = value;
  }
  return patch;
}

function requireSpec(action: PlannedAction, ctx: ExecuteContext): Record<string, unknown> {
  const spec = ctx.resolvedSpec(action.key);
  if (!spec) throw new ActionError(`${action.key} is not in the manifests`, ACTION_ERROR.notDesired);
  return spec;
}

function baseState(action: PlannedAction, ctx: ExecuteContext): ResourceState {
  const existing = ctx.state.get(action.key);
  return existing ?? { key: action.key, project: action.project, kind: action.kind, name: action.name, data: {}, updatedAt: ctx.clock.now() };
}

/** The hash diff computed from the manifest (references, not resolved secrets). */
function specHashOf(action: PlannedAction): string | undefined {
  return typeof action.detail.specHash === 'string' ? action.detail.specHash : undefined;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
