// A cloud player's life on the virtual clock: connecting → running, or failed for a stream that
// cannot be played; idle when its stream stops playing, destroyed idleTimeout seconds later
// unless paused (media-pull-rest-api.txt idleTimeout/status; agora-facts.md Update;
// media-pull-best-practices.txt: the created notification says "connecting").
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookReceiver, player, startTestEmulator } from './helpers.ts';
import type { TestEmulator } from './helpers.ts';

const APP = 'app-life';
const STREAM = 'rtmp://origin.example.com/live/class32/101';

void describe('Media Pull player lifecycle', () => {
  let emu: TestEmulator;
  let webhook: WebhookReceiver;
  let webhookUrl: string;
  before(async () => {
    emu = await startTestEmulator({ frozenClock: true });
    webhook = new WebhookReceiver();
    webhookUrl = await webhook.listen();
  });
  after(async () => {
    await emu.close();
    await webhook.close();
  });
  beforeEach(async () => {
    await emu.control('POST', '/reset');
    await emu.unlimited();
    webhook.received.length = 0;
  });

  const create = async (fields: Record<string, unknown> = {}) => {
    const answer = await emu.createPlayer(APP, player(fields));
    assert.equal(answer.status, 200, answer.text);
    return (answer.body as { player: { id: string } }).player.id;
  };
  const statusOf = async (id: string) => (await emu.player(id))?.status ?? 'destroyed';
  const occupancy = async (channel = 'class32') =>
    ((await emu.control('GET', `/channels/${APP}/${channel}`)).body as { occupancy: number }).occupancy;

  void test('connects for about a second, then runs', async () => {
    const id = await create();
    assert.equal(await statusOf(id), 'connecting');
    await emu.advance(900);
    assert.equal(await statusOf(id), 'connecting');
    await emu.advance(100);
    assert.equal(await statusOf(id), 'running');
  });

  void test('fails on a stream marked unplayable and is destroyed idleTimeout seconds later', async () => {
    await emu.control('PUT', '/streams', { url: STREAM, playable: false });
    const id = await create({ idleTimeout: 30 });
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'failed');
    await emu.advance(29_000);
    assert.equal(await statusOf(id), 'failed');
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'destroyed');
  });

  void test('fails a running player when its stream becomes unplayable', async () => {
    const id = await create({ idleTimeout: 5 });
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'running');
    await emu.control('PUT', '/streams', { url: STREAM, playable: false });
    assert.equal(await statusOf(id), 'failed');
    await emu.advance(5000);
    assert.equal(await statusOf(id), 'destroyed');
  });

  void test('keeps a live stream running past any idleTimeout', async () => {
    const id = await create({ idleTimeout: 5 });
    await emu.advance(3_600_000);
    assert.equal(await statusOf(id), 'running');
  });

  void test('turns idle when an on-demand file has played repeatTime times, and is destroyed idleTimeout later', async () => {
    await emu.control('PUT', '/streams', { url: STREAM, playable: true, durationMs: 60_000 });
    const id = await create({ repeatTime: 2, idleTimeout: 10 });
    await emu.advance(1000); // connected
    await emu.advance(119_000);
    assert.equal(await statusOf(id), 'running');
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'idle');
    await emu.advance(9_000);
    assert.equal(await statusOf(id), 'idle');
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'destroyed');
  });

  void test('loops an on-demand file forever with repeatTime -1', async () => {
    await emu.control('PUT', '/streams', { url: STREAM, playable: true, durationMs: 10_000 });
    const id = await create({ repeatTime: -1, idleTimeout: 5 });
    await emu.advance(600_000);
    assert.equal(await statusOf(id), 'running');
  });

  void test('resumes an on-demand file where a playTs in the past says, so it ends sooner', async () => {
    await emu.control('PUT', '/streams', { url: STREAM, playable: true, durationMs: 60_000 });
    const nowS = Math.floor((await emu.now()) / 1000);
    const id = await create({ playTs: nowS - 50, idleTimeout: 100 });
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'running');
    await emu.advance(10_000);
    assert.equal(await statusOf(id), 'idle');
  });

  void test('waits for a playTs ahead of creation before it plays', async () => {
    const nowS = Math.floor((await emu.now()) / 1000);
    const id = await create({ playTs: nowS + 120 });
    await emu.advance(60_000);
    assert.equal(await statusOf(id), 'connecting');
    await emu.advance(61_000);
    assert.equal(await statusOf(id), 'running');
  });

  void test('does not run a paused player\'s idle timer', async () => {
    await emu.control('PUT', '/streams', { url: STREAM, playable: false });
    const id = await create({ idleTimeout: 10 });
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'failed');
    await emu.advance(4000);
    const pause = await emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=0`, { body: { player: { isPause: true } } });
    assert.equal(pause.status, 200);
    await emu.advance(3_600_000);
    assert.equal(await statusOf(id), 'failed', 'paused: never destroyed');
    await emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=1`, { body: { player: { isPause: false } } });
    await emu.advance(5_900);
    assert.equal(await statusOf(id), 'failed', 'the idle timer resumes where it stopped');
    await emu.advance(100);
    assert.equal(await statusOf(id), 'destroyed');
  });

  void test('holds an on-demand file\'s progress while paused', async () => {
    await emu.control('PUT', '/streams', { url: STREAM, playable: true, durationMs: 60_000 });
    const id = await create();
    await emu.advance(1000);
    await emu.advance(30_000);
    await emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=0`, { body: { player: { isPause: true } } });
    await emu.advance(600_000);
    assert.equal(await statusOf(id), 'running');
    await emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=1`, { body: { player: { isPause: false } } });
    await emu.advance(29_000);
    assert.equal(await statusOf(id), 'running');
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'idle');
  });

  void test('counts connecting and running players as users of their channel', async () => {
    assert.equal(await occupancy(), 0);
    const id = await create();
    assert.equal(await occupancy(), 1);
    await emu.control('PUT', `/channels/${APP}/class32`, { users: 2 });
    assert.equal(await occupancy(), 3);
    await emu.control('PUT', '/streams', { url: STREAM, playable: false });
    await emu.advance(1000);
    assert.equal(await statusOf(id), 'failed');
    assert.equal(await occupancy(), 2);
  });

  void test('notifies created ("connecting"), status changes and destroyed with the reason, each with lts', { timeout: 15_000 }, async () => {
    await emu.control('PUT', '/webhook', { url: webhookUrl, secret: 'hook-secret' });
    await emu.control('PUT', '/streams', { url: STREAM, playable: true, durationMs: 5_000 });
    const id = await create({ name: 'notified', idleTimeout: 5 });
    await emu.advance(1000); // running
    await emu.advance(5000); // idle
    await emu.advance(5000); // destroyed: Idle Timeout
    const failing = await create({ name: 'failing', streamUrl: 'http://cdn.example.com/missing.mp4', uid: 7 });
    await emu.control('PUT', '/streams', { url: 'http://cdn.example.com/missing.mp4', playable: false });
    await emu.advance(1000); // failed
    await emu.advance(300_000); // destroyed after the default idleTimeout: Stream Stopped
    const deleted = await create({ name: 'deleted', uid: 8 });
    await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${deleted}`);

    await webhook.until((received) => received.filter((n) => n.eventType === 3).length === 3);
    const events = webhook.received.filter((n) => n.productId === 4);
    const ofPlayer = (playerId: string) =>
      events.filter((n) => (n.payload.player as { id: string }).id === playerId).map((n) => ({ eventType: n.eventType, payload: n.payload }));

    const lifecycle = ofPlayer(id);
    assert.deepEqual(lifecycle.map((e) => e.eventType), [1, 4, 4, 3]);
    const created = lifecycle[0]?.payload as { player: Record<string, unknown>; lts: number };
    assert.deepEqual(Object.keys(created.player).sort(), ['channelName', 'createTs', 'id', 'idleTimeout', 'name', 'status', 'streamUrl', 'uid']);
    assert.equal(created.player.status, 'connecting');
    assert.equal(created.player.idleTimeout, 5);
    assert.equal(typeof created.lts, 'number');
    assert.deepEqual(lifecycle.slice(1, 3).map((e) => (e.payload.player as { status: string }).status), ['running', 'idle']);
    assert.deepEqual(lifecycle[3]?.payload.player, { channelName: 'class32', id, name: 'notified' });
    assert.equal(lifecycle[3]?.payload.destroyReason, 'Idle Timeout');
    assert.ok((lifecycle[3]?.payload.lts as number) > created.lts);

    const failed = ofPlayer(failing);
    assert.deepEqual(failed.map((e) => e.eventType), [1, 4, 3]);
    assert.equal((failed[1]?.payload.player as { status: string }).status, 'failed');
    assert.equal(failed[2]?.payload.destroyReason, 'Stream Stopped');

    const byDelete = ofPlayer(deleted);
    assert.deepEqual(byDelete.map((e) => e.eventType), [1, 3]);
    assert.equal(byDelete[1]?.payload.destroyReason, 'Delete Request');
  });
});
