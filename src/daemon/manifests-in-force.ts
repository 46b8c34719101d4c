// The manifests the daemon runs on (the last valid set), the Agora clients of their projects,
// and what of them this replica reconciles: with a PostgreSQL state, a declared project that
// another replica leads is hidden (daemon/led-scope.ts); with a state file, nothing is.
import type { Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import type { ResolvedProjectDoc } from '../manifest/index.ts';
import type { ProjectRuntime, ReconcileScope } from '../engine/reconcile.ts';
import type { DesiredResource, KindModule } from '../resources/kind.ts';
import type { FlsRoute } from './fls-callback.ts';
import { ledScope } from './led-scope.ts';

/** One valid load of the manifests, as the engine needs them. */
export interface DaemonManifests {
  desired: DesiredResource[];
  /** Desired specs with secrets resolved, by key. */
  resolvedSpecs: Map<string, Record<string, unknown>>;
  projects: ResolvedProjectDoc[];
}

export interface ManifestsInForceOptions<M extends DaemonManifests> {
  manifests: M;
  /** The clients of `manifests.projects`. */
  runtimes: Map<string, ProjectRuntime>;
  /** Clients for another set of projects, once a reload changed them. */
  newRuntimes: (projects: readonly ResolvedProjectDoc[]) => Map<string, ProjectRuntime>;
  modules: readonly KindModule[];
  clock: Clock;
  logger: Logger;
  /** Replicas on a PostgreSQL state: a declared project is reconciled here only while led here. */
  replicated: boolean;
}

export class ManifestsInForce<M extends DaemonManifests = DaemonManifests> {
  #manifests: M;
  #runtimes: Map<string, ProjectRuntime>;
  #leader: { leads(project: string): boolean } | undefined;
  // Built once per load, not per callback: anyone may call the FLS callback.
  readonly #routes = new WeakMap<M, FlsRoute[]>();
  readonly #options: ManifestsInForceOptions<M>;

  constructor(options: ManifestsInForceOptions<M>) {
    this.#options = options;
    this.#manifests = options.manifests;
    this.#runtimes = options.runtimes;
  }

  get manifests(): M {
    return this.#manifests;
  }

  get runtimes(): ReadonlyMap<string, ProjectRuntime> {
    return this.#runtimes;
  }

  projectNames(): string[] {
    return this.#manifests.projects.map((p) => p.metadata.name);
  }

  /** From now on a declared project is reconciled here only while `leader` leads it. */
  followLeader(leader: { leads(project: string): boolean }): void {
    this.#leader = leader;
  }

  /** A project declared in the manifests that another replica leads: this one neither plans nor observes it. */
  readonly hidden = (project: string): boolean =>
    this.#options.replicated && !(this.#leader?.leads(project) ?? false) && this.#manifests.projects.some((p) => p.metadata.name === project);

  readonly leads = (project: string): boolean => !this.hidden(project);

  /** What the reconciler works on now. */
  scope(): ReconcileScope {
    const { modules, clock, logger } = this.#options;
    const m = this.#manifests;
    return ledScope({ modules, desired: m.desired, resolvedSpecs: m.resolvedSpecs, projects: this.#runtimes, clock, logger }, this.hidden);
  }

  /** Runs on `next` from now on; new clients when its projects differ. False when `next` is the set in force. */
  replace(next: M): boolean {
    if (next === this.#manifests) return false;
    if (JSON.stringify(next.projects) !== JSON.stringify(this.#manifests.projects)) {
      const old = this.#runtimes;
      this.#runtimes = this.#options.newRuntimes(next.projects);
      void Promise.all([...old.values()].map((p) => p.client.close()));
    }
    this.#manifests = next;
    return true;
  }

  routes(): FlsRoute[] {
    let routes = this.#routes.get(this.#manifests);
    if (!routes) {
      const { desired } = this.#manifests;
      routes = this.#options.modules.flatMap((module) => module.routes?.(desired.filter((d) => d.kind === module.kind)) ?? []);
      this.#routes.set(this.#manifests, routes);
    }
    return routes;
  }

  /** Fails the calls still waiting for the rate limiter; calls already sent finish. */
  async closeClients(): Promise<void> {
    await Promise.all([...this.#runtimes.values()].map((p) => p.client.close()));
  }
}
