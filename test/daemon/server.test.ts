import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { notificationSignatures } from '../../src/agora/signing.ts';
import { DaemonMetrics } from '../../src/daemon/metrics.ts';
import {
  startDaemonServer,
  WEBHOOK_PATH,
  type DaemonNotification,
  type DaemonServer,
  type DaemonServerOptions,
} from '../../src/daemon/server.ts';
import { FLS_CALLBACK_LIMITS, type FlsRoute } from '../../src/daemon/fls-callback.ts';
import { NoticeDeduper, type NotificationSecret } from '../../src/daemon/webhook.ts';
import { DaemonStatus, NOT_READY, type BlockedResource, type DaemonStatusReport, type RefusedChange } from '../../src/daemon/status.ts';
import { createLogger } from '../../src/logging.ts';
import { FakeClock } from './fake-clock.ts';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
import { builtInKinds } from '../../src/resources/builtin.ts';

const SECRET = 'notification-s3cret';

/** A daemon server on an ephemeral port, with knobs the tests turn. */
class Harness {
  #server: DaemonServer | undefined;
  /** Options the test sets beyond the defaults below. */
  constructor(readonly overrides: Partial<DaemonServerOptions> = {}) {}
  readonly metrics = new DaemonMetrics({ processMetrics: false });
  readonly delivered: DaemonNotification[] = [];
  readonly logText: string[] = [];
  health = { live: true, ready: false };
  /** When set, /readyz and /status answer from it, as in the daemon. */
  status: DaemonStatus | undefined;
  secrets: NotificationSecret[] = [SECRET];
  routes: FlsRoute[] = [];
  handler: (event: DaemonNotification) => void | Promise<void> = () => undefined;
  #waiters: Array<() => void> = [];

  get server(): DaemonServer {
    assert.ok(this.#server, 'the server was not started');
    return this.#server;
  }

  async start(): Promise<void> {
    const logs = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.logText.push(chunk.toString());
        callback();
      },
    });
    const kinds = await builtInKinds();
    this.#server = await startDaemonServer({
      host: '127.0.0.1',
      port: 0,
      metrics: this.metrics,
      health: () => (this.status ? { live: true, ...this.status.readiness() } : this.health),
      ...(this.status ? { status: () => this.status?.report() } : {}),
      notificationSecrets: () => this.secrets,
      notificationTarget: (n) => kinds.notificationTarget(n),
      routes: () => this.routes,
      logger: createLogger({ format: 'json', level: 'debug', destination: logs }),
      onNotification: (event) => {
        this.delivered.push(event);
        for (const wake of this.#waiters.splice(0)) wake();
        return this.handler(event);
      },
      ...this.overrides,
    });
  }

  /** Resolves once `count` notifications have been delivered in total. */
  async deliveredCount(count: number): Promise<void> {
    while (this.delivered.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async post(body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.server.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, json: await response.json() };
  }

  async get(path: string): Promise<{ status: number; json: unknown; text: string; contentType: string | null }> {
    const response = await fetch(`${this.server.url}${path}`);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, contentType: response.headers.get('content-type') };
  }
}

function playerEvent(noticeId: string, name: string, eventType = 4): string {
  return JSON.stringify({
    noticeId,
    productId: 4,
    eventType,
    notifyMs: Date.UTC(2025, 0, 1),
    payload: { lts: 1, player: { channelName: 'class32', id: `id-${name}`, name, status: 'failed' } },
  });
}

function v2(body: string, secret = SECRET): Record<string, string> {
  return { 'Agora-Signature-V2': notificationSignatures(body, secret)['Agora-Signature-V2'] };
}

function v1(body: string, secret = SECRET): Record<string, string> {
  return { 'Agora-Signature': notificationSignatures(body, secret)['Agora-Signature'] };
}

