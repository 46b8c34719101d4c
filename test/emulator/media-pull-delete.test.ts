// Conformance of Delete (media-pull-rest-api.txt "Delete"; agora-facts.md: deleting a
// destroyed player answers 2XX).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';

const APP = 'app-delete';

void describe('Media Pull Delete', () => {
  const emu = useEmulator();

  const createdId = async (fields: Record<string, unknown> = {}) =>
    ((await emu.createPlayer(APP, player(fields))).body as { player: { id: string } }).player.id;

  void test('destroys the player and answers 200 with an empty body and the id in X-Resource-ID', async () => {
    const id = await createdId({ name: 'to-delete' });
    const answer = await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${id}`, { headers: { 'x-request-id': 'del-1' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.text, '');
    assert.equal(answer.headers.get('x-resource-id'), id);
    assert.equal(answer.headers.get('x-request-id'), 'del-1');
    assert.deepEqual(await emu.players(), []);
    assert.equal(((await emu.list(APP)).body as { totalSize: number }).totalSize, 0);
    // The name is free again.
    assert.equal((await emu.createPlayer(APP, player({ name: 'to-delete' }))).status, 200);
  });

  void test('answers 2XX for a player that is already destroyed or never existed', async () => {
    const id = await createdId();
    const path = `/na/v1/projects/${APP}/cloud-player/players/${id}`;
    assert.equal((await emu.call('DELETE', path)).status, 200);
    assert.equal((await emu.call('DELETE', path)).status, 200);
    const unknown = await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/0123456789abcdef0123456789abcdef`);
    assert.equal(unknown.status, 200);
  });

  void test('does not destroy a player of another project', async () => {
    const id = await createdId();
    assert.equal((await emu.call('DELETE', `/na/v1/projects/other-app/cloud-player/players/${id}`)).status, 200);
    assert.equal((await emu.players()).length, 1);
  });

  void test('accepts a DELETE that carries a JSON content type and no body', async () => {
    const id = await createdId();
    const answer = await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${id}`, {
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(await emu.players(), []);
  });

  void test('refuses an unknown region with 400', async () => {
    const id = await createdId();
    const answer = await emu.call('DELETE', `/xx/v1/projects/${APP}/cloud-player/players/${id}`);
    assert.equal(answer.status, 400);
    assert.equal((await emu.players()).length, 1);
  });
});
