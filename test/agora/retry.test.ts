import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VENDOR_RETRY_POLICY, decideOnNetworkFailure, decideOnResponse, failoverDelayMs, parseRetryAfter, retryDelayMs } from '../../src/agora/retry.ts';
import type { ApiFamily, CallSafety, ResponseDecision } from '../../src/agora/retry.ts';

void describe('decideOnResponse', () => {
  const cases: { reason: string; family: ApiFamily; safety: CallSafety; status: number; code?: number; want: ResponseDecision }[] = [
    { reason: 'a success is handed to the caller', family: 'mediaPull', safety: 'mutation', status: 200, want: 'accept' },
    { reason: 'a name conflict is an answer, not a failure to retry', family: 'mediaPull', safety: 'mutation', status: 409, want: 'accept' },
    { reason: 'a bad request will not improve by retrying', family: 'mediaPull', safety: 'mutation', status: 400, want: 'accept' },
    { reason: 'Media Pull 404 is failover or deletion in progress: retry', family: 'mediaPull', safety: 'idempotent', status: 404, want: 'retry' },
    { reason: '429 is retried after back-off', family: 'mediaPull', safety: 'mutation', status: 429, want: 'retry' },
    { reason: '503 is retried after back-off', family: 'mediaPull', safety: 'mutation', status: 503, want: 'retry' },
    { reason: 'a Create or Delete answered 504 may have been made: unknown', family: 'mediaPull', safety: 'mutation', status: 504, want: 'unknown' },
    { reason: 'a List answered 504 is simply asked again', family: 'mediaPull', safety: 'idempotent', status: 504, want: 'retry' },
    { reason: 'Cloud Recording 404 means the recording exited: an answer', family: 'recording', safety: 'idempotent', status: 404, want: 'accept' },
    { reason: 'Cloud Recording 206 + code 65 asks for a retry', family: 'recording', safety: 'idempotent', status: 206, code: 65, want: 'retry' },
    { reason: 'Cloud Recording 206 + code 435 (no data) is an answer', family: 'recording', safety: 'mutation', status: 206, code: 435, want: 'accept' },
    { reason: 'a start that timed out inside Agora (code 62) may have started', family: 'recording', safety: 'mutation', status: 500, code: 62, want: 'unknown' },
    { reason: 'FLS 404 (no such entry point) is an answer', family: 'fls', safety: 'idempotent', status: 404, want: 'accept' },
    { reason: 'FLS 500 is retried', family: 'fls', safety: 'idempotent', status: 500, want: 'retry' },
  ];
  for (const c of cases) {
    void test(c.reason, () => {
      assert.equal(decideOnResponse(c.family, c.safety, c.status, c.code), c.want);
    });
  }
});

void describe('decideOnNetworkFailure', () => {
  void test('a request never written fails over, whatever it is', () => {
    assert.equal(decideOnNetworkFailure('mutation', false), 'failover');
    assert.equal(decideOnNetworkFailure('idempotent', false), 'failover');
  });
  void test('a mutation lost after it was written has an unknown outcome; a read fails over', () => {
    assert.equal(decideOnNetworkFailure('mutation', true), 'unknown');
    assert.equal(decideOnNetworkFailure('idempotent', true), 'failover');
  });
});

void describe('back-off', () => {
  void test('follows the vendor schedule: 5-6, 10-11, 15-16 s, then gives up', () => {
    for (const random of [0, 0.999]) {
      const delays = [0, 1, 2].map((i) => retryDelayMs(VENDOR_RETRY_POLICY, i, () => random));
      assert.deepEqual(
        delays.map((d) => Math.floor((d ?? 0) / 1000)),
        [5, 10, 15],
      );
    }
    assert.equal(retryDelayMs(VENDOR_RETRY_POLICY, 3, () => 0.5), undefined);
  });

  void test('Retry-After wins over the schedule, capped', () => {
    assert.equal(retryDelayMs(VENDOR_RETRY_POLICY, 0, () => 0.5, 2_000), 2_000);
    assert.equal(retryDelayMs(VENDOR_RETRY_POLICY, 0, () => 0.5, 10 * 60_000), VENDOR_RETRY_POLICY.maxRetryAfterMs);
  });

  void test('domain failover waits 1, 3, 6 s and 6 s after that', () => {
    assert.deepEqual([0, 1, 2, 3].map((i) => failoverDelayMs(VENDOR_RETRY_POLICY, i)), [1_000, 3_000, 6_000, 6_000]);
  });

  void test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7_000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});
