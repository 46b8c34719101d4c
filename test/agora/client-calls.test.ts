// The client's calls against a scripted HTTP server on 127.0.0.1: answers the emulator has no
// knob for (Retry-After, any vendor code, malformed bodies), with an instant clock so the
// vendor's 5-16 s back-offs take no time.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AgoraApiError, AgoraClientClosedError, MAX_SOCKETS_PER_ORIGIN, MIN_SOCKETS_PER_ORIGIN, createAgoraClient, socketsPerOrigin } from '../../src/agora/client.ts';
import { resolveLimits } from '../../src/agora/limits.ts';
import type { AgoraClient, AgoraClientOptions } from '../../src/agora/client.ts';
import { WINDOW_SPANS_MS } from '../../src/agora/rate-limiter.ts';
import { verifyFlsSignature } from '../../src/agora/signing.ts';
import { InstantClock } from './fake-clocks.ts';
import { drop, json, sequence, startScriptedServer } from './scripted-server.ts';
import type { Script, ScriptedServer } from './scripted-server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SECRET = 'customer-secret-value-42';
const TOKEN = '007eJxTYLjAcOvPtvnnO7fef54';
const player = { name: 'class32-101', channelName: 'class32', uid: 101, streamUrl: 'rtmp://origin.example.com/live/class32/101', token: TOKEN };
const created = { player: { uid: 101, id: '2a784467d647bb87b60b719f6fa56317', createTs: 1575508644, status: 'connecting' }, fields: 'player.uid,player.id,player.createTs,player.status' };

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, raw };
}

interface Harness {
  appId: string;
  server: ScriptedServer;
  client: AgoraClient;
  clock: InstantClock;
}

const open: Harness[] = [];
let apps = 0;

async function harness(script: Script, options: Partial<AgoraClientOptions> = {}): Promise<Harness> {
  const server = await startScriptedServer(script);
  const clock = new InstantClock();
  apps += 1;
  const appId = `app-calls-${apps}`;
  const client = createAgoraClient({
    appId,
    customerId: 'customer-id',
    customerSecret: SECRET,
    endpoints: [server.url],
    clock,
    random: () => 0.5,
    ...options,
  });
  const h = { appId, server, client, clock };
  open.push(h);
  return h;
}

after(async () => {
  await Promise.all(open.map(async (h) => Promise.all([h.client.close(), h.server.close()])));
});

async function rejection(promise: Promise<unknown>): Promise<AgoraApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AgoraApiError, `expected an AgoraApiError, got ${String(err)}`);
    return err;
  }
  throw new assert.AssertionError({ message: 'expected the call to fail' });
}

const status = (code: number, body: unknown = { message: 'Service unavailable temporarily.' }, headers: Record<string, string> = {}): Script =>
  (_req, res) => json(res, code, body, headers);

