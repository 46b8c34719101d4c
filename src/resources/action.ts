// Builds the actions of one identity's diff: every kind fills the same fields the same way.
import type { ActionType, KindData, PlannedAction } from './kind.ts';
import type { ResourceKey } from '../state/resource-key.ts';

/** What a diff sets beyond an action's identity, type and reason. */
export type ActionExtra<Detail extends KindData> = Partial<Pick<PlannedAction<Detail>, 'changes' | 'quotaDelta' | 'blocked'>> & { detail?: Partial<Detail> };

export type ActionFactory<Detail extends KindData> = (type: ActionType, reason: string, extra?: ActionExtra<Detail>) => PlannedAction<Detail>;

/** The identity an action is about. */
export interface ActionIdentity {
  key: ResourceKey;
  project: string;
  name: string;
}

export function actionFactory<Detail extends KindData>(input: ActionIdentity, kind: string, baseDetail: Detail): ActionFactory<Detail> {
  return (type, reason, extra) => plannedAction(input, kind, type, reason, baseDetail, extra);
}

/** One action; field by field, as a plan of 100,000 players builds tens of thousands of them. */
export function plannedAction<Detail extends KindData>(input: ActionIdentity, kind: string, type: ActionType, reason: string, baseDetail: Detail, extra: ActionExtra<Detail> = {}): PlannedAction<Detail> {
  const action: PlannedAction<Detail> = {
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
