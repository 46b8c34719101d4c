// Deciding what a cloud player needs. Pure: the time is an input.
import type { DiffInput, FieldChange, PlannedAction } from '../kind.ts';
import { actionFactory } from '../action.ts';
import { UPDATABLE, playerData, playerHash, restartPolicy, updatableValues, type PlayerData } from './model.ts';

export const KIND = 'CloudPlayer';
/** List shows a new player only after about 10 s (media-pull-rest-api.txt); wait a margin more. */
export const DEFAULT_LIST_LAG_MS = 15_000;
/** playTs may lie at most 86400 s before the new player's createTs (media-pull-rest-api.txt). */
const PLAY_TS_WINDOW_S = 86_400;

const SECRET_FIELDS = new Set(['encryptKey', 'encryptKdfSalt', 'token']);

export function diffPlayer(input: DiffInput, listLagMs = DEFAULT_LIST_LAG_MS): PlannedAction[] {
  const { desired, observed, state } = input;
  // The hash of the manifest spec (secret references, never values) goes with every action
  // that records the player, so execute stores exactly what the next diff compares with.
  const hash = desired ? playerHash(desired.spec) : undefined;
  const action = actionFactory(input, KIND, hash ? { specHash: hash } : {});
  const data = playerData(state?.data);

  if (!desired) {
    if (!state) return [];
    const id = observed?.externalId ?? state.externalId;
    if (!id) return [action('forget', 'removed from the manifests; it was never created')];
    return [
      action('delete', 'removed from the manifests', {
        detail: { id, region: data?.region },
        quotaDelta: observed ? -1 : 0,
        changes: [{ path: 'player', before: id }],
      }),
    ];
  }

  const spec = desired.spec;
  const region = String(spec.region);

  if (!state) {
    if (!observed) return [action('create', 'in the manifests, not in Agora', { quotaDelta: 1, detail: { region }, changes: creationChanges(spec) })];
    const mismatch = observableMismatch(spec, observed.fields);
    if (observed.partial || mismatch.length > 0) {
      return [
        action('conflict', observed.partial
          ? `a player named ${input.name} exists (id ${observed.externalId}) and List did not return its fields to compare; delete it or rename the manifest`
          : `a player named ${input.name} exists (id ${observed.externalId}) with other ${mismatch.map((c) => c.path).join(', ')}; delete it or rename the manifest`, {
          blocked: true,
          changes: mismatch,
          detail: { id: observed.externalId },
        }),
      ];
    }
    return [action('adopt', `a player named ${input.name} already exists with the same channel, user and stream`, { detail: { id: observed.externalId, region, createTs: observed.fields.createTs } })];
  }

  // An earlier create whose answer was lost: the name is deterministic, so observe it.
  if (state.pending?.action === 'create' && !state.externalId) {
    if (observed) return [action('adopt', 'an earlier create succeeded although its answer was lost', { detail: { id: observed.externalId, region, createTs: observed.fields.createTs } })];
    return [action('create', 'an earlier create has an unknown outcome; agoractl looks for it by name first', { quotaDelta: 1, detail: { region, resolveFirst: true }, changes: creationChanges(spec) })];
  }

  if (!observed) {
    // Until List has shown a new player once, its absence may be List's lag, not a destroy.
    if (!data?.seen && input.now - createdAtOf(state, data) < listLagMs) return [];
    const policy = restartPolicy(spec);
    const failed = data?.lastStatus === 'failed';
    if (policy === 'Never' || (policy === 'OnFailure' && !failed)) return [];
    return [
      action('create', `it no longer exists in Agora (${failed ? 'it had failed' : 'destroyed'}); restartPolicy ${policy}`, {
        quotaDelta: 1,
        detail: { region, playTs: resumeAt(data, input.now) },
        changes: creationChanges(spec),
      }),
    ];
  }

  const policy = restartPolicy(spec);
  if (observed.status === 'failed' && policy !== 'Never') {
    return [replace('its status is failed', [{ path: 'status', before: 'failed', after: 'running' }], resumeAt(data, input.now))];
  }
  if ((data?.updateFailures ?? 0) >= 3 && policy !== 'Never') {
    return [replace('three updates in a row answered 404 or 5xx: Agora counts the player as failed', [], resumeAt(data, input.now))];
  }
  if (state.specHash !== hash) {
    return [replace('a field that Agora cannot update in place changed', [{ path: 'spec', before: '(hash ' + state.specHash + ')', after: '(hash ' + hash + ')' }], undefined)];
  }
  const identity = observableMismatch(spec, observed.fields).filter((c) => c.path !== 'streamUrl');
  if (identity.length > 0) return [replace('its channel or user in Agora differs from the manifest', identity, undefined)];

  const changes = updatableChanges(spec, data, observed.fields);
  if (changes.length > 0) {
    return [
      action('update', 'fields Agora updates in place differ', {
        changes,
        detail: { id: observed.externalId ?? state.externalId, region, sequence: (data?.sequence ?? 0) + 1 },
      }),
    ];
  }
  return [];

  function replace(reason: string, changes: FieldChange[], playTs: number | undefined): PlannedAction {
    return action('replace', reason, { changes, detail: { id: observed?.externalId ?? state?.externalId, region, oldRegion: data?.region, playTs } });
  }
}

function observableMismatch(spec: Record<string, unknown>, fields: Record<string, unknown>): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const path of ['channelName', 'uid', 'account', 'streamUrl']) {
    if (fields[path] === undefined && spec[path] === undefined) continue;
    // List leaves uid out for account players and the reverse; an absent field is not a difference.
    if (fields[path] === undefined) continue;
    if (fields[path] !== spec[path]) changes.push({ path, before: fields[path], after: spec[path] });
  }
  return changes;
}

function updatableChanges(spec: Record<string, unknown>, data: PlayerData | undefined, observedFields: Record<string, unknown>): FieldChange[] {
  const want = updatableValues(spec);
  const had = { ...(data?.applied ?? {}) };
  // List returns streamUrl: what Agora says wins over what agoractl remembers.
  if (typeof observedFields.streamUrl === 'string') had.streamUrl = observedFields.streamUrl;
  const changes: FieldChange[] = [];
  for (const path of UPDATABLE) {
    if (want[path] === undefined) continue;
    if (had[path] !== want[path]) changes.push({ path, before: had[path], after: want[path] });
  }
  return changes;
}

function creationChanges(spec: Record<string, unknown>): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (value: unknown, path: string): void => {
    const top = path.split('.')[0] ?? path;
    if (SECRET_FIELDS.has(top)) {
      changes.push({ path, after: '(sensitive)', sensitive: true });
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    } else {
      changes.push({ path, after: value });
    }
  };
  for (const [k, v] of Object.entries(spec)) walk(v, k);
  return changes;
}

export function createdAtOf(state: { updatedAt: number }, data: PlayerData | undefined): number {
  return data?.createdAt ?? state.updatedAt;
}

/** When a replacement should start playing: where the old one started, if Agora still allows it. */
function resumeAt(data: PlayerData | undefined, now: number): number | undefined {
  const started = data?.playStartedAt;
  if (started === undefined) return undefined;
  return Math.floor(now / 1000) - started < PLAY_TS_WINDOW_S ? started : undefined;
}