void describe('daemon server', () => {
  const h = new Harness();
  before(() => h.start());
  after(() => h.server.close());

  void test('/healthz answers 200 while alive and 503 when not', async () => {
    h.health = { live: true, ready: false };
    assert.deepEqual(await h.get('/healthz').then((r) => [r.status, r.json]), [200, { live: true }]);
    h.health = { live: false, ready: false };
    assert.equal((await h.get('/healthz')).status, 503);
  });

  void test('/readyz answers 503 while the daemon cannot serve and 200 once it can', async () => {
    h.health = { live: true, ready: false };
    assert.deepEqual(await h.get('/readyz').then((r) => [r.status, r.json]), [503, { ready: false }]);
    h.health = { live: true, ready: true };
    assert.deepEqual(await h.get('/readyz').then((r) => [r.status, r.json]), [200, { ready: true }]);
  });

  void test('a notification signed with V2 is answered 200 {"ok":true} and queues the player it names', async () => {
    const before = h.delivered.length;
    const body = playerEvent('v2-1', 'class32-101');
    assert.deepEqual(await h.post(body, v2(body)), { status: 200, json: { ok: true } });
    await h.deliveredCount(before + 1);
    const event = h.delivered.at(-1);
    assert.deepEqual(event?.target, { kind: 'CloudPlayer', name: 'class32-101', externalId: 'id-class32-101', eventType: 4 });
    assert.equal(event?.notification.noticeId, 'v2-1');
  });

  void test('a notification signed only with the older SHA-1 header is accepted too', async () => {
    const before = h.delivered.length;
    const body = playerEvent('v1-1', 'class32-102');
    assert.equal((await h.post(body, v1(body))).status, 200);
    await h.deliveredCount(before + 1);
    assert.equal(h.delivered.at(-1)?.notification.noticeId, 'v1-1');
  });

  const refused: Record<string, { headers: (body: string) => Record<string, string>; error: string }> = {
    'an unsigned notification is refused with 401': { headers: () => ({}), error: 'unsigned' },
    'a notification signed with another secret is refused with 401': { headers: (b) => v2(b, 'guess'), error: 'forged' },
    'a notification with a made-up signature is refused with 401': {
      headers: () => ({ 'Agora-Signature-V2': 'ab'.repeat(32), 'Agora-Signature': 'cd'.repeat(20) }),
      error: 'forged',
    },
  };
  for (const [reason, c] of Object.entries(refused)) {
    void test(reason, async () => {
      const body = playerEvent(`refused-${c.error}`, 'class32-666');
      assert.deepEqual(await h.post(body, c.headers(body)), { status: 401, json: { ok: false, error: c.error } });
      // A valid notification sent after it is delivered; the refused one never was.
      const before = h.delivered.length;
      const probe = playerEvent(`probe-${c.error}-${before}`, 'class32-probe');
      await h.post(probe, v2(probe));
      await h.deliveredCount(before + 1);
      assert.ok(h.delivered.every((e) => e.target.name !== 'class32-666'));
    });
  }

  void test('a resent notification (same noticeId, new notifyMs) is answered 200 and queued once', async () => {
    const first = playerEvent('dup-1', 'class32-103');
    const resend = first.replace(String(Date.UTC(2025, 0, 1)), String(Date.UTC(2025, 0, 1, 0, 1)));
    const before = h.delivered.length;
    assert.equal((await h.post(first, v2(first))).status, 200);
    assert.deepEqual(await h.post(resend, v2(resend)), { status: 200, json: { ok: true } });
    const probe = playerEvent('dup-probe', 'class32-probe');
    await h.post(probe, v2(probe));
    await h.deliveredCount(before + 2);
    assert.deepEqual(
      h.delivered.slice(before).map((e) => e.notification.noticeId),
      ['dup-1', 'dup-probe'],
    );
  });

  void test('answers 200 at once even while the handler is still busy or fails', async () => {
    let release = (): void => undefined;
    h.handler = () => new Promise<void>((resolve) => (release = resolve));
    const before = h.delivered.length;
    const slow = playerEvent('slow-1', 'class32-104');
    assert.equal((await h.post(slow, v2(slow))).status, 200);
    await h.deliveredCount(before + 1);
    h.handler = () => Promise.reject(new Error('queue closed'));
    const failing = playerEvent('fail-1', 'class32-105');
    assert.equal((await h.post(failing, v2(failing))).status, 200);
    await h.deliveredCount(before + 2);
    release();
    h.handler = () => undefined;
  });

  void test('verifies against every configured secret and tells the project', async () => {
    h.secrets = [
      { project: 'prod', secret: 'prod-secret' },
      { project: 'staging', secret: 'staging-secret' },
    ];
    try {
      const before = h.delivered.length;
      const body = playerEvent('proj-1', 'class32-106');
      assert.equal((await h.post(body, v2(body, 'staging-secret'))).status, 200);
      await h.deliveredCount(before + 1);
      assert.equal(h.delivered.at(-1)?.project, 'staging');
    } finally {
      h.secrets = [SECRET];
    }
  });

  void test('a signed body that is not a notification is answered 400', async () => {
    const body = '{"not":"a notification"}';
    assert.equal((await h.post(body, v2(body))).status, 400);
  });

  void test('a body over 256 KiB is answered 413 whether its length is declared or chunked, and queues nothing', async () => {
    // Signed, so only the size can refuse it: a notification padded past the limit.
    const body = JSON.stringify({ ...(JSON.parse(playerEvent('too-large', 'class32-large')) as object), pad: 'x'.repeat(300 * 1024) });
    const before = h.delivered.length;
    for (const mode of ['declared', 'chunked'] as const) {
      const answer = await new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
        const { hostname, port } = new URL(h.server.url);
        const headers = { 'content-type': 'application/json', ...v2(body), ...(mode === 'declared' ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
        const req = request({ host: hostname, port, method: 'POST', path: WEBHOOK_PATH, headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode, text }));
        });
        req.on('error', reject);
        // Without content-length node sends it chunked, in pieces the server reads as they come.
        for (let at = 0; at < body.length; at += 16 * 1024) req.write(body.slice(at, at + 16 * 1024));
        req.end();
      });
      assert.equal(answer.status, 413, mode);
      assert.deepEqual(JSON.parse(answer.text), { message: 'request body is larger than 262144 bytes' }, mode);
    }
    // A valid notification sent after them is delivered; the large one never was.
    const probe = playerEvent(`probe-large-${before}`, 'class32-probe');
    await h.post(probe, v2(probe));
    await h.deliveredCount(before + 1);
    assert.ok(h.delivered.every((e) => e.target.name !== 'class32-large'));
  });

  void test('the FLS callback answers {"url"} from OriginSite routes in every documented form', async () => {
    h.routes = [
      { entryPoint: 'live', stream: 'class*', url: 'rtmp://origin.example.com/live/{stream}' },
      { entryPoint: 'live', stream: 'class32', url: 'rtmp://exact.example.com/live/class32' },
    ];
    const forms: Record<string, string> = {
      'query on the callback path': '/fls/origin?entry_point=live&stream_name=class7',
      'query on the root': '/?entry_point=live&stream_name=class7',
      "the document's path form": '/entry_point=live&stream_name=class7',
      'path form under the callback path': '/fls/origin/entry_point=live&stream_name=class7',
    };
    for (const [form, path] of Object.entries(forms)) {
      const answer = await h.get(path);
      assert.deepEqual([answer.status, answer.json], [200, { url: 'rtmp://origin.example.com/live/class7' }], form);
      assert.match(answer.contentType ?? '', /application\/json/);
    }
    assert.deepEqual((await h.get('/fls/origin?entry_point=live&stream_name=class32')).json, { url: 'rtmp://exact.example.com/live/class32' });
  });

  void test('the FLS callback answers 404 with a message when no route matches, 400 without parameters', async () => {
    h.routes = [{ entryPoint: 'live', stream: 'class*', url: 'rtmp://origin.example.com/live/{stream}' }];
    const none = await h.get('/fls/origin?entry_point=live&stream_name=lecture');
    assert.equal(none.status, 404);
    assert.equal(typeof (none.json as { message?: unknown }).message, 'string');
    assert.equal((await h.get('/fls/origin?entry_point=live')).status, 400);
    assert.equal((await h.get('/no/such/page')).status, 404);
  });

  void test('the FLS callback answers a hostile stream name with the right route and stays responsive', async () => {
    h.routes = [
      { entryPoint: 'live', stream: 'cam*-*-*-*-*-hd', url: 'rtmp://hd.example.com/live/{stream}' },
      { entryPoint: 'live', stream: '*', url: 'rtmp://any.example.com/live/{stream}' },
    ];
    // This name kept the former regular-expression matcher busy for about a minute and a half.
    const name = `cam${'-'.repeat(260)}`;
    const [hostile, health] = await Promise.all([
      h.get(`/fls/origin?entry_point=live&stream_name=${name}`),
      h.get('/healthz'),
    ]);
    assert.deepEqual([hostile.status, hostile.json], [200, { url: `rtmp://any.example.com/live/${name}` }]);
    assert.equal(health.status, 200);
    const matching = await h.get(`/entry_point=live&stream_name=${name}hd`);
    assert.deepEqual(matching.json, { url: `rtmp://hd.example.com/live/${name}hd` });
  });

  void test('the FLS callback refuses over-long parameters with 400 and a reason', async () => {
    h.routes = [{ entryPoint: 'live', stream: '*', url: 'rtmp://any.example.com/live/{stream}' }];
    const tooLong = await h.get(`/fls/origin?entry_point=live&stream_name=${'x'.repeat(FLS_CALLBACK_LIMITS.streamName + 1)}`);
    assert.deepEqual([tooLong.status, (tooLong.json as { code?: unknown }).code], [400, 'stream-name-too-long']);
    const longEntry = await h.get(`/fls/origin/entry_point=${'x'.repeat(FLS_CALLBACK_LIMITS.entryPoint + 1)}&stream_name=s`);
    assert.deepEqual([longEntry.status, (longEntry.json as { code?: unknown }).code], [400, 'entry-point-too-long']);
    assert.equal((await h.get('/healthz')).status, 200);
  });

  void test('/metrics serves valid Prometheus text that counts webhooks, callbacks and API calls', async () => {
    h.metrics.recordApiCall({ endpoint: 'playerListUnfiltered', status: 429, durationMs: 80 });
    const answer = await h.get('/metrics');
    assert.equal(answer.status, 200);
    assert.match(answer.contentType ?? '', /^text\/plain; version=0\.0\.4/);
    const text = parsePrometheusText(answer.text);
    assert.ok((sampleValue(text, 'agoractl_notifications_total', { result: 'accepted' }) ?? 0) >= 2);
    assert.ok((sampleValue(text, 'agoractl_notifications_total', { result: 'duplicate' }) ?? 0) >= 1);
    assert.ok((sampleValue(text, 'agoractl_notifications_total', { result: 'unsigned' }) ?? 0) >= 1);
    assert.ok((sampleValue(text, 'agoractl_fls_callbacks_total', { result: 'no-route' }) ?? 0) >= 1);
    assert.equal(sampleValue(text, 'agoractl_api_rate_limited_total', { endpoint: 'playerListUnfiltered' }), 1);
  });

  void test('logs never contain the notification secret', () => {
    const logs = h.logText.join('');
    assert.ok(logs.includes('webhook.rejected'), 'rejections are logged');
    assert.ok(logs.includes('webhook.handler_failed'), 'a failing handler is logged');
    assert.ok(!logs.includes(SECRET));
    assert.ok(!logs.includes('staging-secret'));
  });
});

