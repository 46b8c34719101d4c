// Deciding what a cloud player needs. Pure: the time is an input.
import type { ActionType, DiffInput, FieldChange, PlannedAction } from '../kind.ts';
import { plannedAction, type ActionExtra } from '../action.ts';
import { replacedFields, unrecordedChange } from '../applied-spec.ts';
import {
  KIND,
  UPDATABLE,
  isSettled,
  notReplaced,
  playerHash,
  playerSensitiveFields,
  restartPolicy,
  updatableValue,
  type CloudPlayerSpec,
  type PlayerData,
  type PlayerDetail,
  type PlayerRecord,
  type UpdatablePath,
} from './model.ts';

export { KIND };
/** List shows a new player only after about 10 s (media-pull-rest-api.txt); wait a margin more. */
export const DEFAULT_LIST_LAG_MS = 15_000;
/** playTs may lie at most 86400 s before the new player's createTs (media-pull-rest-api.txt). */
const PLAY_TS_WINDOW_S = 86_400;

const SECRET_FIELDS = new Set(['encryptKey', 'encryptKdfSalt', 'token']);

type Input = DiffInput<CloudPlayerSpec, PlayerRecord>;
type Action = PlannedAction<PlayerDetail>;

export function diffPlayer(input: Input, listLagMs = DEFAULT_LIST_LAG_MS): Action[] {
  const { desired, observed, state } = input;
  // The hash of the manifest spec (secret references, never values) goes with every action
  // that records the player, so execute stores exactly what the next diff compares with.
  const hash = desired ? playerHash(desired.spec) : undefined;
  const data = isSettled(state?.data) ? state.data : undefined;

  if (!desired) {
    if (!state) return [];
    // The recorded id first: a player List shows under this name with another id is not the one
    // agoractl made. Only a create in flight (no id recorded yet) is found by its name.
    const id = state.externalId ?? observed?.externalId;
    // Without an id or a create in flight, a player of this name is not one agoractl made (its
    // creates are written ahead as they are sent): it is never deleted.
    if (!id || (!state.externalId && state.pending?.action !== 'create')) return playerAction(input, hash, 'forget', 'removed from the manifests; it was never created');
    return playerAction(input, hash, 'delete', 'removed from the manifests', {
      detail: { id, region: data?.region },
      quotaDelta: observed ? -1 : 0,
      changes: [{ path: 'player', before: id }],
    });
  }

  const spec = desired.spec;
  const region = spec.region;

  // No record, or one whose player a replace deleted before its successor was sent.
  if (!state || (!state.externalId && !state.pending)) {
    if (!observed) return playerAction(input, hash, 'create', 'in the manifests, not in Agora', { quotaDelta: 1, detail: { region, ...secretsOf(spec) }, changes: creationChanges(spec) });
    const mismatch = observableMismatch(spec, observed.fields, OBSERVABLE);
    if (observed.partial || mismatch) {
      return playerAction(
        input,
        hash,
        'conflict',
        observed.partial
          ? `a player named ${input.name} exists (id ${observed.externalId}) and List did not return its fields to compare; delete it or rename the manifest`
          : `a player named ${input.name} exists (id ${observed.externalId}) with other ${(mismatch ?? []).map((c) => c.path).join(', ')}; delete it or rename the manifest`,
        { blocked: true, changes: mismatch ?? [], detail: { id: observed.externalId } },
      );
    }
    return playerAction(input, hash, 'adopt', `a player named ${input.name} already exists with the same channel, user and stream`, {
      detail: { id: observed.externalId, region, createTs: listedCreateTs(observed.fields), ...secretsOf(spec) },
    });
  }

  // An earlier create was sent and its answer was lost (or the process died waiting for it).
  // The name is deterministic, so the List this plan made settles it for every such player at
  // once, without a call of its own.
  if (state.pending?.action === 'create' && !state.externalId) {
    if (observed) {
      return playerAction(input, hash, 'adopt', 'an earlier create succeeded although its answer was lost', {
        detail: { id: observed.externalId, region, createTs: listedCreateTs(observed.fields), ...secretsOf(spec) },
      });
    }
    // List shows a new player only after its lag: absent from a List made later than that
    // means it was never made, so it is created (Agora's 409 would name it anyway, to adopt).
    // Sent more recently, it is created once the lag has passed, not blindly now.
    const notBefore = state.pending.startedAt + listLagMs;
    const waits = notBefore > input.now;
    return playerAction(
      input,
      hash,
      'create',
      waits
        ? "an earlier create has an unknown outcome and was sent less than List's lag ago; agoractl creates it again once the lag has passed (a 409 names the earlier one)"
        : 'an earlier create has an unknown outcome and List does not show it; agoractl creates it again (a 409 names the earlier one)',
      {
        quotaDelta: 1,
        detail: { region, earlierCreate: true, ...(waits ? { notBefore } : {}), ...secretsOf(spec) },
        changes: creationChanges(spec),
      },
    );
  }

  if (!observed) {
    // Until List has shown a new player once, its absence may be List's lag, not a destroy.
    if (!data?.seen && input.now - createdAtOf(state, data) < listLagMs) return [];
    const policy = restartPolicy(spec);
    const failed = data?.lastStatus === 'failed';
    if (policy === 'Never' || (policy === 'OnFailure' && !failed)) return [];
    return playerAction(input, hash, 'create', `it no longer exists in Agora (${failed ? 'it had failed' : 'destroyed'}); restartPolicy ${policy}`, {
      quotaDelta: 1,
      detail: { region, playTs: resumeAt(data, input.now), ...secretsOf(spec) },
      changes: creationChanges(spec),
    });
  }

  const policy = restartPolicy(spec);
  if (observed.status === 'failed' && policy !== 'Never') {
    return replacePlayer(input, hash, data, region, 'its status is failed', [{ path: 'status', before: 'failed', after: 'running' }], resumeAt(data, input.now));
  }
  if ((data?.updateFailures ?? 0) >= 3 && policy !== 'Never') {
    return replacePlayer(input, hash, data, region, 'three updates in a row answered 404 or 5xx: Agora counts the player as failed', [], resumeAt(data, input.now));
  }
  if (state.specHash !== hash) {
    const changes = [...replacedPlayerFields(spec, data), ...(updatableChanges(spec, data, observed.fields)?.changes ?? [])];
    return replacePlayer(input, hash, data, region, 'a field that Agora cannot update in place changed', changes, undefined);
  }
  // List's streamUrl is not identity: a different one is an update, below.
  const identity = observableMismatch(spec, observed.fields, IDENTITY);
  if (identity) {
    for (const change of identity) change.forcesReplacement = true;
    return replacePlayer(input, hash, data, region, 'its channel or user in Agora differs from the manifest', identity, undefined);
  }

  const update = updatableChanges(spec, data, observed.fields);
  if (update) {
    return playerAction(input, hash, 'update', 'fields Agora updates in place differ', {
      changes: update.changes,
      detail: { id: observed.externalId ?? state.externalId, region, sequence: (data?.sequence ?? 0) + 1, paths: update.paths },
    });
  }
  return [];
}

