// What an operator reads about a running daemon (`GET /status`, `/readyz`, the gauges in
// /metrics): which manifests it runs on, why a newer set was not taken, whether it still sees
// changes, what each project's last pass did, and what the reconciler refuses or holds back.
// `/readyz` keeps meaning "can serve": invalid manifests after a valid set do not make the daemon
// unready, because the FLS callback and the webhook go on answering from the last valid set.
import type { Clock } from '../clock.ts';
import type { Plan } from '../engine/plan.ts';
import type { BlockedResource, RefusedChange } from '../engine/reconciler.ts';
import type { DaemonMetrics } from './metrics.ts';
import { parseResourceKey } from '../state/resource-key.ts';

export type { BlockedResource, RefusedChange };

/** What /status and the metrics read from the reconciler. */
export interface GuardSources {
  blocked(): readonly BlockedResource[];
  refused(): readonly RefusedChange[];
}

/** One problem of a failed manifest load, where it is; messages never hold a secret value. */
export interface LoadProblem {
  file?: string;
  line?: number;
  column?: number;
  /** Field path in the document, when the problem is a field's. */
  path?: string;
  code: string;
  message: string;
}

export interface ProjectPass {
  /** Clock time (ms) the pass ended. */
  at: number;
  result: 'ok' | 'error';
  /** Actions the pass planned for the project. */
  actions: number;
  /** Why it did not converge (plan refusals, failed actions, a failed observation). */
  errors: string[];
}

export interface DaemonStatusReport {
  ready: boolean;
  /** Why /readyz answers 503; empty while ready. */
  notReady: string[];
  manifests: {
    /** Bumped on every successful load; 0 until one succeeded. */
    generation: number;
    lastLoadedAt?: number;
    /** The last load failed; the daemon runs on generation `generation`. */
    valid: boolean;
    lastError?: { at: number; problems: LoadProblem[]; more: number };
  };
  watcher: { alive: boolean; error?: string; since?: number };
  refused: RefusedChange[];
  blocked: BlockedResource[];
  projects: Record<string, ProjectPass>;
  /** Which projects this replica leads (all of them with a state file: one replica). */
  replica: ReplicaReport;
}

export interface ReplicaReport {
  /** This replica's heartbeat id; absent with a state file. */
  id?: string;
  /** Live replicas sharing the projects, this one included. */
  replicas: number;
  leads: string[];
}

/** Load problems kept per failed load; the rest are counted. */
export const MAX_LOAD_PROBLEMS = 20;

export const NOT_READY = {
  noManifests: 'no valid manifests loaded yet',
  watcherDead: 'manifest watcher is dead',
} as const;

export class DaemonStatus {
  readonly #clock: Clock;
  readonly #sources: GuardSources;
  readonly #metrics: DaemonMetrics | undefined;
  #generation = 0;
  #lastLoadedAt: number | undefined;
  #lastError: DaemonStatusReport['manifests']['lastError'];
  #watcher: DaemonStatusReport['watcher'] = { alive: true };
  readonly #projects = new Map<string, ProjectPass>();

  readonly #replica: () => ReplicaReport;

  constructor(options: { clock: Clock; sources: GuardSources; metrics?: DaemonMetrics; replica?: () => ReplicaReport }) {
    this.#replica = options.replica ?? (() => ({ replicas: 1, leads: [...this.#projects.keys()].sort() }));
    this.#clock = options.clock;
    this.#sources = options.sources;
    this.#metrics = options.metrics;
    this.#metrics?.trackGuards(options.sources);
    this.#metrics?.setWatcherUp(true);
  }

  get generation(): number {
    return this.#generation;
  }

  /** A load succeeded: the daemon now runs on a new generation. */
  manifestsLoaded(): void {
    this.#generation += 1;
    this.#lastLoadedAt = this.#clock.now();
    this.#lastError = undefined;
    this.#metrics?.recordManifestLoad({ generation: this.#generation, at: this.#lastLoadedAt, valid: true });
  }

  /** A load failed; the last valid generation stays in force. */
  manifestsInvalid(problems: readonly LoadProblem[]): void {
    this.#lastError = { at: this.#clock.now(), problems: problems.slice(0, MAX_LOAD_PROBLEMS), more: Math.max(0, problems.length - MAX_LOAD_PROBLEMS) };
    this.#metrics?.recordManifestLoad({ generation: this.#generation, at: this.#lastLoadedAt, valid: false });
  }

  watchState(state: { alive: boolean; error?: unknown }): void {
    this.#watcher = state.alive ? { alive: true, since: this.#clock.now() } : { alive: false, error: describe(state.error), since: this.#clock.now() };
    this.#metrics?.setWatcherUp(state.alive);
  }

