// What agoractl knows about a cloud player beyond what List returns, and how a manifest spec
// maps onto Agora's fields.
import { specHash } from '../spec-hash.ts';
import { appliedSpec, readAppliedSpec, sensitiveFields, type AppliedSpec, type SensitiveField } from '../applied-spec.ts';
import type { ObservedResource, KindState } from '../kind.ts';
import type { CloudPlayerSpec } from '../../manifest/types.ts';

export const KIND = 'CloudPlayer';

export type { CloudPlayerSpec };

/** Fields Agora's Update (PATCH with sequence) changes in place (agora-facts.md). */
export const UPDATABLE = ['streamUrl', 'audioOptions.volume', 'isPause', 'seekPosition', 'tempo'] as const;
export type UpdatablePath = (typeof UPDATABLE)[number];
export type UpdatableValue = string | number | boolean;
/** The updatable fields as last applied, by path. */
export type AppliedFields = Partial<Record<UpdatablePath, UpdatableValue>>;

/** Not part of the player Agora runs: how agoractl treats it, or a secret minted per create. */
const NOT_HASHED = ['restartPolicy', 'token'] as const;

/** Kept in state: the API never returns these. (A type alias, so decode can check a record is one.) */
export type PlayerData = {
  region: string;
  channelName: string;
  /** The last Update's sequence; the next one must be greater (agora-facts.md). */
  sequence: number;
  applied: AppliedFields;
  /** Client time (ms) of the create, to tell List's ~10 s lag from a destroyed player. */
  createdAt?: number;
  /** Unix seconds the player started playing, for playTs continuity when it is replaced. */
  playStartedAt?: number;
  lastStatus?: string;
  /** List has shown this player since it was created: from then on, its absence means it is gone. */
  seen?: boolean;
  updateFailures?: number;
  /**
   * The fields that force a replacement as last applied, beside region and channelName (above),
   * so a replace names what changed; absent in records written before data version 2.
   */
  appliedSpec?: AppliedSpec;
};

/** Data version 2 added appliedSpec. */
export const PLAYER_DATA_VERSION = 2;

/** A record's data: a player's, or `{}` while the first create of a new record is in flight. */
export type PlayerRecord = PlayerData | Record<string, never>;

/** What execute needs of a planned action (never a secret, never read from `changes`). */
export interface PlayerDetail {
  /** The hash of the manifest spec that execute records with the player (references, not secrets). */
  specHash?: string;
  /** The player acted on (delete, replace, update, adopt, conflict). */
  id?: string;
  /** The region of the desired player; a delete's is the recorded one. */
  region?: string;
  /** A replaced player's region, when state knows it: the delete goes there. */
  oldRegion?: string;
  /** An adopted player's createTs (Unix seconds). */
  createTs?: number;
  /** Unix seconds the new player starts playing at (a replacement resumes where the old one started). */
  playTs?: number;
  /** Client time (ms) before which a create is not sent: List's lag after an earlier create. */
  notBefore?: number;
  /** An earlier create of this player was sent and its answer lost: a 409 names ours. */
  earlierCreate?: true;
  /** The sequence the update uses, for people (execute takes the recorded one plus one). */
  sequence?: number;
  /** The fields an update sends. */
  paths?: UpdatablePath[];
  /** Hashes of the manifest's secret references, which execute records (it sees only resolved values). */
  sensitiveFields?: SensitiveField[];
}

const HASH_OMITS = [...UPDATABLE, ...NOT_HASHED];

// Not memoised: a cache keyed by spec cost a one-shot plan of 100,000 players about 150 ms of
// its 850 (the WeakMap, and the hashes it kept alive through every young-generation GC), to save
// the daemon a few hundred milliseconds once per full resync (every 10 minutes at that size).
export function playerHash(spec: object): string {
  return specHash(spec, HASH_OMITS);
}

const HASH_OMITTED: ReadonlySet<string> = new Set(HASH_OMITS);
/** Kept in PlayerData itself. */
const KEPT_BESIDE = new Set(['region', 'channelName']);

/** Paths that do not force a replacement (the spec hash leaves them out). */
export function notReplaced(path: string): boolean {
  return HASH_OMITTED.has(path);
}

function notStored(path: string): boolean {
  return HASH_OMITTED.has(path) || KEPT_BESIDE.has(path);
}

/** Hashes of the secret references of a manifest spec; undefined (no allocation) without encryption. */
export function playerSensitiveFields(spec: CloudPlayerSpec): SensitiveField[] | undefined {
  if (spec.encryptKey === undefined && spec.encryptKdfSalt === undefined) return undefined;
  return sensitiveFields(spec, notReplaced);
}

/** What a created or adopted player records of its spec: resolved secrets are skipped, the plan's hashes kept. */
export function appliedPlayerSpec(spec: object, sensitive: readonly SensitiveField[] | undefined): AppliedSpec {
  return appliedSpec(spec, notStored, sensitive);
}

/** The applied spec of a manifest spec taken as it is (an import): its secret references only as hashes. */
export function manifestAppliedSpec(spec: CloudPlayerSpec): AppliedSpec {
  return appliedPlayerSpec(spec, playerSensitiveFields(spec));
}

/** One updatable field of a spec (diff reads five per player: no path splitting). */
export function updatableValue(spec: UpdatableFields, path: UpdatablePath): UpdatableValue | undefined {
  switch (path) {
    case 'streamUrl':
      return spec.streamUrl;
    case 'audioOptions.volume':
      return spec.audioOptions?.volume;
    case 'isPause':
      return spec.isPause;
    case 'seekPosition':
      return spec.seekPosition;
    case 'tempo':
      return spec.tempo;
  }
}

