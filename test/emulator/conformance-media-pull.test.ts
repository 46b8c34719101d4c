// Media Pull (cloud player) conformance: one test per MP row of docs/agora-conformance.md, over
// real HTTP against the emulator.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';
import { row } from './conformance-support.ts';

const APP = 'app-conformance-media-pull';

void describe('Media Pull conformance (docs/agora-conformance.md, MP rows)', () => {
  const emu = useEmulator({ frozenClock: true });
  let players = 0;
  const create = (overrides: Record<string, unknown>) => emu.createPlayer(APP, player({ name: `p${(players += 1)}`, ...overrides }));
  const idOf = (answer: { body: unknown }) => (answer.body as { player: { id: string } }).player.id;

  row('MP-01', 'Create answers 200 with player{id, createTs, status} and X-Resource-ID', async () => {
    const answer = await create({});
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get('x-resource-id'), idOf(answer));
  });

  row('MP-02', 'Create with a name that exists answers 409 with the existing player in X-Resource-ID', async () => {
    const first = await create({ name: 'dup' });
    const again = await create({ name: 'dup', uid: 102 });
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('x-resource-id'), idOf(first));
  });

  row('MP-03', 'Create with neither uid nor account answers 400 {message}', async () => {
    const answer = await emu.createPlayer(APP, { streamUrl: 'rtmp://origin.example.com/live/x', channelName: 'class32' });
    assert.equal(answer.status, 400);
    assert.equal(typeof (answer.body as { message?: unknown }).message, 'string');
  });

  row('MP-04', 'idleTimeout outside 5..600 is clamped, not refused', async () => {
    for (const [given, kept] of [[1, 5], [601, 600]]) {
      const answer = await create({ idleTimeout: given });
      assert.equal(answer.status, 200, answer.text);
      assert.equal((await emu.player(idOf(answer)))?.idleTimeout, kept);
    }
  });

  const boundaries: [string, string, Record<string, unknown>, boolean][] = [
    ['MP-05', 'videoOptions.frameRate 4', { videoOptions: { frameRate: 4 } }, false],
    ['MP-05', 'videoOptions.frameRate 5', { videoOptions: { frameRate: 5 } }, true],
    ['MP-05', 'videoOptions.frameRate 30', { videoOptions: { frameRate: 30 } }, true],
    ['MP-05', 'videoOptions.frameRate 31', { videoOptions: { frameRate: 31 } }, false],
    ['MP-06', 'audioOptions.profile 5', { audioOptions: { profile: 5 } }, true],
    ['MP-06', 'audioOptions.profile 6', { audioOptions: { profile: 6 } }, false],
    ['MP-07', 'audioOptions.volume 200', { audioOptions: { volume: 200 } }, true],
    ['MP-07', 'audioOptions.volume 201', { audioOptions: { volume: 201 } }, false],
    ['MP-07', 'audioOptions.volume 50.5', { audioOptions: { volume: 50.5 } }, false],
  ];
  for (const [id, what, fields, accepted] of boundaries) {
    row(id, `Create ${accepted ? 'takes' : 'refuses with 400'} ${what}`, async () => {
      assert.equal((await create(fields)).status, accepted ? 200 : 400);
    });
  }

  row('MP-08', 'Update (PATCH ?sequence=n) answers 200 and the world takes the new volume', async () => {
    const id = idOf(await create({}));
    const answer = await emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=0`, { body: { player: { audioOptions: { volume: 10 } } } });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await emu.player(id))?.audioOptions?.volume, 10);
  });

  row('MP-09', 'Delete answers 2XX, and again for a player already destroyed', async () => {
    const id = idOf(await create({}));
    for (let i = 0; i < 2; i++) {
      const answer = await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${id}`);
      assert.ok(answer.status >= 200 && answer.status < 300, answer.text);
    }
    assert.equal(await emu.player(id), undefined);
  });

  row('MP-10', 'List ends with nextPageToken "" on the last page', async () => {
    await create({});
    await emu.advance(20_000);
    const answer = await emu.list(APP, { pageSize: '500' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.body as { nextPageToken: string }).nextPageToken, '');
  });

  row('MP-11', 'List takes pageSize 1 and 500 and refuses 0 and 501 with 400', async () => {
    for (const size of ['1', '500']) assert.equal((await emu.list(APP, { pageSize: size })).status, 200);
    for (const size of ['0', '501']) assert.equal((await emu.list(APP, { pageSize: size })).status, 400);
  });

  row('MP-12', 'wrong credentials answer 401 {message: "Invalid authentication credentials."}', async () => {
    const answer = await emu.list(APP);
    assert.equal(answer.status, 200);
    const refused = await emu.call('GET', `/v1/projects/${APP}/cloud-player/players`, { noAuth: true });
    assert.equal(refused.status, 401);
    assert.equal((refused.body as { message: string }).message, 'Invalid authentication credentials.');
  });

  row('MP-36', 'List with filter=channelName eq X lists that channel\'s players only; a filter of another form answers 400', async () => {
    const inA = [idOf(await create({ channelName: 'alpha' })), idOf(await create({ channelName: 'alpha', uid: 102 }))];
    await create({ channelName: 'beta' });
    await emu.advance(20_000);
    const answer = await emu.list(APP, { filter: 'channelName eq alpha' });
    assert.equal(answer.status, 200, answer.text);
    const listed = (answer.body as { players: { id: string }[] }).players.map((p) => p.id);
    assert.deepEqual(listed.sort(), inA.sort());
    for (const filter of ['channelName = alpha', 'name eq alpha']) assert.equal((await emu.list(APP, { filter })).status, 400, filter);
  });

  row('MP-37', 'Update takes each documented field, and the world shows it: audioOptions, audioOptions.volume alone, isPause, streamUrl, seekPosition, tempo', async () => {
    const id = idOf(await create({ audioOptions: { profile: 1, volume: 100 } }));
    await emu.advance(20_000);
    let sequence = 0;
    const update = async (fields: Record<string, unknown>) => {
      const answer = await emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}?sequence=${sequence++}`, { body: { player: fields } });
      assert.equal(answer.status, 200, `${JSON.stringify(fields)}: ${answer.text}`);
      const world = await emu.player(id);
      assert.ok(world);
      return world;
    };
    assert.deepEqual((await update({ audioOptions: { volume: 50, profile: 2 } })).audioOptions, { volume: 50, profile: 2 });
    assert.deepEqual((await update({ audioOptions: { volume: 20 } })).audioOptions, { volume: 20, profile: 2 });
    assert.equal((await update({ isPause: true })).isPause, true);
    assert.equal((await update({ isPause: false })).isPause, false);
    assert.equal((await update({ tempo: 1.5 })).tempo, 1.5);
    const moved = await update({ streamUrl: 'https://origin.example.com/vod/b.mp4', seekPosition: 40 });
    assert.deepEqual([moved.streamUrl, moved.seekPosition], ['https://origin.example.com/vod/b.mp4', 40]);
  });
});
