import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  flsSignatureHeaders,
  notificationSignatures,
  verifyFlsSignature,
  verifyNotificationSignature,
} from '../../src/agora/signing.ts';

// Agora's own test vector (Message Notification Service page, "验证签名"). agora-facts.md quotes
// the body without `eventMs` and with a hyphen missing from noticeId, which does not reproduce
// the published digests; this is the body as Agora publishes it.
const VECTOR_BODY =
  '{"eventMs":1560408533119,"eventType":10,"noticeId":"4eb720f0-8da7-11e9-a43e-53f411c2761f","notifyMs":1560408533119,"payload":{"a":"1","b":2},"productId":1}';

void describe('notification signatures', () => {
  void test('match the published HMAC-SHA1 and HMAC-SHA256 test vector', () => {
    assert.deepEqual(notificationSignatures(VECTOR_BODY, 'secret'), {
      'Agora-Signature': '033c62f40f687675f17f0f41f91a40c71c0f134c',
      'Agora-Signature-V2': '6d3320c60b11101395b7fc8f9068748808a0aa1bfa064438e39d1bc2c7d74d99',
    });
  });

  const cases: Record<string, { headers: Record<string, string>; secret: string; want: boolean }> = {
    'accepts the V2 header alone (any letter case of the name)': {
      headers: { 'agora-signature-v2': '6d3320c60b11101395b7fc8f9068748808a0aa1bfa064438e39d1bc2c7d74d99' },
      secret: 'secret',
      want: true,
    },
    'accepts the SHA-1 header alone': {
      headers: { 'Agora-Signature': '033c62f40f687675f17f0f41f91a40c71c0f134c' },
      secret: 'secret',
      want: true,
    },
    'rejects a body signed with another secret': {
      headers: notificationSignatures(VECTOR_BODY, 'other'),
      secret: 'secret',
      want: false,
    },
    'rejects a truncated signature': {
      headers: { 'Agora-Signature-V2': '6d3320c60b111013' },
      secret: 'secret',
      want: false,
    },
    'rejects a request without signature headers': { headers: {}, secret: 'secret', want: false },
    'rejects a forged V2 even when the SHA-1 header is right (no downgrade)': {
      headers: { 'Agora-Signature-V2': '00'.repeat(32), 'Agora-Signature': '033c62f40f687675f17f0f41f91a40c71c0f134c' },
      secret: 'secret',
      want: false,
    },
  };
  for (const [reason, { headers, secret, want }] of Object.entries(cases)) {
    void test(reason, () => {
      assert.equal(verifyNotificationSignature(VECTOR_BODY, headers, secret), want);
    });
  }

  void test('rejects a body changed after signing', () => {
    const headers = notificationSignatures(VECTOR_BODY, 'secret');
    assert.equal(verifyNotificationSignature(VECTOR_BODY.replace('"b":2', '"b":3'), headers, 'secret'), false);
  });
});

void describe('FLS request signing', () => {
  // Computed with the Python sample of Agora's fusion-cdn OpenAPI document ("认证方式").
  const signed = {
    customerId: 'customer-id',
    customerSecret: 'customer-secret',
    method: 'PATCH',
    host: 'api.sd-rtn.com',
    pathWithQuery: '/v1/projects/appid123/fls/entry_points/live/settings/origin_site',
    body: '{"enabled":true,"domain":"origin.example.com"}',
    date: new Date('2025-01-07T12:00:00Z'),
  };
  const now = signed.date.getTime();
  const customers = (id: string) => (id === 'customer-id' ? 'customer-secret' : undefined);
  const verifyInput = { method: 'PATCH', host: signed.host, pathWithQuery: signed.pathWithQuery, rawBody: signed.body, customers, now };

  void test('produces the headers of Agora\'s reference implementation', () => {
    assert.deepEqual(flsSignatureHeaders(signed), {
      date: 'Tue, 07 Jan 2025 12:00:00 GMT',
      digest: 'SHA-256=QiUIjQMfZGbxQ6YXlmxL5PY1G7zysRSQPO0KtQXgWEc=',
      authorization:
        'hmac username="customer-id", algorithm="hmac-sha256", headers="host date request-line digest", signature="cNMU4pWfhdyAE3SH+Ue24+3ZzW1ZJLE4Zrv5+qMcLN8="',
    });
  });

  void test('verifies what it signs', () => {
    assert.deepEqual(verifyFlsSignature(flsSignatureHeaders(signed), verifyInput), { ok: true, customerId: 'customer-id' });
  });

  void test('accepts a date up to 15 minutes off real time', () => {
    const headers = flsSignatureHeaders(signed);
    assert.equal(verifyFlsSignature(headers, { ...verifyInput, now: now + 14 * 60_000 }).ok, true);
    assert.equal(verifyFlsSignature(headers, { ...verifyInput, now: now - 14 * 60_000 }).ok, true);
  });

  const good = flsSignatureHeaders(signed);
  const refusals: Record<string, { headers: Record<string, string>; input?: Partial<typeof verifyInput> }> = {
    'refuses a date more than 15 minutes old': { headers: good, input: { now: now + 16 * 60_000 } },
    'refuses a date that is not RFC 1123 GMT': { headers: { ...good, date: '2025-01-07T12:00:00Z' } },
    'refuses a digest of another body': { headers: good, input: { rawBody: '{"enabled":false}' } },
    'refuses a wrong digest header': { headers: { ...good, digest: 'SHA-256=AAAA' } },
    'refuses a signature over another path': { headers: good, input: { pathWithQuery: `${signed.pathWithQuery}?x=1` } },
    'refuses a signature over another host': { headers: good, input: { host: '127.0.0.1:8080' } },
    'refuses a signature over another method': { headers: good, input: { method: 'GET' } },
    'refuses an unknown customer': { headers: flsSignatureHeaders({ ...signed, customerId: 'someone-else' }) },
    'refuses a signature made with another secret': { headers: flsSignatureHeaders({ ...signed, customerSecret: 'guess' }) },
    'refuses a missing authorization header': { headers: { date: good['date'] ?? '', digest: good['digest'] ?? '' } },
    'refuses Basic credentials': { headers: { ...good, authorization: 'Basic Y3VzdG9tZXItaWQ6Y3VzdG9tZXItc2VjcmV0' } },
    'refuses another signed header list': {
      headers: { ...good, authorization: (good['authorization'] ?? '').replace('host date request-line digest', 'date request-line') },
    },
  };
  for (const [reason, { headers, input }] of Object.entries(refusals)) {
    void test(reason, () => {
      const result = verifyFlsSignature(headers, { ...verifyInput, ...input });
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason.length > 0);
    });
  }

  void test('signs the query string as part of the request line', () => {
    const withQuery = { ...signed, method: 'POST', pathWithQuery: '/v1/projects/appid123/fls/entry_points?id=sports', body: '' };
    const headers = flsSignatureHeaders(withQuery);
    const input = { ...verifyInput, method: 'POST', pathWithQuery: withQuery.pathWithQuery, rawBody: '' };
    assert.equal(verifyFlsSignature(headers, input).ok, true);
    assert.equal(verifyFlsSignature(headers, { ...input, pathWithQuery: '/v1/projects/appid123/fls/entry_points' }).ok, false);
  });

  void test('never puts the secret in a refusal reason', () => {
    const result = verifyFlsSignature(flsSignatureHeaders({ ...signed, customerSecret: 'guess' }), verifyInput);
    assert.ok(!result.ok && !result.reason.includes('customer-secret') && !result.reason.includes('guess'));
  });
});
