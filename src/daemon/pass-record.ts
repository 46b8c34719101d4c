// What each reconcile pass leaves for the operator: drift and pass metrics, each project's last
// pass in /status (with the actions that failed in it), and the resources counted by status.
import type { Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import type { ApplyEvent } from '../engine/apply.ts';
import type { PassReport, Reconciler } from '../engine/reconciler.ts';
import type { StateStore } from '../state/store.ts';
import type { DaemonMetrics } from './metrics.ts';
import { passProjects, projectPasses, resourceStatusCounts, type DaemonStatus } from './status.ts';

/** Failed actions kept per project for /status: the last ones are enough to tell what goes wrong. */
const FAILED_ACTIONS_KEPT = 10;

export interface PassRecordOptions {
  metrics: DaemonMetrics;
  status: () => DaemonStatus;
  clock: Clock;
  logger: Logger;
  /** The projects of the manifests in force. */
  projects: () => string[];
  /** Counts the resources by status into the metrics. */
  countResources: () => Promise<void>;
  describeError: (err: unknown) => string;
}

export class PassRecord {
  // Failed actions of the pass in progress, by project (apply events come before the pass's end).
  #failedActions = new Map<string, string[]>();
  readonly #options: PassRecordOptions;

  constructor(options: PassRecordOptions) {
    this.#options = options;
  }

  readonly actionFinished = (e: ApplyEvent): void => {
    if (e.type !== 'failed') return;
    const project = e.action.project;
    this.#failedActions.set(project, [...(this.#failedActions.get(project) ?? []), `${e.action.key}: ${e.error.message}`].slice(-FAILED_ACTIONS_KEPT));
  };

  readonly passFinished = (pass: PassReport): void => {
    const { metrics, clock, logger } = this.#options;
    const byKind = new Map<string, number>();
    for (const a of pass.plan.actions) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
    for (const [kind, count] of byKind) metrics.recordDrift(kind, count);
    metrics.recordReconcile({ kind: 'all', result: pass.failed > 0 ? 'error' : 'ok', durationMs: pass.durationMs });
    const failed = this.#failedActions;
    this.#failedActions = new Map();
    const status = this.#options.status();
    const projects = passProjects(pass.plan, failed, this.#options.projects());
    for (const [project, result] of projectPasses(pass, projects, failed, clock.now())) status.passFinished(project, result);
    void this.#options.countResources().catch((err: unknown) => logger.warn({ event: 'metrics.resources_failed', err: this.#options.describeError(err) }, 'could not count resources'));
  };
}

/** Sets the resource status gauges: every key declared or recorded, by what the loop knows of it. */
export async function countResources(input: { store: StateStore; reconciler: Reconciler; desiredKeys: () => string[]; metrics: DaemonMetrics }): Promise<void> {
  const { store, reconciler, metrics } = input;
  const snapshot = await store.load();
  const recorded = new Set(Object.keys(snapshot.resources));
  const runs = new Map(reconciler.queue.statuses());
  metrics.setResourceStatuses(
    resourceStatusCounts({
      keys: new Set([...input.desiredKeys(), ...recorded]),
      recorded,
      runs,
      blocked: reconciler.blocked(),
      drifted: reconciler.refusedKeys(),
    }),
  );
}
