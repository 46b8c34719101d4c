// The reconcile loop of `agoractl reconcile --watch` (controller-runtime's shape): triggers only
// add resource keys to a work queue; a worker never trusts the trigger, it observes and enforces
// the whole desired state of its key. Workers that are due together join one pass (one List
// serves every player of a project), so a burst of notifications costs one observation, not
// one per key; the queue keeps one worker per key and backs a failing key off.
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { StateStore } from '../state/store.ts';
import type { ResourceState } from '../state/types.ts';
import { projectOf, type ResourceKey } from '../state/resource-key.ts';
import type { PlannedAction } from '../resources/kind.ts';
import { TerminalError, WorkQueue, type BackoffOptions, type KeyStatus, type RunOutcome } from './work-queue.ts';
import { applyPass, planPass, type ReconcileScope } from './reconcile.ts';
import type { ApplyEvent, ActionError } from './apply.ts';
import { refusalOf, summarise, type Plan, type PlanError } from './plan.ts';

export interface ReconcilerOptions {
  store: StateStore;
  clock: Clock;
  logger: Logger;
  allowMassDelete?: boolean;
  backoff?: BackoffOptions;
  /** How long a pass waits for more due keys to join it. */
  batchWindowMs?: number;
  onAction?: (event: ApplyEvent) => void;
  onPass?: (pass: PassReport) => void;
  onStatus?: (key: string, status: KeyStatus, outcome: RunOutcome) => void;
}

/** Log events of the loop, so tests and dashboards match on a constant rather than on prose. */
export const RECONCILE_EVENT = {
  /** A resource agoractl will not act on until the manifests or Agora change (error, once). */
  blocked: 'reconcile.blocked',
  unblocked: 'reconcile.unblocked',
  /** A plan error (mass delete, quota...) now holds resources back (error, once). */
  refused: 'reconcile.plan_error',
  refusalLifted: 'reconcile.plan_error_cleared',
  /** A project's manifests changed while a pass ran: its unsent actions were dropped, its keys queued again. */
  superseded: 'reconcile.pass_superseded',
  passFailed: 'reconcile.pass_failed',
} as const;

/** Why a resource is blocked, by the type of its blocked action. */
export const BLOCKED_CODE = { conflict: 'Conflict', other: 'Blocked' } as const;

/** A resource parked until its manifest or Agora changes (for the daemon's status). */
export interface BlockedResource {
  key: ResourceKey;
  code: string;
  reason: string;
  /** Clock time at which it became blocked. */
  since: number;
}

/** A plan error in force: the resources it covers are parked until the manifests change or someone approves. */
export interface RefusedChange {
  project: string;
  kind?: string;
  code: string;
  message: string;
  since: number;
}

interface Refusal extends RefusedChange {
  /** The parked keys it holds back; the refusal is in force while there is one. */
  keys: Set<ResourceKey>;
}

export interface PassReport {
  keys: number;
  plan: Plan;
  failed: number;
  durationMs: number;
  error?: string;
}