void describe('daemon server: replayed notifications', () => {
  const WINDOW_MS = 10 * 60_000;
  const MAX_ENTRIES = 50;
  const clock = new FakeClock();
  const deduper = new NoticeDeduper({ clock, windowMs: WINDOW_MS, maxEntries: MAX_ENTRIES });
  const h = new Harness({ noticeDeduper: deduper });
  before(() => h.start());
  after(() => h.server.close());

  /** The noticeIds delivered after `before`, once a probe sent last has arrived. */
  async function deliveredSince(before: number, probeId: string): Promise<string[]> {
    const probe = playerEvent(probeId, 'class32-probe');
    await h.post(probe, v2(probe));
    await h.deliveredCount(before + 1);
    while (h.delivered.at(-1)?.notification.noticeId !== probeId) await h.deliveredCount(h.delivered.length + 1);
    return h.delivered.slice(before).map((e) => e.notification.noticeId).filter((id) => id !== probeId);
  }

  void test('the same signed notification posted twice is answered 200 both times and queues its player once', async () => {
    const before = h.delivered.length;
    const body = playerEvent('replay-1', 'class32-201');
    assert.deepEqual(await h.post(body, v2(body)), { status: 200, json: { ok: true } });
    assert.deepEqual(await h.post(body, v2(body)), { status: 200, json: { ok: true } });
    assert.deepEqual(await deliveredSince(before, 'replay-probe-1'), ['replay-1']);
  });

  void test('after the window the same notification queues its player again', async () => {
    const body = playerEvent('replay-2', 'class32-202');
    await h.post(body, v2(body));
    await clock.advance(WINDOW_MS - 1);
    const inside = h.delivered.length;
    await h.post(body, v2(body));
    assert.deepEqual(await deliveredSince(inside, 'replay-probe-2'), [], 'still inside the window');
    await clock.advance(1);
    const after = h.delivered.length;
    await h.post(body, v2(body));
    const again = await deliveredSince(after, 'replay-probe-3');
    assert.deepEqual(again, ['replay-2']);
    assert.deepEqual(h.delivered.filter((e) => e.notification.noticeId === 'replay-2').map((e) => e.target), [
      { kind: 'CloudPlayer', name: 'class32-202', externalId: 'id-class32-202', eventType: 4 },
      { kind: 'CloudPlayer', name: 'class32-202', externalId: 'id-class32-202', eventType: 4 },
    ]);
  });

  void test('a flood of distinct notifications is each queued once and the memory of ids stays within its bound', async () => {
    const before = h.delivered.length;
    const ids = Array.from({ length: MAX_ENTRIES * 3 }, (_, i) => `flood-${i}`);
    for (const id of ids) {
      const body = playerEvent(id, 'class32-203');
      assert.equal((await h.post(body, v2(body))).status, 200);
      assert.ok(deduper.size <= MAX_ENTRIES, `${deduper.size} ids remembered after ${id}`);
    }
    assert.deepEqual(await deliveredSince(before, 'flood-probe'), ids);
    assert.equal(deduper.size, MAX_ENTRIES);
    // The newest are still remembered; the oldest were forgotten, so a replay of one costs one
    // more observation.
    const newest = playerEvent(ids.at(-1) ?? '', 'class32-203');
    const oldest = playerEvent(ids[0] ?? '', 'class32-203');
    const replays = h.delivered.length;
    await h.post(newest, v2(newest));
    await h.post(oldest, v2(oldest));
    assert.deepEqual(await deliveredSince(replays, 'flood-probe-2'), ['flood-0']);
  });
});

