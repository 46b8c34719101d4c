// The daemon's Prometheus metrics, on a registry of its own (never prom-client's global one, so
// two daemons or tests in one process do not share counters). The client reports every API call
// here; the reconcile loop reports runs, drift and resource states.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GuardSources, ResourceStatus } from './status.ts';
import { kindOf } from '../state/resource-key.ts';

export interface ApiCallRecord {
  /** The endpoint class or call name, e.g. `playerCreateNamed` or `recording.query`. */
  endpoint: string;
  /** The HTTP status, or a word for calls that got none (`network`, `timeout`). */
  status: number | string;
  durationMs: number;
}

export interface ReconcileRecord {
  kind: string;
  /** `ok` or `error`. */
  result: 'ok' | 'error';
  durationMs: number;
}

export interface ResourceStatusCount {
  kind: string;
  status: ResourceStatus;
  count: number;
}

export interface ManifestLoadRecord {
  /** The generation in force (bumped by every successful load). */
  generation: number;
  /** Clock time (ms) of the last successful load, if any. */
  at: number | undefined;
  /** Whether this load succeeded. */
  valid: boolean;
}

export type WebhookResult = 'accepted' | 'duplicate' | 'ignored' | 'unsigned' | 'forged' | 'malformed' | 'no-secret';
export type FlsCallbackResult = 'routed' | 'no-route' | 'bad-request';

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #reconcileDuration: Histogram<'kind' | 'result'>;
  readonly #apiCalls: Counter<'endpoint' | 'status'>;
  readonly #apiDuration: Histogram<'endpoint'>;
  readonly #rateLimited: Counter<'endpoint'>;
  readonly #queueDepth: Gauge;
  readonly #drift: Counter<'kind'>;
  readonly #resources: Gauge<'kind' | 'status'>;
  readonly #manifestGeneration: Gauge;
  readonly #manifestLoadedAt: Gauge;
  readonly #manifestsValid: Gauge;
  readonly #watcherUp: Gauge;
  #guards: GuardSources | undefined;
  readonly #webhooks: Counter<'result'>;
  readonly #flsCallbacks: Counter<'result'>;
  readonly #projectLeader: Gauge<'project'>;
  #queueDepthSource: (() => number) | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Memory, CPU, event-loop lag and handles of the daemon process, under their standard names
    // (`process_*`, `nodejs_*`) so stock Node.js dashboards and alerts work unchanged.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#reconcileDuration = new Histogram({
      name: 'agoractl_reconcile_duration_seconds',
      help: 'Time one reconcile of a resource took, by kind and result.',
      labelNames: ['kind', 'result'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.#apiCalls = new Counter({
      name: 'agoractl_api_calls_total',
      help: 'Agora REST API calls, by endpoint and HTTP status.',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.#apiDuration = new Histogram({
      name: 'agoractl_api_call_duration_seconds',
      help: 'Duration of Agora REST API calls, by endpoint.',
      labelNames: ['endpoint'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'agoractl_api_rate_limited_total',
      help: 'Agora REST API calls answered 429 (rate limit or quota), by endpoint.',
      labelNames: ['endpoint'],
      registers,
    });
    const depthNow = (): number | undefined => this.#queueDepthSource?.();
    this.#queueDepth = new Gauge({
      name: 'agoractl_queue_depth',
      help: 'Resource keys waiting in the work queue.',
      registers,
      collect() {
        const depth = depthNow();
        if (depth !== undefined) this.set(depth);
      },
    });
    this.#drift = new Counter({
      name: 'agoractl_drift_found_total',
      help: 'Reconciles that found a resource different from its manifest, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.#resources = new Gauge({
      name: 'agoractl_resources',
      help:
        'Resources in the manifests or in state, by kind and status, set after each reconcile pass. status: ' +
        'blocked (held back by the reconciler), drifted (differs from its manifest and the change was refused), ' +
        'failed (its last reconcile failed; retried with back-off), pending (not reconciled yet, or not created yet), ' +
        'in_sync (its last reconcile converged it). The first that applies wins.',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.#manifestGeneration = new Gauge({
      name: 'agoractl_manifest_generation',
      help: 'Generation of the manifests in force: bumped by every successful load (0: none loaded yet).',
      registers,
    });
    this.#manifestLoadedAt = new Gauge({
      name: 'agoractl_manifest_last_load_timestamp_seconds',
      help: 'Unix time of the last successful manifest load.',
      registers,
    });
    this.#manifestsValid = new Gauge({
      name: 'agoractl_manifests_valid',
      help: '1 when the last manifest load succeeded; 0 while the folder is invalid or missing (the last valid generation stays in force).',
      registers,
    });
    this.#watcherUp = new Gauge({
      name: 'agoractl_manifest_watcher_up',
      help: '1 while the manifest folder is watched; 0 after the watch failed, until it is re-established.',
      registers,
    });
    const guards = (): GuardSources | undefined => this.#guards;
    new Gauge({
      name: 'agoractl_refused_changes',
      help: 'Changes the reconciler refused to apply (e.g. a mass delete, a quota exceeded), by project, kind and code.',
      labelNames: ['project', 'kind', 'code'],
      registers,
      collect() {
        const source = guards();
        if (!source) return;
        this.reset();
        for (const r of source.refused()) this.inc({ project: r.project, kind: r.kind ?? '', code: r.code });
      },
    });
    new Gauge({
      name: 'agoractl_blocked_resources',
      help: 'Resources the reconciler holds back, by kind and code.',
      labelNames: ['kind', 'code'],
      registers,
      collect() {
        const source = guards();
        if (!source) return;
        this.reset();
        for (const b of source.blocked()) this.inc({ kind: kindOf(b.key), code: b.code });
      },
    });
    this.#webhooks = new Counter({
      name: 'agoractl_notifications_total',
      help: 'Notifications posted to the webhook, by result.',
      labelNames: ['result'],
      registers,
    });
    this.#flsCallbacks = new Counter({
      name: 'agoractl_fls_callbacks_total',
      help: 'FLS dynamic-pull callbacks answered, by result.',
      labelNames: ['result'],
      registers,
    });
    this.#projectLeader = new Gauge({
      name: 'agoractl_project_leader',
      help: '1 for each project this daemon replica leads (reconciles), 0 for the projects of the manifests other replicas lead.',
      labelNames: ['project'],
      registers,
    });
  }

  /** Which of the manifests' projects this replica leads; projects gone from the manifests drop out. */
  setLeadership(projects: Iterable<string>, leads: (project: string) => boolean): void {
    this.#projectLeader.reset();
    for (const project of projects) this.#projectLeader.set({ project }, leads(project) ? 1 : 0);
  }

  /** One Agora API call (each attempt, retries included). */
  recordApiCall(call: ApiCallRecord): void {
    const status = String(call.status);
    this.#apiCalls.inc({ endpoint: call.endpoint, status });
    this.#apiDuration.observe({ endpoint: call.endpoint }, seconds(call.durationMs));
    if (status === '429') this.#rateLimited.inc({ endpoint: call.endpoint });
  }

  recordReconcile(run: ReconcileRecord): void {
    this.#reconcileDuration.observe({ kind: run.kind, result: run.result }, seconds(run.durationMs));
  }

  recordDrift(kind: string, count = 1): void {
    this.#drift.inc({ kind }, count);
  }

  /** Replaces the resource counts: statuses no longer listed drop out. */
  setResourceStatuses(counts: readonly ResourceStatusCount[]): void {
    this.#resources.reset();
    for (const { kind, status, count } of counts) this.#resources.set({ kind, status }, count);
  }

  recordManifestLoad(load: ManifestLoadRecord): void {
    this.#manifestGeneration.set(load.generation);
    if (load.at !== undefined) this.#manifestLoadedAt.set(load.at / 1000);
    this.#manifestsValid.set(load.valid ? 1 : 0);
  }

  setWatcherUp(up: boolean): void {
    this.#watcherUp.set(up ? 1 : 0);
  }

  /** Reads refused changes and blocked resources at each scrape. */
  trackGuards(source: GuardSources): void {
    this.#guards = source;
  }

  setQueueDepth(depth: number): void {
    this.#queueDepthSource = undefined;
    this.#queueDepth.set(depth);
  }

  /** Reads the depth at each scrape (e.g. `() => queue.depth`). */
  trackQueueDepth(source: () => number): void {
    this.#queueDepthSource = source;
  }

  recordNotification(result: WebhookResult): void {
    this.#webhooks.inc({ result });
  }

  recordFlsCallback(result: FlsCallbackResult): void {
    this.#flsCallbacks.inc({ result });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}
