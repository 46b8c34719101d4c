// Builds the actions of one identity's diff: every kind fills the same fields the same way.
import type { DiffInput, PlannedAction } from './kind.ts';

/** What a diff sets beyond an action's identity, type and reason. */
export type ActionExtra = Partial<Pick<PlannedAction, 'changes' | 'detail' | 'quotaDelta' | 'blocked'>>;

export type ActionFactory = (type: PlannedAction['type'], reason: string, extra?: ActionExtra) => PlannedAction;

export function actionFactory(input: DiffInput, kind: string, baseDetail?: Record<string, unknown>): ActionFactory {
  return (type, reason, extra) => plannedAction(input, kind, type, reason, extra, baseDetail);
}

/** One action; field by field, as a plan of 100,000 players builds tens of thousands of them. */
export function plannedAction(input: DiffInput, kind: string, type: PlannedAction['type'], reason: string, extra: ActionExtra = {}, baseDetail?: Record<string, unknown>): PlannedAction {
  const action: PlannedAction = {
    key: input.key,
    project: input.project,
    kind,
    name: input.name,
    type,
    reason,
    changes: extra.changes ?? [],
    quotaDelta: extra.quotaDelta ?? 0,
    detail: { ...baseDetail, ...extra.detail },
  };
  if (extra.blocked !== undefined) action.blocked = extra.blocked;
  return action;
}
