// Builds the actions of one identity's diff: every kind fills the same fields the same way.
import type { DiffInput, PlannedAction } from './kind.ts';

export type ActionFactory = (type: PlannedAction['type'], reason: string, extra?: Partial<PlannedAction>) => PlannedAction;

export function actionFactory(input: DiffInput, kind: string, baseDetail: Record<string, unknown> = {}): ActionFactory {
  return (type, reason, extra = {}) => ({
    key: input.key,
    project: input.project,
    kind,
    name: input.name,
    type,
    reason,
    changes: [],
    quotaDelta: 0,
    ...extra,
    detail: { ...baseDetail, ...extra.detail },
  });
}
