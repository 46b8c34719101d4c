// Conformance of List (media-pull-rest-api.txt "List" and "Considerations"; agora-facts.md).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';

const APP = 'app-list';

interface ListBody {
  totalSize: number;
  players: Record<string, unknown>[];
  fields: string;
  nextPageToken: string;
}

void describe('Media Pull List', () => {
  const emu = useEmulator({ frozenClock: true });

  const create = async (fields: Record<string, unknown>, appId = APP) => {
    const answer = await emu.createPlayer(appId, player(fields));
    assert.equal(answer.status, 200, answer.text);
    return (answer.body as { player: { id: string; createTs: number } }).player;
  };
  const list = async (query: Record<string, string> = {}, appId = APP) => {
    const answer = await emu.list(appId, query);
    assert.equal(answer.status, 200, answer.text);
    return answer.body as ListBody;
  };

  void test('lists every field of each player in ascending createTs, with totalSize and the fields mask', async () => {
    const first = await create({ name: 'p-a', uid: 1, channelName: 'c1' });
    await emu.advance(5000);
    const second = await create({ name: 'p-b', account: 'teacher', uid: undefined, channelName: 'c2' });
    await emu.advance(5000);
    const third = await create({ name: 'p-c', uid: 3, channelName: 'c1' });
    const body = await list();
    assert.equal(body.totalSize, 3);
    assert.deepEqual(body.players.map((p) => p.id), [first.id, second.id, third.id]);
    assert.deepEqual(body.players[0], {
      name: 'p-a',
      streamUrl: 'rtmp://origin.example.com/live/class32/101',
      channelName: 'c1',
      uid: 1,
      id: first.id,
      createTs: first.createTs,
      status: 'running',
    });
    assert.equal(body.players[1]?.account, 'teacher');
    assert.equal(body.nextPageToken, '');
    assert.equal(body.fields, 'player.name,player.streamUrl,player.channelName,player.uid,player.account,player.id,player.createTs,player.status');
  });

  void test('pages with pageSize and pageToken until nextPageToken is empty', async () => {
    const ids = [];
    for (let uid = 1; uid <= 5; uid += 1) {
      ids.push((await create({ uid })).id);
      await emu.advance(1000);
    }
    const seen: unknown[] = [];
    let token = '';
    let pages = 0;
    do {
      const body = await list(token ? { pageSize: '2', pageToken: token } : { pageSize: '2' });
      assert.equal(body.totalSize, 5);
      assert.ok(body.players.length <= 2);
      seen.push(...body.players.map((p) => p.id));
      token = body.nextPageToken;
      pages += 1;
    } while (token !== '' && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ids);
  });

  void test('keeps its place when players are created and deleted between pages', async () => {
    const ids = [];
    for (let uid = 1; uid <= 4; uid += 1) {
      ids.push((await create({ uid })).id);
      await emu.advance(1000);
    }
    const page1 = await list({ pageSize: '2' });
    await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${ids[0]}`);
    const late = await create({ uid: 9 });
    const page2 = await list({ pageSize: '2', pageToken: page1.nextPageToken });
    assert.deepEqual(page2.players.map((p) => p.id), [ids[2], ids[3]]);
    const page3 = await list({ pageSize: '2', pageToken: page2.nextPageToken });
    assert.deepEqual(page3.players.map((p) => p.id), [late.id]);
    assert.equal(page3.nextPageToken, '');
  });

  void test('returns at most 200 players per page by default', async () => {
    await emu.control('PUT', '/limits', { playersPerProject: null });
    await Promise.all(Array.from({ length: 201 }, (_, i) => create({ uid: i + 1 })));
    const body = await list();
    assert.equal(body.totalSize, 201);
    assert.equal(body.players.length, 200);
    assert.notEqual(body.nextPageToken, '');
    const rest = await list({ pageToken: body.nextPageToken, pageSize: '500' });
    assert.equal(rest.players.length, 1);
    assert.equal(rest.nextPageToken, '');
  });

  void test('filters by "channelName eq X" and counts only the matches in totalSize', async () => {
    await create({ uid: 1, channelName: 'class32' });
    await create({ uid: 2, channelName: 'bigclass' });
    await create({ uid: 3, channelName: 'class32' });
    await create({ uid: 4, channelName: 'class 7' });
    const class32 = await list({ filter: 'channelName eq class32' });
    assert.equal(class32.totalSize, 2);
    assert.deepEqual(class32.players.map((p) => p.uid).sort(), [1, 3]);
    const spaced = await list({ filter: 'channelName eq class 7' });
    assert.deepEqual(spaced.players.map((p) => p.uid), [4]);
    const none = await list({ filter: 'channelName eq nobody' });
    assert.deepEqual([none.totalSize, none.players, none.nextPageToken], [0, [], '']);
  });

  void test('shows only the players of its own project', async () => {
    await create({ uid: 1 });
    await create({ uid: 2 }, 'other-app');
    const body = await list();
    assert.deepEqual(body.players.map((p) => p.uid), [1]);
  });

  void test('refuses a bad filter, pageSize or pageToken with 400', async () => {
    const table: Record<string, Record<string, string>> = {
      'a filter on another field': { filter: 'name eq x' },
      'a filter without eq': { filter: 'channelName class32' },
      'pageSize 0': { pageSize: '0' },
      'pageSize 501': { pageSize: '501' },
      'pageSize not a number': { pageSize: 'ten' },
      'a pageToken that was never issued': { pageToken: 'garbage' },
    };
    for (const [reason, query] of Object.entries(table)) {
      const answer = await emu.list(APP, query);
      assert.equal(answer.status, 400, reason);
      assert.ok((answer.body as { message?: string }).message, reason);
    }
  });

  void test('hides a new player from List for listDelayMs (Agora: about 10 s)', async () => {
    await emu.control('PUT', '/behaviour', { listDelayMs: 10_000 });
    await create({ uid: 1 });
    assert.deepEqual(await list(), { totalSize: 0, players: [], fields: 'player.name,player.streamUrl,player.channelName,player.uid,player.id,player.createTs,player.status', nextPageToken: '' });
    await emu.advance(9_000);
    assert.equal((await list()).totalSize, 0);
    await emu.advance(1_000);
    const body = await list();
    assert.equal(body.totalSize, 1);
    assert.equal(body.players[0]?.uid, 1);
  });

  void test('returns only id, name and createTs for the configured share of players, the same ones each time', async () => {
    for (let uid = 1; uid <= 20; uid += 1) await create({ uid, name: `p-${uid}` });
    await emu.control('PUT', '/behaviour', { partialListShare: 1 });
    const all = await list();
    for (const entry of all.players) assert.deepEqual(Object.keys(entry).sort(), ['createTs', 'id', 'name']);

    await emu.control('PUT', '/behaviour', { partialListShare: 0.5 });
    const partialIds = (body: ListBody) => body.players.filter((p) => !('status' in p)).map((p) => p.id);
    const first = partialIds(await list());
    assert.ok(first.length > 0 && first.length < 20, `${first.length} partial of 20`);
    assert.deepEqual(partialIds(await list()), first);
  });
});
