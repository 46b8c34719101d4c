// The client against the emulator over real HTTP on 127.0.0.1: pacing under the rate limits,
// the vendor's retry schedule, unknown outcomes, domain failover, logging and pagination.
// Names never reach a real resolver: every Agora domain maps to an emulator listener, and a
// name that must "not resolve" fails in a local lookup.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createAgoraClient } from '../../src/agora/client.ts';
import type { AgoraClient, AgoraClientOptions, PlayerCreateBody } from '../../src/agora/client.ts';
import { systemClock } from '../../src/clock.ts';
import type { EmulatorOptions } from '../../src/emulator/server.ts';
import { InstantClock } from './fake-clocks.ts';
import { busiestWindow, emulator } from './emulator-harness.ts';
import type { Emulator } from './emulator-harness.ts';
import { loopbackLookup } from './scripted-server.ts';

const DOMAINS = ['api.agora.io', 'api.sd-rtn.com', 'api-us-east-1.agora.io', 'api-us-east-1.sd-rtn.com'];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let apps = 0;
function nextAppId(): string {
  apps += 1;
  return `app-emulated-${apps}`;
}

async function startEmulated(options: EmulatorOptions = {}): Promise<Emulator> {
  const emu = await emulator({ domains: DOMAINS, ...options });
  cleanups.push(() => emu.close());
  return emu;
}

function connect(emu: Emulator, options: Partial<AgoraClientOptions> & { appId: string }): AgoraClient {
  const client = createAgoraClient({
    customerId: emu.handle.credentials.customerId,
    customerSecret: emu.handle.credentials.customerSecret,
    hosts: emu.handle.urls,
    serverRegion: 'us-west-1',
    ...options,
  });
  cleanups.push(() => client.close());
  return client;
}

function playerBody(name: string, uid: number, channelName = 'class32'): PlayerCreateBody {
  return { name, channelName, uid, streamUrl: `rtmp://origin.example.com/live/${channelName}/${uid}`, idleTimeout: 300 };
}

void describe('pacing under the rate limits', () => {
  void test('creates at twice the limit finish with no 429, never faster than the limit, and at it', async () => {
    const limit = 5;
    const limits = { playerCreateNamed: { perSecond: limit } };
    const emu = await startEmulated({ limits });
    const appId = nextAppId();
    const client = connect(emu, { appId, limits, clock: systemClock });
    const results = await Promise.all(Array.from({ length: 2 * limit }, (_, i) => client.players.create('na', playerBody(`pace-${i}`, 100 + i))));
    assert.deepEqual(
      results.map((r) => r.outcome),
      Array.from({ length: 2 * limit }, () => 'created'),
    );
    const creates = (await emu.requests()).filter((r) => r.method === 'POST');
    assert.equal(creates.length, 2 * limit, 'no retries were needed');
    assert.equal(creates.filter((r) => r.status === 429).length, 0);
    // The emulator logs each arrival: no second of them holds more than the limit, and the
    // first second holds exactly the limit (the client runs at it, not below).
    assert.equal(busiestWindow(creates.map((r) => r.time), 1_000), limit);
    assert.equal((await emu.players(appId)).length, 2 * limit);
  });

  void test('two clients of one project share one budget', async () => {
    const limit = 4;
    const limits = { playerCreateNamed: { perSecond: limit } };
    const emu = await startEmulated({ limits });
    const appId = nextAppId();
    const clients = [connect(emu, { appId, limits }), connect(emu, { appId, limits })];
    await Promise.all(clients.flatMap((client, c) => Array.from({ length: limit }, (_, i) => client.players.create('eu', playerBody(`shared-${c}-${i}`, 200 + c * 10 + i)))));
    const creates = (await emu.requests()).filter((r) => r.method === 'POST');
    assert.equal(creates.filter((r) => r.status === 429).length, 0);
    assert.equal(busiestWindow(creates.map((r) => r.time), 1_000), limit);
  });
});

