// One call to Agora, from the caller's request to a final answer: pace it under its class's
// rate limit, sign it, send it with a fresh X-Request-ID per attempt, retry HTTP errors on the
// vendor's schedule, fail over between domains on network failures, and report a mutation
// whose outcome cannot be known instead of repeating it. Every rule lives in retry.ts,
// domains.ts and rate-limiter.ts; this module only puts them in order.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { LimitKey } from './limits.ts';
import type { EndpointRouter } from './domains.ts';
import { nextEndpoint } from './domains.ts';
import type { ProjectLimiters } from './rate-limiter.ts';
import type { ApiFamily, CallSafety, RetryPolicy } from './retry.ts';
import { decideOnNetworkFailure, decideOnResponse, failoverDelayMs, parseRetryAfter, retryDelayMs } from './retry.ts';
import type { HttpMethod, HttpResponse, HttpTransport } from './transport.ts';
import { NetworkFailure } from './transport.ts';
import { AGORA_CLIENT_REASONS, AgoraApiError, secretValues } from './errors.ts';
import type { NetworkFailureKind, Redactor } from './errors.ts';
import { CLIENT_LOG_EVENTS, logAttemptFailure } from './log.ts';
import { flsSignatureHeaders } from './signing.ts';

export interface CallSpec {
  family: ApiFamily;
  safety: CallSafety;
  limitKey: LimitKey;
  method: HttpMethod;
  /** Method and path template for logs and errors: never ids that could be secrets. */
  endpoint: string;
  /** The concrete path, segments already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** JSON body. */
  body?: unknown;
  /** Runs once, as the first attempt is sent (see SendHooks). */
  beforeSend?: SendHooks['beforeSend'];
  /** Stops the call while its first attempt still waits for a slot (see SendHooks). */
  signal?: SendHooks['signal'];
}

/** What a caller runs at the moment its request goes out, rather than when it is queued. */
export interface SendHooks {
  /**
   * Awaited after the rate limiter grants the first attempt its slot and before any byte is
   * sent: the write-ahead intent of a mutation. A call still waiting for its slot when the
   * process dies has sent nothing, so it must leave no intent behind (an intent means "Agora
   * may have done this"). Retries and failovers of the same call do not run it again. If it
   * rejects, nothing is sent and the call rejects with its error.
   */
  beforeSend?: () => Promise<void>;
  /**
   * Abandons the call while its first attempt waits for its slot or before its hook runs, so
   * nothing is sent: the plan that asked for it was superseded by newer manifests, or the
   * process is stopping. Once the first attempt is sent, the call runs to its outcome.
   */
  signal?: AbortSignal;
}

/** One attempt, as reported to an observer (metrics, benchmarks). */
export interface ApiCallRecord {
  endpoint: string;
  limitKey: LimitKey;
  /** HTTP status; 0 when no answer came. */
  status: number;
  durationMs: number;
  attempt: number;
  domain: string;
  network?: NetworkFailureKind;
}

export interface CallContext {
  appId: string;
  customerId: string;
  customerSecret: string;
  transport: HttpTransport;
  router: EndpointRouter;
  limiters: ProjectLimiters;
  policy: RetryPolicy;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Knows the project's secrets; each call adds its body's. */
  redactor: Redactor;
  /** Aborted when the client closes. */
  signal: AbortSignal;
  onCall?: (record: ApiCallRecord) => void;
}

export interface Answer {
  kind: 'answered';
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when empty; the raw text when it is not JSON. */
  body: unknown;
  requestId: string;
  resourceId?: string;
  domain: string;
  attempts: number;
  /** The vendor's code and message from the body, when present (message redacted). */
  vendorCode?: number;
  vendorMessage?: string;
}

export interface UnknownOutcome {
  kind: 'unknown';
  requestId: string;
  /** What made it unknown, e.g. `HTTP 504` or `reset after the request was written`. */
  cause: string;
  domain: string;
  attempts: number;
}

