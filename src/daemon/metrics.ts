// The daemon's Prometheus metrics, on a registry of its own (never prom-client's global one, so
// two daemons or tests in one process do not share counters). The client reports every API call
// here; the reconcile loop reports runs, drift and resource states.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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

export interface ResourceStateCount {
  kind: string;
  /** e.g. `running`, `failed`, `pending`, `conflict`: whatever the engine reports. */
  state: string;
  count: number;
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
  readonly #resources: Gauge<'kind' | 'state'>;
  readonly #webhooks: Counter<'result'>;
  readonly #flsCallbacks: Counter<'result'>;
  #queueDepthSource: (() => number) | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Memory, CPU, event-loop lag and handles of the daemon process, under the same prefix.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'agoractl_' });
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
      help: 'Managed resources by kind and state.',
      labelNames: ['kind', 'state'],
      registers,
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

  /** Replaces the resource counts: states no longer listed drop out. */
  setResourceStates(counts: readonly ResourceStateCount[]): void {
    this.#resources.reset();
    for (const { kind, state, count } of counts) this.#resources.set({ kind, state }, count);
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