void describe('retries', () => {
  for (const effect of ['429', '503'] as const) {
    void test(`a burst of ${effect}s is retried after 5-6 and 10-11 s and creates one player`, async () => {
      const emu = await startEmulated();
      await emu.control('POST', '/faults', { match: { method: 'POST', path: 'cloud-player/players$' }, effect, count: 2 });
      const appId = nextAppId();
      const clock = new InstantClock();
      // The instant clock makes 15 s pass in no real time, so the emulator's own limit is lifted here.
      await emu.control('PUT', '/limits', { playerCreateNamed: null });
      const client = connect(emu, { appId, clock, random: () => 0.25 });
      const result = await client.players.create('na', playerBody('burst', 1));
      assert.equal(result.outcome, 'created');
      assert.deepEqual(clock.sleeps.filter((ms) => ms >= 5_000), [5_250, 10_250]);
      const posts = (await emu.requests()).filter((r) => r.method === 'POST');
      assert.deepEqual(
        posts.map((r) => r.status),
        [Number(effect), Number(effect), 200],
      );
      assert.equal(new Set(posts.map((r) => r.requestId)).size, 3, 'a fresh X-Request-ID per attempt');
      assert.equal((await emu.players(appId)).length, 1);
    });
  }

  void test('a Create whose answer is lost after it was made is "unknown", never a duplicate player', async () => {
    const emu = await startEmulated();
    await emu.control('POST', '/faults', { match: { method: 'POST', path: 'cloud-player/players$' }, effect: '504-after', count: 1 });
    const appId = nextAppId();
    const client = connect(emu, { appId });
    const result = await client.players.create('na', playerBody('lost-answer', 7));
    assert.equal(result.outcome, 'unknown');
    const players = await emu.players(appId);
    assert.equal(players.length, 1, 'made once, not repeated');
    // The caller resolves it by listing the name.
    const listed = [];
    for await (const page of client.players.list({ channelName: 'class32' })) listed.push(...page.players);
    assert.deepEqual(
      listed.map((p) => [p.name, p.id]),
      [['lost-answer', players[0]?.id]],
    );
  });

  void test('a dropped connection after a Delete was sent is "unknown"; Delete again settles it', async () => {
    const emu = await startEmulated();
    const appId = nextAppId();
    const client = connect(emu, { appId });
    const created = await client.players.create('na', playerBody('dropped', 8));
    assert.equal(created.outcome, 'created');
    if (created.outcome !== 'created') return;
    await emu.control('POST', '/faults', { match: { method: 'DELETE' }, effect: 'drop', count: 1 });
    assert.equal((await client.players.delete('na', created.player.id)).outcome, 'unknown');
    assert.equal((await emu.players(appId)).length, 0, 'the delete was made');
    assert.equal((await client.players.delete('na', created.player.id)).outcome, 'deleted');
  });
});

void describe('domain failover', () => {
  async function failoverCase(options: { unresolvable?: string[]; down?: string[] }) {
    const emu = await startEmulated();
    for (const domain of options.down ?? []) await emu.handle.setDomainUp(domain, false);
    // Names that must fail to resolve keep their name in the URL, so the lookup sees them.
    const hosts = { ...emu.handle.urls };
    for (const name of options.unresolvable ?? []) hosts[name] = (hosts[name] ?? '').replace('127.0.0.1', name);
    const clock = new InstantClock();
    const appId = nextAppId();
    const client = connect(emu, { appId, hosts, clock, lookup: loopbackLookup(options.unresolvable) });
    const result = await client.players.create('na', playerBody('failover', 9));
    assert.equal(result.outcome, 'created');
    const posts = (await emu.requests()).filter((r) => r.method === 'POST');
    return { emu, client, clock, posts };
  }

  void test('a primary that does not resolve: after 1 and 3 s the alternate primary serves', async () => {
    const { clock, posts } = await failoverCase({ unresolvable: ['api.agora.io'] });
    assert.deepEqual(posts.map((r) => r.domain), ['api.sd-rtn.com']);
    assert.deepEqual(clock.sleeps, [1_000, 3_000]);
  });

  void test('primary and alternate do not resolve: after 1, 3 and 6 s the adjacent regional domain serves', async () => {
    const { clock, posts } = await failoverCase({ unresolvable: ['api.agora.io', 'api.sd-rtn.com'] });
    assert.deepEqual(posts.map((r) => r.domain), ['api-us-east-1.agora.io']);
    assert.deepEqual(clock.sleeps, [1_000, 3_000, 6_000]);
  });

  void test('a refused connection skips the alternate primary and goes to the regional domain', async () => {
    const { clock, posts, client } = await failoverCase({ down: ['api.agora.io'] });
    assert.deepEqual(posts.map((r) => r.domain), ['api-us-east-1.agora.io'], 'api.sd-rtn.com is up but never asked');
    assert.deepEqual(clock.sleeps, [1_000, 3_000]);
    // The next call starts where the last one was answered, without waiting again.
    await client.players.create('na', playerBody('failover-2', 10));
    assert.deepEqual(clock.sleeps, [1_000, 3_000]);
  });

  void test('when every domain is down the call fails with a network error naming the last domain', async () => {
    const emu = await startEmulated();
    for (const domain of DOMAINS) await emu.handle.setDomainUp(domain, false);
    const client = connect(emu, { appId: nextAppId(), clock: new InstantClock() });
    await assert.rejects(client.players.create('na', playerBody('nowhere', 11)), (err: unknown) => {
      const e = err as { status?: number; network?: string; domain?: string; attempts?: number };
      assert.deepEqual([e.status, e.network, e.domain, e.attempts], [0, 'connect', 'api-us-east-1.sd-rtn.com', 4]);
      return true;
    });
  });
});

