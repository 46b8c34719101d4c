import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookNotifier, parseWebhookConfig } from '../../src/emulator/notifications.ts';
import type { VirtualClock } from '../../src/emulator/context.ts';
import { verifyNotificationSignature } from '../../src/agora/signing.ts';

/** A virtual clock that only moves when told to, so every timer is under the test's control. */
class ManualClock implements VirtualClock {
  #now = Date.UTC(2025, 0, 1);
  #timers: { at: number; fn: () => void }[] = [];
  scheduled = 0;
  /** How far ahead each timer was set when it was scheduled. */
  delays: number[] = [];
  now(): number {
    return this.#now;
  }
  pending(): number {
    return this.#timers.length;
  }
  at(atMs: number, fn: () => void): () => void {
    const timer = { at: atMs, fn };
    this.#timers.push(timer);
    this.scheduled++;
    this.delays.push(atMs - this.#now);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }
}

function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Deliveries are real HTTP posts: the deadline only bounds a broken run, so it is generous
// enough for a loaded CI machine.
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

interface Received {
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  body: { noticeId: string; productId: number; eventType: number; notifyMs: number; payload: Record<string, unknown> };
}

/**
 * A webhook receiver on 127.0.0.1. It answers with the given statuses, then 200; a status of 0
 * means "never answer" (until close, so the server can stop).
 */
async function startReceiver(statuses: number[] = []): Promise<{ close: () => Promise<void>; url: string; received: Received[] }> {
  const received: Received[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.method !== 'POST' || req.url !== '/hook') {
        res.writeHead(404).end();
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({ rawBody, headers: req.headers, body: JSON.parse(rawBody) as Received['body'] });
      const status = statuses.shift() ?? 200;
      if (status === 0) await released;
      res.writeHead(status || 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: async () => {
      release();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A delivery still held open belongs to a notifier the test has already closed.
      server.closeAllConnections();
      await closed;
    },
  };
}

const event = (eventType: number) => ({ productId: 4, eventType, payload: { lts: 1, player: { id: `p${eventType}` } } });

void describe('WebhookNotifier', () => {
  let clock: ManualClock;
  let notifier: WebhookNotifier;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeEach(() => {
    clock = new ManualClock();
    notifier = new WebhookNotifier(clock, seeded(7), { timeoutMs: 200 });
  });
  afterEach(async () => {
    await notifier.close();
    await receiver.close();
  });

  void test('posts events in Agora\'s format, signed with both signature headers', async () => {
    receiver = await startReceiver();
    notifier.configure({ url: receiver.url, secret: 'webhook-secret' });
    notifier.publish('app1', event(1));
    await until(() => receiver.received.length === 1, 'one delivery');
    const [got] = receiver.received;
    assert.ok(got);
    assert.deepEqual(Object.keys(got.body), ['noticeId', 'productId', 'eventType', 'notifyMs', 'payload']);
    assert.match(got.body.noticeId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual({ ...got.body, noticeId: undefined }, { ...event(1), noticeId: undefined, notifyMs: clock.now() });
    assert.equal(got.headers['content-type'], 'application/json');
    assert.ok(verifyNotificationSignature(got.rawBody, { 'Agora-Signature': got.headers['agora-signature'] }, 'webhook-secret'));
    assert.ok(verifyNotificationSignature(got.rawBody, { 'Agora-Signature-V2': got.headers['agora-signature-v2'] }, 'webhook-secret'));
  });

  void test('sends nothing while no webhook is configured', async () => {
    receiver = await startReceiver();
    notifier.publish('app1', event(1));
    notifier.configure({ url: receiver.url, secret: 's' });
    notifier.publish('app1', event(3));
    await until(() => receiver.received.length === 1, 'one delivery');
    notifier.configure(null);
    notifier.publish('app1', event(4));
    await notifier.close();
    assert.deepEqual(receiver.received.map((r) => r.body.eventType), [3]);
  });

  void test('delivers events in publish order', async () => {
    receiver = await startReceiver();
    notifier.configure({ url: receiver.url, secret: 's' });
    for (const type of [1, 4, 4, 3, 1, 4, 3]) notifier.publish('app1', event(type));
    await until(() => receiver.received.length === 7, 'seven deliveries');
    assert.deepEqual(receiver.received.map((r) => r.body.eventType), [1, 4, 4, 3, 1, 4, 3]);
  });

  void test('resends an event answered with an error, with the same noticeId and a new notifyMs', async () => {
    receiver = await startReceiver([500, 503]);
    notifier.configure({ url: receiver.url, secret: 's' });
    notifier.publish('app1', event(1));
    const startedAt = clock.now();
    for (let attempt = 2; attempt <= 3; attempt++) {
      await until(() => clock.pending() === 1, 'a resend to be scheduled');
      clock.advance(60_000);
      await until(() => receiver.received.length === attempt, `attempt ${attempt}`);
    }
    const [first, second, third] = receiver.received.map((r) => r.body);
    assert.ok(first && second && third);
    assert.equal(second.noticeId, first.noticeId);
    assert.equal(third.noticeId, first.noticeId);
    assert.equal(first.notifyMs, startedAt);
    assert.ok(second.notifyMs > first.notifyMs && third.notifyMs > second.notifyMs);
  });

  void test('resend intervals grow', async () => {
    receiver = await startReceiver([500, 500, 500]);
    notifier.configure({ url: receiver.url, secret: 's' });
    notifier.publish('app1', event(1));
    for (let attempt = 2; attempt <= 4; attempt++) {
      await until(() => clock.pending() === 1, 'a resend to be scheduled');
      clock.advance(600_000);
      await until(() => receiver.received.length === attempt, `attempt ${attempt}`);
    }
    const [a, b, c] = clock.delays;
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    assert.ok(a > 0 && a < b && b < c, `delays ${clock.delays.join(', ')} should grow`);
  });

  void test('gives up after three resends', async () => {
    receiver = await startReceiver([500, 500, 500, 500, 500, 500]);
    notifier.configure({ url: receiver.url, secret: 's' });
    notifier.publish('app1', event(1));
    for (let attempt = 2; attempt <= 4; attempt++) {
      await until(() => clock.pending() === 1, 'a resend to be scheduled');
      clock.advance(600_000);
      await until(() => receiver.received.length === attempt, `attempt ${attempt}`);
    }
    await notifier.close();
    assert.equal(receiver.received.length, 4);
    assert.equal(clock.scheduled, 3, 'no fourth resend was scheduled');
  });

  void test('resends when the receiver does not answer in time', async () => {
    receiver = await startReceiver([0]);
    notifier.configure({ url: receiver.url, secret: 's' });
    notifier.publish('app1', event(1));
    await until(() => clock.pending() === 1, 'a resend after the timeout');
    assert.equal(receiver.received.length, 1);
    clock.advance(60_000);
    await until(() => receiver.received.length === 2, 'the resend');
    assert.equal(receiver.received[1]?.body.noticeId, receiver.received[0]?.body.noticeId);
  });

  void test('sends a configured share of events twice with the same noticeId', async () => {
    receiver = await startReceiver();
    notifier.configure({ url: receiver.url, secret: 's', duplicate: 1 });
    notifier.publish('app1', event(1));
    notifier.publish('app1', event(3));
    await until(() => receiver.received.length === 4, 'four deliveries');
    const ids = receiver.received.map((r) => r.body.noticeId);
    assert.equal(new Set(ids).size, 2);
    assert.deepEqual(receiver.received.map((r) => r.body.eventType), [1, 1, 3, 3]);
  });

  void test('holds every event for delayMs of virtual time', async () => {
    receiver = await startReceiver();
    notifier.configure({ url: receiver.url, secret: 's', delayMs: 30_000 });
    notifier.publish('app1', event(1));
    notifier.publish('app1', event(3));
    assert.equal(clock.pending(), 2);
    clock.advance(29_999);
    assert.equal(clock.pending(), 2, 'nothing is due before the delay');
    clock.advance(1);
    await until(() => receiver.received.length === 2, 'two late deliveries');
    assert.deepEqual(receiver.received.map((r) => r.body.eventType), [1, 3]);
    assert.equal(receiver.received[0]?.body.notifyMs, Date.UTC(2025, 0, 1) + 30_000);
  });

  void test('delivers out of publish order when asked to reorder', async () => {
    receiver = await startReceiver();
    notifier.configure({ url: receiver.url, secret: 's', reorder: true });
    const types = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    for (const type of types) notifier.publish('app1', event(type));
    clock.advance(2_000);
    await until(() => receiver.received.length === types.length, 'every delivery');
    const got = receiver.received.map((r) => r.body.eventType);
    assert.deepEqual([...got].sort((a, b) => a - b), types);
    assert.notDeepEqual(got, types);
  });

  void test('close cancels pending deliveries', async () => {
    receiver = await startReceiver();
    notifier.configure({ url: receiver.url, secret: 's', delayMs: 1_000 });
    notifier.publish('app1', event(1));
    await notifier.close();
    assert.equal(clock.pending(), 0);
    clock.advance(5_000);
    notifier.publish('app1', event(3));
    assert.equal(receiver.received.length, 0);
  });

  void test('refuses configurations it cannot use', () => {
    receiver = { close: async () => undefined, url: '', received: [] };
    const bad: Record<string, unknown> = {
      'a URL that is not http': { url: 'ftp://x', secret: 's' },
      'a missing secret': { url: 'http://127.0.0.1:1/x' },
      'a duplicate share above 1': { url: 'http://127.0.0.1:1/x', secret: 's', duplicate: 2 },
      'a negative delay': { url: 'http://127.0.0.1:1/x', secret: 's', delayMs: -1 },
    };
    for (const [reason, config] of Object.entries(bad)) {
      assert.throws(() => parseWebhookConfig(config), RangeError, reason);
    }
    assert.equal(parseWebhookConfig(null), null);
  });
});
