// Carrying out a planned cloud player action. Every mutation goes through ctx.send, which writes
// it ahead to state as its request is sent (not while it waits for the rate limiter). An answer
// that leaves a create's outcome unknown is resolved by the player's name, which Agora keeps
// unique per project (crossplane's external-create-pending, made safe by a deterministic
// external name): resolvePlayer, which the engine calls before it repeats the action.
import type { ExecuteContext, Outcome, PlannedAction } from '../kind.ts';
import { ActionError, ACTION_ERROR } from '../action-error.ts';
import { AgoraApiError } from '../../agora/errors.ts';
import { mintRtcToken } from '../../agora/tokens.ts';
import type { PlayerCreateBody, PlayerUpdatePatch } from '../../agora/client.ts';
import { LIST_PAGE_SIZE } from '../../agora/players.ts';
import { appliedPlayerSpec, isSettled, updatableValues, type CloudPlayerSpec, type PlayerData, type PlayerDetail, type PlayerRecord, type UpdatablePath } from './model.ts';
import type { Resolved } from '../../manifest/types.ts';

type Context = ExecuteContext<CloudPlayerSpec, PlayerRecord>;
/** The spec with its secret references replaced by their values. */
type ResolvedSpec = Resolved<CloudPlayerSpec>;
type Action = PlannedAction<PlayerDetail>;
type PlayerOutcome = Outcome<PlayerRecord>;
type Unknown = Extract<PlayerOutcome, { type: 'unknown' }>;

/** Create takes no pause, tempo or volume: a player that must start with them is updated once. */
const INITIAL_UPDATES: readonly UpdatablePath[] = ['isPause', 'tempo', 'audioOptions.volume'];

export async function executePlayer(action: Action, ctx: Context): Promise<PlayerOutcome> {
  switch (action.type) {
    case 'create':
      return createPlayer(action, ctx);
    case 'adopt':
      return createdOutcome(action, requireSpec(action, ctx), ctx, requireId(action), action.detail.createTs, undefined);
    case 'update':
      return updatePlayer(action, ctx);
    case 'delete':
      return deletePlayer(ctx, requireId(action), requireRegion(action, action.detail.region));
    case 'replace':
      return replacePlayer(action, ctx);
    case 'forget':
      return { type: 'removed' };
    case 'conflict':
      throw new ActionError(action.reason, ACTION_ERROR.conflict);
  }
}

/**
 * After an unknown outcome: a create's player, if it was made, has the action's name. Found,
 * it is finished here (recorded, and given the initial update a create cannot carry: the
 * engine records what this returns and repeats nothing). Not found, or not a create that was
 * in flight (a delete's unknown outcome, even a replace's), repeating the action is safe: a
 * second create of one name answers 409 with the first one's id, and a delete is idempotent.
 */
export async function resolvePlayer(action: Action, ctx: Context): Promise<PlayerOutcome | undefined> {
  if (action.type !== 'create' && action.type !== 'replace') return undefined;
  if (ctx.current()?.pending?.action !== 'create') return undefined;
  const spec = requireSpec(action, ctx);
  // A replaced player has the same name; List may still show it just after its delete.
  const replaced = action.type === 'replace' ? action.detail.id : undefined;
  const found = await findByName(ctx, spec.channelName, action.name, replaced);
  if (!found) return undefined;
  return created(action, spec, ctx, found.id, found.createTs, createPlayTs(action, spec));
}

async function createPlayer(action: Action, ctx: Context): Promise<PlayerOutcome> {
  const spec = requireSpec(action, ctx);
  const { notBefore } = action.detail;
  if (notBefore !== undefined) await sleepUntil(ctx, notBefore);
  const body = createBody(action, spec, ctx);
  // The old id (of a replaced player) is dropped with the intent.
  const result = await ctx.send({ action: 'create', clearExternalId: true }, (hooks, client) => client.players.create(spec.region, body, { streamIp: spec.streamIp, ...hooks }));
  if (result.outcome === 'created') return created(action, spec, ctx, result.player.id, result.player.createTs, body.playTs);
  if (result.outcome === 'conflict') {
    // Ours only if an earlier attempt of this same create (this run's, or one whose answer was
    // lost before, diff.ts) may have made it.
    if (ctx.attempt > 1 || action.detail.earlierCreate) return created(action, spec, ctx, result.existingId, undefined, body.playTs);
    // Someone else's: no create of ours is in flight, and the record must not say one is.
    await ctx.record({ type: 'removed' });
    throw new ActionError(`a player named ${action.name} was created by someone else meanwhile (id ${result.existingId})`, ACTION_ERROR.conflict, result.requestId);
  }
  return { type: 'unknown', requestId: result.requestId, cause: result.cause };
}