void describe('retries', () => {
  void test('503s are retried after 5-6 and 10-11 s, each attempt with a fresh X-Request-ID', async () => {
    const { client, server, clock, appId } = await harness(sequence(status(503), status(503), status(200, created)));
    const result = await client.players.create('NA', player);
    assert.equal(result.outcome, 'created');
    assert.deepEqual(clock.sleeps, [5_500, 10_500]);
    const ids = server.requests.map((r) => String(r.headers['x-request-id']));
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.match(id, UUID);
    assert.equal(result.requestId, ids[2]);
    assert.equal(server.requests[0]?.url, `/na/v1/projects/${appId}/cloud-player/players`, 'the region goes lower-case');
  });

  void test('after three retries the call fails with status, vendor message and the last X-Request-ID', async () => {
    const { client, server, clock } = await harness(status(503));
    const err = await rejection(client.players.delete('na', 'p1'));
    assert.equal(server.requests.length, 4);
    assert.deepEqual(clock.sleeps, [5_500, 10_500, 15_500]);
    assert.equal(err.status, 503);
    assert.equal(err.vendorMessage, 'Service unavailable temporarily.');
    assert.equal(err.endpoint, 'DELETE /{region}/v1/projects/{appId}/cloud-player/players/{id}');
    assert.equal(err.requestId, server.requests[3]?.headers['x-request-id']);
  });

  void test('Retry-After wins over the schedule, and a 429 slows its class down', async () => {
    const { client, clock } = await harness(sequence(status(429, { message: 'Request rate limit exceeded.' }, { 'retry-after': '2' }), status(200, created)));
    assert.equal((await client.players.create('na', player)).outcome, 'created');
    assert.deepEqual(clock.sleeps, [2_000]);
    const named = client.limiterStats().find((s) => s.key === 'playerCreateNamed');
    assert.equal(named?.penalties, 1);
    assert.ok((named?.factor ?? 1) < 1);
  });

  void test('the player quota answers 429 too, but it is no reason to slow the class down', async () => {
    const { client } = await harness(sequence(status(429, { message: 'Resource quota exceeded.' }), status(200, created)));
    assert.equal((await client.players.create('na', player)).outcome, 'created');
    assert.equal(client.limiterStats().find((s) => s.key === 'playerCreateNamed')?.penalties, 0);
  });

  void test('Media Pull 404 (player in failover) is retried; a bad request is not', async () => {
    const retried = await harness(sequence(status(404, { message: 'Resource is not found and destroyed.' }), status(200)));
    await retried.client.players.update('na', 'p1', 3, { isPause: true });
    assert.equal(retried.server.requests.length, 2);
    assert.equal(retried.server.requests[1]?.url, `/na/v1/projects/${retried.appId}/cloud-player/players/p1?sequence=3`);
    assert.deepEqual(JSON.parse(retried.server.requests[1]?.body ?? ''), { player: { isPause: true } });

    const refused = await harness(status(400, { message: 'The channelName parameter is invalid.' }));
    const err = await rejection(refused.client.players.update('na', 'p1', 4, { tempo: 2 }));
    assert.equal(err.status, 400);
    assert.equal(refused.server.requests.length, 1);
  });
});

void describe('ids in request paths', () => {
  void test('an id that is empty, . or .. (plain or %2e) is refused before any request: it would name another endpoint', async () => {
    const h = await harness(status(200));
    for (const id of ['', '.', '..', '%2e%2E', '.%2e']) {
      await assert.rejects(h.client.players.delete('na', id), RangeError, `delete ${JSON.stringify(id)}`);
      await assert.rejects(h.client.recordings.query(id, 'sid-1', 'mix'), RangeError, `query resourceId ${JSON.stringify(id)}`);
      await assert.rejects(h.client.recordings.query('rid-1', id, 'mix'), RangeError, `query sid ${JSON.stringify(id)}`);
      await assert.rejects(h.client.originSite.get(id), RangeError, `origin site ${JSON.stringify(id)}`);
    }
    assert.equal(h.server.requests.length, 0);
    await h.client.players.delete('na', '..p1');
    assert.equal(h.server.requests[0]?.url, `/na/v1/projects/${h.appId}/cloud-player/players/..p1`, 'dots inside an id are an id');
  });
});

void describe('outcomes of Create and Delete', () => {
  void test('a Create answered 504 comes back as unknown and is not repeated', async () => {
    const { client, server } = await harness(status(504, { message: 'Gateway timeout.' }));
    const result = await client.players.create('na', player);
    assert.equal(result.outcome, 'unknown');
    assert.equal(server.requests.length, 1);
    assert.equal(result.requestId, server.requests[0]?.headers['x-request-id']);
  });

  void test('a connection lost after the Create was sent is unknown; a List that loses it is asked again', async () => {
    const lost = await harness(drop);
    const result = await lost.client.players.create('na', player);
    assert.equal(result.outcome, 'unknown');
    assert.match(result.outcome === 'unknown' ? result.cause : '', /after the request was written/);
    assert.equal(lost.server.requests.length, 1);

    const list = await harness(sequence(drop, status(200, { players: [], totalSize: 0, nextPageToken: '' })));
    const pages = [];
    for await (const page of list.client.players.list()) pages.push(page);
    assert.equal(pages.length, 1);
    assert.equal(list.server.requests.length, 2);
    assert.deepEqual(list.clock.sleeps, [1_000], 'the primary is retried after 1 s');
  });

  void test('a name conflict comes back with the existing player id from X-Resource-ID', async () => {
    const { client } = await harness(status(409, { message: 'Resource with the same name already exists.' }, { 'X-Resource-ID': 'existing-id' }));
    const result = await client.players.create('na', player);
    assert.deepEqual(result.outcome === 'conflict' ? result.existingId : undefined, 'existing-id');
  });

  void test('a Create accepted with an unreadable body is unknown, since the player may exist', async () => {
    const { client } = await harness(status(200, { player: { id: 42 } }));
    assert.equal((await client.players.create('na', player)).outcome, 'unknown');
  });

  void test('a Delete answered 2XX is deleted; 504 leaves it unknown', async () => {
    const ok = await harness(status(200));
    assert.equal((await ok.client.players.delete('eu', 'abc')).outcome, 'deleted');
    const gateway = await harness(status(504));
    assert.equal((await gateway.client.players.delete('eu', 'abc')).outcome, 'unknown');
  });
});

