import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AgoraApiError, Redactor, secretValues } from '../../src/agora/errors.ts';

void describe('secretValues', () => {
  void test('finds tokens, keys and salts at any depth of a request body', () => {
    const body = {
      cname: 'class32',
      clientRequest: { token: 't0ken-1', storageConfig: { accessKey: 'AK-2', secretKey: 'SK-3', bucket: 'rec' }, recordingConfig: { secret: 's3cret', salt: 'salt-4' } },
      player: { encryptKey: 'ek-5', encryptKdfSalt: 'kdf-6', streamUrl: 'rtmp://x' },
    };
    assert.deepEqual(secretValues(body).sort(), ['AK-2', 'SK-3', 'ek-5', 'kdf-6', 's3cret', 'salt-4', 't0ken-1']);
  });
});

void describe('Redactor', () => {
  void test('replaces every occurrence of a known secret and ignores strings too short to matter', () => {
    const redactor = new Redactor(['topsecret', 'ab']).with(['tok-123']);
    assert.equal(redactor.redact('topsecret and tok-123, twice: topsecret; ab stays'), '[REDACTED] and [REDACTED], twice: [REDACTED]; ab stays');
  });

  void test('keeps vendor messages short', () => {
    assert.ok(new Redactor().redact('x'.repeat(1_000)).length <= 301);
  });
});

void describe('AgoraApiError', () => {
  void test('says what failed with both ids, and serialises only its fields', () => {
    const err = new AgoraApiError({ status: 409, vendorMessage: 'Resource with the same name already exists.', endpoint: 'POST /x', requestId: 'req-1', resourceId: 'res-1', attempts: 1 });
    assert.equal(err.message, 'POST /x failed: HTTP 409; "Resource with the same name already exists."; X-Request-ID req-1; X-Resource-ID res-1');
    assert.deepEqual(JSON.parse(JSON.stringify(err)), {
      name: 'AgoraApiError',
      message: err.message,
      status: 409,
      endpoint: 'POST /x',
      requestId: 'req-1',
      vendorMessage: 'Resource with the same name already exists.',
      resourceId: 'res-1',
      attempts: 1,
    });
  });

  void test('a call that got no answer says which kind of network failure', () => {
    const err = new AgoraApiError({ status: 0, endpoint: 'GET /y', requestId: 'req-2', network: 'dns', reason: 'network-exhausted' });
    assert.match(err.message, /no answer \(dns failure\)/);
  });
});