/** Waits until the client clock reads `at`; an apply interrupted meanwhile sends nothing. */
async function sleepUntil(ctx: Context, at: number): Promise<void> {
  const wait = at - ctx.clock.now();
  if (wait > 0) await ctx.clock.sleep(wait, ctx.signal);
}

/**
 * A new player exists. Its initial update goes out once it is recorded, with the next sequence,
 * so a failed update leaves a recorded player (and its failure count) behind, as any update does.
 */
async function created(action: Action, spec: ResolvedSpec, ctx: Context, id: string, createTs: number | undefined, playTs: number | undefined): Promise<PlayerOutcome> {
  const outcome = createdOutcome(action, spec, ctx, id, createTs, playTs);
  const patch = updatePatch(spec, INITIAL_UPDATES);
  if (Object.keys(patch).length === 0) return outcome;
  await ctx.record(outcome);
  return updateWithSequence(action, spec, ctx, patch);
}

function createdOutcome(action: Action, spec: ResolvedSpec, ctx: Context, id: string, createTs: number | undefined, playTs: number | undefined): PlayerOutcome {
  const now = ctx.clock.now();
  const data: PlayerData = {
    region: spec.region,
    channelName: spec.channelName,
    sequence: 0,
    applied: updatableValues(spec, ['streamUrl', 'seekPosition']),
    createdAt: now,
    playStartedAt: playTs && playTs > 0 ? playTs : (createTs ?? Math.floor(now / 1000)),
    lastStatus: 'connecting',
    // Recorded with the spec hash, so a later replace can name what changed.
    appliedSpec: appliedPlayerSpec(spec, action.detail.sensitiveFields),
  };
  return { type: 'recorded', externalId: id, specHash: action.detail.specHash, data };
}

async function updatePlayer(action: Action, ctx: Context): Promise<PlayerOutcome> {
  const spec = requireSpec(action, ctx);
  return updateWithSequence(action, spec, ctx, updatePatch(spec, action.detail.paths ?? []));
}

async function updateWithSequence(action: Action, spec: ResolvedSpec, ctx: Context, patch: PlayerUpdatePatch): Promise<PlayerOutcome> {
  const state = ctx.current();
  const data = state?.data;
  const id = state?.externalId;
  if (!id || !isSettled(data)) throw new ActionError(`${action.key} has no player id in state`, ACTION_ERROR.notInState);
  // The sequence is recorded as the request is sent: a lost answer must not make the next
  // update reuse it (one never sent may: Agora never saw it).
  const sequence = data.sequence + 1;
  try {
    await ctx.send({ action: 'update', data: { ...data, sequence } }, (hooks, client) => client.players.update(data.region, id, sequence, patch, hooks));
  } catch (err) {
    // Agora counts three 404 or 5xx answers to updates in a row as a failed player (diff.ts).
    const failed = err instanceof AgoraApiError && (err.status === 404 || err.status >= 500);
    const updateFailures = failed ? (data.updateFailures ?? 0) + 1 : (data.updateFailures ?? 0);
    await ctx.record({ type: 'recorded', externalId: id, specHash: state.specHash, data: { ...data, sequence, updateFailures } });
    throw err;
  }
  return { type: 'recorded', externalId: id, specHash: action.detail.specHash, data: { ...data, sequence, applied: updatableValues(spec), updateFailures: 0 } };
}

/** Delete is idempotent (a destroyed player answers 2XX, agora-facts.md): an unknown outcome is settled by deleting again. */
async function deletePlayer(ctx: Context, id: string, region: string): Promise<{ type: 'removed' } | Unknown> {
  const result = await ctx.send({ action: 'delete' }, (hooks, client) => client.players.delete(region, id, hooks));
  return result.outcome === 'deleted' ? { type: 'removed' } : { type: 'unknown', requestId: result.requestId, cause: result.cause };
}

async function replacePlayer(action: Action, ctx: Context): Promise<PlayerOutcome> {
  // A repeat after the create's outcome was unknown finds the old player deleted already (the
  // record lost its id); after the delete's, the record still has it and deletes again.
  const deleted = ctx.attempt > 1 && ctx.current()?.externalId === undefined;
  if (!deleted) {
    const outcome = await deletePlayer(ctx, requireId(action), requireRegion(action, action.detail.oldRegion ?? action.detail.region));
    if (outcome.type === 'unknown') return outcome;
    // The old player is gone and its successor not yet sent: state keeps the record without an
    // id or intent, which diff reads as "in the manifests, not in Agora" (create it), whatever
    // the restartPolicy, should the process stop before the create goes out.
    await ctx.record({ type: 'recorded', data: ctx.current()?.data ?? {} });
  }
  return createPlayer(action, ctx);
}