void describe('List', () => {
  void test('pages with pageToken until the token is empty, tolerating extra fields and partial players', async () => {
    const pages: unknown[] = [
      { players: [{ id: 'a', name: 'n1', createTs: 1, streamUrl: 'rtmp://x', channelName: 'c', uid: 1, status: 'running', brandNew: true }], totalSize: 3, nextPageToken: 't1', fields: 'x' },
      { players: [{ id: 'b', name: null, createTs: 2 }], totalSize: 3, nextPageToken: 't2' },
      { players: [{ id: 'c', name: 'n3', createTs: 3 }], totalSize: 3, nextPageToken: '' },
    ];
    const { client, server, appId } = await harness((_req, res, i) => json(res, 200, pages[i]));
    const seen = [];
    for await (const page of client.players.list({ channelName: 'class 32' })) seen.push(page);
    assert.deepEqual(
      seen.flatMap((p) => p.players.map((x) => [x.id, x.name])),
      [
        ['a', 'n1'],
        ['b', ''],
        ['c', 'n3'],
      ],
    );
    assert.equal(seen[0]?.totalSize, 3);
    assert.deepEqual(seen[0]?.players[0], { id: 'a', name: 'n1', createTs: 1, streamUrl: 'rtmp://x', channelName: 'c', uid: 1, status: 'running' });
    assert.deepEqual(
      server.requests.map((r) => r.url),
      [
        `/v1/projects/${appId}/cloud-player/players?filter=channelName%20eq%20class%2032&pageSize=500`,
        `/v1/projects/${appId}/cloud-player/players?filter=channelName%20eq%20class%2032&pageSize=500&pageToken=t1`,
        `/v1/projects/${appId}/cloud-player/players?filter=channelName%20eq%20class%2032&pageSize=500&pageToken=t2`,
      ],
    );
  });

  void test('"0" also ends the pages (the best-practices page says so)', async () => {
    const { client, server } = await harness(status(200, { players: [], totalSize: 0, nextPageToken: '0' }));
    for await (const page of client.players.list()) assert.equal(page.players.length, 0);
    assert.equal(server.requests.length, 1);
  });

  void test('an answer of the wrong shape is an error, not an empty project', async () => {
    const { client } = await harness(status(200, { players: [{ name: 'no id' }] }));
    const iterate = async () => {
      for await (const page of client.players.list()) void page;
    };
    const err = await rejection(iterate());
    assert.equal(err.reason, 'invalid-response');
  });

  void test('a page size outside 1..500 is refused before any call', async () => {
    const { client, server } = await harness(status(200, { players: [] }));
    const iterate = async () => {
      for await (const page of client.players.list({ pageSize: 501 })) void page;
    };
    await assert.rejects(iterate(), RangeError);
    assert.equal(server.requests.length, 0);
  });
});

