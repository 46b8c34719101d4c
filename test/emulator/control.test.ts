// The control API (DESIGN.md "The emulator"): its token, the request log, the world's state,
// channels, streams, behaviour, the clock and reset.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../src/agora/egress.ts';
import { player, startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';

const APP = 'app-control';
const DAY_MS = 86_400_000;

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

  void test('reset forgets players, faults, the log, streams, channels and changed limits and behaviour, and brings the clock back', async () => {
    await emu.control('PUT', '/limits', { playerCreateUnnamed: { perSecond: 1 }, playerCreateNamed: null });
    await emu.createPlayer(APP, player());
    await emu.control('POST', '/faults', { match: { method: 'PATCH' }, effect: '500' });
    await emu.control('PUT', '/streams', { url: 'rtmp://a.example/x', playable: false });
    await emu.control('PUT', `/channels/${APP}/c`, { users: 2 });
    await emu.control('PUT', '/behaviour', { listDelayMs: 10_000 });
    await emu.advance(50_000);

    const before = Date.now();
    const reset = await emu.control('POST', '/reset');
    const after = Date.now();
    assert.equal(reset.status, 200);
    const state = (await emu.control('GET', '/state')).body as { players: unknown[]; streams: unknown[]; channels: unknown[] };
    assert.deepEqual([state.players, state.streams, state.channels], [[], [], []]);
    assert.deepEqual((await emu.control('GET', '/faults')).body, []);
    assert.deepEqual((await emu.control('GET', '/requests')).body, []);
    const limits = (await emu.control('GET', '/limits')).body as Record<string, unknown>;
    assert.deepEqual([limits.playerCreateUnnamed, limits.playerCreateNamed], [{ perSecond: 50 }, { perSecond: 2 }]);
    assert.equal(((await emu.control('GET', '/behaviour')).body as { listDelayMs: number }).listDelayMs, 0);
    const clock = (await emu.control('GET', '/clock')).body as { now: number; frozen: boolean };
    assert.ok(clock.now >= before && clock.now <= after, 'virtual time is real time again');
    assert.equal(clock.frozen, true, 'frozen, as the emulator started');
  });

  void test('creates players after the largest clock step, and again after the reset that follows it', async () => {
    await emu.unlimited();
    assert.equal((await emu.control('POST', '/clock', { advanceMs: 30 * DAY_MS })).status, 200);
    assert.equal((await emu.createPlayer(APP, player({ name: 'after-step' }))).status, 200);
    await emu.control('POST', '/reset');
    await emu.unlimited();
    const created = await emu.createPlayer(APP, player({ name: 'after-reset' }));
    assert.equal(created.status, 200, created.text);
    assert.deepEqual((await emu.players()).map((p) => p.name), ['after-reset']);
  });

  void test('refuses every control input out of bounds with 400 naming the field, and changes nothing', async () => {
    const table: { reason: string; method: string; path: string; body: unknown; field: string }[] = [
      { reason: 'a clock step past 30 days', method: 'POST', path: '/clock', body: { advanceMs: 1e300 }, field: 'advanceMs' },
      { reason: 'a clock step of 30 days and 1 ms', method: 'POST', path: '/clock', body: { advanceMs: 30 * DAY_MS + 1 }, field: 'advanceMs' },
      { reason: 'a clock step that is not a number', method: 'POST', path: '/clock', body: { advanceMs: '5' }, field: 'advanceMs' },
      { reason: 'a fault hitting more requests than any test sends', method: 'POST', path: '/faults', body: { effect: '500', count: 1e9 }, field: 'count' },
      { reason: 'a fault probability above 1', method: 'POST', path: '/faults', body: { effect: '500', probability: 1.5 }, field: 'probability' },
      { reason: 'a delay holding a connection for a day', method: 'POST', path: '/faults', body: { effect: 'delay', delayMs: 86_400_000 }, field: 'delayMs' },
      { reason: 'a path pattern of 10,000 characters', method: 'POST', path: '/faults', body: { match: { path: 'a'.repeat(10_000) }, effect: '500' }, field: 'match.path' },
      { reason: 'a rate whose window would take gigabytes', method: 'PUT', path: '/limits', body: { playerDelete: { perSecond: 1e12 } }, field: 'playerDelete.perSecond' },
      { reason: 'a per-minute rate past the bound', method: 'PUT', path: '/limits', body: { playerListFiltered: { perMinute: 2_000_000 } }, field: 'playerListFiltered.perMinute' },
      { reason: 'a quota past the bound', method: 'PUT', path: '/limits', body: { playersPerProject: 1e10 }, field: 'playersPerProject' },
      { reason: 'a List delay of a year', method: 'PUT', path: '/behaviour', body: { listDelayMs: 365 * DAY_MS }, field: 'listDelayMs' },
      { reason: 'a connect delay of a year', method: 'PUT', path: '/behaviour', body: { connectDelayMs: 365 * DAY_MS }, field: 'connectDelayMs' },
      { reason: 'an on-demand file of a year', method: 'PUT', path: '/streams', body: { url: 'rtmp://a.example/x', durationMs: 365 * DAY_MS }, field: 'durationMs' },
      { reason: 'a stream URL of 10,000 characters', method: 'PUT', path: '/streams', body: { url: `rtmp://a.example/${'x'.repeat(10_000)}` }, field: 'url' },
      { reason: 'a channel of a billion users', method: 'PUT', path: `/channels/${APP}/c`, body: { users: 1e9 }, field: 'users' },
      { reason: 'a channel name past 64 bytes', method: 'PUT', path: `/channels/${APP}/${'c'.repeat(65)}`, body: { users: 1 }, field: 'channelName' },
      { reason: 'a webhook that is not http(s)', method: 'PUT', path: '/webhook', body: { url: 'file:///etc/passwd', secret: 's' }, field: 'url' },
      { reason: 'a webhook to a cloud metadata address', method: 'PUT', path: '/webhook', body: { url: 'http://169.254.169.254/latest/meta-data', secret: 's' }, field: 'url' },
      { reason: 'a webhook to a host nobody allowed', method: 'PUT', path: '/webhook', body: { url: 'https://internal.example.com/hook', secret: 's' }, field: 'url' },
      { reason: 'a webhook URL carrying credentials', method: 'PUT', path: '/webhook', body: { url: 'http://user:pw@127.0.0.1:1/hook', secret: 's' }, field: 'url' },
      { reason: 'a webhook delay of a year', method: 'PUT', path: '/webhook', body: { url: 'http://127.0.0.1:1/hook', secret: 's', delayMs: 365 * DAY_MS }, field: 'delayMs' },
    ];
    const world = async () => ({
      state: (await emu.control('GET', '/state')).body,
      clock: ((await emu.control('GET', '/clock')).body as { now: number }).now,
      faults: (await emu.control('GET', '/faults')).body,
      limits: (await emu.control('GET', '/limits')).body,
      behaviour: (await emu.control('GET', '/behaviour')).body,
    });
    const before = await world();
    for (const row of table) {
      const answer = await emu.control(row.method, row.path, row.body);
      assert.equal(answer.status, 400, row.reason);
      assert.ok((answer.body as { message: string }).message.includes(row.field), `${row.reason}: ${answer.text}`);
    }
    assert.deepEqual(await world(), before);
  });

  void test('accepts the largest values in bounds, and webhooks to loopback', async () => {
    const table: { reason: string; method: string; path: string; body: unknown }[] = [
      { reason: 'a 30-day clock step', method: 'POST', path: '/clock', body: { advanceMs: 30 * DAY_MS } },
      { reason: 'a delay of 5 minutes', method: 'POST', path: '/faults', body: { effect: 'delay', delayMs: 300_000, count: 1_000_000, probability: 0 } },
      { reason: 'a rate of 100,000 per second', method: 'PUT', path: '/limits', body: { playerDelete: { perSecond: 100_000, perMinute: 1_000_000 }, playersPerProject: 1_000_000 } },
      { reason: "Agora's List delay", method: 'PUT', path: '/behaviour', body: { listDelayMs: 10_000 } },
      { reason: 'a webhook on 127.0.0.1', method: 'PUT', path: '/webhook', body: { url: 'http://127.0.0.1:1/hook', secret: 's' } },
      { reason: 'a webhook on localhost over https', method: 'PUT', path: '/webhook', body: { url: 'https://localhost:1/hook', secret: 's' } },
      { reason: 'a webhook on ::1', method: 'PUT', path: '/webhook', body: { url: 'http://[::1]:1/hook', secret: 's' } },
    ];
    for (const row of table) {
      const answer = await emu.control(row.method, row.path, row.body);
      assert.ok(answer.status === 200 || answer.status === 201, `${row.reason}: ${answer.status} ${answer.text}`);
    }
  });
});