void describe('logs', () => {
  void test("a failed request's log line has both ids and no secret", async () => {
    const emu = await startEmulated();
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const appId = nextAppId();
    const client = connect(emu, { appId, logger });
    const token = '007eJxSecretTokenValue0123456789';
    const first = await client.players.create('na', { ...playerBody('twice', 12), token });
    const second = await client.players.create('na', { ...playerBody('twice', 13), token });
    assert.equal(second.outcome, 'conflict');
    const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'agora.request.failed');
    assert.equal(failed.length, 1);
    const logged = (await emu.requests()).filter((r) => r.method === 'POST');
    assert.equal(failed[0]?.requestId, logged[1]?.requestId, 'the X-Request-ID Agora saw');
    assert.equal(failed[0]?.resourceId, first.outcome === 'created' ? first.player.id : undefined, 'the X-Resource-ID of the existing player');
    for (const line of lines) {
      assert.ok(!line.includes(emu.handle.credentials.customerSecret));
      assert.ok(!line.includes(token));
      assert.ok(!/basic /i.test(line));
    }
  });
});

void describe('List', () => {
  void test('pages through 1,200 players, 500 at a time', async () => {
    const limits = { playerCreateNamed: { perSecond: 5_000 }, playersPerProject: 2_000 };
    const emu = await startEmulated({ limits });
    const appId = nextAppId();
    const client = connect(emu, { appId, limits });
    const total = 1_200;
    for (let start = 0; start < total; start += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => client.players.create('ap', playerBody(`bulk-${start + i}`, start + i + 1, `ch${(start + i) % 7}`))));
    }
    const pages = [];
    for await (const page of client.players.list()) pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.players.length),
      [500, 500, 200],
    );
    assert.ok(pages.every((p) => p.totalSize === total));
    const ids = new Set(pages.flatMap((p) => p.players.map((player) => player.id)));
    assert.equal(ids.size, total);
    const createTs = pages.flatMap((p) => p.players.map((player) => player.createTs));
    assert.deepEqual(createTs, [...createTs].sort((a, b) => a - b), 'ascending createTs');
    const lists = (await emu.requests()).filter((r) => r.method === 'GET');
    assert.equal(lists.length, 3);
    assert.ok(lists.every((r) => r.status === 200 && r.query.includes('pageSize=500')));
  });
});

void describe('Cloud Recording and FLS', () => {
  void test('acquire, start, query, stop; a repeated start is code 7 and a stopped recording is not found', async () => {
    const emu = await startEmulated();
    const appId = nextAppId();
    const client = connect(emu, { appId });
    await emu.control('PUT', `/channels/${appId}/class32`, { users: 2 });
    const acquired = await client.recordings.acquire({ cname: 'class32', uid: 900001, clientRequest: { resourceExpiredHour: 24 } });
    const body = {
      cname: 'class32',
      uid: 900001,
      clientRequest: {
        recordingConfig: { channelType: 1, streamTypes: 2, maxIdleTime: 30 },
        storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: 'AKIAEXAMPLEKEY', secretKey: 'example-secret-key' },
      },
    };
    const started = await client.recordings.start(acquired.resourceId, 'mix', body);
    assert.equal(started.outcome, 'started');
    if (started.outcome !== 'started') return;
    assert.deepEqual(await client.recordings.start(acquired.resourceId, 'mix', body).then((r) => [r.outcome, 'sid' in r ? r.sid : undefined]), ['alreadyStarted', started.sid]);
    await emu.control('POST', '/clock', { advanceMs: 5_000 });
    const running = await client.recordings.query(acquired.resourceId, started.sid, 'mix');
    assert.equal(running.outcome === 'found' ? running.serverResponse.status : undefined, 5, 'recording');
    const stopped = await client.recordings.stop(acquired.resourceId, started.sid, 'mix', { cname: 'class32', uid: 900001, clientRequest: {} });
    assert.equal(stopped.outcome, 'stopped');
    assert.equal((await client.recordings.query(acquired.resourceId, started.sid, 'mix')).outcome, 'notFound');
  });

  void test('origin site settings are read and changed with signed requests', async () => {
    const emu = await startEmulated();
    const client = connect(emu, { appId: nextAppId() });
    assert.equal((await client.originSite.get('live')).enabled, false);
    await client.originSite.patch('live', { enabled: true, domain: 'origin.example.com', app: 'live' });
    assert.deepEqual(await client.originSite.get('live'), { enabled: true, domain: 'origin.example.com', app: 'live' });
    await assert.rejects(client.originSite.get('no-such-entry-point'), (err: unknown) => (err as { status?: number }).status === 404);
  });
});
