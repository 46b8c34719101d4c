// Carries out a plan: every independent action in flight at once (the client's rate limiters
// pace the calls), creates held back only by the quota they need, errors collected per action
// so the rest continues. It reads the plan; it never re-decides it.
import type { PlannedAction, KindModule } from '../resources/kind.ts';
import { executeAction, type ProjectContext } from './execute.ts';
import type { Plan } from './plan.ts';
import type { Clock } from '../clock.ts';
import { QuotaGate } from './quota-gate.ts';

export type ApplyEvent =
  | { type: 'start'; action: PlannedAction }
  | { type: 'done'; action: PlannedAction; durationMs: number }
  | { type: 'failed'; action: PlannedAction; durationMs: number; error: ActionError }
  | { type: 'skipped'; action: PlannedAction; why: string };

/** A failed action, safe to print and serialise: no secrets (the client redacts its errors). */
export interface ActionError {
  message: string;
  code?: string | number;
  status?: number;
  requestId?: string;
  resourceId?: string;
}

export interface ApplyResult {
  done: PlannedAction[];
  failed: { action: PlannedAction; error: ActionError }[];
  skipped: { action: PlannedAction; why: string }[];
  durationMs: number;
}

export interface ApplyOptions {
  plan: Plan;
  modules: readonly KindModule[];
  /** Execution context by project; a context's signal stops that project's actions alone. */
  contexts: ReadonlyMap<string, ProjectContext>;
  clock: Clock;
  onEvent?: (event: ApplyEvent) => void;
  /** When aborted, actions not yet started are skipped; started ones finish. */
  signal?: AbortSignal;
}

/** A signal aborted when either is (undefined when neither is given). */
function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || a === b) return b;
  return b ? AbortSignal.any([a, b]) : a;
}

export async function applyPlan(options: ApplyOptions): Promise<ApplyResult> {
  const started = options.clock.now();
  const modules = new Map(options.modules.map((m) => [m.kind, m]));
  const gates = new Map<string, QuotaGate>();
  const gate = (action: PlannedAction): QuotaGate => {
    const id = `${action.project}/${action.kind}`;
    let g = gates.get(id);
    if (!g) {
      g = new QuotaGate(options.plan.quotaFree[action.project]?.[action.kind] ?? null);
      gates.set(id, g);
    }
    return g;
  };
  // Per project, once: an action, and the calls it waits to send, stop on the run's signal or on its project's.
  const contexts = new Map([...options.contexts].map(([project, ctx]) => [project, { ...ctx, signal: eitherSignal(options.signal, ctx.signal) }]));
  const result: ApplyResult = { done: [], failed: [], skipped: [], durationMs: 0 };
  const emit = (event: ApplyEvent): void => options.onEvent?.(event);

  const run = async (action: PlannedAction): Promise<void> => {
    const skip = (why: string): void => {
      result.skipped.push({ action, why });
      emit({ type: 'skipped', action, why });
    };
    if (action.blocked) return skip(action.reason);
    const module = modules.get(action.kind);
    const ctx = contexts.get(action.project);
    if (!module || !ctx) return skip(`no ${module ? 'context for project' : 'module for kind'} of ${action.key}`);
    const quota = gate(action);
    const signal = ctx.signal;
    // Without an await when the quota has room: an await here would queue every create's
    // calls behind those of the actions started after it (see the order below).
    if (action.quotaDelta > 0 && !quota.tryAcquire(action.quotaDelta) && !(await quota.acquire(action.quotaDelta, signal))) return skip('apply was interrupted');
    if (signal?.aborted) {
      if (action.quotaDelta > 0) quota.release(action.quotaDelta);
      return skip('apply was interrupted');
    }
    const t0 = options.clock.now();
    emit({ type: 'start', action });
    try {
      await executeAction(module, action, ctx);
      result.done.push(action);
      if (action.quotaDelta < 0) quota.release(-action.quotaDelta);
      emit({ type: 'done', action, durationMs: options.clock.now() - t0 });
    } catch (err) {
      const error = toActionError(err);
      // A create that failed did not take its slot; a delete that failed did not free one.
      if (action.quotaDelta > 0) quota.release(action.quotaDelta);
      result.failed.push({ action, error });
      emit({ type: 'failed', action, durationMs: options.clock.now() - t0, error });
    }
  };

  // Every action starts at once; the order decides which calls reach the wire first. Creates
  // go first: named creates are the scarcest calls (2 per second, against 100 deletes), so
  // they set the run's length, and the other classes' calls fit beside them. A create that
  // needs quota a delete frees still waits for it at its gate.
  const { actions } = options.plan;
  await Promise.all([...actions.filter((a) => a.type === 'create'), ...actions.filter((a) => a.type !== 'create')].map(run));
  result.durationMs = options.clock.now() - started;
  return result;
}

export function toActionError(err: unknown): ActionError {
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const pick = <T>(k: string, type: string): T | undefined => (typeof e[k] === type ? (e[k] as T) : undefined);
    const code = e.code;
    return {
      message: pick<string>('message', 'string') ?? String(err),
      code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
      status: pick<number>('status', 'number'),
      requestId: pick<string>('requestId', 'string'),
      resourceId: pick<string>('resourceId', 'string'),
    };
  }
  return { message: String(err) };
}