  passFinished(project: string, pass: ProjectPass): void {
    this.#projects.set(project, pass);
  }

  /** Drops projects no longer in the manifests. */
  keepProjects(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of this.#projects.keys()) if (!keep.has(name)) this.#projects.delete(name);
  }

  readiness(): { ready: boolean; notReady: string[] } {
    const notReady: string[] = [];
    if (this.#generation === 0) notReady.push(NOT_READY.noManifests);
    if (!this.#watcher.alive) notReady.push(NOT_READY.watcherDead);
    return { ready: notReady.length === 0, notReady };
  }

  report(): DaemonStatusReport {
    const { ready, notReady } = this.readiness();
    return {
      ready,
      notReady,
      manifests: {
        generation: this.#generation,
        ...(this.#lastLoadedAt !== undefined ? { lastLoadedAt: this.#lastLoadedAt } : {}),
        valid: this.#lastError === undefined,
        ...(this.#lastError ? { lastError: this.#lastError } : {}),
      },
      watcher: this.#watcher,
      refused: [...this.#sources.refused()],
      blocked: [...this.#sources.blocked()],
      projects: Object.fromEntries([...this.#projects].sort(([a], [b]) => a.localeCompare(b))),
      replica: this.#replica(),
    };
  }
}

/** The words of an error, without its stack; file-system and chokidar errors hold no secret. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return error === undefined ? 'unknown error' : String(error);
}

/** Resource statuses of the `agoractl_resources` gauge; see its help. */
export type ResourceStatus = 'in_sync' | 'drifted' | 'pending' | 'failed' | 'blocked';

export interface ResourceStatusInput {
  /** Keys in the manifests or in state (`project/kind/name`). */
  keys: Iterable<string>;
  /** Keys in state (created or adopted by agoractl). */
  recorded: ReadonlySet<string>;
  /** The work queue's view of each key it knows. */
  runs: ReadonlyMap<string, { attempts: number; lastSuccessAt?: number }>;
  blocked: readonly BlockedResource[];
  /** Keys with a planned change that a refused plan did not apply. */
  drifted: ReadonlySet<string>;
}

/** Counts resources by kind and status, for `agoractl_resources`. The first status that applies wins. */
export function resourceStatusCounts(input: ResourceStatusInput): Array<{ kind: string; status: ResourceStatus; count: number }> {
  const blocked = new Set<string>(input.blocked.map((b) => b.key));
  const counts = new Map<string, number>();
  for (const key of input.keys) {
    const run = input.runs.get(key);
    const status: ResourceStatus = blocked.has(key)
      ? 'blocked'
      : input.drifted.has(key)
        ? 'drifted'
        : run && run.attempts > 0
          ? 'failed'
          : !input.recorded.has(key) || run?.lastSuccessAt === undefined
            ? 'pending'
            : 'in_sync';
    const kind = parseResourceKey(key)?.kind ?? 'unknown';
    const label = `${kind}\0${status}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, count]) => {
    const [kind = '', status] = label.split('\0') as [string, ResourceStatus];
    return { kind, status, count };
  });
}

/** What one reconcile pass (Reconciler's PassReport) tells /status about each project it covered. */
export function projectPasses(
  pass: { plan: Plan; error?: string },
  projects: Iterable<string>,
  /** Messages of the pass's failed actions, by project (from the apply events). */
  failedActions: ReadonlyMap<string, readonly string[]>,
  now: number,
): Map<string, ProjectPass> {
  const passes = new Map<string, ProjectPass>();
  for (const project of projects) {
    const errors = [
      ...pass.plan.errors.filter((e) => e.project === undefined || e.project === project).map((e) => `${e.code}: ${e.message}`),
      ...(failedActions.get(project) ?? []),
      ...(pass.error !== undefined ? [pass.error] : []),
    ];
    const actions = pass.plan.actions.filter((a) => a.project === project).length;
    passes.set(project, { at: now, result: errors.length > 0 ? 'error' : 'ok', actions, errors });
  }
  return passes;
}

/**
 * The projects a pass covered, as far as its plan and apply events tell: those it planned, refused
 * or failed something for; a pass that found nothing to do (or could not observe) counts for every
 * project (the pass report does not list its keys).
 */
export function passProjects(plan: Plan, failedActions: ReadonlyMap<string, unknown>, allProjects: Iterable<string>): Set<string> {
  const named = new Set([...plan.actions.map((a) => a.project), ...plan.errors.flatMap((e) => (e.project !== undefined ? [e.project] : [])), ...failedActions.keys()]);
  return named.size > 0 ? named : new Set(allProjects);
}