export type CallOutcome = Answer | UnknownOutcome;

/**
 * One path segment from an id (a player id, a resourceId, a sid, an entry point): encoded, and
 * never empty, `.` or `..`, which a server may resolve to another endpoint (a URL parser decodes
 * `%2e` too, so encoding cannot make them safe). Ids come from Agora, state and `agoractl
 * import`'s arguments: a wrong one must fail here, not reach a different call.
 */
export function pathSegment(id: string): string {
  if (id === '' || id === '.' || id === '..' || /^(?:\.|%2e){1,2}$/i.test(id)) throw new RangeError(`${JSON.stringify(id)} cannot be an id in a request path`);
  return encodeURIComponent(id);
}

function queryString(query: CallSpec['query']): string {
  if (!query) return '';
  // encodeURIComponent, not URLSearchParams: List's filter needs its spaces as %20
  // (media-pull-rest-api.txt: "Spaces exist before and after eq and require URL encoding").
  const parts = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function vendorDetails(body: unknown, redactor: Redactor): { code?: number; message?: string } {
  if (!body || typeof body !== 'object') {
    return typeof body === 'string' && body.length > 0 ? { message: redactor.redact(body) } : {};
  }
  const record = body as Record<string, unknown>;
  const code = typeof record.code === 'number' ? record.code : undefined;
  const raw = [record.message, record.reason, record.error].find((v): v is string => typeof v === 'string');
  return { code, message: raw === undefined ? undefined : redactor.redact(raw) };
}

/** Vendor wording for the per-project player quota, which is a 429 too but no rate problem. */
function isQuotaRefusal(message: string | undefined): boolean {
  return message !== undefined && /quota/i.test(message);
}

function headersFor(ctx: CallContext, spec: CallSpec, origin: string, pathWithQuery: string, body: string | undefined, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': requestId };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (spec.family === 'fls') {
    // FLS takes HMAC request signing, not Basic (agora-facts.md "FLS"). The date is wall-clock
    // time even under an injected clock: Agora checks it against its own.
    Object.assign(
      headers,
      flsSignatureHeaders({
        customerId: ctx.customerId,
        customerSecret: ctx.customerSecret,
        method: spec.method,
        host: new URL(origin).host,
        pathWithQuery,
        body: body ?? '',
        date: new Date(),
      }),
    );
  } else {
    headers.authorization = `Basic ${Buffer.from(`${ctx.customerId}:${ctx.customerSecret}`).toString('base64')}`;
  }
  return headers;
}

interface Attempt {
  number: number;
  index: number;
  requestId: string;
  domain: string;
}

/** What follows an attempt: a final outcome, or a wait and another attempt at `index`. */
type NextStep = { outcome: CallOutcome } | { waitMs: number; index: number };

/** Retries and failovers used so far by one call. */
interface Budget {
  retries: number;
  failovers: number;
}

export async function callAgora(ctx: CallContext, spec: CallSpec): Promise<CallOutcome> {
  const redactor = ctx.redactor.with(secretValues(spec.body));
  const bodyText = spec.body === undefined ? undefined : JSON.stringify(spec.body);
  const budget: Budget = { retries: 0, failovers: 0 };
  let index = ctx.router.startIndex();
  for (let number = 1; ; number += 1) {
    const endpoint = ctx.router.chain[index];
    if (!endpoint) throw new RangeError(`no endpoint at ${index}`);
    const attempt: Attempt = { number, index, requestId: randomUUID(), domain: endpoint.domain };
    const first = number === 1;
    const result = await send(ctx, spec, endpoint.baseUrl, bodyText, attempt, first ? spec.beforeSend : undefined, first ? spec.signal : undefined);
    const next = result instanceof NetworkFailure ? afterNetworkFailure(ctx, spec, attempt, result, budget) : afterAnswer(ctx, spec, attempt, result, redactor, budget);
    if ('outcome' in next) return next.outcome;
    await ctx.clock.sleep(next.waitMs, ctx.signal);
    index = next.index;
  }
}

