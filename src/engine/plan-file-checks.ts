// Whether a saved plan may still be applied: it is young enough, the manifests and the state
// are the ones it was made from, and it touches nothing outside those manifests. Each check
// returns the refusal (a PlanFileError naming the check and what to do) or nothing; apply runs
// them all before it sends a single call.
import type { ResourceState, StateSnapshot } from '../state/types.ts';
import type { KindModule } from '../resources/kind.ts';
import { decodedState } from './execute.ts';
import { PLAN_FILE_ERROR, PlanFileError, REPLAN, type PlanFile } from './plan-file.ts';

/** A plan made this far ahead of the applying machine's clock is not believed (clocks drift a little, not minutes). */
export const PLAN_CLOCK_SKEW_MS = 60_000;

export function planAgeRefusal(file: PlanFile, now: number, maxAgeMs: number): PlanFileError | undefined {
  const { observedAt } = file.plan;
  const age = now - observedAt;
  if (age < -PLAN_CLOCK_SKEW_MS) {
    return new PlanFileError(
      PLAN_FILE_ERROR.tooOld,
      `the saved plan says it was made at ${iso(observedAt)}, ${seconds(-age)} s in this machine's future`,
      `Check the clocks of the machines that plan and apply. ${REPLAN}`,
    );
  }
  if (age > maxAgeMs) {
    return new PlanFileError(
      PLAN_FILE_ERROR.tooOld,
      `the saved plan was made ${seconds(age)} s ago (at ${iso(observedAt)}), more than --max-plan-age ${seconds(maxAgeMs)} s: Agora may have changed since`,
      `${REPLAN} Or raise --max-plan-age if the plan is known to be current.`,
    );
  }
  return undefined;
}

export function manifestsRefusal(file: PlanFile, digest: string): PlanFileError | undefined {
  if (digest === file.plan.basis.manifestDigest) return undefined;
  return new PlanFileError(
    PLAN_FILE_ERROR.manifestsChanged,
    `the manifests (${file.manifests.join(', ')}) changed since the plan was made: their digest is ${digest}, the plan was made from ${file.plan.basis.manifestDigest}`,
    `Apply the plan with the manifests it was made from, or: ${REPLAN}`,
  );
}

/**
 * The state must be the one the plan read, at the same serial: any write since (another apply,
 * the daemon, `state forget`) may have changed what the plan decided. A state nobody has written
 * yet (serial 0) has no lasting lineage (the file backend draws one when it first writes), so
 * two unwritten states are the same empty state.
 */
export function stateRefusal(file: PlanFile, snapshot: Pick<StateSnapshot, 'lineage' | 'serial'>, location: string): PlanFileError | undefined {
  const { stateLineage, stateSerial } = file.plan.basis;
  if (stateSerial === 0 && snapshot.serial === 0) return undefined;
  if (snapshot.lineage !== stateLineage && stateSerial > 0) {
    return new PlanFileError(
      PLAN_FILE_ERROR.stateChanged,
      `the state at ${location} is not the one the plan was made from (lineage ${snapshot.lineage}, the plan read lineage ${stateLineage})`,
      `Apply with the --state the plan was made with, or: ${REPLAN}`,
    );
  }
  if (snapshot.serial !== stateSerial) {
    return new PlanFileError(
      PLAN_FILE_ERROR.stateChanged,
      `the state at ${location} changed since the plan was made (serial ${snapshot.serial}, the plan read serial ${stateSerial}): another apply or the daemon wrote it`,
      REPLAN,
    );
  }
  return undefined;
}

/** What apply read itself: the manifests' projects, kinds and resources, and the state's records. */
export interface PlanScope {
  projects: ReadonlySet<string>;
  /** The kinds agoractl manages, by kind. */
  kinds: ReadonlyMap<string, KindModule>;
  /** Keys of the resources the manifests declare. */
  desired: ReadonlySet<string>;
  state: Readonly<Record<string, ResourceState>>;
}

/**
 * Every action must be of a project and kind of these manifests, and of a resource they declare
 * (or, for delete and forget, one the state records and they no longer declare), naming the ids
 * the state holds: a plan file edited by hand or by someone hostile cannot make apply touch
 * anything the manifests and state do not already name, nor remove what the manifests keep.
 */
export function scopeRefusal(file: PlanFile, scope: PlanScope): PlanFileError | undefined {
  const outside = (what: string): PlanFileError =>
    new PlanFileError(PLAN_FILE_ERROR.outsideManifests, `the saved plan ${what}; a plan agoractl made never does, so it was edited after it was saved`, REPLAN);
  const where = (project: string, kind: string): string | undefined => {
    if (!scope.projects.has(project)) return `project ${project}, which no manifest declares`;
    if (!scope.kinds.has(kind)) return `kind ${kind}, which agoractl does not manage`;
    return undefined;
  };
  for (const action of file.plan.actions) {
    const problem = where(action.project, action.kind);
    if (problem) return outside(`would ${action.type} ${action.key} of ${problem}`);
    const removal = action.type === 'delete' || action.type === 'forget';
    if (removal ? !Object.hasOwn(scope.state, action.key) : !scope.desired.has(action.key)) {
      return outside(`would ${action.type} ${action.key}, which ${removal ? 'the state does not record' : 'no manifest declares'}`);
    }
    // Every kind removes only what the manifests no longer declare (a changed one is replaced).
    if (removal && scope.desired.has(action.key)) return outside(`would ${action.type} ${action.key}, which the manifests still declare`);
    const mismatch = savedActionProblem(action, scope);
    if (mismatch) return outside(`would ${action.type} ${action.key} though ${mismatch}`);
  }
  for (const [project, kinds] of Object.entries(file.plan.quotaFree)) {
    for (const kind of Object.keys(kinds)) {
      const problem = where(project, kind);
      if (problem) return outside(`holds a quota of ${problem}`);
    }
  }
  for (const record of file.refreshed) {
    const problem = where(record.project, record.kind);
    if (problem) return outside(`records ${record.key} of ${problem}`);
    if (!Object.hasOwn(scope.state, record.key)) return outside(`records ${record.key}, which the state does not hold`);
    const held = scope.state[record.key];
    if (record.externalId !== held?.externalId) return outside(`records ${record.key} as ${record.externalId ?? '(no id)'}, the state as ${held?.externalId ?? '(no id)'}`);
  }
  return undefined;
}

/** The action's kind's check against the record it was planned from. */
function savedActionProblem(action: PlanFile['plan']['actions'][number], scope: PlanScope): string | undefined {
  const module = scope.kinds.get(action.kind);
  if (!module?.savedActionProblem) return undefined;
  const record = Object.hasOwn(scope.state, action.key) ? scope.state[action.key] : undefined;
  const state = record && decodedState(module, record);
  if (record && !state) return 'the state record is not one its kind can read';
  return module.savedActionProblem(action, state);
}

function seconds(ms: number): string {
  return String(Math.round(ms / 1000));
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
