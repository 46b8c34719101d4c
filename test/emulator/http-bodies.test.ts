// The emulator's answers to bodies and URLs it cannot take, which clients met before any module
// ran: they are pinned here so the HTTP layer underneath can change without clients noticing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_ERRORS } from '../../src/emulator/http/errors.ts';
import { startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';

const APP = 'bodies-app';
const CREATE = `/na/v1/projects/${APP}/cloud-player/players`;
const LIST = `/v1/projects/${APP}/cloud-player/players`;

void describe('HTTP bodies and URLs', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator();
    await emu.unlimited();
  });
  after(async () => {
    await emu.close();
  });

  const refusals: Record<string, { path: string; contentType: string; body: string; status: number; message: string }> = {
    'a body that is not JSON': { path: CREATE, contentType: 'application/json', body: '{"player": ', status: 400, message: HTTP_ERRORS.invalidJsonBody().message },
    'JSON with a __proto__ key': { path: CREATE, contentType: 'application/json', body: '{"player": {"__proto__": {"x": 1}}}', status: 400, message: HTTP_ERRORS.invalidJsonBody().message },
    'JSON with a constructor.prototype': { path: CREATE, contentType: 'application/json', body: '{"constructor": {"prototype": {}}}', status: 400, message: HTTP_ERRORS.invalidJsonBody().message },
    'a content type no parser takes': { path: CREATE, contentType: 'application/xml', body: '<player/>', status: 415, message: HTTP_ERRORS.unsupportedMediaType().message },
    'a malformed content type': { path: CREATE, contentType: 'json', body: '{}', status: 415, message: HTTP_ERRORS.unsupportedMediaType().message },
    'a body over 1 MiB': { path: CREATE, contentType: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }), status: 413, message: HTTP_ERRORS.bodyTooLarge().message },
    'a malformed content type on a path no route has': { path: '/v2/nothing', contentType: 'json', body: '{}', status: 415, message: HTTP_ERRORS.unsupportedMediaType().message },
  };
  for (const [reason, row] of Object.entries(refusals)) {
    void test(`refuses ${reason} with ${row.status}, its message and the request id`, async () => {
      const answer = await emu.call('POST', row.path, { body: row.body, headers: { 'content-type': row.contentType, 'x-request-id': 'r-body' } });
      assert.equal(answer.status, row.status);
      assert.deepEqual(answer.body, { message: row.message });
      assert.equal(answer.headers.get('x-request-id'), 'r-body');
    });
  }

  void test('answers a path no route has with 404 whatever the body\'s type', async () => {
    const answer = await emu.call('POST', '/v2/nothing', { body: '<x/>', headers: { 'content-type': 'application/xml' } });
    assert.equal(answer.status, 404);
  });

  void test('takes any body type on Cloud Recording, which answers bad JSON in its own words (code 8: docs/agora-conformance.md CR-D6)', async () => {
    const answer = await emu.call('POST', `/v1/apps/${APP}/cloud_recording/acquire`, { body: '{', headers: { 'content-type': 'application/xml' } });
    assert.equal(answer.status, 400);
    assert.equal((answer.body as { code?: unknown }).code, 8);
  });

  void test('answers HEAD on List with the headers of the GET and no body', async () => {
    await emu.createPlayer(APP, { name: 'p1', streamUrl: 'rtmp://example.com/live/a', channelName: 'c1', token: 't', uid: 1, idleTimeout: 300 });
    const get = await emu.call('GET', LIST);
    const head = await emu.call('HEAD', LIST);
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(get.text)));
    assert.equal(head.headers.get('content-type'), get.headers.get('content-type'));
  });

  void test('refuses a path that is not valid percent-encoding with 400 before any module or log entry', async () => {
    const before = ((await emu.control('GET', '/requests')).body as unknown[]).length;
    const answer = await emu.call('GET', `/na/v1/projects/%zz/cloud-player/players`);
    assert.equal(answer.status, 400);
    assert.equal((answer.body as { code?: unknown }).code, 'FST_ERR_BAD_URL');
    assert.equal(answer.headers.get('x-request-id'), null);
    assert.equal(((await emu.control('GET', '/requests')).body as unknown[]).length, before);
  });

  void test('refuses a path parameter longer than 1024 characters with 414', async () => {
    const answer = await emu.call('DELETE', `${CREATE}/${'a'.repeat(1025)}`);
    assert.equal(answer.status, 414);
  });
});
