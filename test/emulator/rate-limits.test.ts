// Rate limits per endpoint class and App ID, exactly as documented (agora-facts.md table),
// answered with 429, each configurable. The limiter's clock is injected and stands still while
// a burst is sent, so a burst is within one window however slowly a loaded machine sends it;
// tests of windows sliding move that clock.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, startTestEmulator } from './helpers.ts';
import type { Answer, TestEmulator } from './helpers.ts';

const APP = 'app-limits';
const LIMITED = { message: 'Request rate limit exceeded.' };

void describe('rate limits', () => {
  let emu: TestEmulator;
  let limiterNowMs = 0;
  before(async () => {
    emu = await startTestEmulator({ limiterNow: () => limiterNowMs });
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    limiterNowMs = 0;
    await emu.control('POST', '/reset');
  });

  const burst = (n: number, send: (i: number) => Promise<Answer>) => Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

  void test('admits 2 creates with a name per second and answers the third with 429', async () => {
    const answers = await burst(3, (i) => emu.createPlayer(APP, player({ uid: i + 1, name: `named-${i}` })));
    assert.equal(count(answers, 200), 2);
    const refused = answers.find((a) => a.status === 429);
    assert.deepEqual(refused?.body, LIMITED);
    assert.ok(refused?.headers.get('x-request-id'));
    // The request log says which refusal it was: the quota's 429 differs only in its message.
    const logged = (await emu.control('GET', '/requests')).body as { status: number | null; message?: string }[];
    assert.deepEqual(
      logged.map((r) => [r.status, r.message]).sort(),
      [[200, undefined], [200, undefined], [429, 'Request rate limit exceeded.']],
    );
  });

  void test('admits 50 creates without a name per second', async () => {
    await emu.control('PUT', '/limits', { playersPerProject: null });
    const answers = await burst(51, (i) => emu.createPlayer(APP, player({ uid: i + 1 })));
    assert.equal(count(answers, 200), 50);
    assert.equal(count(answers, 429), 1);
    assert.equal((await emu.players()).length, 50);
  });

  void test('admits 100 deletes per second', async () => {
    const answers = await burst(101, (i) => emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${i.toString(16).padStart(32, '0')}`));
    assert.equal(count(answers, 200), 100);
    assert.equal(count(answers, 429), 1);
  });

  void test('admits 2 filtered Lists per second and 15 per minute', async () => {
    const perSecond = await burst(3, () => emu.list(APP, { filter: 'channelName eq class32' }));
    assert.deepEqual([count(perSecond, 200), count(perSecond, 429)], [2, 1]);
    // The minute window, with the second window lifted so the test need not wait.
    await emu.control('POST', '/reset');
    await emu.control('PUT', '/limits', { playerListFiltered: { perMinute: 15 } });
    const perMinute = await burst(16, () => emu.list(APP, { filter: 'channelName eq class32' }));
    assert.deepEqual([count(perMinute, 200), count(perMinute, 429)], [15, 1]);
  });

  void test('admits 10 unfiltered Lists per second and 20 per minute', async () => {
    const perSecond = await burst(11, () => emu.list(APP));
    assert.deepEqual([count(perSecond, 200), count(perSecond, 429)], [10, 1]);
    await emu.control('POST', '/reset');
    await emu.control('PUT', '/limits', { playerListUnfiltered: { perSecond: null, perMinute: 20 } });
    const perMinute = await burst(21, () => emu.list(APP));
    assert.deepEqual([count(perMinute, 200), count(perMinute, 429)], [20, 1]);
  });

  void test('counts filtered and unfiltered Lists, named and unnamed creates, in separate classes', async () => {
    await burst(10, () => emu.list(APP));
    assert.equal((await emu.list(APP, { filter: 'channelName eq class32' })).status, 200);
    await burst(2, (i) => emu.createPlayer(APP, player({ uid: i + 1, name: `n-${i}` })));
    assert.equal((await emu.createPlayer(APP, player({ uid: 9 }))).status, 200);
  });

  void test('keeps separate windows per App ID', async () => {
    const answers = await burst(3, () => emu.list(APP, { filter: 'channelName eq x' }));
    assert.equal(count(answers, 429), 1);
    assert.equal((await emu.list('another-app', { filter: 'channelName eq x' })).status, 200);
  });

  void test('admits again once the oldest call has left the one-second window', async () => {
    assert.deepEqual((await burst(3, () => emu.list(APP, { filter: 'channelName eq x' }))).map((a) => a.status).sort(), [200, 200, 429]);
    limiterNowMs = 999;
    assert.equal((await emu.list(APP, { filter: 'channelName eq x' })).status, 429, '999 ms later the window is still full');
    limiterNowMs = 1_000;
    assert.equal((await emu.list(APP, { filter: 'channelName eq x' })).status, 200);
  });

  void test('does not refill a window when the virtual clock moves ahead', async () => {
    await burst(2, () => emu.list(APP, { filter: 'channelName eq x' }));
    await emu.advance(120_000);
    assert.equal((await emu.list(APP, { filter: 'channelName eq x' })).status, 429);
  });

  void test('applies limits changed through PUT /_emulator/limits, null meaning no limit', async () => {
    const changed = await emu.control('PUT', '/limits', { playerListUnfiltered: { perSecond: 1 }, playerUpdate: { perSecond: 1 } });
    assert.equal(changed.status, 200);
    assert.deepEqual((changed.body as Record<string, unknown>).playerListUnfiltered, { perSecond: 1 });
    assert.deepEqual((await burst(2, () => emu.list(APP))).map((a) => a.status).sort(), [200, 429]);

    const id = ((await emu.createPlayer(APP, player())).body as { player: { id: string } }).player.id;
    const updates = await burst(2, (i) => emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=${i}`, { body: { player: { isPause: true } } }));
    assert.deepEqual(updates.map((a) => a.status).sort(), [200, 429]);

    await emu.control('PUT', '/limits', { playerListUnfiltered: null });
    const unlimited = await burst(30, () => emu.list(APP));
    assert.equal(count(unlimited, 200), 30);
  });

  void test('refuses unknown limit keys and malformed limits with 400', async () => {
    const table: Record<string, unknown> = {
      'an unknown key': { playerCreate: { perSecond: 1 } },
      'a negative rate': { playerDelete: { perSecond: -1 } },
      'an unknown window': { playerDelete: { perHour: 1 } },
      'a quota that is not a number': { playersPerProject: 'many' },
    };
    for (const [reason, body] of Object.entries(table)) {
      assert.equal((await emu.control('PUT', '/limits', body)).status, 400, reason);
    }
  });
});
