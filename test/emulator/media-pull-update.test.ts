// Conformance of Update (agora-facts.md "Update exists"; Agora's OpenAPI for media-pull):
// PATCH .../players/{id}?sequence=N with streamUrl, audioOptions.volume, isPause, seekPosition
// and tempo; the highest sequence wins.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';

const APP = 'app-update';

void describe('Media Pull Update', () => {
  const emu = useEmulator({ frozenClock: true });

  const create = async (fields: Record<string, unknown> = {}) =>
    ((await emu.createPlayer(APP, player(fields))).body as { player: { id: string } }).player.id;
  const patch = (id: string, query: string, body: unknown) =>
    emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}${query}`, { body });

  void test('updates volume, pause, seek position and tempo and answers 200 with an empty body', async () => {
    const id = await create();
    const answer = await patch(id, '?sequence=0', { player: { audioOptions: { volume: 150 }, isPause: true, seekPosition: 40, tempo: 1.5 } });
    assert.equal(answer.status, 200);
    assert.equal(answer.text, '');
    assert.equal(answer.headers.get('x-resource-id'), id);
    const stored = await emu.player(id);
    assert.deepEqual(
      [stored?.audioOptions?.volume, stored?.isPause, stored?.seekPosition, stored?.tempo, stored?.sequence],
      [150, true, 40, 1.5, 0],
    );
  });

  void test('switches to a new streamUrl: the player connects to it again', async () => {
    const id = await create();
    await emu.advance(1000);
    assert.equal((await emu.player(id))?.status, 'running');
    const answer = await patch(id, '?sequence=1', { player: { streamUrl: 'https://cdn.example.com/next.m3u8' } });
    assert.equal(answer.status, 200);
    const switched = await emu.player(id);
    assert.equal(switched?.streamUrl, 'https://cdn.example.com/next.m3u8');
    assert.equal(switched?.status, 'connecting');
    await emu.advance(1000);
    assert.equal((await emu.player(id))?.status, 'running');
  });

  void test('recovers a failed player by switching it to a playable stream', async () => {
    await emu.control('PUT', '/streams', { url: 'rtmp://origin.example.com/live/class32/101', playable: false });
    const id = await create();
    await emu.advance(1000);
    assert.equal((await emu.player(id))?.status, 'failed');
    await patch(id, '?sequence=0', { player: { streamUrl: 'rtmp://backup.example.com/live/class32' } });
    await emu.advance(1000);
    assert.equal((await emu.player(id))?.status, 'running');
    await emu.advance(600_000);
    assert.equal((await emu.player(id))?.status, 'running', 'the idle timer of the failure no longer runs');
  });

  void test('acknowledges but ignores an update whose sequence is not above the last one', async () => {
    const id = await create();
    assert.equal((await patch(id, '?sequence=5', { player: { audioOptions: { volume: 50 } } })).status, 200);
    const stale = await patch(id, '?sequence=3', { player: { audioOptions: { volume: 10 } } });
    assert.equal(stale.status, 200);
    const same = await patch(id, '?sequence=5', { player: { audioOptions: { volume: 20 } } });
    assert.equal(same.status, 200);
    let stored = await emu.player(id);
    assert.deepEqual([stored?.audioOptions?.volume, stored?.sequence], [50, 5]);
    await patch(id, '?sequence=6', { player: { audioOptions: { volume: 60 } } });
    stored = await emu.player(id);
    assert.deepEqual([stored?.audioOptions?.volume, stored?.sequence], [60, 6]);
  });

  void test('answers 404 "Resource is not found and destroyed." for a player that does not exist', async () => {
    const answer = await patch('0123456789abcdef0123456789abcdef', '?sequence=0', { player: { isPause: true } });
    assert.equal(answer.status, 404);
    assert.equal((answer.body as { reason: string }).reason, 'Resource is not found and destroyed.');
    const id = await create();
    await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${id}`);
    assert.equal((await patch(id, '?sequence=0', { player: { isPause: true } })).status, 404);
  });

  void test('refuses a missing or invalid sequence, a field that cannot be updated and out-of-range values with 400', async () => {
    const id = await create();
    const table: { reason: string; query: string; body: unknown }[] = [
      { reason: 'no sequence', query: '', body: { player: { isPause: true } } },
      { reason: 'a negative sequence', query: '?sequence=-1', body: { player: { isPause: true } } },
      { reason: 'a sequence that is not a number', query: '?sequence=abc', body: { player: { isPause: true } } },
      { reason: 'a body that is not {"player": {...}}', query: '?sequence=1', body: { isPause: true } },
      { reason: 'channelName cannot be updated', query: '?sequence=1', body: { player: { channelName: 'other' } } },
      { reason: 'idleTimeout cannot be updated', query: '?sequence=1', body: { player: { idleTimeout: 60 } } },
      { reason: 'volume above 200', query: '?sequence=1', body: { player: { audioOptions: { volume: 201 } } } },
      { reason: 'volume below 0', query: '?sequence=1', body: { player: { audioOptions: { volume: -1 } } } },
      { reason: 'tempo 3', query: '?sequence=1', body: { player: { tempo: 3 } } },
      { reason: 'isPause not a boolean', query: '?sequence=1', body: { player: { isPause: 'yes' } } },
      { reason: 'seekPosition negative', query: '?sequence=1', body: { player: { seekPosition: -5 } } },
      { reason: 'a streamUrl that is not RTMP/HTTP/HTTPS', query: '?sequence=1', body: { player: { streamUrl: 'udp://x' } } },
    ];
    for (const row of table) {
      const answer = await patch(id, row.query, row.body);
      assert.equal(answer.status, 400, row.reason);
      assert.ok((answer.body as { reason?: string }).reason, row.reason);
    }
    const stored = await emu.player(id);
    assert.equal(stored?.sequence, null, 'nothing was applied');
  });

  void test('moves an on-demand file to the sought position', async () => {
    await emu.control('PUT', '/streams', { url: 'rtmp://origin.example.com/live/class32/101', playable: true, durationMs: 100_000 });
    const id = await create({ idleTimeout: 600 });
    await emu.advance(1000);
    await patch(id, '?sequence=0', { player: { seekPosition: 90 } });
    await emu.advance(9_999);
    assert.equal((await emu.player(id))?.status, 'running');
    await emu.advance(1);
    assert.equal((await emu.player(id))?.status, 'idle');
  });
});
