// The client's log lines. A failed attempt is one warn line with both of Agora's ids
// (media-pull-best-practices.txt: print X-Request-ID and X-Resource-ID of failed requests).
// Secrets stay out by construction — no headers or bodies are ever logged — and pino's redact
// paths catch any secret-named field a caller's bindings might carry.
import pino from 'pino';
import type { Logger } from 'pino';
import type { NetworkFailureKind } from './errors.ts';

export const CLIENT_LOG_EVENTS = {
  attemptFailed: 'agora.request.failed',
  outcomeUnknown: 'agora.request.outcome_unknown',
  failover: 'agora.request.failover',
  rateLimited: 'agora.ratelimit.slowdown',
} as const;

const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'customerSecret',
  'appCertificate',
  'token',
  'secret',
  'secretKey',
  'accessKey',
  'encryptKey',
  'encryptKdfSalt',
  'password',
];

/** Redact paths for the secret-named fields, at the top level and one or two levels down. */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

export function clientLogger(logger: Logger | undefined): Logger {
  const base = logger ?? pino({ level: 'silent' });
  return base.child({ component: 'agora-client' }, { redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } });
}

export interface AttemptFailure {
  endpoint: string;
  status?: number;
  code?: number;
  requestId: string;
  resourceId?: string;
  attempt: number;
  domain: string;
  network?: NetworkFailureKind;
  /** What the client does next: retry, fail over, give up, report an unknown outcome. */
  next: 'retry' | 'failover' | 'give-up' | 'unknown' | 'accept';
  /** The vendor's message, already redacted. */
  vendorMessage?: string;
}

export function logAttemptFailure(logger: Logger, failure: AttemptFailure): void {
  const event = failure.next === 'unknown' ? CLIENT_LOG_EVENTS.outcomeUnknown : CLIENT_LOG_EVENTS.attemptFailed;
  const line: Record<string, unknown> = {
    event,
    endpoint: failure.endpoint,
    status: failure.status ?? 0,
    requestId: failure.requestId,
    resourceId: failure.resourceId ?? null,
    attempt: failure.attempt,
    domain: failure.domain,
    next: failure.next,
  };
  if (failure.code !== undefined) line.code = failure.code;
  if (failure.network) line.network = failure.network;
  if (failure.vendorMessage) line.vendorMessage = failure.vendorMessage;
  logger.warn(line, `${failure.endpoint} attempt ${failure.attempt} failed`);
}
