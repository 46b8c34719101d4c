// Logs: pino JSON lines for machines (the daemon runs for days, its logs go to a collector), or
// pino-pretty for a person at a terminal (`--log-format pretty`). Secrets never reach a log line:
// every field that can hold one is redacted by name, at any depth up to REDACT_DEPTH.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/** Field names whose values are secrets wherever they appear (DESIGN.md "Manifests"). */
export const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'customerSecret',
  'token',
  'accessKey',
  'secretKey',
  'encryptKey',
  'encryptKdfSalt',
  'appCertificate',
  'secret',
  'notificationSecret',
  'password',
] as const;

/** Nesting levels below the root at which SECRET_FIELDS are redacted. */
export const REDACT_DEPTH = 6;
export const REDACTED = '[REDACTED]';

/** `token`, `*.token`, `*.*.token`, … down to REDACT_DEPTH; `*` also matches array items. */
export function redactPaths(fields: readonly string[] = SECRET_FIELDS, depth = REDACT_DEPTH): string[] {
  const paths: string[] = [];
  for (let level = 0; level <= depth; level++) {
    for (const field of fields) paths.push(`${'*.'.repeat(level)}${field}`);
  }
  return paths;
}

export interface LoggerOptions {
  format: LogFormat;
  level: LevelWithSilent;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Colours in pretty output; by default when the destination is a terminal. */
  colorize?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: redactPaths(), censor: REDACTED },
    base: { pid: process.pid },
  };
  if (options.format === 'pretty') {
    const destination = options.destination ?? process.stdout;
    const isTerminal = 'isTTY' in destination && destination.isTTY === true;
    // In-process (not a worker-thread transport), so lines are written in order and a CLI that
    // exits right after logging loses none.
    // pino-pretty is loaded only for a person at a terminal: JSON logs and commands that do not
    // log pay nothing for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    const stream = pretty({
      destination,
      colorize: options.colorize ?? isTerminal,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino(base, stream);
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** Log event names, so tests and dashboards match on a constant rather than on prose. */
export const LOG_EVENT = {
  action: 'resource.action',
} as const;

export interface ActionRecord {
  kind: string;
  name: string;
  /** What was done: create, update, replace, delete, adopt, observe, … */
  action: string;
  /** Why, in a few words (the plan's reason). */
  reason: string;
  /** The vendor's X-Request-ID of the call that did it, when one did. */
  requestId?: string;
  durationMs: number;
  project?: string;
  /** A failed action's error message (already free of secrets). */
  error?: string;
}

/** One line per action the reconciler takes; failed actions are logged at level error. */
export function logAction(logger: Logger, record: ActionRecord): void {
  const { error, ...fields } = record;
  const line = { event: LOG_EVENT.action, ...fields, result: error === undefined ? 'ok' : 'error' };
  const message = `${record.action} ${record.kind}/${record.name}`;
  if (error === undefined) logger.info(line, message);
  else logger.error({ ...line, error }, `${message} failed`);
}
