// The plan: a pure function of (desired, observed, state). It does no I/O and reads no clock
// (the time is an input), so the same inputs always give the same plan, and tests assert on it
// as data (Terraform's internal/plans).
import type { QuotaKey } from '../agora/limits.ts';
import type { ResourceState } from '../state/types.ts';
import { inProject, matchesTarget, resourceKey, type ResourceKey } from '../state/resource-key.ts';
import type { DesiredResource, DiffInput, KindModule, KindObservation, PlannedAction, ActionType } from '../resources/kind.ts';
import { plannedAction } from '../resources/action.ts';
import { decodedState } from './execute.ts';

export const PLAN_ERROR = {
  quotaExceeded: 'QuotaExceeded',
  massDelete: 'MassDeleteRefused',
  unknownKind: 'UnknownKind',
  orphanProject: 'OrphanProject',
} as const;

export interface PlanError {
  code: (typeof PLAN_ERROR)[keyof typeof PLAN_ERROR];
  message: string;
  project?: string;
  kind?: string;
}

export interface UnmanagedResource {
  project: string;
  kind: string;
  name: string;
  externalId?: string;
}

export interface Plan {
  formatVersion: 1;
  actions: PlannedAction[];
  unmanaged: UnmanagedResource[];
  errors: PlanError[];
  summary: Record<ActionType, number>;
  /**
   * Free quota by project, then kind, as observed: how many resources apply may add before
   * deletes free more (creates wait for those). A kind without a quota, or with no limit: null.
   */
  quotaFree: Record<string, Record<string, number | null>>;
  /** When the observations this plan rests on began, in milliseconds since the epoch. */
  observedAt: number;
  /** What the plan was made from, when the caller said: a saved plan is refused once any of it moved. */
  basis?: PlanBasis;
}

/** The manifests and the state a plan was made from (Terraform's prior state lineage and serial). */
export interface PlanBasis {
  /** manifestDigest() of the loaded manifests. */
  manifestDigest: string;
  stateLineage: string;
  stateSerial: number;
}

export interface PlanInput {
  modules: readonly KindModule[];
  desired: readonly DesiredResource[];
  /** Observations by project, then kind. */
  observed: ReadonlyMap<string, ReadonlyMap<string, KindObservation>>;
  state: readonly ResourceState[];
  /** Resolved quotas by project: the projects the manifests declare. State of any other is refused. */
  quotas: ReadonlyMap<string, Partial<Record<QuotaKey, number | null>>>;
  now: number;
  /**
   * `kind/name` or `project/kind/name`: only these resources are planned. The mass-delete guard
   * still counts every delete the manifests imply, targeted or not.
   */
  targets?: readonly string[];
  allowMassDelete?: boolean;
  /** Share of a kind's managed resources a plan may delete without allowMassDelete. */
  massDeleteShare?: number;
  /** `agoractl destroy`: see DestroyOptions. */
  destroy?: DestroyOptions;
  /** Recorded in the plan as it is given. */
  basis?: PlanBasis;
}

/**
 * Plans a destroy: the selected resources (all, or the targets') are planned as if the manifests
 * no longer held them, so each kind removes them its own way (a player is deleted, a recording
 * stopped, an origin site left or disabled by its deletionPolicy) and only what state records is
 * touched. Its mass-delete guard is lifted per project, by name, never by allowMassDelete.
 */
export interface DestroyOptions {
  /** Projects whose mass delete the user confirmed (`--confirm-project NAME`). */
  confirmedProjects: readonly string[];
}

/** Leads the reason of a resource that destroy removes though the manifests still hold it. */
export const DESTROY_REASON = 'requested by destroy';
// The kinds' reasons for a removal say why it happens; destroy is the reason instead.
const REMOVED_REASON = 'removed from the manifests';

// Deletes free quota and names first; creates come last (DESIGN.md, Behaviour per kind).
const ORDER: Record<ActionType, number> = { delete: 0, forget: 1, replace: 2, update: 3, adopt: 4, create: 5, conflict: 6 };

