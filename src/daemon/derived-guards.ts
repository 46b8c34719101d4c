// Refused changes and blocked resources as far as the daemon can tell them from outside the
// reconciler: a refused change is a plan error of the last pass over a project (mass delete,
// quota), a blocked resource is a key whose reconciles keep failing. It stands in for
// Reconciler.refused() and Reconciler.blocked() until the engine reports them itself; the daemon
// reads only the GuardSources interface, so swapping it is one line in runDaemon.
import type { Clock } from '../clock.ts';
import type { Plan } from '../engine/plan.ts';
import type { KeyStatus } from '../engine/work-queue.ts';
import type { BlockedResource, GuardSources, RefusedChange } from './status.ts';

/** Consecutive failures after which a key counts as blocked (DESIGN.md: failed after three). */
export const BLOCKED_AFTER_FAILURES = 3;
export const BLOCKED_CODE = 'ReconcileFailing';

export class DerivedGuards implements GuardSources {
  readonly #clock: Clock;
  readonly #statuses: () => Iterable<[string, KeyStatus]>;
  #refused: RefusedChange[] = [];
  /** Keys with a planned change a refused plan left unapplied, and since when. */
  readonly #drifted = new Map<string, number>();
  readonly #blockedSince = new Map<string, number>();

  constructor(options: { clock: Clock; statuses: () => Iterable<[string, KeyStatus]> }) {
    this.#clock = options.clock;
    this.#statuses = options.statuses;
  }

  /** A pass over `projects` ended with `plan`: its errors are the projects' refusals now. */
  passFinished(projects: Iterable<string>, plan: Plan): void {
    const now = this.#clock.now();
    const covered = new Set(projects);
    for (const e of plan.errors) covered.add(e.project ?? '');
    const before = new Map(this.#refused.map((r) => [refusalId(r), r.since]));
    this.#refused = [
      ...this.#refused.filter((r) => !covered.has(r.project)),
      ...plan.errors.map((e) => {
        const refusal: RefusedChange = { project: e.project ?? '', code: e.code, message: e.message, since: now };
        if (e.kind !== undefined) refusal.kind = e.kind;
        refusal.since = before.get(refusalId(refusal)) ?? now;
        return refusal;
      }),
    ];
    const refusedProjects = new Set(plan.errors.map((e) => e.project ?? ''));
    for (const a of plan.actions) {
      const refused = refusedProjects.has(a.project) || refusedProjects.has('');
      if (refused) this.#drifted.set(a.key, this.#drifted.get(a.key) ?? now);
      else this.#drifted.delete(a.key);
    }
  }

  refused(): RefusedChange[] {
    return [...this.#refused];
  }

  blocked(): BlockedResource[] {
    const blocked: BlockedResource[] = [];
    const seen = new Set<string>();
    for (const [key, status] of this.#statuses()) {
      if (status.attempts < BLOCKED_AFTER_FAILURES) continue;
      seen.add(key);
      const since = this.#blockedSince.get(key) ?? status.lastErrorAt ?? this.#clock.now();
      this.#blockedSince.set(key, since);
      blocked.push({ key, code: BLOCKED_CODE, reason: status.lastError ?? 'reconcile failed', since });
    }
    for (const key of this.#blockedSince.keys()) if (!seen.has(key)) this.#blockedSince.delete(key);
    return blocked;
  }

  /** Keys left drifted by a refusal and not converged since. */
  drifted(lastSuccessAt: (key: string) => number | undefined): Set<string> {
    for (const [key, since] of this.#drifted) if ((lastSuccessAt(key) ?? -Infinity) > since) this.#drifted.delete(key);
    return new Set(this.#drifted.keys());
  }
}

function refusalId(r: RefusedChange): string {
  return `${r.project}\0${r.kind ?? ''}\0${r.code}`;
}
