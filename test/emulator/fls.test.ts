// FLS conformance over real HTTP: origin_site GET / PATCH with the documented validation,
// entry points (list, create, delete), and HMAC-SHA256 request signing checked exactly
// (fls-pull-from-origin.txt; agora-facts.md "FLS"; Agora's fusion-cdn OpenAPI document).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flsSignatureHeaders } from '../../src/agora/signing.ts';
import { useEmulator } from './helpers.ts';
import type { Answer } from './helpers.ts';

const APP = 'app-fls';

interface SignedCall {
  body?: unknown;
  /** Sign with these instead of the emulator's credentials. */
  customerId?: string;
  customerSecret?: string;
  /** Sign this date instead of now. */
  date?: Date;
  /** Change the request after signing. */
  tamper?: (request: { path: string; body: string; headers: Record<string, string> }) => void;
  basicAuth?: boolean;
}

void describe('FLS API', () => {
  const emu = useEmulator({ frozenClock: true });

  /** An FLS request signed as Agora's reference code signs it, over the Host header fetch sends. */
  async function fls(method: string, path: string, options: SignedCall = {}): Promise<Answer> {
    const url = new URL(`${emu.handle.url}${path}`);
    const body = options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const signed = flsSignatureHeaders({
      customerId: options.customerId ?? emu.handle.credentials.customerId,
      customerSecret: options.customerSecret ?? emu.handle.credentials.customerSecret,
      method,
      host: url.host,
      pathWithQuery: `${url.pathname}${url.search}`,
      body,
      date: options.date ?? new Date(),
    });
    const request = { path, body, headers: { ...signed, ...(body === '' ? {} : { 'content-type': 'application/json' }) } };
    options.tamper?.(request);
    const headers: Record<string, string> = options.basicAuth ? { 'content-type': 'application/json' } : request.headers;
    return emu.call(method, request.path, { headers, noAuth: !options.basicAuth, ...(request.body === '' ? {} : { body: request.body }) });
  }

  const originSite = (entryPoint = 'live', appId = APP) => `/v1/projects/${appId}/fls/entry_points/${entryPoint}/settings/origin_site`;
  const entryPoints = (appId = APP) => `/v1/projects/${appId}/fls/entry_points`;

  void test('every App ID starts with the entry point live, pull-from-origin disabled', async () => {
    const answer = await fls('GET', originSite());
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { enabled: false });
    assert.deepEqual((await fls('GET', entryPoints())).body, { entryPointList: [{ name: 'live' }] });
  });

  void test('PATCH sets direct pull and answers the new settings; GET and the world show them', async () => {
    const answer = await fls('PATCH', originSite(), { body: { enabled: true, domain: 'origin.example.com', app: 'live' } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { enabled: true, domain: 'origin.example.com', app: 'live' });
    assert.deepEqual((await fls('GET', originSite())).body, { enabled: true, domain: 'origin.example.com', app: 'live' });
    const state = (await emu.control('GET', '/state')).body as { originSites: unknown[] };
    assert.deepEqual(state.originSites, [{ appId: APP, entryPoint: 'live', enabled: true, domain: 'origin.example.com', app: 'live' }]);
  });

  void test('PATCH changes only the fields it names', async () => {
    await fls('PATCH', originSite(), { body: { enabled: true, domain: 'origin.example.com', app: 'live' } });
    const answer = await fls('PATCH', originSite(), { body: { enabled: false } });
    assert.deepEqual(answer.body, { enabled: false, domain: 'origin.example.com', app: 'live' });
  });

  void test('setting callbackUrl switches to dynamic pull: domain and app are cleared', async () => {
    await fls('PATCH', originSite(), { body: { enabled: true, domain: 'origin.example.com', app: 'live' } });
    const answer = await fls('PATCH', originSite(), { body: { callbackUrl: 'https://hooks.example.com/origin', domain: null } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { enabled: true, callbackUrl: 'https://hooks.example.com/origin' });
    const back = await fls('PATCH', originSite(), { body: { domain: 'origin2.example.com' } });
    assert.deepEqual(back.body, { enabled: true, domain: 'origin2.example.com' });
  });

  const refused: Record<string, unknown> = {
    'domain and callbackUrl together': { domain: 'origin.example.com', callbackUrl: 'https://hooks.example.com/origin' },
    'app without domain': { app: 'live' },
    'an unknown field': { enabled: true, region: 'na' },
    'enabled that is not a boolean': { enabled: 'yes' },
    'a domain with a scheme': { domain: 'https://origin.example.com' },
    'a callbackUrl that is not http(s)': { callbackUrl: 'rtmp://hooks.example.com' },
    'a body that is not an object': [{ enabled: true }],
    'a body that is not JSON': '{"enabled": ',
  };
  for (const [reason, body] of Object.entries(refused)) {
    void test(`PATCH refuses ${reason} with 400 and changes nothing`, async () => {
      const answer = await fls('PATCH', originSite(), { body });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(typeof (answer.body as { message?: unknown }).message, 'string');
      assert.deepEqual((await fls('GET', originSite())).body, { enabled: false });
    });
  }

  void test('app is accepted when the entry point already has a domain', async () => {
    await fls('PATCH', originSite(), { body: { domain: 'origin.example.com' } });
    const answer = await fls('PATCH', originSite(), { body: { app: 'studio' } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { enabled: false, domain: 'origin.example.com', app: 'studio' });
  });

  void test('an unknown entry point answers 404 to GET and PATCH', async () => {
    assert.equal((await fls('GET', originSite('nowhere'))).status, 404);
    assert.equal((await fls('PATCH', originSite('nowhere'), { body: { enabled: true } })).status, 404);
  });

  void test('entry points are created with ?id= (201), listed, and deleted', async () => {
    const created = await fls('POST', `${entryPoints()}?id=sports`);
    assert.equal(created.status, 201, created.text);
    assert.deepEqual((await fls('GET', entryPoints())).body, { entryPointList: [{ name: 'live' }, { name: 'sports' }] });
    assert.deepEqual((await fls('GET', originSite('sports'))).body, { enabled: false });
    assert.equal((await fls('DELETE', `${entryPoints()}/sports`)).status, 200);
    assert.deepEqual((await fls('GET', entryPoints())).body, { entryPointList: [{ name: 'live' }] });
  });

  void test('creating an entry point that exists answers 409', async () => {
    assert.equal((await fls('POST', `${entryPoints()}?id=sports`)).status, 201);
    assert.equal((await fls('POST', `${entryPoints()}?id=sports`)).status, 409);
    assert.equal((await fls('POST', `${entryPoints()}?id=live`)).status, 409);
  });

  void test('creating an entry point without a valid id answers 400', async () => {
    assert.equal((await fls('POST', entryPoints())).status, 400);
    assert.equal((await fls('POST', `${entryPoints()}?id=${encodeURIComponent('bad name')}`)).status, 400);
  });

  void test('the entry point live cannot be deleted (400); an unknown one answers 404', async () => {
    assert.equal((await fls('DELETE', `${entryPoints()}/live`)).status, 400);
    assert.equal((await fls('DELETE', `${entryPoints()}/nowhere`)).status, 404);
  });

  void test('entry points belong to one App ID', async () => {
    await fls('POST', `${entryPoints()}?id=sports`);
    assert.deepEqual((await fls('GET', entryPoints('other-app'))).body, { entryPointList: [{ name: 'live' }] });
  });

  const unsigned: Record<string, SignedCall> = {
    'a digest of another body': { body: { enabled: true }, tamper: (r) => void (r.body = JSON.stringify({ enabled: false })) },
    'a wrong digest header': { body: { enabled: true }, tamper: (r) => void (r.headers.digest = 'SHA-256=AAAA') },
    'a date 16 minutes old': { body: { enabled: true }, date: new Date(Date.now() - 16 * 60_000) },
    'a date 16 minutes ahead': { body: { enabled: true }, date: new Date(Date.now() + 16 * 60_000) },
    'a signature made with another secret': { body: { enabled: true }, customerSecret: 'not-the-secret' },
    'an unknown customer ID': { body: { enabled: true }, customerId: 'someone-else' },
    'Basic auth instead of a signature': { body: { enabled: true }, basicAuth: true },
    'a date header changed after signing': {
      body: { enabled: true },
      tamper: (r) => void (r.headers.date = new Date(Date.now() - 60_000).toUTCString()),
    },
  };
  for (const [reason, call] of Object.entries(unsigned)) {
    void test(`a request with ${reason} answers 401 and changes nothing`, async () => {
      const answer = await fls('PATCH', originSite(), call);
      assert.equal(answer.status, 401, answer.text);
      assert.deepEqual((await fls('GET', originSite())).body, { enabled: false });
    });
  }

  void test('the query string is part of the signed request line', async () => {
    const answer = await fls('POST', entryPoints(), { tamper: (r) => void (r.path = `${r.path}?id=sports`) });
    assert.equal(answer.status, 401, answer.text);
  });

  void test('signed dates are checked against real time, not the emulated clock', async () => {
    await emu.advance(3 * 3_600_000);
    assert.equal((await fls('GET', originSite())).status, 200);
  });

  void test('a date up to 15 minutes off is accepted', async () => {
    assert.equal((await fls('GET', originSite(), { date: new Date(Date.now() - 14 * 60_000) })).status, 200);
  });

  void test('every FLS request counts against the App ID\'s FLS limit; beyond it, 429', async () => {
    await emu.control('PUT', '/limits', { fls: { perMinute: 2 } });
    assert.equal((await fls('GET', originSite())).status, 200);
    assert.equal((await fls('GET', entryPoints())).status, 200);
    assert.equal((await fls('GET', originSite())).status, 429);
    assert.equal((await fls('GET', originSite('live', 'other-app'))).status, 200, 'limits are per App ID');
  });
});