/**
 * How early a call with a write-ahead hook takes its slot: about one state write under load, so
 * the write is off each window's critical path (rate-limiter.ts).
 */
const WRITE_AHEAD_LEAD_MS = 100;

/** One attempt: a place under the rate limit, the caller's hook, the request, and the observer's record. */
async function send(
  ctx: CallContext,
  spec: CallSpec,
  baseUrl: string,
  bodyText: string | undefined,
  attempt: Attempt,
  beforeSend: (() => Promise<void>) | undefined,
  callSignal: AbortSignal | undefined,
): Promise<HttpResponse | NetworkFailure> {
  const base = new URL(baseUrl);
  const pathWithQuery = `${base.pathname.replace(/\/+$/, '')}${spec.path}${queryString(spec.query)}`;
  const headers = headersFor(ctx, spec, base.origin, pathWithQuery, bodyText, attempt.requestId);
  const signal = callSignal && ctx.signal ? AbortSignal.any([callSignal, ctx.signal]) : (callSignal ?? ctx.signal);
  const slot = await ctx.limiters[spec.limitKey].acquire(signal, beforeSend ? WRITE_AHEAD_LEAD_MS : 0);
  let started = ctx.clock.now();
  let result: HttpResponse | NetworkFailure;
  try {
    callSignal?.throwIfAborted();
    // The slot is held while the hook runs: the request it prepares is counted from now on.
    // The hook runs while the window fills up (the lead), then the request waits for its room.
    if (beforeSend) {
      await beforeSend();
      const early = slot.notBefore - ctx.clock.now();
      if (early > 0) await ctx.clock.sleep(early, ctx.signal);
      started = ctx.clock.now();
    }
    result = await ctx.transport.send({ origin: base.origin, method: spec.method, pathWithQuery, headers, body: bodyText });
  } catch (err) {
    if (!(err instanceof NetworkFailure)) throw err;
    result = err;
  } finally {
    // The window starts now: Agora counted the request at some moment before this.
    slot.release();
  }
  ctx.onCall?.({
    endpoint: spec.endpoint,
    limitKey: spec.limitKey,
    status: result instanceof NetworkFailure ? (result.status ?? 0) : result.status,
    durationMs: ctx.clock.now() - started,
    attempt: attempt.number,
    domain: attempt.domain,
    network: result instanceof NetworkFailure ? result.kind : undefined,
  });
  return result;
}

function afterAnswer(ctx: CallContext, spec: CallSpec, attempt: Attempt, response: HttpResponse, redactor: Redactor, budget: Budget): NextStep {
  const body = parseBody(response.text);
  const vendor = vendorDetails(body, redactor);
  const resourceId = response.headers['x-resource-id'] || undefined;
  const decision = decideOnResponse(spec.family, spec.safety, response.status, vendor.code);
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
  if (response.status === 429 && !isQuotaRefusal(vendor.message)) {
    ctx.limiters[spec.limitKey].penalize(retryAfterMs);
    ctx.logger.warn(
      { event: CLIENT_LOG_EVENTS.rateLimited, limitKey: spec.limitKey, requestId: attempt.requestId, retryAfterMs: retryAfterMs ?? null },
      `${spec.limitKey} answered 429: slowing down`,
    );
  }
  const report = {
    endpoint: spec.endpoint,
    requestId: attempt.requestId,
    attempt: attempt.number,
    domain: attempt.domain,
    status: response.status,
    code: vendor.code,
    resourceId,
    vendorMessage: vendor.message,
  };
  const answer: Answer = {
    kind: 'answered',
    status: response.status,
    headers: response.headers,
    body,
    requestId: attempt.requestId,
    resourceId,
    domain: attempt.domain,
    attempts: attempt.number,
    vendorCode: vendor.code,
    vendorMessage: vendor.message,
  };
  const delay = decision === 'retry' ? retryDelayMs(ctx.policy, budget.retries, ctx.random, retryAfterMs) : undefined;
  if (decision === 'retry' && delay !== undefined) {
    logAttemptFailure(ctx.logger, { ...report, next: 'retry' });
    budget.retries += 1;
    return { waitMs: delay, index: attempt.index };
  }
  ctx.router.answered(attempt.index);
  if (decision === 'unknown') {
    logAttemptFailure(ctx.logger, { ...report, next: 'unknown' });
    return { outcome: { kind: 'unknown', requestId: attempt.requestId, cause: `HTTP ${response.status}`, domain: attempt.domain, attempts: attempt.number } };
  }
  if (decision === 'retry') logAttemptFailure(ctx.logger, { ...report, next: 'give-up' });
  else if (response.status >= 300) logAttemptFailure(ctx.logger, { ...report, next: 'accept' });
  return { outcome: answer };
}