export class ResourceNotConverged extends Error {
  constructor(
    readonly key: ResourceKey,
    readonly detail: ActionError | string,
  ) {
    super(typeof detail === 'string' ? detail : detail.message);
    this.name = 'ResourceNotConverged';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Reconciler {
  readonly queue: WorkQueue<ResourceKey>;
  #scope: ReconcileScope | undefined;
  readonly #options: ReconcilerOptions;
  #batch = new Map<ResourceKey, Waiter>();
  #batchScheduled = false;
  #passing: Promise<void> = Promise.resolve();
  #signal: AbortSignal | undefined;
  /**
   * For the pass in flight, by project: aborted when that project's manifests, Project document
   * or leadership change under it. Only that project's unsent actions are dropped; the others go on.
   */
  #superseded: Map<string, AbortController> | undefined;
  #passes = 0;
  readonly #blocked = new Map<ResourceKey, BlockedResource>();
  readonly #refused = new Map<string, Refusal>();

  constructor(options: ReconcilerOptions) {
    this.#options = options;
    this.queue = new WorkQueue<ResourceKey>({
      worker: (key, signal) => this.#join(key, signal),
      // Keys only wait here to join a pass; passes themselves run one at a time.
      concurrency: 10_000,
      clock: options.clock,
      backoff: options.backoff,
      onStatus: options.onStatus,
    });
  }

  get scope(): ReconcileScope | undefined {
    return this.#scope;
  }

  /** How many passes have completed (successfully or not). */
  get passes(): number {
    return this.#passes;
  }

  /**
   * Installs a new desired state. Keys whose manifest changed (or appeared or vanished) are
   * queued with their back-off forgotten: the old failure may not apply to the new spec. A
   * refused change of a project whose manifests changed is looked at again, and the pass in
   * flight, planned from the old manifests, sends no more calls for that project: its keys are
   * planned again. The other projects' actions in that pass carry on: a replica gaining or losing
   * one project must not hold back the creates of all the others.
   */
  setScope(scope: ReconcileScope): void {
    const previous = this.#scope;
    const before = new Map((previous?.desired ?? []).map((d) => [d.key, JSON.stringify(d.spec)]));
    this.#scope = scope;
    const changed: ResourceKey[] = [];
    for (const d of scope.desired) {
      if (before.get(d.key) !== JSON.stringify(d.spec)) changed.push(d.key);
      before.delete(d.key);
    }
    changed.push(...before.keys());
    const projects = new Set(changed.map(projectOf));
    // A new Project document (limits, credentials) is a change of every resource of it.
    for (const name of new Set([...(previous?.projects.keys() ?? []), ...scope.projects.keys()])) {
      if (previous && previous.projects.get(name) !== scope.projects.get(name)) projects.add(name);
    }
    for (const key of changed) this.queue.add(key, { resetBackoff: true });
    for (const refusal of this.#refused.values()) {
      if (refusal.project && !projects.has(refusal.project)) continue;
      for (const key of refusal.keys) this.queue.add(key, { resetBackoff: true });
    }
    const inFlight = this.#superseded;
    if (previous && inFlight) for (const project of projects) supersede(inFlight, project).abort(new Error(supersededMessage(project)));
  }

  /** Resources parked because agoractl will not act on them as they are (a name conflict). */
  blocked(): BlockedResource[] {
    return [...this.#blocked.values()].map((b) => ({ ...b }));
  }

  /** Plan errors in force: the changes the daemon refuses until the manifests change or someone approves. */
  refused(): RefusedChange[] {
    return [...this.#refused.values()].map(({ project, kind, code, message, since }) => (kind === undefined ? { project, code, message, since } : { project, kind, code, message, since }));
  }

  /** The resources refused changes hold back (their project and kind's plan errors). */
  refusedKeys(): Set<ResourceKey> {
    const keys = new Set<ResourceKey>();
    for (const refusal of this.#refused.values()) for (const key of refusal.keys) keys.add(key);
    return keys;
  }

  /**
   * Queues what state records and the manifests no longer declare: at start, setScope has queued
   * every declared resource, and adding those again while their first pass runs would run them
   * twice (a parked conflict would spend a second List).
   */
  async enqueueUndeclared(): Promise<number> {
    const declared = new Set((this.#scope?.desired ?? []).map((d) => d.key));
    const keys = [...(await this.knownKeys())].filter((key) => !declared.has(key));
    for (const key of keys) this.queue.add(key);
    return keys.length;
  }

  /** Queues every resource agoractl knows of: desired or recorded in state (a resync). */
  async enqueueAll(): Promise<number> {
    const keys = await this.knownKeys();
    for (const key of keys) this.queue.add(key);
    return keys.size;
  }

  async knownKeys(): Promise<Set<ResourceKey>> {
    const snapshot = await this.#options.store.load();
    return new Set([...(this.#scope?.desired ?? []).map((d) => d.key), ...Object.values(snapshot.resources).map((s) => s.key)]);
  }

  /** Queues the keys a notification names; unknown resources are ignored. */
  async enqueueMatching(match: (key: ResourceKey, state: ResourceState | undefined) => boolean): Promise<ResourceKey[]> {
    const snapshot = await this.#options.store.load();
    const keys = [...(await this.knownKeys())].filter((key) => match(key, snapshot.resources[key]));
    for (const key of keys) this.queue.add(key);
    return keys;
  }

  /** Stops taking work; passes in flight start no new action and finish their calls. */
  async drain(graceMs: number): Promise<void> {
    await this.queue.drain({ graceMs });
    await this.#passing;
  }

  #join(key: ResourceKey, signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    return new Promise<void>((resolve, reject) => {
      this.#batch.set(key, { resolve, reject });
      if (this.#batchScheduled) return;
      this.#batchScheduled = true;
      setTimeout(() => {
        this.#batchScheduled = false;
        const batch = this.#batch;
        this.#batch = new Map();
        this.#passing = this.#passing.then(() => this.#pass(batch));
      }, this.#options.batchWindowMs ?? 20);
    });
  }

  async #pass(batch: Map<ResourceKey, Waiter>): Promise<void> {
    const started = this.#options.clock.now();
    const scope = this.#scope;
    if (!scope) {
      for (const w of batch.values()) w.reject(new Error('no desired state loaded'));
      return;
    }
    const allKeys = [...batch.keys()];
    const superseded = new Map<string, AbortController>();
    this.#superseded = superseded;
    const isSuperseded = (project: string): boolean => superseded.get(project)?.signal.aborted === true;
    // A call given up unsent at the rate limiter fails with the supersession itself: that action
    // was dropped, not failed, and its key must not wait a back-off before it is planned again.
    const dropped = (action: PlannedAction, error: ActionError): boolean => isSuperseded(action.project) && error.message === supersededMessage(action.project);
    try {
      const snapshot = await this.#options.store.load();
      const planned = await planPass(scope, Object.values(snapshot.resources), { targets: allKeys, allowMassDelete: this.#options.allowMassDelete });
      // Projects planned from manifests that are no longer theirs plan again from the new ones;
      // the rest of the plan still holds.
      const stale = new Set([...superseded].filter(([, c]) => c.signal.aborted).map(([project]) => project));
      if (stale.size > 0) batch = this.#requeue(batch, stale);
      if (batch.size === 0) {
        this.#report({ keys: allKeys.length, plan: emptyPlan(), failed: 0, durationMs: this.#options.clock.now() - started });
        return;
      }
      const keys = [...batch.keys()];
      const plan = stale.size === 0 ? planned.plan : withoutProjects(planned.plan, stale);
      const refusals = new Map<ResourceKey, PlanError>();
      for (const key of keys) {
        const error = refusalOf(plan.errors, key);
        if (error) refusals.set(key, error);
      }
      // What no error refuses is carried out: a refused mass delete of players does not hold back
      // the recordings planned in the same pass.
      const actions = plan.errors.length === 0 ? plan.actions : plan.actions.filter((a) => !refusalOf(plan.errors, a.key));
      const carried = actions === plan.actions ? plan : { ...plan, actions, summary: summarise(actions) };
      const onEvent = (event: ApplyEvent): void => {
        // Reported once by this loop (blocked), or not at all (dropped for newer manifests).
        if (event.type === 'skipped' && (event.action.blocked || isSuperseded(event.action.project))) return;
        if (event.type === 'failed' && dropped(event.action, event.error)) return;
        this.#options.onAction?.(event);
      };
      const result = await applyPass(scope, this.#options.store, carried === planned.plan ? planned : { ...planned, plan: carried }, {
        onEvent,
        signal: this.#signal,
        projectSignal: (project) => supersede(superseded, project).signal,
      });
      // A project's manifests changed during the apply: its keys are planned again from the new ones.
      const replan = (key: ResourceKey): boolean => isSuperseded(projectOf(key)) && !this.#signal?.aborted;
      const failures = new Map<ResourceKey, ActionError | string>();
      const blocked = new Map<ResourceKey, PlannedAction>();
      for (const f of result.failed) if (!(replan(f.action.key) && dropped(f.action, f.error))) failures.set(f.action.key, f.error);
      for (const s of result.skipped) {
        if (s.action.blocked) blocked.set(s.action.key, s.action);
        else if (!replan(s.action.key)) failures.set(s.action.key, s.why);
      }
      const now = this.#options.clock.now();
      for (const [key, waiter] of batch) {
        if (replan(key)) this.queue.add(key);
        this.#release(key);
        const refusal = refusals.get(key);
        const action = blocked.get(key);
        const failure = failures.get(key);
        if (refusal) {
          this.#refuse(key, refusal, now);
          waiter.reject(new TerminalError(new ResourceNotConverged(key, refusal.message)));
        } else if (action) {
          this.#block(action, now);
          waiter.reject(new TerminalError(new ResourceNotConverged(key, action.reason)));
        } else {
          this.#unblock(key);
          if (failure) waiter.reject(new ResourceNotConverged(key, failure));
          else waiter.resolve();
        }
      }
      await this.#scheduleRechecks(scope, keys);
      this.#liftRefusals();
      this.#report({ keys: allKeys.length, plan: carried, failed: failures.size + refusals.size + blocked.size, durationMs: this.#options.clock.now() - started });
    } catch (err) {
      // Observation failed (Agora unreachable, a limit exhausted): every key tries again later.
      for (const waiter of batch.values()) waiter.reject(err);
      // During shutdown, passes still waiting for the rate limiter fail by design.
      const level = this.#signal?.aborted ? 'info' : 'warn';
      this.#options.logger[level]({ event: RECONCILE_EVENT.passFailed, keys: batch.size, err: err instanceof Error ? err.message : String(err) }, 'reconcile pass failed');
      this.#report({ keys: allKeys.length, plan: emptyPlan(), failed: batch.size, durationMs: this.#options.clock.now() - started, error: String(err) });
    } finally {
      if (this.#superseded === superseded) this.#superseded = undefined;
    }
  }

  /**
   * The keys of the pass whose project was planned from old manifests run again at once, without
   * a failure. Returns the keys that go on with the pass.
   */
  #requeue(batch: Map<ResourceKey, Waiter>, projects: ReadonlySet<string>): Map<ResourceKey, Waiter> {
    const rest = new Map<ResourceKey, Waiter>();
    let requeued = 0;
    for (const [key, waiter] of batch) {
      if (!projects.has(projectOf(key))) {
        rest.set(key, waiter);
        continue;
      }
      requeued++;
      this.queue.add(key);
      waiter.resolve();
    }
    this.#options.logger.info({ event: RECONCILE_EVENT.superseded, keys: requeued, projects: [...projects].sort() }, 'manifests changed during a pass; planning those projects again');
    return rest;
  }

  #refuse(key: ResourceKey, error: PlanError, now: number): void {
    const id = `${error.project ?? ''}/${error.kind ?? ''}/${error.code}`;
    let refusal = this.#refused.get(id);
    if (refusal?.message !== error.message) {
      // A new refusal, or the same one over changed manifests: said once, at error level.
      refusal = { project: error.project ?? '', kind: error.kind, code: error.code, message: error.message, since: now, keys: new Set(refusal?.keys) };
      this.#refused.set(id, refusal);
      this.#options.logger.error({ event: RECONCILE_EVENT.refused, code: error.code, project: error.project, kind: error.kind }, error.message);
    }
    refusal.keys.add(key);
  }

  /** The key was planned without a refusal: no refusal holds it back any more. */
  #release(key: ResourceKey): void {
    for (const refusal of this.#refused.values()) refusal.keys.delete(key);
  }

  #liftRefusals(): void {
    for (const [id, refusal] of this.#refused) {
      if (refusal.keys.size > 0) continue;
      this.#refused.delete(id);
      this.#options.logger.info({ event: RECONCILE_EVENT.refusalLifted, code: refusal.code, project: refusal.project, kind: refusal.kind }, 'a refused change no longer holds anything back');
    }
  }

  #block(action: PlannedAction, now: number): void {
    const known = this.#blocked.get(action.key);
    if (known?.reason === action.reason) return;
    const code = action.type === 'conflict' ? BLOCKED_CODE.conflict : BLOCKED_CODE.other;
    this.#blocked.set(action.key, { key: action.key, code, reason: action.reason, since: now });
    this.#options.logger.error({ event: RECONCILE_EVENT.blocked, key: action.key, code, project: action.project, kind: action.kind, name: action.name }, action.reason);
  }

  #unblock(key: ResourceKey): void {
    if (!this.#blocked.delete(key)) return;
    this.#options.logger.info({ event: RECONCILE_EVENT.unblocked, key }, 'no longer blocked');
  }

  async #scheduleRechecks(scope: ReconcileScope, keys: ResourceKey[]): Promise<void> {
    const snapshot = await this.#options.store.load();
    const now = this.#options.clock.now();
    const desired = new Set(scope.desired.map((d) => d.key));
    for (const key of keys) {
      const state = snapshot.resources[key];
      // Gone from the manifests and from state: forget its queue status too, or a daemon that
      // runs for months keeps one entry for every name it ever saw.
      if (!state && !desired.has(key)) {
        this.queue.remove(key);
        this.#unblock(key);
        this.#release(key);
        continue;
      }
      const module = state && scope.modules.find((m) => m.kind === state.kind);
      const after = state && module?.recheckAfter?.(state, now);
      if (after !== undefined) this.queue.add(key, { after });
    }
  }

  #report(report: PassReport): void {
    this.#passes += 1;
    this.#options.onPass?.(report);
  }
}

/** Why a project's unsent calls were given up: its manifests, Project document or leadership changed. */
function supersededMessage(project: string): string {
  return `the manifests of project ${project} changed`;
}

/** The controller of `project` in a pass's supersession map, made on first use. */
function supersede(superseded: Map<string, AbortController>, project: string): AbortController {
  let controller = superseded.get(project);
  if (!controller) {
    controller = new AbortController();
    superseded.set(project, controller);
  }
  return controller;
}

/** The plan without what it holds for `projects` (they are planned again from their new manifests). */
function withoutProjects(plan: Plan, projects: ReadonlySet<string>): Plan {
  const actions = plan.actions.filter((a) => !projects.has(a.project));
  return {
    ...plan,
    actions,
    unmanaged: plan.unmanaged.filter((u) => !projects.has(u.project)),
    errors: plan.errors.filter((e) => e.project === undefined || !projects.has(e.project)),
    summary: summarise(actions),
  };
}

function emptyPlan(): Plan {
  return { formatVersion: 1, actions: [], unmanaged: [], errors: [], summary: summarise([]), quotaFree: {}, observedAt: 0 };
}