void describe('webhook hosts', () => {
  const previous = process.env.AGORA_EMULATOR_WEBHOOK_HOSTS;
  let emu: TestEmulator;
  before(async () => {
    process.env.AGORA_EMULATOR_WEBHOOK_HOSTS = 'daemon, Hooks.Example.com';
    emu = await startTestEmulator({ frozenClock: true });
  });
  after(async () => {
    if (previous === undefined) delete process.env.AGORA_EMULATOR_WEBHOOK_HOSTS;
    else process.env.AGORA_EMULATOR_WEBHOOK_HOSTS = previous;
    await emu.close();
  });

  void test('beyond loopback go only to the hosts listed in AGORA_EMULATOR_WEBHOOK_HOSTS', async () => {
    assert.equal((await emu.control('PUT', '/webhook', { url: 'http://daemon:9464/webhooks/agora', secret: 's' })).status, 200);
    assert.equal((await emu.control('PUT', '/webhook', { url: 'https://hooks.example.com/agora', secret: 's' })).status, 200);
    assert.equal((await emu.control('PUT', '/webhook', { url: 'http://daemon.evil.example/', secret: 's' })).status, 400);
    assert.equal((await emu.control('PUT', '/webhook', { url: 'http://10.0.0.5/', secret: 's' })).status, 400);
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
