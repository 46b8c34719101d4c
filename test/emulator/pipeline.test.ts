// What the core does for every request before a module sees it: authentication (Basic, except
// on FLS paths, which sign requests instead: agora-facts.md "FLS"), the request id, and JSON
// error bodies for what no module answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';

void describe('request pipeline', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.close();
  });

  void test('leaves FLS paths to the FLS module\'s signature check instead of asking for Basic auth', async () => {
    // Basic credentials make no difference on an FLS path: the core lets both through.
    const path = '/v1/projects/app/fls/no-such-route';
    const withBasic = await emu.call('GET', path);
    const without = await emu.call('GET', path, { noAuth: true });
    assert.equal(without.status, withBasic.status);
    assert.deepEqual(without.body, withBasic.body);
    const other = await emu.call('GET', '/v1/projects/app/flsx', { noAuth: true });
    assert.equal(other.status, 401, 'only /fls/ paths are exempt');
  });

  void test('answers a body that is not JSON with 400, a message and the request id', async () => {
    const answer = await emu.call('POST', '/na/v1/projects/app/cloud-player/players', {
      body: '{"player": ',
      headers: { 'x-request-id': 'bad-json' },
    });
    assert.equal(answer.status, 400);
    assert.equal(typeof (answer.body as { message?: unknown }).message, 'string');
    assert.equal(answer.headers.get('x-request-id'), 'bad-json');
  });

  void test('answers a path no API has with 404 and a JSON message', async () => {
    const answer = await emu.call('GET', '/v2/nothing');
    assert.equal(answer.status, 404);
    assert.equal(typeof (answer.body as { message?: unknown }).message, 'string');
    assert.ok(answer.headers.get('x-request-id'));
  });
});
