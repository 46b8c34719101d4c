// One log line per finished action, as `reconcile` (once or --watch) writes it for collectors.
import { logAction, type Logger } from '../logging.ts';
import type { ApplyEvent } from '../engine/apply.ts';

export function actionLogger(logger: Logger): (event: ApplyEvent) => void {
  return (e) => {
    if (e.type === 'start') return;
    logAction(logger, {
      project: e.action.project,
      kind: e.action.kind,
      name: e.action.name,
      action: e.action.type,
      reason: e.action.reason,
      durationMs: e.type === 'skipped' ? 0 : e.durationMs,
      requestId: e.type === 'failed' ? e.error.requestId : undefined,
      error: e.type === 'failed' ? e.error.message : e.type === 'skipped' ? e.why : undefined,
    });
  };
}