// Module functions, not closures made per call: a plan of 100,000 players is mostly players in
// sync, and each closure costs an allocation (and, under tsx's keepNames, a defineProperty).
function playerAction(input: Input, hash: string | undefined, type: ActionType, reason: string, extra?: ActionExtra<PlayerDetail>): Action[] {
  return [plannedAction<PlayerDetail>(input, KIND, type, reason, hash ? { specHash: hash } : {}, extra)];
}

function replacePlayer(
  input: Input,
  hash: string | undefined,
  data: PlayerData | undefined,
  region: string,
  reason: string,
  changes: FieldChange[],
  playTs: number | undefined,
): Action[] {
  return playerAction(input, hash, 'replace', reason, {
    changes,
    detail: { id: input.observed?.externalId ?? input.state?.externalId, region, oldRegion: data?.region, playTs, ...(input.desired ? secretsOf(input.desired.spec) : NO_SECRETS) },
  });
}

const NO_SECRETS: Partial<PlayerDetail> = Object.freeze({});

/** The detail that lets execute record the spec's secret references (as hashes); nothing for most players. */
function secretsOf(spec: CloudPlayerSpec): Partial<PlayerDetail> {
  const sensitiveFields = playerSensitiveFields(spec);
  return sensitiveFields ? { sensitiveFields } : NO_SECRETS;
}

