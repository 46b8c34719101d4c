// Deciding what a cloud recording needs. Pure: it reads the spec, what query said and what
// state remembers (query returns neither the spec nor the ids; cloud-recording-rest-api.txt).
import type { DiffInput, FieldChange, PlannedAction } from '../kind.ts';
import { isSecretLikeName } from '../../state/secrets.ts';
import { actionFactory } from '../action.ts';
import { replacedFields, unrecordedChange } from '../applied-spec.ts';
import {
  KIND,
  NOTHING_SKIPPED,
  inPlaceValues,
  isRecording,
  isTombstone,
  recordingHash,
  recordingMode,
  recordingSensitiveFields,
  sameValue,
  sessionFields,
  uidString,
  type CloudRecordingSpec,
  type InPlaceGroup,
  type InPlaceValues,
  type RecordingData,
  type RecordingDetail,
  type RecordingRecord,
} from './model.ts';

/** What observe reports of a session (ObservedResource.status). */
export const SESSION_STATUS = {
  running: 'running',
  starting: 'starting',
  exited: 'exited',
  /** query failed with something other than "not found": nothing can be decided safely. */
  unknown: 'unknown',
} as const;

/** The call that changes each in-place group (agora-facts.md "Cloud Recording"). */
export const GROUP_CALL: Record<InPlaceGroup, 'update' | 'updateLayout'> = { subscription: 'update', layout: 'updateLayout', web: 'update' };

const GROUP_PREFIX: Record<InPlaceGroup, string> = {
  subscription: 'recordingConfig.',
  layout: 'recordingConfig.transcodingConfig.',
  web: 'extensionServiceConfig.',
};

export const RECORDING_REASONS = {
  removed: 'removed from the manifests: stop it and keep its final file list',
  removedExited: 'removed from the manifests; it had already exited, so its last file list is kept',
  removedNeverStarted: 'removed from the manifests; it never started',
  removedAmbiguous: 'removed from the manifests; an earlier start has an unknown outcome, so agoractl finds its session before stopping it',
  removedUnknown: 'removed from the manifests; its status is unknown, so agoractl stops it (stopping one that exited is harmless)',
  create: 'in the manifests, not recording',
  recreateTombstone: 'in the manifests again after it was stopped',
  resolveAmbiguous: 'an earlier start has an unknown outcome; agoractl repeats it with the same resourceId to find the session',
  exited: 'the recording exited: channel empty past maxIdleTime, or stopped elsewhere',
  replace: 'a field that only a new session can change differs: stop, then acquire and start',
  update: 'fields Cloud Recording changes during a session differ',
} as const;

type RecordingDiffInput = DiffInput<CloudRecordingSpec, RecordingRecord>;

export function diffRecording(input: RecordingDiffInput): PlannedAction<RecordingDetail>[] {
  const { desired, observed, state } = input;
  const action = actionFactory<RecordingDetail>(input, KIND, {});
  const data = isRecording(state?.data) ? state.data : undefined;
  const pendingResourceId = ambiguousStart(state);

  if (!desired) {
    if (!state || isTombstone(state)) return [];
    if (pendingResourceId && !state.externalId) {
      return [action('delete', RECORDING_REASONS.removedAmbiguous, { detail: { resumeResourceId: pendingResourceId }, changes: [{ path: 'recording', before: `resourceId ${pendingResourceId}` }] })];
    }
    if (!state.externalId) return [action('forget', RECORDING_REASONS.removedNeverStarted)];
    const status = observed?.status;
    if (status === SESSION_STATUS.exited) return [action('forget', RECORDING_REASONS.removedExited, { changes: [{ path: 'recording', before: state.externalId }] })];
    const running = status === SESSION_STATUS.running || status === SESSION_STATUS.starting;
    return [
      action('delete', running ? RECORDING_REASONS.removed : RECORDING_REASONS.removedUnknown, {
        quotaDelta: running ? -1 : 0,
        detail: { sid: state.externalId, resourceId: data?.resourceId },
        changes: [{ path: 'recording', before: state.externalId }],
      }),
    ];
  }

  const spec = desired.spec;
  const hash = recordingHash(spec);
  const secrets = (): RecordingDetail => {
    const sensitiveFields = recordingSensitiveFields(spec);
    return sensitiveFields ? { sensitiveFields } : {};
  };
  const creation = (reason: string, detail: RecordingDetail = {}): PlannedAction<RecordingDetail> =>
    action('create', reason, { quotaDelta: 1, detail: { ...detail, specHash: hash, ...secrets() }, changes: creationChanges(spec) });

  if (!state) return [creation(RECORDING_REASONS.create)];
  if (isTombstone(state)) return [creation(RECORDING_REASONS.recreateTombstone)];
  if (pendingResourceId && !state.externalId) return [creation(RECORDING_REASONS.resolveAmbiguous, { resumeResourceId: pendingResourceId })];
  if (!state.externalId || !data?.sid) return [creation(RECORDING_REASONS.create)];

  // Without an observation, or with a query that failed, nothing is known: wait for the next look.
  if (!observed || observed.status === SESSION_STATUS.unknown) return [];
  if (observed.status === SESSION_STATUS.exited) {
    // A session without its resourceId cannot be queried again on code 53: it is only history.
    return [creation(RECORDING_REASONS.exited, data.resourceId ? { previous: { resourceId: data.resourceId, sid: data.sid } } : {})];
  }

  const { changes, calls } = inPlaceChanges(inPlaceValues(spec), data);
  if (state.specHash !== hash) {
    return [
      action('replace', RECORDING_REASONS.replace, {
        detail: { sid: data.sid, resourceId: data.resourceId, specHash: hash, ...secrets() },
        // The new session starts with the in-place fields too: they are shown, without forcing anything.
        changes: [...replacedSessionFields(spec, data), ...changes],
      }),
    ];
  }

  if (changes.length === 0) return [];
  return [action('update', `${RECORDING_REASONS.update} (${calls.join(' and ')})`, { changes, detail: { sid: data.sid, resourceId: data.resourceId, calls } })];
}

