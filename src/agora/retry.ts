// When to try a call again, and how long to wait first: the one place that knows the vendor's
// retry rules.
//
// - media-pull-best-practices.txt "Retry with retreat strategy": on 404, 429 or 5xx wait about
//   5-6, 10-11, then 15-16 s and try again. Retry-After, when the server sends one, wins.
// - A Create or Delete that may have been carried out (504 "Query to check whether the player
//   has been created", a timeout or lost connection after the request was written) is never
//   repeated blindly: its outcome is unknown, and the caller lists to find the truth
//   (media-pull-rest-api.txt, considerations). The same holds for a recording's start and stop.
// - Cloud Recording: 206 with code 65 means "request not completed, retry"; code 62 is a
//   request timeout on Agora's side (agora-facts.md, Cloud Recording error codes). Its 404 is
//   an answer (the recording exited), not a transient state, so it is not retried here.
// - Domain failover after a network failure waits 1, 3, then 6 s (best practices, "Precautions").

export type ApiFamily = 'mediaPull' | 'recording' | 'fls';

/** A mutation may not be repeated once it may have reached Agora; an idempotent call may. */
export type CallSafety = 'idempotent' | 'mutation';

export interface RetryOptions {
  /** Waits before the 1st, 2nd, ... retry of an HTTP error; their number bounds the retries. */
  delaysMs?: number[];
  /** Up to this much random time is added to each wait, so clients do not retry in step. */
  jitterMs?: number;
  /** A Retry-After beyond this is capped. */
  maxRetryAfterMs?: number;
  /** Waits before the 1st, 2nd, ... failover step; the last repeats. */
  failoverDelaysMs?: number[];
}

export type RetryPolicy = Readonly<Required<RetryOptions>>;

export const VENDOR_RETRY_POLICY: RetryPolicy = Object.freeze({
  delaysMs: [5_000, 10_000, 15_000],
  jitterMs: 1_000,
  maxRetryAfterMs: 120_000,
  failoverDelaysMs: [1_000, 3_000, 6_000],
});

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return Object.freeze({ ...VENDOR_RETRY_POLICY, ...options });
}

/** What to do with an HTTP answer: hand it to the caller, try again, or report "unknown". */
export type ResponseDecision = 'accept' | 'retry' | 'unknown';

const RECORDING_RETRY_CODE = 65;
const RECORDING_TIMEOUT_CODE = 62;

export function decideOnResponse(family: ApiFamily, safety: CallSafety, status: number, vendorCode?: number): ResponseDecision {
  if (status >= 200 && status < 300) {
    return family === 'recording' && status === 206 && vendorCode === RECORDING_RETRY_CODE ? 'retry' : 'accept';
  }
  if (status === 429) return 'retry';
  if (status === 504) return safety === 'mutation' ? 'unknown' : 'retry';
  if (status >= 500) {
    if (family === 'recording' && safety === 'mutation' && vendorCode === RECORDING_TIMEOUT_CODE) return 'unknown';
    return 'retry';
  }
  if (status === 404 && family === 'mediaPull') return 'retry';
  return 'accept';
}

/**
 * A network failure before the request was written never reached Agora: fail over. After it
 * was written, a mutation's outcome is unknown; an idempotent call fails over too.
 */
export function decideOnNetworkFailure(safety: CallSafety, requestWritten: boolean): 'failover' | 'unknown' {
  return requestWritten && safety === 'mutation' ? 'unknown' : 'failover';
}

/** The wait before retry number `retryIndex` (0-based), or undefined when retries are used up. */
export function retryDelayMs(policy: RetryPolicy, retryIndex: number, random: () => number, retryAfterMs?: number): number | undefined {
  const base = policy.delaysMs[retryIndex];
  if (base === undefined) return undefined;
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return base + Math.floor(random() * policy.jitterMs);
}

export function failoverDelayMs(policy: RetryPolicy, stepIndex: number): number {
  const delays = policy.failoverDelaysMs;
  return delays[Math.min(stepIndex, delays.length - 1)] ?? 0;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
