// What agoractl knows about a cloud player beyond what List returns, and how a manifest spec
// maps onto Agora's fields.
import { specHash } from '../spec-hash.ts';
import type { ObservedResource } from '../kind.ts';
import type { ResourceState } from '../../state/types.ts';

/** Fields Agora's Update (PATCH with sequence) changes in place (agora-facts.md). */
export const UPDATABLE = ['streamUrl', 'audioOptions.volume', 'isPause', 'seekPosition', 'tempo'] as const;
export type UpdatablePath = (typeof UPDATABLE)[number];

/** Not part of the player Agora runs: how agoractl treats it, or a secret minted per create. */
const NOT_HASHED = ['restartPolicy', 'token'] as const;

/** Kept in state: the API never returns these. */
export interface PlayerData {
  region: string;
  channelName: string;
  /** The last Update's sequence; the next one must be greater (agora-facts.md). */
  sequence: number;
  /** The updatable fields as last applied. */
  applied: Partial<Record<UpdatablePath, unknown>>;
  /** Client time (ms) of the create, to tell List's ~10 s lag from a destroyed player. */
  createdAt?: number;
  /** Unix seconds the player started playing, for playTs continuity when it is replaced. */
  playStartedAt?: number;
  lastStatus?: string;
  /** List has shown this player since it was created: from then on, its absence means it is gone. */
  seen?: boolean;
  updateFailures?: number;
}

const HASH_OMITS = [...UPDATABLE, ...NOT_HASHED];

// Not memoised: a cache keyed by spec cost a one-shot plan of 100,000 players about 150 ms of
// its 850 (the WeakMap, and the hashes it kept alive through every young-generation GC), to save
// the daemon a few hundred milliseconds once per full resync (every 10 minutes at that size).
export function playerHash(spec: Record<string, unknown>): string {
  return specHash(spec, HASH_OMITS);
}

const SPLIT_PATHS = new Map<string, string[]>();

export function get(obj: Record<string, unknown>, path: string): unknown {
  let parts = SPLIT_PATHS.get(path);
  if (!parts) {
    parts = path.split('.');
    SPLIT_PATHS.set(path, parts);
  }
  let node: unknown = obj;
  for (const part of parts) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** One updatable field of a spec; a top-level one without splitting its path (diff reads five per player). */
export function updatableValue(spec: Record<string, unknown>, path: UpdatablePath): unknown {
  return path.includes('.') ? get(spec, path) : spec[path];
}

export function updatableValues(spec: Record<string, unknown>): Partial<Record<UpdatablePath, unknown>> {
  const values: Partial<Record<UpdatablePath, unknown>> = {};
  for (const path of UPDATABLE) {
    const v = updatableValue(spec, path);
    if (v !== undefined) values[path] = v;
  }
  return values;
}

export function playerData(data: Record<string, unknown> | undefined): PlayerData | undefined {
  if (!data || typeof data.region !== 'string') return undefined;
  return data as unknown as PlayerData;
}

/** The restart policy, with the schema's default. */
export function restartPolicy(spec: Record<string, unknown>): 'Always' | 'OnFailure' | 'Never' {
  const p = spec.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** Records the status List reported, so a player that failed and was then destroyed is known to have failed. */
export function refreshPlayer(state: ResourceState, observed: ObservedResource | undefined, now: number): ResourceState | undefined {
  const data = playerData(state.data);
  if (!data || !observed || observed.externalId !== state.externalId) return undefined;
  const status = observed.status ?? data.lastStatus;
  if (data.seen && status === data.lastStatus) return undefined;
  return { ...state, data: { ...state.data, lastStatus: status, seen: true }, updatedAt: now };
}