async function findByName(ctx: Context, channelName: string, name: string, except: string | undefined): Promise<{ id: string; createTs?: number } | undefined> {
  for await (const page of ctx.client.players.list({ channelName, pageSize: LIST_PAGE_SIZE })) {
    const hit = page.players.find((p) => p.name === name && p.id !== except);
    if (hit) return { id: hit.id, createTs: hit.createTs };
  }
  return undefined;
}

/** When the new player starts playing: the plan's resume point, or the manifest's playTs. */
function createPlayTs(action: Action, spec: ResolvedSpec): number | undefined {
  return action.detail.playTs ?? spec.playTs;
}

function createBody(action: Action, spec: ResolvedSpec, ctx: Context): PlayerCreateBody {
  // The spec passed the CloudPlayer schema, which holds every constraint of Create's body.
  const body: PlayerCreateBody = { name: action.name, channelName: spec.channelName, streamUrl: spec.streamUrl };
  if (spec.uid !== undefined) body.uid = spec.uid;
  if (spec.account !== undefined) body.account = spec.account;
  if (spec.idleTimeout !== undefined) body.idleTimeout = spec.idleTimeout;
  if (spec.repeatTime !== undefined) body.repeatTime = spec.repeatTime;
  if (spec.seekPosition !== undefined) body.seekPosition = spec.seekPosition;
  if (spec.encryptMode !== undefined) body.encryptMode = spec.encryptMode;
  const encryptKey = spec.encryptKey;
  if (encryptKey !== undefined) body.encryptKey = encryptKey;
  const encryptKdfSalt = spec.encryptKdfSalt;
  if (encryptKdfSalt !== undefined) body.encryptKdfSalt = encryptKdfSalt;
  if (spec.videoOptions !== undefined) body.videoOptions = spec.videoOptions;
  if (spec.dataStreamOptions !== undefined) body.dataStreamOptions = spec.dataStreamOptions;
  if (spec.audioOptions?.profile !== undefined) body.audioOptions = { profile: spec.audioOptions.profile };
  const playTs = createPlayTs(action, spec);
  if (playTs !== undefined) body.playTs = playTs;
  const token = playerToken(spec, ctx);
  if (token !== undefined) body.token = token;
  return body;
}

function playerToken(spec: ResolvedSpec, ctx: Context): string | undefined {
  const token = spec.token;
  if (typeof token === 'string') return token;
  if (token?.generate) {
    if (!ctx.project.appCertificate) throw new ActionError('token: { generate: true } needs Project.spec.appCertificate', ACTION_ERROR.noAppCertificate);
    // Minted fresh on every create: a token lasts at most 24 h (media-pull-rest-api.txt).
    return mintRtcToken({
      appId: ctx.project.appId,
      appCertificate: ctx.project.appCertificate,
      channelName: spec.channelName,
      uid: spec.uid,
      account: spec.account,
      now: ctx.clock.now(),
    });
  }
  return undefined;
}

function updatePatch(spec: ResolvedSpec, paths: readonly UpdatablePath[]): PlayerUpdatePatch {
  const patch: PlayerUpdatePatch = {};
  for (const path of paths) {
    switch (path) {
      case 'streamUrl':
        patch.streamUrl = spec.streamUrl;
        break;
      case 'audioOptions.volume':
        if (spec.audioOptions?.volume !== undefined) patch.audioOptions = { volume: spec.audioOptions.volume };
        break;
      case 'isPause':
        if (spec.isPause !== undefined) patch.isPause = spec.isPause;
        break;
      case 'seekPosition':
        if (spec.seekPosition !== undefined) patch.seekPosition = spec.seekPosition;
        break;
      case 'tempo':
        if (spec.tempo !== undefined) patch.tempo = spec.tempo;
        break;
    }
  }
  return patch;
}

function requireSpec(action: Action, ctx: Context): ResolvedSpec {
  if (!ctx.spec) throw new ActionError(`${action.key} is not in the manifests`, ACTION_ERROR.notDesired);
  return ctx.spec;
}

function requireId(action: Action): string {
  if (action.detail.id === undefined) throw new ActionError(`${action.key}: the plan names no player id`, ACTION_ERROR.notInState);
  return action.detail.id;
}

function requireRegion(action: Action, region: string | undefined): string {
  if (region === undefined) throw new ActionError(`${action.key}: state does not say which region its player (id ${action.detail.id}) runs in`, ACTION_ERROR.notInState);
  return region;
}