/**
 * The fields that force a replacement and differ from what was applied. A record written before
 * agoractl recorded the applied spec knows only region and channelName: when neither differs,
 * the change is said to be unrecorded rather than guessed.
 */
function replacedPlayerFields(spec: CloudPlayerSpec, data: PlayerData | undefined): FieldChange[] {
  if (!data) return [unrecordedChange()];
  const kept = { region: data.region, channelName: data.channelName };
  if (data.appliedSpec) return replacedFields(data.appliedSpec, spec, notReplaced, kept);
  const named: FieldChange[] = [];
  if (kept.region !== spec.region) named.push({ path: 'region', before: kept.region, after: spec.region, forcesReplacement: true });
  if (kept.channelName !== spec.channelName) named.push({ path: 'channelName', before: kept.channelName, after: spec.channelName, forcesReplacement: true });
  return named.length > 0 ? named : [unrecordedChange()];
}

/** Fields List returns that identify the player Agora runs. */
const IDENTITY = ['channelName', 'uid', 'account'] as const;
/** What an existing player must match to be adopted. */
const OBSERVABLE = [...IDENTITY, 'streamUrl'] as const;

/** The fields of `paths` that differ; undefined when none does (the common case, which allocates nothing). */
function observableMismatch(spec: CloudPlayerSpec, fields: Record<string, unknown>, paths: readonly (typeof OBSERVABLE)[number][]): FieldChange[] | undefined {
  let changes: FieldChange[] | undefined;
  for (const path of paths) {
    // List leaves uid out for account players and the reverse; an absent field is not a difference.
    const listed = fields[path];
    if (listed === undefined) continue;
    if (listed !== spec[path]) (changes ??= []).push({ path, before: listed, after: spec[path] });
  }
  return changes;
}

/** The updatable fields whose desired value differs from the applied one; undefined when none does. */
function updatableChanges(spec: CloudPlayerSpec, data: PlayerData | undefined, observedFields: Record<string, unknown>): { changes: FieldChange[]; paths: UpdatablePath[] } | undefined {
  const applied = data?.applied;
  // List returns streamUrl: what Agora says wins over what agoractl remembers.
  const listedUrl = typeof observedFields.streamUrl === 'string' ? observedFields.streamUrl : undefined;
  let update: { changes: FieldChange[]; paths: UpdatablePath[] } | undefined;
  for (const path of UPDATABLE) {
    const want = updatableValue(spec, path);
    if (want === undefined) continue;
    const had = path === 'streamUrl' && listedUrl !== undefined ? listedUrl : applied?.[path];
    if (had === want) continue;
    update ??= { changes: [], paths: [] };
    update.changes.push({ path, before: had, after: want });
    update.paths.push(path);
  }
  return update;
}

/** List's createTs of a player (Unix seconds), when it returned one. */
function listedCreateTs(fields: Record<string, unknown>): number | undefined {
  return typeof fields.createTs === 'number' ? fields.createTs : undefined;
}

function creationChanges(spec: CloudPlayerSpec): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [k, v] of Object.entries(spec)) addCreationChanges(changes, v, k, firstSegment(k));
  return changes;
}

/** `top` is the first segment of `path`: a secret field is masked with everything under it. */
function addCreationChanges(changes: FieldChange[], value: unknown, path: string, top: string): void {
  if (SECRET_FIELDS.has(top)) {
    changes.push({ path, after: '(sensitive)', sensitive: true });
  } else if (isRecord(value)) {
    for (const k of Object.keys(value)) {
      if (path) addCreationChanges(changes, value[k], `${path}.${k}`, top);
      else addCreationChanges(changes, value[k], k, firstSegment(k));
    }
  } else {
    changes.push({ path, after: value });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstSegment(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
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

