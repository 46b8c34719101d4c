// Apply's progress: one line per finished action when the output is not a terminal (CI logs),
// a live status line on a terminal.
import type { ApplyEvent } from '../engine/apply.ts';
import type { ActionType } from '../resources/kind.ts';
import type { Io } from './session.ts';

const PAST: Record<ActionType, string> = {
  create: 'created',
  delete: 'deleted',
  replace: 'replaced',
  update: 'updated',
  adopt: 'adopted',
  forget: 'forgotten',
  conflict: 'in conflict',
};

export function progressReporter(io: Io, total: number): { onEvent: (e: ApplyEvent) => void; finish: () => void } {
  let done = 0;
  let failed = 0;
  const running = new Set<string>();
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  const statusLine = (): string => {
    const current = [...running].slice(0, 2).join(', ');
    return `Applying: ${done + failed}/${total} done, ${failed} failed${current ? ` (${current}${running.size > 2 ? ', ...' : ''})` : ''}`;
  };
  const live = (): void => {
    if (io.isTty) process.stdout.write(`\r\x1b[2K${statusLine()}`);
  };
  const line = (text: string): void => {
    if (io.isTty) process.stdout.write('\r\x1b[2K');
    io.out(text);
    live();
  };
  return {
    onEvent(e) {
      if (e.type === 'start') {
        running.add(e.action.key);
        live();
      } else if (e.type === 'done') {
        running.delete(e.action.key);
        done += 1;
        line(`${e.action.key}: ${PAST[e.action.type]} (${seconds(e.durationMs)})`);
      } else if (e.type === 'failed') {
        running.delete(e.action.key);
        failed += 1;
        const ids = [e.error.requestId ? `X-Request-ID ${e.error.requestId}` : '', e.error.resourceId ? `X-Resource-ID ${e.error.resourceId}` : ''].filter(Boolean).join(', ');
        line(`${e.action.key}: failed: ${e.error.message}${ids ? ` (${ids})` : ''}`);
      } else {
        line(`${e.action.key}: skipped: ${e.why}`);
      }
    },
    finish() {
      if (io.isTty) process.stdout.write('\r\x1b[2K');
    },
  };
}
