// Several domains (media-pull-best-practices.txt "Switch the domain name") served by one
// world, any of them can be taken down, so a client's failover can be tested.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';

const APP = 'app-domains';
const DOMAINS = ['api.agora.io', 'api.sd-rtn.com', 'api-eu-west-1.agora.io'];

void describe('emulated domains', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator({ domains: DOMAINS });
  });
  after(async () => {
    await emu.close();
  });

  const urlOf = (domain: string) => emu.handle.urls[domain] as string;

  void test('serves each domain on its own port and shares one world between them', async () => {
    assert.deepEqual(Object.keys(emu.handle.urls), DOMAINS);
    assert.equal(emu.handle.url, urlOf('api.agora.io'));
    assert.equal(new Set(Object.values(emu.handle.urls)).size, 3);
    const created = await emu.createPlayer(APP, player({ name: 'shared' }));
    assert.equal(created.status, 200);
    const listed = await emu.call('GET', `/v1/projects/${APP}/cloud-player/players`, { baseUrl: urlOf('api.sd-rtn.com') });
    assert.deepEqual((listed.body as { players: { name: string }[] }).players.map((p) => p.name), ['shared']);
    const conflict = await emu.call('POST', `/eu/v1/projects/${APP}/cloud-player/players`, {
      baseUrl: urlOf('api-eu-west-1.agora.io'),
      body: { player: player({ name: 'shared' }) },
    });
    assert.equal(conflict.status, 409);
  });

  void test('logs which domain each request reached', async () => {
    await emu.control('POST', '/reset');
    await emu.call('GET', `/v1/projects/${APP}/cloud-player/players`, { baseUrl: urlOf('api.sd-rtn.com') });
    const log = (await emu.control('GET', '/requests')).body as { domain: string }[];
    assert.deepEqual(log.map((e) => e.domain), ['api.sd-rtn.com']);
  });

  void test('refuses connections on a domain taken down, and serves again on the same port when it is back', async () => {
    const listPath = `/v1/projects/${APP}/cloud-player/players`;
    const before = urlOf('api.agora.io');
    await emu.handle.setDomainUp('api.agora.io', false);
    await assert.rejects(
      emu.call('GET', listPath, { baseUrl: before }),
      (error: Error & { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED',
    );
    assert.equal((await emu.call('GET', listPath, { baseUrl: urlOf('api.sd-rtn.com') })).status, 200);
    await emu.handle.setDomainUp('api.agora.io', true);
    assert.equal(emu.handle.urls['api.agora.io'], before);
    assert.equal((await emu.call('GET', listPath, { baseUrl: before })).status, 200);
  });

  void test('takes a domain down through the control API, answering the request that asked first', async () => {
    const down = await fetch(`${urlOf('api.sd-rtn.com')}/_emulator/domains/api.sd-rtn.com`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ up: false }),
    });
    assert.equal(down.status, 200);
    assert.deepEqual(await down.json(), { name: 'api.sd-rtn.com', url: urlOf('api.sd-rtn.com'), up: false });
    await assert.rejects(fetch(`${urlOf('api.sd-rtn.com')}/_emulator/domains`));
    const domains = (await emu.control('GET', '/domains')).body as { name: string; up: boolean }[];
    assert.deepEqual(domains.map((d) => [d.name, d.up]), [['api.agora.io', true], ['api.sd-rtn.com', false], ['api-eu-west-1.agora.io', true]]);
    assert.equal((await emu.control('PUT', '/domains/nowhere.example', { up: false })).status, 404);
    // A reset brings every domain back.
    await emu.control('POST', '/reset');
    assert.equal((await fetch(`${urlOf('api.sd-rtn.com')}/_emulator/domains`)).status, 200);
  });
});
