// The control API (DESIGN.md "The emulator"): its token, the request log, the world's state,
// channels, streams, behaviour, the clock and reset.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../src/emulator/auth.ts';
import { player, startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';

const APP = 'app-control';

void describe('control API', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator({ frozenClock: true });
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    await emu.control('POST', '/reset');
  });

  void test('logs each API request with time, method, path, status, request id and domain', async () => {
    const before = Date.now();
    await emu.call('GET', `/v1/projects/${APP}/cloud-player/players?pageSize=5`, { headers: { 'x-request-id': 'log-1' } });
    await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/abc`, { noAuth: true });
    const log = (await emu.control('GET', '/requests')).body as Record<string, unknown>[];
    assert.equal(log.length, 2);
    assert.deepEqual(
      log.map(({ method, path, query, status, requestId, domain }) => ({ method, path, query, status, requestId, domain })),
      [
        { method: 'GET', path: `/v1/projects/${APP}/cloud-player/players`, query: 'pageSize=5', status: 200, requestId: 'log-1', domain: 'api.agora.io' },
        { method: 'DELETE', path: `/na/v1/projects/${APP}/cloud-player/players/abc`, query: '', status: 401, requestId: log[1]?.requestId, domain: 'api.agora.io' },
      ],
    );
    assert.ok(Number(log[0]?.time) >= before && Number(log[0]?.time) <= Date.now());
    const since = (await emu.control('GET', `/requests?since=${String(log[1]?.index)}`)).body as { method: string }[];
    assert.deepEqual(since.map((e) => e.method), ['DELETE']);
    assert.equal((await emu.control('GET', '/requests?since=-1')).status, 400);
  });

  void test('shows the world: players, recordings, origin sites', async () => {
    await emu.unlimited();
    await emu.createPlayer(APP, player({ name: 'seen' }));
    const state = (await emu.control('GET', '/state')).body as Record<string, unknown[]>;
    assert.ok(Array.isArray(state.players) && Array.isArray(state.recordings) && Array.isArray(state.originSites));
    assert.deepEqual(state.players?.map((p) => (p as { name: string }).name), ['seen']);
  });

  void test('sets the users of a channel', async () => {
    const answer = await emu.control('PUT', `/channels/${APP}/class%2032`, { users: 3 });
    assert.deepEqual(answer.body, { appId: APP, channelName: 'class 32', users: 3, occupancy: 3 });
    assert.equal((await emu.control('PUT', `/channels/${APP}/c`, { users: -1 })).status, 400);
  });

  void test('moves the clock ahead and answers the new time', async () => {
    const start = await emu.now();
    assert.equal(await emu.advance(300_000), start + 300_000);
    assert.equal(await emu.now(), start + 300_000, 'frozen: real time does not move it');
    assert.equal((await emu.control('POST', '/clock', { advanceMs: -5 })).status, 400);
    assert.equal((await emu.control('POST', '/clock', {})).status, 400);
  });

  void test('validates stream descriptions and behaviour knobs', async () => {
    assert.equal((await emu.control('PUT', '/streams', { url: 'rtmp://a.example/x', playable: false, durationMs: 1000 })).status, 200);
    assert.equal((await emu.control('PUT', '/streams', { playable: false })).status, 400);
    assert.equal((await emu.control('PUT', '/streams', { url: 'rtmp://a.example/x', durationMs: -1 })).status, 400);
    const behaviour = await emu.control('PUT', '/behaviour', { listDelayMs: 10_000 });
    assert.deepEqual(behaviour.body, { listDelayMs: 10_000, partialListShare: 0, connectDelayMs: 1000, networkDelayMs: 0 });
    assert.equal((await emu.control('PUT', '/behaviour', { partialListShare: 2 })).status, 400);
    assert.equal((await emu.control('PUT', '/behaviour', { listDelay: 5 })).status, 400);
  });

  void test('reset forgets players, faults, the log, streams, channels and changed limits and behaviour; the clock keeps its time', async () => {
    await emu.control('PUT', '/limits', { playerCreateUnnamed: { perSecond: 1 }, playerCreateNamed: null });
    await emu.createPlayer(APP, player());
    await emu.control('POST', '/faults', { match: { method: 'PATCH' }, effect: '500' });
    await emu.control('PUT', '/streams', { url: 'rtmp://a.example/x', playable: false });
    await emu.control('PUT', `/channels/${APP}/c`, { users: 2 });
    await emu.control('PUT', '/behaviour', { listDelayMs: 10_000 });
    const advanced = await emu.advance(50_000);

    const reset = await emu.control('POST', '/reset');
    assert.equal(reset.status, 200);
    const state = (await emu.control('GET', '/state')).body as { players: unknown[]; streams: unknown[]; channels: unknown[] };
    assert.deepEqual([state.players, state.streams, state.channels], [[], [], []]);
    assert.deepEqual((await emu.control('GET', '/faults')).body, []);
    assert.deepEqual((await emu.control('GET', '/requests')).body, []);
    const limits = (await emu.control('GET', '/limits')).body as Record<string, unknown>;
    assert.deepEqual([limits.playerCreateUnnamed, limits.playerCreateNamed], [{ perSecond: 50 }, { perSecond: 2 }]);
    assert.equal(((await emu.control('GET', '/behaviour')).body as { listDelayMs: number }).listDelayMs, 0);
    assert.equal(await emu.now(), advanced);
  });
});

void describe('control token', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator({ requireControlToken: true, controlToken: 'ctl-token' });
  });
  after(async () => {
    await emu.close();
  });

  void test('is required as a bearer token when the emulator is reachable beyond loopback', async () => {
    assert.equal(emu.handle.controlToken, 'ctl-token');
    assert.equal((await emu.control('GET', '/state')).status, 401);
    assert.equal((await emu.control('GET', '/state', undefined, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await emu.control('POST', '/reset', undefined, { authorization: `Basic ${Buffer.from('test-customer:test-secret').toString('base64')}` })).status, 401);
    assert.equal((await emu.control('GET', '/state', undefined, { authorization: 'Bearer ctl-token' })).status, 200);
    assert.equal((await emu.list(APP)).status, 200, 'the emulated APIs still take Basic auth');
  });

  void test('is required by default exactly when the host is not a loopback address', () => {
    const table: Record<string, boolean> = {
      '127.0.0.1': true,
      '127.1.2.3': true,
      '::1': true,
      '[::1]': true,
      localhost: true,
      '0.0.0.0': false,
      '::': false,
      '10.0.0.5': false,
      'example.com': false,
    };
    for (const [host, loopback] of Object.entries(table)) assert.equal(isLoopbackHost(host), loopback, host);
  });
});