export function buildPlan(input: PlanInput): Plan {
  const modules = new Map(input.modules.map((m) => [m.kind, m]));
  const errors: PlanError[] = [];
  const actions: PlannedAction[] = [];
  const unmanaged: UnmanagedResource[] = [];

  const removals: Removal[] = [];
  // Destroy drops the selected resources from the desired set and nothing else: an untargeted
  // resource keeps its manifest, and one in no state shows as unmanaged, left alone.
  const destroyed = input.destroy ? new Set(input.desired.filter((d) => selected(input.targets, d.key)).map((d) => d.key)) : undefined;
  const desired = destroyed ? input.desired.filter((d) => !destroyed.has(d.key)) : input.desired;
  const guardLifted = input.allowMassDelete === true && !input.destroy;
  for (const group of groupIdentities(desired, input)) {
    const module = modules.get(group.kind);
    if (!module) {
      errors.push({ code: PLAN_ERROR.unknownKind, message: `no module for kind ${group.kind}`, kind: group.kind });
      continue;
    }
    const { project, kind, identities } = group;
    const observed = input.observed.get(project)?.get(kind)?.resources;
    // The mass-delete guard judges the whole change the manifests imply, not the targeted part,
    // so that no sequence of small targeted plans (the daemon's batches, retries, --target runs)
    // can delete what one plan may not.
    const removal: Removal = { project, kind, live: 0, deletes: 0, planned: false };
    // forEach rather than for-of: no entry array per name, for 100,000 names.
    identities.forEach((identity, name) => {
      const state = identity.state;
      // Only records with an external id are live (a stopped recording's tombstone is history).
      if (state?.externalId !== undefined) removal.live++;
      const key = resourceKey(project, kind, name);
      if (!selected(input.targets, key)) {
        // Left out by the targets but removed from the manifests: still part of the change.
        if (identity.desired === undefined && state?.externalId !== undefined && !guardLifted) {
          removal.deletes += countDeletes(diffOf(module, { key, project, name, desired: undefined, observed: observed?.get(name), now: input.now }, state));
        }
        return;
      }
      removal.planned = true;
      const found = diffOf(module, { key, project, name, desired: identity.desired, observed: observed?.get(name), now: input.now }, state);
      removal.deletes += countDeletes(found);
      if (destroyed?.has(key)) for (const action of found) action.reason = destroyReason(action.reason);
      for (let i = 0; i < found.length; i++) actions.push(found[i] as PlannedAction);
    });
    if (removal.deletes > 0) removals.push(removal);
    // Observed, neither desired nor in state: not agoractl's to touch.
    observed?.forEach((resource, name) => {
      if (!identities.has(name)) unmanaged.push({ project, kind, name, externalId: resource.externalId });
    });
  }

  // Code-unit order, not locale order: the same on every machine, and fast for 100,000 keys.
  actions.sort((a, b) => ORDER[a.type] - ORDER[b.type] || compareKeys(a.key, b.key));
  return {
    formatVersion: 1,
    actions,
    unmanaged: sortUnmanaged(unmanaged),
    errors: [...errors, ...orphanProjectErrors(input), ...quotaErrors(input, modules, actions), ...massDeleteErrors(input, removals)],
    summary: summarise(actions),
    quotaFree: quotaFree(input, input.modules),
    observedAt: input.now,
    ...(input.basis ? { basis: { ...input.basis } } : {}),
  };
}

/** State of projects no manifest declares: agoractl cannot reach them, so it neither plans nor forgets them. */
function orphanProjectErrors(input: PlanInput): PlanError[] {
  const orphans = new Set<string>();
  for (const s of input.state) if (!input.quotas.has(s.project)) orphans.add(s.project);
  return [...orphans].map((project) => ({
    code: PLAN_ERROR.orphanProject,
    project,
    message: `state holds resources of project ${project}, which no manifest declares; restore its Project document to manage or delete them (or 'agoractl state forget')`,
  }));
}

