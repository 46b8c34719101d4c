// The plan: a pure function of (desired, observed, state). It does no I/O and reads no clock
// (the time is an input), so the same inputs always give the same plan, and tests assert on it
// as data (Terraform's internal/plans).
import type { QuotaKey } from '../agora/limits.ts';
import type { ResourceState } from '../state/types.ts';
import type { DesiredResource, KindModule, KindObservation, PlannedAction, ActionType } from '../resources/kind.ts';

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
}

export interface PlanInput {
  modules: readonly KindModule[];
  desired: readonly DesiredResource[];
  /** Observations by project, then kind. */
  observed: ReadonlyMap<string, ReadonlyMap<string, KindObservation>>;
  state: readonly ResourceState[];
  /** Resolved quotas by project. */
  quotas: ReadonlyMap<string, Partial<Record<QuotaKey, number | null>>>;
  now: number;
  /** `kind/name` or `project/kind/name`: only these resources are planned. */
  targets?: readonly string[];
  allowMassDelete?: boolean;
  /** Share of a kind's managed resources a plan may delete without allowMassDelete. */
  massDeleteShare?: number;
}

// Deletes free quota and names first; creates come last (DESIGN.md, Behaviour per kind).
const ORDER: Record<ActionType, number> = { delete: 0, forget: 1, replace: 2, update: 3, adopt: 4, create: 5, conflict: 6 };

export function buildPlan(input: PlanInput): Plan {
  const modules = new Map(input.modules.map((m) => [m.kind, m]));
  const errors: PlanError[] = [];
  const actions: PlannedAction[] = [];
  const unmanaged: UnmanagedResource[] = [];

  for (const group of groupIdentities(input)) {
    const module = modules.get(group.kind);
    if (!module) {
      errors.push({ code: PLAN_ERROR.unknownKind, message: `no module for kind ${group.kind}`, kind: group.kind });
      continue;
    }
    const observation = input.observed.get(group.project)?.get(group.kind);
    for (const name of group.names) {
      const key = `${group.project}/${group.kind}/${name}`;
      const desired = group.desired.get(name);
      const state = group.state.get(name);
      const observed = observation?.resources.get(name);
      if (!desired && !state) {
        if (observed) unmanaged.push({ project: group.project, kind: group.kind, name, externalId: observed.externalId });
        continue;
      }
      if (!selected(input.targets, key)) continue;
      actions.push(...module.diff({ key, project: group.project, name, desired, observed, state, now: input.now }));
    }
  }

  // Code-unit order, not locale order: the same on every machine, and fast for 100,000 keys.
  actions.sort((a, b) => ORDER[a.type] - ORDER[b.type] || compareKeys(a.key, b.key));
  unmanaged.sort((a, b) => compareKeys(`${a.project}/${a.kind}/${a.name}`, `${b.project}/${b.kind}/${b.name}`));
  errors.push(...quotaErrors(input, modules, actions), ...massDeleteErrors(input, actions));
  return { formatVersion: 1, actions, unmanaged, errors, summary: summarise(actions) };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface IdentityGroup {
  project: string;
  kind: string;
  names: string[];
  desired: Map<string, DesiredResource>;
  state: Map<string, ResourceState>;
}

function groupIdentities(input: PlanInput): IdentityGroup[] {
  const groups = new Map<string, IdentityGroup>();
  const group = (project: string, kind: string): IdentityGroup => {
    const id = `${project}/${kind}`;
    let g = groups.get(id);
    if (!g) {
      g = { project, kind, names: [], desired: new Map(), state: new Map() };
      groups.set(id, g);
    }
    return g;
  };
  for (const d of input.desired) group(d.project, d.kind).desired.set(d.name, d);
  for (const s of input.state) group(s.project, s.kind).state.set(s.name, s);
  for (const [project, kinds] of input.observed) for (const kind of kinds.keys()) group(project, kind);
  for (const g of groups.values()) {
    const names = new Set([...g.desired.keys(), ...g.state.keys()]);
    for (const name of input.observed.get(g.project)?.get(g.kind)?.resources.keys() ?? []) names.add(name);
    g.names = [...names];
  }
  return [...groups.values()];
}

function selected(targets: readonly string[] | undefined, key: string): boolean {
  if (!targets || targets.length === 0) return true;
  return targets.some((t) => t === key || key.endsWith(`/${t}`));
}

function quotaErrors(input: PlanInput, modules: Map<string, KindModule>, actions: PlannedAction[]): PlanError[] {
  const errors: PlanError[] = [];
  const delta = new Map<string, number>();
  for (const a of actions) {
    if (a.blocked || a.quotaDelta === 0) continue;
    const id = `${a.project}/${a.kind}`;
    delta.set(id, (delta.get(id) ?? 0) + a.quotaDelta);
  }
  for (const [id, change] of delta) {
    const [project = '', kind = ''] = id.split('/');
    const quotaKey = modules.get(kind)?.quota;
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

function massDeleteErrors(input: PlanInput, actions: PlannedAction[]): PlanError[] {
  if (input.allowMassDelete) return [];
  const share = input.massDeleteShare ?? 0.5;
  const managed = new Map<string, number>();
  // Only records with an external id are live (a stopped recording's tombstone is history).
  for (const s of input.state) if (s.externalId !== undefined) managed.set(`${s.project}/${s.kind}`, (managed.get(`${s.project}/${s.kind}`) ?? 0) + 1);
  const deletes = new Map<string, number>();
  for (const a of actions) {
    if (a.type === 'delete') deletes.set(`${a.project}/${a.kind}`, (deletes.get(`${a.project}/${a.kind}`) ?? 0) + 1);
  }
  const errors: PlanError[] = [];
  for (const [id, count] of deletes) {
    const total = managed.get(id) ?? 0;
    // One resource of one is not a mass delete; more than the share of several is.
    if (total > 1 && count > total * share) {
      const [project, kind] = id.split('/');
      errors.push({
        code: PLAN_ERROR.massDelete,
        project,
        kind,
        message: `the plan deletes ${count} of ${total} managed ${kind} in project ${project}; rerun with --allow-mass-delete if that is intended`,
      });
    }
  }
  return errors;
}

function summarise(actions: PlannedAction[]): Record<ActionType, number> {
  const summary: Record<ActionType, number> = { create: 0, update: 0, replace: 0, delete: 0, adopt: 0, forget: 0, conflict: 0 };
  for (const a of actions) summary[a.type] += 1;
  return summary;
}