void describe('Cloud Recording', () => {
  const body = { cname: 'class32', uid: 900001, clientRequest: { token: TOKEN, storageConfig: { accessKey: 'AKIA-SECRET-KEY', secretKey: 'S3-SECRET-VALUE' } } };

  void test('acquire and start send uid as a string and return the resourceId and sid', async () => {
    const { client, server, appId } = await harness(
      sequence(status(200, { cname: 'class32', uid: '900001', resourceId: 'rid-1' }), status(200, { cname: 'class32', uid: '900001', resourceId: 'rid-1', sid: 'sid-1' })),
    );
    const acquired = await client.recordings.acquire({ cname: 'class32', uid: 900001, clientRequest: { resourceExpiredHour: 24 } });
    assert.equal(acquired.resourceId, 'rid-1');
    const started = await client.recordings.start(acquired.resourceId, 'mix', body);
    assert.deepEqual(started.outcome === 'started' ? [started.resourceId, started.sid] : [], ['rid-1', 'sid-1']);
    assert.equal(JSON.parse(server.requests[0]?.body ?? '').uid, '900001');
    assert.equal(server.requests[1]?.url, `/v1/apps/${appId}/cloud_recording/resourceid/rid-1/mode/mix/start`);
  });

  void test('the vendor codes reach the caller: 53 as an error; 7, 404 and 435 as results', async () => {
    const cases: { reason: string; script: Script; run: (c: AgoraClient) => Promise<unknown>; want: unknown }[] = [
      {
        reason: 'a repeated start answers 201 + code 7, naming the session it started',
        script: status(201, { code: 7, reason: 'already started', resourceId: 'rid', sid: 'sid-1' }),
        run: (c) => c.recordings.start('rid', 'mix', body).then((r) => (r.outcome === 'alreadyStarted' ? [r.outcome, r.sid] : r.outcome)),
        want: ['alreadyStarted', 'sid-1'],
      },
      {
        reason: 'the same cname and uid already recording answers 400 + code 53',
        script: status(400, { code: 53, reason: 'already recording' }),
        run: (c) => c.recordings.start('rid', 'mix', body).catch((e: AgoraApiError) => [e.status, e.code]),
        want: [400, 53],
      },
      {
        reason: 'query after the recording stopped answers 404',
        script: status(404, { code: 404, reason: 'worker not found' }),
        run: (c) => c.recordings.query('rid', 'sid', 'mix').then((r) => r.outcome),
        want: 'notFound',
      },
      {
        reason: 'stop of a recording without data answers 206 + code 435',
        script: status(206, { code: 435, reason: 'no recorded data' }),
        run: (c) => c.recordings.stop('rid', 'sid', 'mix', body).then((r) => r.outcome),
        want: 'noData',
      },
      {
        reason: 'stop racing a query answers 206 without a file list',
        script: status(206, { resourceId: 'rid', sid: 'sid', serverResponse: { uploadingStatus: 'unknown' } }),
        run: (c) => c.recordings.stop('rid', 'sid', 'mix', body).then((r) => (r.outcome === 'stopped' ? [r.complete, r.serverResponse.uploadingStatus] : r.outcome)),
        want: [false, 'unknown'],
      },
      {
        reason: 'a stop lost at the gateway has an unknown outcome',
        script: status(504, { message: 'Gateway timeout.' }),
        run: (c) => c.recordings.stop('rid', 'sid', 'mix', body).then((r) => r.outcome),
        want: 'unknown',
      },
      {
        reason: 'an expired resourceId is code 433',
        script: status(400, { code: 433, reason: 'resource expired' }),
        run: (c) => c.recordings.start('rid', 'web', body).catch((e: AgoraApiError) => e.code),
        want: 433,
      },
    ];
    for (const c of cases) {
      const { client } = await harness(c.script);
      assert.deepEqual(await c.run(client), c.want, c.reason);
    }
  });

  void test('query reads the status and the file list in either mode', async () => {
    const { client } = await harness(
      status(200, {
        resourceId: 'rid',
        sid: 'sid',
        serverResponse: { status: 5, fileListMode: 'json', fileList: [{ filename: 'sid_class32.m3u8', trackType: 'audio_and_video', uid: '0', mixedAllUser: true, isPlayable: true, sliceStartTime: '1562724971626' }] },
      }),
    );
    const result = await client.recordings.query('rid', 'sid', 'individual');
    assert.equal(result.outcome, 'found');
    if (result.outcome !== 'found') return;
    assert.equal(result.serverResponse.status, 5);
    assert.deepEqual(result.serverResponse.fileList, [{ fileName: 'sid_class32.m3u8', trackType: 'audio_and_video', uid: '0', mixedAllUser: true, isPlayable: true, sliceStartTime: 1562724971626 }]);
  });
});