export const UNREADABLE_STATE_REASON = 'its state record was written in a layout this version of agoractl cannot read; upgrade agoractl, or forget it (agoractl state forget) and adopt it again';

/** The kind's diff of one identity; a record the kind cannot read blocks it rather than be taken for absent. */
function diffOf(module: KindModule, input: Omit<DiffInput, 'state'>, record: ResourceState | undefined): PlannedAction[] {
  if (!record) return module.diff(input);
  const state = decodedState(module, record);
  if (state) return module.diff({ ...input, state });
  return [plannedAction(input, module.kind, 'conflict', UNREADABLE_STATE_REASON, {}, { blocked: true })];
}

function quotaFree(input: PlanInput, modules: readonly KindModule[]): Plan['quotaFree'] {
  // Without a prototype, so that a project named __proto__ is a member like any other.
  const free: Plan['quotaFree'] = Object.create(null) as Plan['quotaFree'];
  for (const [project, quotas] of input.quotas) {
    const byKind = Object.create(null) as Record<string, number | null>;
    for (const module of modules) {
      const key = module.manifest.quota?.key;
      if (!key) continue;
      const quota = quotas[key];
      const used = input.observed.get(project)?.get(module.kind)?.quotaUsed ?? 0;
      byKind[module.kind] = quota === null || quota === undefined ? null : Math.max(0, quota - used);
    }
    free[project] = byKind;
  }
  return free;
}