/** The fields Update changes, which hold no secret: the same in a manifest spec and a resolved one. */
export type UpdatableFields = Pick<CloudPlayerSpec, 'streamUrl' | 'audioOptions' | 'isPause' | 'seekPosition' | 'tempo'>;

export function updatableValues(spec: UpdatableFields, paths: readonly UpdatablePath[] = UPDATABLE): AppliedFields {
  const values: AppliedFields = {};
  for (const path of paths) {
    const v = updatableValue(spec, path);
    if (v !== undefined) values[path] = v;
  }
  return values;
}

export function isSettled(data: PlayerRecord | undefined): data is PlayerData {
  return data !== undefined && typeof data.region === 'string';
}

/**
 * The state data of a player. Layout 1 is every layout agoractl wrote before it recorded the
 * applied spec: a player's, or `{}` written with a new record's create intent; layout 2 adds
 * appliedSpec. Read as it is when it has the current shape (no copy per record of a
 * 100,000-player plan); one with a region but fields missing or of another type is read with
 * defaults, as agoractl always read it. A version-1 record has no applied spec: a replace then
 * says what it cannot name.
 */
export function decodePlayer(data: Record<string, unknown>, version = 1): PlayerRecord | undefined {
  if (isPlayerData(data) && (version >= PLAYER_DATA_VERSION || data.appliedSpec === undefined)) return data;
  if (typeof data.region !== 'string') return Object.keys(data).length === 0 ? {} : undefined;
  const player: PlayerData = {
    region: data.region,
    channelName: typeof data.channelName === 'string' ? data.channelName : '',
    sequence: typeof data.sequence === 'number' ? data.sequence : 0,
    applied: isRecord(data.applied) ? appliedPart(data.applied) : {},
  };
  if (typeof data.createdAt === 'number') player.createdAt = data.createdAt;
  if (typeof data.playStartedAt === 'number') player.playStartedAt = data.playStartedAt;
  if (typeof data.lastStatus === 'string') player.lastStatus = data.lastStatus;
  if (typeof data.seen === 'boolean') player.seen = data.seen;
  if (typeof data.updateFailures === 'number') player.updateFailures = data.updateFailures;
  const spec = version >= PLAYER_DATA_VERSION ? readAppliedSpec(data.appliedSpec) : undefined;
  if (spec) player.appliedSpec = spec;
  return player;
}

function isPlayerData(data: Record<string, unknown>): data is Record<string, unknown> & PlayerData {
  return (
    typeof data.region === 'string' &&
    typeof data.channelName === 'string' &&
    typeof data.sequence === 'number' &&
    isRecord(data.applied) &&
    isApplied(data.applied) &&
    optional(data.createdAt, 'number') &&
    optional(data.playStartedAt, 'number') &&
    optional(data.lastStatus, 'string') &&
    optional(data.seen, 'boolean') &&
    optional(data.updateFailures, 'number') &&
    (data.appliedSpec === undefined || readAppliedSpec(data.appliedSpec) !== undefined)
  );
}

function optional(value: unknown, type: 'number' | 'string' | 'boolean'): boolean {
  return value === undefined || typeof value === type;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const UPDATABLE_PATHS: ReadonlySet<string> = new Set(UPDATABLE);

function isUpdatablePath(path: string): path is UpdatablePath {
  return UPDATABLE_PATHS.has(path);
}

function isUpdatableValue(value: unknown): value is UpdatableValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isApplied(applied: Record<string, unknown>): applied is AppliedFields {
  for (const path in applied) if (!isUpdatablePath(path) || !isUpdatableValue(applied[path])) return false;
  return true;
}

function appliedPart(applied: Record<string, unknown>): AppliedFields {
  const part: AppliedFields = {};
  for (const path of UPDATABLE) {
    const value = applied[path];
    if (isUpdatableValue(value)) part[path] = value;
  }
  return part;
}

/** The restart policy, with the schema's default. */
export function restartPolicy(spec: CloudPlayerSpec): 'Always' | 'OnFailure' | 'Never' {
  return spec.restartPolicy ?? 'Always';
}

/** Records the status List reported, so a player that failed and was then destroyed is known to have failed. */
export function refreshPlayer(state: KindState<PlayerRecord>, observed: ObservedResource | undefined): PlayerData | undefined {
  const data = state.data;
  if (!isSettled(data) || !observed || observed.externalId !== state.externalId) return undefined;
  const status = observed.status ?? data.lastStatus;
  if (data.seen && status === data.lastStatus) return undefined;
  return { ...data, lastStatus: status, seen: true };
}

/** Why a saved plan's action cannot have been planned from `state` (KindModule.savedActionProblem). */
export function playerSavedActionProblem(action: { type: string; detail: PlayerDetail }, state: { externalId?: string; pending?: { action: string }; data: PlayerRecord } | undefined): string | undefined {
  const { id, region, oldRegion, earlierCreate } = action.detail;
  if (earlierCreate && state?.pending?.action !== 'create') return 'it claims an earlier create in flight that the state does not record';
  switch (action.type) {
    case 'create':
      return id === undefined ? undefined : 'a create names a player id';
    case 'adopt':
    case 'conflict':
      return state ? `an ${action.type} of a player the state already records` : undefined;
    case 'update':
    case 'replace':
    case 'delete': {
      if (state?.externalId !== undefined && id !== state.externalId) return `it names player ${id ?? '(none)'}, the state records ${state.externalId}`;
      const recorded = isSettled(state?.data) ? state.data.region : undefined;
      const used = action.type === 'replace' ? (oldRegion ?? region) : action.type === 'delete' ? region : undefined;
      if (recorded !== undefined && used !== undefined && used !== recorded) return `it names region ${used}, the state records ${recorded}`;
      return undefined;
    }
    default:
      return undefined;
  }
}