void describe('FLS origin site', () => {
  void test('requests are signed with HMAC-SHA256, not Basic auth, and read back the settings', async () => {
    const { client, server, appId } = await harness(sequence(status(200, { enabled: true, domain: 'origin.example.com', extra: 1 }), status(200)));
    assert.deepEqual(await client.originSite.get('live'), { enabled: true, domain: 'origin.example.com' });
    await client.originSite.patch('live', { enabled: true, callbackUrl: 'https://cb.example.com/x', domain: null });
    for (const request of server.requests) {
      assert.match(String(request.headers.authorization), /^hmac username="customer-id"/);
      const verdict = verifyFlsSignature(request.headers, {
        method: request.method,
        host: String(request.headers.host),
        pathWithQuery: request.url,
        rawBody: request.body,
        customers: (id) => (id === 'customer-id' ? SECRET : undefined),
        now: Date.now(),
      });
      assert.deepEqual(verdict, { ok: true, customerId: 'customer-id' });
    }
    assert.equal(server.requests[1]?.method, 'PATCH');
    assert.equal(server.requests[1]?.url, `/v1/projects/${appId}/fls/entry_points/live/settings/origin_site`);
  });
});

void describe('logs and errors', () => {
  void test('a failed request logs one line with both ids and no secret, and its error carries none', async () => {
    const { logger, lines, raw } = captureLogs();
    const echo = `token ${TOKEN} is invalid for customer ${SECRET}`;
    const { client, server } = await harness(status(403, { message: echo }, { 'X-Resource-ID': 'res-7' }), { logger });
    const err = await rejection(client.players.create('na', player));
    const requestId = String(server.requests[0]?.headers['x-request-id']);
    const failed = lines.filter((l) => l.event === 'agora.request.failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, 40);
    assert.equal(failed[0]?.requestId, requestId);
    assert.equal(failed[0]?.resourceId, 'res-7');
    assert.equal(failed[0]?.status, 403);
    assert.equal(failed[0]?.endpoint, 'POST /{region}/v1/projects/{appId}/cloud-player/players');
    const basic = Buffer.from(`customer-id:${SECRET}`).toString('base64');
    for (const text of [...raw, err.message, JSON.stringify(err)]) {
      assert.ok(!text.includes(SECRET), `customer secret leaked: ${text}`);
      assert.ok(!text.includes(TOKEN), `token leaked: ${text}`);
      assert.ok(!text.includes(basic), `credential leaked: ${text}`);
    }
    assert.equal(err.resourceId, 'res-7');
    assert.equal(err.requestId, requestId);
    assert.match(err.message, /\[REDACTED\]/);
  });

  void test('closing the client fails the calls still waiting', async () => {
    // A clock whose sleeps end only when aborted: the call waits in its back-off until close.
    let sleeping = false;
    const sleepUntilAborted = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        sleeping = true;
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason));
      });
    const { client } = await harness(status(503), { clock: { now: () => Date.now(), sleep: sleepUntilAborted } });
    const failed = assert.rejects(client.players.delete('na', 'p1'), AgoraClientClosedError);
    while (!sleeping) await new Promise((resolve) => setImmediate(resolve));
    await client.close();
    await failed;
  });
});

void describe('sockets per origin', () => {
  void test("are enough for the largest class's window to leave at once, within bounds", () => {
    assert.equal(socketsPerOrigin(resolveLimits()), 100, "Agora's 100 deletes a second");
    assert.equal(socketsPerOrigin(resolveLimits({ playerDelete: { perSecond: 200 } })), 200, 'a Project that raises a limit gets the sockets for it');
    assert.equal(socketsPerOrigin(resolveLimits({ playerDelete: { perSecond: 10 }, fls: { perSecond: 5 }, playerCreateUnnamed: null })), MIN_SOCKETS_PER_ORIGIN);
    assert.equal(socketsPerOrigin(resolveLimits({ playerDelete: { perSecond: 100_000 } })), MAX_SOCKETS_PER_ORIGIN);
  });
});