/** By identity key; each key is built once, not once per comparison. */
function sortUnmanaged(unmanaged: UnmanagedResource[]): UnmanagedResource[] {
  const keyed = unmanaged.map((u) => ({ key: resourceKey(u.project, u.kind, u.name), u }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return keyed.map((k) => k.u);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the manifests and the state hold of one identity. */
interface Identity {
  desired: DesiredResource | undefined;
  state: ResourceState | undefined;
}

interface IdentityGroup {
  project: string;
  kind: string;
  /** By name: the desired ones first, then the ones only in state. One map, so each name is looked up once. */
  identities: Map<string, Identity>;
}

function destroyReason(reason: string): string {
  return reason.startsWith(REMOVED_REASON) ? DESTROY_REASON + reason.slice(REMOVED_REASON.length) : `${DESTROY_REASON}; ${reason}`;
}

/** Desired and recorded resources by project and kind, in the order each pair first appears (desired, state, observed). */
function groupIdentities(desired: readonly DesiredResource[], input: PlanInput): IdentityGroup[] {
  const groups = new Map<string, Map<string, IdentityGroup>>();
  const ordered: IdentityGroup[] = [];
  const group = (project: string, kind: string): IdentityGroup => {
    let kinds = groups.get(project);
    if (!kinds) {
      kinds = new Map();
      groups.set(project, kinds);
    }
    let g = kinds.get(kind);
    if (!g) {
      g = { project, kind, identities: new Map() };
      kinds.set(kind, g);
      ordered.push(g);
    }
    return g;
  };
  // Manifests and state list a project's resources of one kind together: reuse the last group.
  let last: IdentityGroup | undefined;
  for (let i = 0; i < desired.length; i++) {
    const d = desired[i] as DesiredResource;
    if (last?.project !== d.project || last.kind !== d.kind) last = group(d.project, d.kind);
    // A name given twice: the last document wins (no state is attached yet).
    last.identities.set(d.name, { desired: d, state: undefined });
  }
  for (let i = 0; i < input.state.length; i++) {
    const s = input.state[i] as ResourceState;
    if (!input.quotas.has(s.project)) continue; // an orphan project's record: refused, never planned
    if (last?.project !== s.project || last.kind !== s.kind) last = group(s.project, s.kind);
    const known = last.identities.get(s.name);
    if (known) known.state = s;
    else last.identities.set(s.name, { desired: undefined, state: s });
  }
  for (const [project, kinds] of input.observed) for (const kind of kinds.keys()) group(project, kind);
  return ordered;
}

/** Whether `--target`s select a resource key (none: all do); a target matches a whole key or its kind/name. */
export function selected(targets: readonly string[] | undefined, key: ResourceKey): boolean {
  if (!targets || targets.length === 0) return true;
  return targets.some((t) => matchesTarget(key, t));
}

function quotaErrors(input: PlanInput, modules: Map<string, KindModule>, actions: PlannedAction[]): PlanError[] {
  const errors: PlanError[] = [];
  // By project and kind; the pair is kept whole rather than taken apart from a joined string.
  const delta = new Map<string, { project: string; kind: string; change: number }>();
  for (const a of actions) {
    if (a.blocked || a.quotaDelta === 0) continue;
    const id = `${a.project}\0${a.kind}`;
    const sum = delta.get(id);
    if (sum) sum.change += a.quotaDelta;
    else delta.set(id, { project: a.project, kind: a.kind, change: a.quotaDelta });
  }
  for (const { project, kind, change } of delta.values()) {
    const quotaKey = modules.get(kind)?.manifest.quota?.key;
    if (!quotaKey || change <= 0) continue;
    const quota = input.quotas.get(project)?.[quotaKey];
    if (quota === null || quota === undefined) continue;
    const used = input.observed.get(project)?.get(kind)?.quotaUsed ?? 0;
    if (used + change > quota) {
      errors.push({
        code: PLAN_ERROR.quotaExceeded,
        project,
        kind,
        message: `${kind} in project ${project}: ${used} exist and the plan adds ${change}, more than the quota of ${quota} (${quotaKey}); raise Project.spec.limits.${quotaKey} if Agora raised it`,
      });
    }
  }
  return errors;
}

/** What the manifests remove of one project's resources of one kind. */
interface Removal {
  project: string;
  kind: string;
  /** Live managed resources before the change: records in state with an external id. */
  live: number;
  /** Deletes the whole change implies, targeted or not. */
  deletes: number;
  /** The plan holds at least one of these resources (targets may leave a kind out entirely). */
  planned: boolean;
}

function countDeletes(actions: readonly PlannedAction[]): number {
  let n = 0;
  for (let i = 0; i < actions.length; i++) if ((actions[i] as PlannedAction).type === 'delete') n++;
  return n;
}

function massDeleteErrors(input: PlanInput, removals: readonly Removal[]): PlanError[] {
  const { destroy } = input;
  if (input.allowMassDelete === true && !destroy) return [];
  const share = input.massDeleteShare ?? 0.5;
  const errors: PlanError[] = [];
  for (const { project, kind, live, deletes, planned } of removals) {
    if (destroy?.confirmedProjects.includes(project)) continue;
    // One resource of one is not a mass delete; more than the share of several is. A plan that
    // holds none of the kind's resources changes nothing of it, so it has nothing to refuse.
    if (planned && live > 1 && deletes > live * share) {
      errors.push({
        code: PLAN_ERROR.massDelete,
        project,
        kind,
        message: `the plan deletes ${deletes} of ${live} managed ${kind} in project ${project}; rerun with ${destroy ? `--confirm-project ${project}` : '--allow-mass-delete'} if that is intended`,
      });
    }
  }
  return errors;
}

/**
 * The error that refuses the resource `key` (`project/kind/name`): one naming its project and
 * kind, its project, or neither (an error about the whole plan).
 */
export function refusalOf(errors: readonly PlanError[], key: ResourceKey): PlanError | undefined {
  return errors.find((e) => !e.project || inProject(key, e.project, e.kind));
}

/** How many actions of each type: a plan's summary, whoever builds or trims the plan. */
export function summarise(actions: readonly PlannedAction[]): Record<ActionType, number> {
  const summary: Record<ActionType, number> = { create: 0, update: 0, replace: 0, delete: 0, adopt: 0, forget: 0, conflict: 0 };
  for (const a of actions) summary[a.type] += 1;
  return summary;
}
