// One pass of observe → plan → apply over every project, shared by `plan`, `apply` and the
// daemon. The plan is computed from what was observed and what state recorded; apply then
// executes exactly that plan.
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { AgoraClient } from '../agora/client.ts';
import type { Limits } from '../agora/limits.ts';
import type { StateStore } from '../state/store.ts';
import type { ResourceState } from '../state/types.ts';
import { targetScope } from '../state/resource-key.ts';
import type { DesiredResource, KindModule, KindObservation, ProjectSecrets } from '../resources/kind.ts';
import { decodedState, type ProjectContext, type StateWriter } from './execute.ts';
import { buildPlan, type DestroyOptions, type Plan, type PlanBasis } from './plan.ts';
import { applyPlan, type ApplyEvent, type ApplyResult } from './apply.ts';

export interface ProjectRuntime {
  name: string;
  client: AgoraClient;
  secrets: ProjectSecrets;
  limits: Limits;
}

export interface ReconcileScope {
  modules: readonly KindModule[];
  desired: readonly DesiredResource[];
  /** Desired specs with secrets resolved, by key: for execute only. */
  resolvedSpecs: ReadonlyMap<string, object>;
  projects: ReadonlyMap<string, ProjectRuntime>;
  clock: Clock;
  logger: Logger;
}

export interface PlanOptions {
  targets?: readonly string[];
  allowMassDelete?: boolean;
  destroy?: DestroyOptions;
  /** What the plan records it was made from (a saved plan: plan --out). */
  basis?: PlanBasis;
}

export interface PlannedPass {
  plan: Plan;
  observed: Map<string, Map<string, KindObservation>>;
  /** State after folding in what was observed (e.g. a player's last status). */
  state: ResourceState[];
  /** Records whose refresh changed them: apply writes these before acting. */
  refreshed: ResourceState[];
  calls: number;
}

export async function planPass(scope: ReconcileScope, stored: readonly ResourceState[], options: PlanOptions = {}): Promise<PlannedPass> {
  const observed = new Map<string, Map<string, KindObservation>>();
  let calls = 0;
  const now = scope.clock.now();
  const jobs: Promise<void>[] = [];
  // Targets given as full keys limit observation to their projects and kinds (the daemon
  // reconciles a few keys at a time and must not spend List calls on the rest).
  const scopes = options.targets?.map(targetScope);
  const scoped = scopes?.every((s) => s !== undefined) ? new Set(scopes.map((s) => `${s.project}\0${s.kind}`)) : undefined;
  for (const project of scope.projects.values()) {
    const byKind = new Map<string, KindObservation>();
    observed.set(project.name, byKind);
    for (const module of scope.modules) {
      if (scoped && !scoped.has(`${project.name}\0${module.kind}`)) continue;
      const desired = scope.desired.filter((d) => d.project === project.name && d.kind === module.kind);
      const records = stored.filter((s) => s.project === project.name && s.kind === module.kind);
      if (desired.length === 0 && records.length === 0) continue;
      const state = records.flatMap((s) => decodedState(module, s) ?? []);
      jobs.push(
        module.observe({ client: project.client, project: project.name, desired, state, limits: project.limits, clock: scope.clock }).then((o) => {
          byKind.set(module.kind, o);
          calls += o.calls;
        }),
      );
    }
  }
  await Promise.all(jobs);

  const refreshed: ResourceState[] = [];
  const modules = new Map(scope.modules.map((m) => [m.kind, m]));
  const state = stored.map((s) => {
    const module = modules.get(s.kind);
    const decoded = module?.refresh ? decodedState(module, s) : undefined;
    const data = decoded && module?.refresh?.(decoded, observed.get(s.project)?.get(s.kind)?.resources.get(s.name), now);
    if (!module || !data) return s;
    const { dataVersion: _v, ...record } = s;
    const next: ResourceState = { ...record, ...(module.dataVersion > 1 ? { dataVersion: module.dataVersion } : {}), data: { ...data }, updatedAt: now };
    refreshed.push(next);
    return next;
  });

  const quotas = new Map([...scope.projects.values()].map((p) => [p.name, p.limits]));
  const plan = buildPlan({
    modules: scope.modules,
    desired: scope.desired,
    observed,
    state,
    quotas,
    now,
    targets: options.targets,
    allowMassDelete: options.allowMassDelete,
    destroy: options.destroy,
    basis: options.basis,
  });
  return { plan, observed, state, refreshed, calls };
}

export interface ApplyPassOptions {
  onEvent?: (event: ApplyEvent) => void;
  /** Stops the whole run: no action not yet sent is sent (shutdown, an interrupt). */
  signal?: AbortSignal;
  /** Stops one project's actions not yet sent; the other projects' go on (its manifests changed). */
  projectSignal?: (project: string) => AbortSignal | undefined;
}

/** What applying needs of a pass: the plan, and the state it was made from (a saved plan carries both). */
export type PassToApply = Pick<PlannedPass, 'plan' | 'state' | 'refreshed'>;

export async function applyPass(scope: ReconcileScope, store: StateStore, pass: PassToApply, options: ApplyPassOptions = {}): Promise<ApplyResult> {
  // Queued, not awaited: the actions' write-ahead intents, queued after them in the same tick,
  // share their write. A failed write fails those intents (and their actions) too.
  const refreshing = Promise.all(pass.refreshed.map((s) => store.put(s)));
  const records = new Map(pass.state.map((s) => [s.key, s]));
  const writer: StateWriter = {
    get: (key) => records.get(key),
    put: async (resource) => {
      records.set(resource.key, resource);
      await store.put(resource);
    },
    remove: async (key) => {
      records.delete(key);
      await store.remove(key);
    },
  };
  const contexts = new Map<string, ProjectContext>();
  for (const project of scope.projects.values()) {
    contexts.set(project.name, {
      client: project.client,
      project: project.secrets,
      resolvedSpec: (key) => scope.resolvedSpecs.get(key),
      state: writer,
      clock: scope.clock,
      logger: scope.logger,
      // applyPlan adds the run's signal to it.
      signal: options.projectSignal?.(project.name),
    });
  }
  refreshing.catch(() => undefined); // awaited once the actions have finished
  const result = await applyPlan({ plan: pass.plan, modules: scope.modules, contexts, clock: scope.clock, onEvent: options.onEvent, signal: options.signal });
  await refreshing;
  return result;
}