void describe('the send hook (write-ahead intents)', () => {
  void test('runs once the rate limiter grants the slot, before Agora sees the request, and not again on a retry', async () => {
    const { client, server } = await harness(sequence(status(503), status(200, created)));
    const seenByAgora: number[] = [];
    const result = await client.players.create('na', player, { beforeSend: async () => void seenByAgora.push(server.requests.length) });
    assert.equal(result.outcome, 'created');
    assert.deepEqual(seenByAgora, [0], 'the hook ran once, before the first attempt reached the server');
    assert.equal(server.requests.length, 2, 'the 503 was retried');
  });

  void test('a call still waiting for its slot has not run its hook', async () => {
    // One create a second, and the first create's answer held back: the second waits its turn.
    let answerFirst: () => void = () => undefined;
    const { client } = await harness(
      sequence(
        (_req, res) => (answerFirst = () => json(res, 200, created)),
        status(200, created),
      ),
      { limits: { playerCreateNamed: { perSecond: 1 } } },
    );
    const hooks: string[] = [];
    const first = client.players.create('na', player, { beforeSend: async () => void hooks.push('first') });
    const second = client.players.create('na', { ...player, name: 'class32-102' }, { beforeSend: async () => void hooks.push('second') });
    for (let turn = 0; turn < 50 || hooks.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(hooks, ['first'], 'the waiting create wrote no intent');
    answerFirst();
    await Promise.all([first, second]);
    assert.deepEqual(hooks, ['first', 'second']);
  });

  void test('a call abandoned while it waits for its slot sends nothing and runs no hook (a superseded plan)', async () => {
    let answerFirst: () => void = () => undefined;
    const { client, server } = await harness(
      sequence(
        (_req, res) => (answerFirst = () => json(res, 200, created)),
        status(200, created),
      ),
      { limits: { playerCreateNamed: { perSecond: 1 } } },
    );
    const hooks: string[] = [];
    const superseded = new AbortController();
    const first = client.players.create('na', player, { beforeSend: async () => void hooks.push('first') });
    const second = client.players.create('na', { ...player, name: 'class32-102' }, { beforeSend: async () => void hooks.push('second'), signal: superseded.signal });
    for (let turn = 0; turn < 50 || hooks.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    superseded.abort(new Error('the manifests changed'));
    await assert.rejects(second, /the manifests changed/);
    answerFirst();
    await first;
    assert.deepEqual(hooks, ['first'], 'the abandoned create wrote no intent');
    assert.equal(server.requests.length, 1, 'and Agora never saw it');
  });

  void test('a later call writes its intent while its window fills up, and is sent no sooner than the window allows', async () => {
    let now = (): number => 0;
    const sentAt: number[] = [];
    const { client, clock } = await harness(
      (_req, res) => {
        sentAt.push(now());
        json(res, 200, created);
      },
      { limits: { playerCreateNamed: { perSecond: 1 } } },
    );
    now = () => clock.now();
    const hookAt: number[] = [];
    await client.players.create('na', player, { beforeSend: async () => void hookAt.push(clock.now()) });
    const answeredAt = clock.now();
    await client.players.create('na', { ...player, name: 'class32-102' }, { beforeSend: async () => void hookAt.push(clock.now()) });
    const roomAt = answeredAt + WINDOW_SPANS_MS.perSecond;
    assert.ok((hookAt[1] ?? Infinity) < roomAt, `the intent was written ${roomAt - (hookAt[1] ?? 0)} ms before the window had room`);
    assert.ok((sentAt[1] ?? 0) >= roomAt, 'the request itself waited for the room');
  });

  void test('a hook that fails sends nothing, and the call fails with its error', async () => {
    const { client, server } = await harness(status(200, created));
    const refused = new Error('state write failed');
    await assert.rejects(client.players.delete('na', 'p1', { beforeSend: () => Promise.reject(refused) }), (err) => err === refused);
    assert.equal(server.requests.length, 0);
    assert.equal((await client.players.delete('na', 'p1')).outcome, 'deleted', 'the slot was given back');
  });
});