/**
 * The fields only a new session can change that differ from the running session's. A record
 * written before agoractl recorded them knows the channel, uid and mode only: when none of them
 * differs, the change is said to be unrecorded rather than guessed.
 */
function replacedSessionFields(spec: CloudRecordingSpec, data: RecordingData): FieldChange[] {
  if (data.appliedSpec) return replacedFields(data.appliedSpec, sessionFields(spec), NOTHING_SKIPPED);
  const named: FieldChange[] = [];
  if (data.cname !== spec.channelName) named.push({ path: 'channelName', before: data.cname, after: spec.channelName, forcesReplacement: true });
  if (data.uid !== uidString(spec)) named.push({ path: 'uid', before: Number(data.uid), after: spec.uid, forcesReplacement: true });
  if (data.mode !== recordingMode(spec)) named.push({ path: 'mode', before: data.mode, after: recordingMode(spec), forcesReplacement: true });
  return named.length > 0 ? named : [unrecordedChange()];
}

/** The resourceId of a start whose outcome is unknown (written ahead, never confirmed). */
export function ambiguousStart(state: RecordingDiffInput['state']): string | undefined {
  const pending = state?.pending;
  if (pending?.action !== 'start') return undefined;
  const resourceId = pending.detail?.resourceId;
  return typeof resourceId === 'string' ? resourceId : undefined;
}

function inPlaceChanges(want: InPlaceValues, data: RecordingData): { changes: FieldChange[]; calls: ('update' | 'updateLayout')[] } {
  const had: InPlaceValues = data.applied ?? { subscription: {}, layout: {}, web: {} };
  const changes: FieldChange[] = [];
  const calls = new Set<'update' | 'updateLayout'>();
  for (const group of ['subscription', 'layout', 'web'] as const) {
    const before = new Map(Object.entries(had[group] ?? {}));
    const after = new Map(Object.entries(want[group]));
    for (const field of new Set([...before.keys(), ...after.keys()])) {
      if (sameValue(before.get(field), after.get(field))) continue;
      changes.push({ path: GROUP_PREFIX[group] + field, before: before.get(field), after: after.get(field) });
      calls.add(GROUP_CALL[group]);
    }
  }
  return { changes, calls: [...calls].sort() };
}

/** The spec as a list of field changes for a new session; secret references are masked. */
export function creationChanges(spec: CloudRecordingSpec): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (value: unknown, path: string, name: string): void => {
    if (name && isSecretLikeName(name)) {
      changes.push({ path, after: '(sensitive)', sensitive: true });
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, k);
    } else {
      changes.push({ path, after: value });
    }
  };
  walk(spec, '', '');
  return changes;
}

/**
 * Why a saved plan's action cannot have been planned from `state` (KindModule.savedActionProblem):
 * the session it names (to stop, update, resume or take over on code 53) must be the one state
 * records. Execute reads the running session from state; these are the ids it takes from the plan.
 */
export function recordingSavedActionProblem(action: { detail: RecordingDetail }, state: RecordingDiffInput['state']): string | undefined {
  const { resumeResourceId, previous, sid, resourceId } = action.detail;
  const data = isRecording(state?.data) ? state.data : undefined;
  if (resumeResourceId !== undefined && resumeResourceId !== ambiguousStart(state)) return `it resumes resourceId ${resumeResourceId}, which no start in flight in the state used`;
  if (previous !== undefined && (previous.resourceId !== data?.resourceId || previous.sid !== data.sid)) return `it names session ${previous.sid} as the one that exited, the state records ${data?.sid ?? 'none'}`;
  if (sid !== undefined && sid !== state?.externalId) return `it names session ${sid}, the state records ${state?.externalId ?? 'none'}`;
  if (resourceId !== undefined && resourceId !== data?.resourceId) return `it names resourceId ${resourceId}, the state records ${data?.resourceId ?? 'none'}`;
  return undefined;
}