void describe('daemon server lifecycle', () => {
  void test('close() stops listening', async () => {
    const h = new Harness();
    await h.start();
    const { url } = h.server;
    assert.equal((await h.get('/healthz')).status, 200);
    await h.server.close();
    await assert.rejects(fetch(`${url}/healthz`));
  });
});

void describe('daemon status', () => {
  const clock = new FakeClock();
  const guards: { blocked: BlockedResource[]; refused: RefusedChange[] } = { blocked: [], refused: [] };
  const h = new Harness();
  h.status = new DaemonStatus({ clock, metrics: h.metrics, sources: { blocked: () => guards.blocked, refused: () => guards.refused } });
  const status = h.status;
  before(() => h.start());
  after(() => h.server.close());
  const report = async (): Promise<DaemonStatusReport> => {
    const answer = await h.get('/status');
    assert.equal(answer.status, 200);
    assert.match(answer.contentType ?? '', /application\/json/);
    return answer.json as DaemonStatusReport;
  };

  void test('before any valid manifests /readyz answers 503 and says why', async () => {
    status.manifestsInvalid([{ file: 'manifests/a.yaml', line: 3, column: 5, path: 'spec.uid', code: 'invalid-type', message: 'must be an integer' }]);
    assert.deepEqual(await h.get('/readyz').then((r) => [r.status, r.json]), [503, { ready: false, notReady: [NOT_READY.noManifests] }]);
    const r = await report();
    assert.equal(r.manifests.generation, 0);
    assert.equal(r.manifests.valid, false);
  });

  void test('invalid manifests after a valid set: ready, /status names file:line, the FLS callback still answers', async () => {
    status.manifestsLoaded();
    const loadedAt = clock.now();
    h.routes = [{ entryPoint: 'live', stream: 'class*', url: 'rtmp://origin.example.com/live/{stream}' }];
    await clock.advance(60_000);
    status.manifestsInvalid([{ file: 'manifests/players.yaml', line: 12, column: 7, path: 'spec.videoOptions.width', code: 'out-of-range', message: 'must be <= 1920' }]);
    assert.deepEqual(await h.get('/readyz').then((r) => [r.status, r.json]), [200, { ready: true }]);
    const r = await report();
    assert.deepEqual(r.manifests, {
      generation: 1,
      lastLoadedAt: loadedAt,
      valid: false,
      lastError: { at: loadedAt + 60_000, problems: [{ file: 'manifests/players.yaml', line: 12, column: 7, path: 'spec.videoOptions.width', code: 'out-of-range', message: 'must be <= 1920' }], more: 0 },
    });
    assert.deepEqual((await h.get('/fls/origin?entry_point=live&stream_name=class7')).json, { url: 'rtmp://origin.example.com/live/class7' });
    const metrics = parsePrometheusText((await h.get('/metrics')).text);
    assert.equal(sampleValue(metrics, 'agoractl_manifest_generation'), 1);
    assert.equal(sampleValue(metrics, 'agoractl_manifests_valid'), 0);
    assert.equal(sampleValue(metrics, 'agoractl_manifest_last_load_timestamp_seconds'), loadedAt / 1000);

    status.manifestsLoaded();
    const again = await report();
    assert.deepEqual([again.manifests.generation, again.manifests.valid, again.manifests.lastError], [2, true, undefined]);
  });

  void test('a dead watcher makes /readyz answer 503 until the watch is back', async () => {
    status.watchState({ alive: false, error: Object.assign(new Error('inotify watch limit reached'), { code: 'ENOSPC' }) });
    assert.deepEqual(await h.get('/readyz').then((r) => [r.status, r.json]), [503, { ready: false, notReady: [NOT_READY.watcherDead] }]);
    const r = await report();
    assert.equal(r.watcher.alive, false);
    assert.match(r.watcher.error ?? '', /ENOSPC/);
    assert.equal(sampleValue(parsePrometheusText((await h.get('/metrics')).text), 'agoractl_manifest_watcher_up'), 0);
    status.watchState({ alive: true });
    assert.equal((await h.get('/readyz')).status, 200);
  });

  void test("/status lists refused changes, blocked resources and each project's last pass", async () => {
    guards.refused = [{ project: 'prod', kind: 'CloudPlayer', code: 'MassDeleteRefused', message: 'the plan deletes 9 of 10 CloudPlayer', since: 5 }];
    guards.blocked = [{ key: resourceKey('prod', 'CloudPlayer', 'a'), code: 'CreateFailing', reason: 'stream unreachable', since: 7 }];
    status.passFinished('prod', { at: 9, result: 'error', actions: 9, errors: ['the plan deletes 9 of 10 CloudPlayer'] });
    status.passFinished('staging', { at: 9, result: 'ok', actions: 0, errors: [] });
    const r = await report();
    assert.deepEqual(r.refused, guards.refused);
    assert.deepEqual(r.blocked, guards.blocked);
    assert.deepEqual(r.projects, {
      prod: { at: 9, result: 'error', actions: 9, errors: ['the plan deletes 9 of 10 CloudPlayer'] },
      staging: { at: 9, result: 'ok', actions: 0, errors: [] },
    });
    status.keepProjects(['prod']);
    assert.deepEqual(Object.keys((await report()).projects), ['prod']);
  });

  void test('a failed load keeps at most a bounded number of problems and counts the rest', async () => {
    const problems = Array.from({ length: 45 }, (_, i) => ({ file: 'm.yaml', line: i + 1, column: 1, code: 'required', message: 'required' }));
    status.manifestsInvalid(problems);
    const r = await report();
    assert.equal(r.manifests.lastError?.problems.length, 20);
    assert.equal(r.manifests.lastError?.more, 25);
  });
});