function afterNetworkFailure(ctx: CallContext, spec: CallSpec, attempt: Attempt, lost: NetworkFailure, budget: Budget): NextStep {
  const report = { endpoint: spec.endpoint, requestId: attempt.requestId, attempt: attempt.number, domain: attempt.domain, status: lost.status, network: lost.kind };
  if (decideOnNetworkFailure(spec.safety, lost.requestWritten) === 'unknown') {
    logAttemptFailure(ctx.logger, { ...report, next: 'unknown' });
    const cause = `${lost.kind} (${lost.causeCode}) after the request was written`;
    return { outcome: { kind: 'unknown', requestId: attempt.requestId, cause, domain: attempt.domain, attempts: attempt.number } };
  }
  const chain = ctx.router.chain;
  const next = nextEndpoint(chain, attempt.index, lost.kind === 'dns');
  if (next === undefined) {
    ctx.router.exhausted();
    logAttemptFailure(ctx.logger, { ...report, next: 'give-up' });
    throw new AgoraApiError({
      status: lost.status ?? 0,
      endpoint: spec.endpoint,
      requestId: attempt.requestId,
      domain: attempt.domain,
      network: lost.kind,
      attempts: attempt.number,
      reason: AGORA_CLIENT_REASONS.networkExhausted,
    });
  }
  logAttemptFailure(ctx.logger, { ...report, next: 'failover' });
  const waitMs = failoverDelayMs(ctx.policy, budget.failovers);
  budget.failovers += 1;
  ctx.logger.info({ event: CLIENT_LOG_EVENTS.failover, endpoint: spec.endpoint, from: attempt.domain, to: chain[next]?.domain, delayMs: waitMs }, 'failing over to the next domain');
  return { waitMs, index: next };
}

/** The AgoraApiError of an answer the caller cannot use. */
export function answerError(spec: Pick<CallSpec, 'endpoint'>, answer: Answer, reason?: typeof AGORA_CLIENT_REASONS.invalidResponse): AgoraApiError {
  return new AgoraApiError({
    status: answer.status,
    code: answer.vendorCode,
    vendorMessage: answer.vendorMessage,
    endpoint: spec.endpoint,
    requestId: answer.requestId,
    resourceId: answer.resourceId,
    domain: answer.domain,
    attempts: answer.attempts,
    reason,
  });
}

/** A call that may be repeated freely: it always ends with an answer (or throws). */
export async function callIdempotent(ctx: CallContext, spec: CallSpec & { safety: 'idempotent' }): Promise<Answer> {
  const outcome = await callAgora(ctx, spec);
  // decideOnResponse and decideOnNetworkFailure only report "unknown" for mutations.
  if (outcome.kind !== 'answered') throw new TypeError(`${spec.endpoint}: an idempotent call ended with an unknown outcome`);
  return outcome;
}

export function isSuccess(answer: Answer): boolean {
  return answer.status >= 200 && answer.status < 300;
}
