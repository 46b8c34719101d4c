// Carries out one planned action through its kind module, owning what every kind must get right
// (crossplane's managed reconciler): the write-ahead intent is written as each call is sent, the
// outcome the kind returns is recorded, and an unknown outcome is resolved through the kind's
// resolve (observing the resource by its deterministic identity) before the action is repeated.
// A kind cannot forget any of it: it has no other way to write state.
import type { AgoraClient } from '../agora/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from 'pino';
import type { ResourceState } from '../state/types.ts';
import type { ResourceKey } from '../state/resource-key.ts';
import type { ExecuteContext, KindData, KindModule, KindState, Outcome, PlannedAction, ProjectSecrets } from '../resources/kind.ts';
import { ActionError, ACTION_ERROR } from '../resources/action-error.ts';

/** Times an action whose outcome stayed unknown is repeated before the next run is left to resolve it. */
export const MAX_RESOLVE_ATTEMPTS = 3;

/** Reads and writes state records; durable when a write resolves. */
export interface StateWriter {
  get(key: ResourceKey): ResourceState | undefined;
  put(resource: ResourceState): Promise<void>;
  remove(key: ResourceKey): Promise<void>;
}

/** What one project's actions share. */
export interface ProjectContext {
  client: AgoraClient;
  project: ProjectSecrets;
  /** The desired spec with secret references replaced by their values, by key. */
  resolvedSpec(key: ResourceKey): object | undefined;
  state: StateWriter;
  clock: Clock;
  logger: Logger;
  /**
   * Aborted when the run stops taking new work, or when this project's manifests changed under
   * the run: an action still waiting to send gives up.
   */
  signal?: AbortSignal;
}

export async function executeAction(module: KindModule, action: PlannedAction, project: ProjectContext): Promise<void> {
  for (let attempt = 1; attempt <= MAX_RESOLVE_ATTEMPTS; attempt++) {
    const ctx = actionContext(module, action, project, attempt);
    const outcome = await module.execute(action, ctx);
    if (outcome.type !== 'unknown') return ctx.record(outcome);
    project.logger.warn({ event: 'outcome_unknown', key: action.key, action: action.type, requestId: outcome.requestId, cause: outcome.cause }, 'outcome unknown; observing');
    const found = await module.resolve?.(action, ctx);
    if (found) return ctx.record(found);
  }
  throw new ActionError(`the outcome of ${action.type} ${action.key} stayed unknown after ${MAX_RESOLVE_ATTEMPTS} attempts; the next run resolves it`, ACTION_ERROR.outcomeUnknown);
}

/** The record's data as the kind reads it; a record the kind cannot read is not its to act on. */
export function decodedState(module: KindModule, record: ResourceState): KindState<KindData> | undefined {
  const data = module.decode(record.data, record.dataVersion ?? 1);
  if (data === undefined) return undefined;
  // Most records are read as they are: no copy per record of a 100,000-player plan.
  return data === record.data ? record : { ...record, data };
}

function actionContext(module: KindModule, action: PlannedAction, project: ProjectContext, attempt: number): ExecuteContext {
  const { state, clock } = project;
  const base = (): ResourceState => state.get(action.key) ?? { key: action.key, project: action.project, kind: action.kind, name: action.name, data: {}, updatedAt: clock.now() };
  // Version 1 is the layout of records that carry no version; a record says so only past it.
  const write = ({ dataVersion: _v, ...record }: ResourceState): Promise<void> =>
    state.put({ ...record, ...(module.dataVersion > 1 ? { dataVersion: module.dataVersion } : {}), updatedAt: clock.now() });
  return {
    client: project.client,
    project: project.project,
    spec: project.resolvedSpec(action.key),
    attempt,
    clock,
    logger: project.logger,
    signal: project.signal,
    current() {
      const record = state.get(action.key);
      return record ? decodedState(module, record) : undefined;
    },
    send(intent, call) {
      // A call abandoned unsent (the run stopped) leaves what state held: an intent written by an
      // earlier attempt stays, and the next run resolves it.
      const beforeSend = async (): Promise<void> => {
        const record = base();
        const { externalId, ...rest } = record;
        await write({
          ...rest,
          ...(intent.clearExternalId || externalId === undefined ? {} : { externalId }),
          data: intent.data ? { ...intent.data } : record.data,
          pending: { action: intent.action, startedAt: clock.now(), ...(intent.detail ? { detail: intent.detail } : {}) },
        });
      };
      return call({ beforeSend, signal: project.signal }, project.client);
    },
    async record(outcome: Outcome<KindData>) {
      if (outcome.type === 'removed') return state.remove(action.key);
      if (outcome.type === 'unknown') return;
      const { pending: _pending, externalId: _id, specHash: _hash, ...record } = base();
      await write({
        ...record,
        ...(outcome.externalId === undefined ? {} : { externalId: outcome.externalId }),
        ...(outcome.specHash === undefined ? {} : { specHash: outcome.specHash }),
        data: { ...outcome.data },
      });
    },
  };
}
