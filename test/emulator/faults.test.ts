// Fault injection through the control API (DESIGN.md "The emulator"): the failures
// media-pull-best-practices.txt tells clients to survive, on demand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';

const APP = 'app-faults';
const CREATE_PATH = `/na/v1/projects/${APP}/cloud-player/players`;

void describe('fault injection', () => {
  const emu = useEmulator({ frozenClock: true });

  const fault = async (spec: Record<string, unknown>) => {
    const answer = await emu.control('POST', '/faults', spec);
    assert.equal(answer.status, 201, answer.text);
    return answer.body as { id: string };
  };

  void test('answers the injected status and Agora message before the change is made', async () => {
    const table: { effect: string; status: number; message: string }[] = [
      { effect: '429', status: 429, message: 'Request rate limit exceeded.' },
      { effect: '500', status: 500, message: 'Some internal error happened. Contact us to help fix it.' },
      { effect: '502', status: 502, message: 'Internal errors. Contact us for troubleshooting.' },
      { effect: '503', status: 503, message: 'Service unavailable temporarily. Retry with the retreat strategy.' },
      { effect: '504-before', status: 504, message: 'Gateway timeout. Query to check whether the player has been created, or to create another one instead.' },
    ];
    for (const row of table) {
      await fault({ match: { method: 'POST', path: '/cloud-player/players$' }, effect: row.effect, count: 1 });
      const answer = await emu.createPlayer(APP, player(), 'na');
      assert.equal(answer.status, row.status, row.effect);
      assert.deepEqual(answer.body, { message: row.message }, row.effect);
      assert.ok(answer.headers.get('x-request-id'), `${row.effect} carries X-Request-ID`);
      assert.deepEqual(await emu.players(), [], `${row.effect}: nothing created`);
    }
  });

  void test('504-after makes the change and loses the answer, so only List tells the truth', async () => {
    await fault({ match: { method: 'POST', path: '/cloud-player/players$' }, effect: '504-after', count: 1 });
    const answer = await emu.createPlayer(APP, player({ name: 'ambiguous' }));
    assert.equal(answer.status, 504);
    assert.equal(answer.headers.get('x-resource-id'), null);
    const listed = (await emu.list(APP)).body as { players: { name: string }[] };
    assert.deepEqual(listed.players.map((p) => p.name), ['ambiguous']);
  });

  void test('drop cuts the connection after the change is made; drop-before cuts it before', async () => {
    await fault({ match: { method: 'POST' }, effect: 'drop', count: 1 });
    await assert.rejects(emu.createPlayer(APP, player({ name: 'dropped-after' })));
    await fault({ match: { method: 'POST' }, effect: 'drop-before', count: 1 });
    await assert.rejects(emu.createPlayer(APP, player({ name: 'dropped-before', uid: 2 })));
    assert.deepEqual((await emu.players()).map((p) => p.name), ['dropped-after']);
    const log = (await emu.control('GET', '/requests')).body as { status: number | null; fault?: string }[];
    assert.deepEqual(log.map((e) => [e.fault, e.status]), [['drop', null], ['drop-before', null]]);
  });

  void test('delay holds the answer, which still arrives intact', async () => {
    await fault({ match: { method: 'GET' }, effect: 'delay', delayMs: 30, count: 1 });
    const answer = await emu.list(APP);
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.body as { players: unknown[] }).players, []);
    const log = (await emu.control('GET', '/requests')).body as { fault?: string }[];
    assert.equal(log[0]?.fault, 'delay');
  });

  void test('networkDelayMs puts a network between client and Agora: the request arrives (is logged) late, the answer comes back as late', async () => {
    const oneWay = 60;
    await emu.control('PUT', '/behaviour', { networkDelayMs: oneWay });
    const sent = Date.now();
    const answer = await emu.list(APP);
    const answered = Date.now();
    assert.equal(answer.status, 200);
    const [entry] = (await emu.control('GET', '/requests')).body as { time: number; status: number }[];
    assert.ok(entry, 'the call was logged');
    // Timers may fire a millisecond early against Date.now(); anything earlier is a missing delay.
    assert.ok(entry.time >= sent + oneWay - 1, `arrived ${entry.time - sent} ms after it was sent, not ≥ ${oneWay}`);
    assert.ok(answered >= entry.time + oneWay - 1, `answered ${answered - entry.time} ms after it arrived, not ≥ ${oneWay}`);
  });

  void test('answers 404 for a player in failover, though Delete of a missing player is otherwise 2XX', async () => {
    const id = ((await emu.createPlayer(APP, player())).body as { player: { id: string } }).player.id;
    await fault({ match: { method: 'DELETE', path: `/players/${id}$` }, effect: '404', count: 2 });
    const during = await emu.call('DELETE', `${CREATE_PATH}/${id}`);
    assert.equal(during.status, 404);
    assert.deepEqual(during.body, { message: 'Resource is not found and destroyed.' });
    assert.equal((await emu.call('DELETE', `${CREATE_PATH}/${id}`)).status, 404);
    assert.equal((await emu.call('DELETE', `${CREATE_PATH}/${id}`)).status, 200);
    assert.deepEqual(await emu.players(), []);
  });

  void test('hits only matching requests, count times, and can be listed and cleared', async () => {
    await fault({ match: { method: 'GET', path: '^/v1/projects/[^/]+/cloud-player/players$' }, effect: '503', count: 2 });
    assert.equal((await emu.createPlayer(APP, player())).status, 200, 'another method is not hit');
    assert.equal((await emu.list(APP)).status, 503);
    const listed = (await emu.control('GET', '/faults')).body as { count: number; hits: number }[];
    assert.deepEqual(listed.map((r) => [r.count, r.hits]), [[1, 1]]);
    assert.equal((await emu.list(APP)).status, 503);
    assert.equal((await emu.list(APP)).status, 200, 'expired after count hits');
    assert.deepEqual((await emu.control('GET', '/faults')).body, []);

    await fault({ match: {}, effect: '500' });
    assert.equal((await emu.list(APP)).status, 500);
    assert.equal((await emu.list(APP)).status, 500, 'no count: unlimited');
    await emu.control('DELETE', '/faults');
    assert.equal((await emu.list(APP)).status, 200);
  });

  void test('fires with the configured probability, from the seeded random', async () => {
    await fault({ match: { method: 'GET' }, effect: '500', probability: 0 });
    for (let i = 0; i < 5; i += 1) assert.equal((await emu.list(APP)).status, 200);
    await emu.control('DELETE', '/faults');
    await fault({ match: { method: 'GET' }, effect: '500', probability: 0.5 });
    const statuses = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await emu.list(APP)).status);
    const failed = statuses.filter((s) => s === 500).length;
    assert.ok(failed > 5 && failed < 35, `${failed} of 40 failed`);
  });

  void test('applies faults before authentication, and never to the control API', async () => {
    await fault({ match: {}, effect: '503' });
    const unauthenticated = await emu.call('GET', `/v1/projects/${APP}/cloud-player/players`, { noAuth: true });
    assert.equal(unauthenticated.status, 503);
    assert.equal((await emu.control('GET', '/state')).status, 200);
  });

  void test('refuses a fault rule it cannot apply with 400', async () => {
    const table: Record<string, unknown> = {
      'an unknown effect': { match: {}, effect: '418' },
      'a path that is not a regular expression': { match: { path: '(' }, effect: '500' },
      'a count of zero': { match: {}, effect: '500', count: 0 },
      'a probability above 1': { match: {}, effect: '500', probability: 2 },
      'a delay without delayMs': { match: {}, effect: 'delay' },
    };
    for (const [reason, spec] of Object.entries(table)) {
      assert.equal((await emu.control('POST', '/faults', spec)).status, 400, reason);
    }
  });
});
