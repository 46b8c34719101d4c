// The daemon killed with SIGKILL in the middle of creating 40 players, then started again: it
// finds only the creates that were sent pending, settles them from its first pass's List, and
// makes the rest, with no duplicate and no filtered List per lost create.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestEmulator } from '../emulator/helpers.ts';
import { manifestDir } from '../support/cli.ts';
import { APP_ID, playerYaml, projectYaml, startDaemon, waitFor } from './daemon-harness.ts';
import type { StateSnapshot } from '../../src/state/types.ts';

/** Named creates at 10 a second on both sides: 40 creates take about 4 s. */
const FAST_CREATES = { playerCreateNamed: { perSecond: 10 } };
const NAMES = Array.from({ length: 40 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
const LIST_PATH = /\/cloud-player\/players$/;

interface LoggedRequest {
  method: string;
  path: string;
  query: string;
}

describe('agoractl reconcile --watch killed mid-apply', () => {
  test('restarted after SIGKILL, it makes the rest of 40 players with no duplicate, no orphan and no List per lost create', async () => {
    const emulator = await startTestEmulator({ limits: FAST_CREATES });
    const { dir, cleanup } = await manifestDir({ 'project.yaml': projectYaml(FAST_CREATES) });
    const statePath = join(dir, '..', `${dir.split('/').pop() ?? 'x'}-state.json`);
    const readState = async (): Promise<StateSnapshot> => JSON.parse(await readFile(statePath, 'utf8')) as StateSnapshot;
    const ours = async () => (await emulator.players()).filter((p) => p.appId === APP_ID);
    const requests = async () => (await emulator.control('GET', '/requests')).body as LoggedRequest[];
    const daemon = await startDaemon(dir, statePath, emulator);
    try {
      await writeFile(join(dir, 'players.yaml'), NAMES.map((n, i) => playerYaml(n, i + 1)).join('\n---\n'));
      await waitFor(async () => ((await ours()).length >= 12 ? true : undefined), 30_000, () => 'the daemon created no 12 players');
      assert.equal(await daemon.stop('SIGKILL'), null);

      const before = await ours();
      assert.ok(before.length < NAMES.length, 'the apply was interrupted');
      const sent = (await requests()).filter((r) => r.method === 'POST').length;
      const records = Object.values((await readState()).resources);
      const pending = records.filter((r) => r.pending?.action === 'create').length;
      const recorded = records.filter((r) => r.externalId !== undefined).length;
      // An intent is committed just before its create goes out, so a kill can land between the
      // two: at most the creates the limiter granted in the last second have an intent and never
      // arrived. Intents written while calls wait for their slot would exceed that.
      const granted = FAST_CREATES.playerCreateNamed.perSecond;
      assert.ok(pending + recorded <= sent + granted, `only creates that were sent leave an intent: ${pending} intents and ${recorded} ids for ${sent} creates sent`);

      const mark = (await requests()).length;
      const again = await startDaemon(dir, statePath, emulator);
      try {
        const converged = async (): Promise<true | undefined> => {
          const state = await readState();
          const settled = NAMES.every((n) => {
            const r = state.resources[`prod/CloudPlayer/${n}`];
            return r?.externalId !== undefined && r.pending === undefined;
          });
          return settled && (await ours()).length >= NAMES.length ? true : undefined;
        };
        await waitFor(converged, 60_000, () => `did not converge: ${again.stderr}`);
      } finally {
        assert.equal(await again.stop(), 0);
      }

      const players = await ours();
      assert.deepEqual(players.map((p) => p.name).sort(), NAMES, 'each desired player once: no duplicate');
      const state = await readState();
      for (const p of players) assert.equal(state.resources[`prod/CloudPlayer/${p.name ?? ''}`]?.externalId, p.id, `${p.name ?? p.id} is the player state records: no orphan`);
      for (const p of before) assert.ok(players.some((q) => q.id === p.id), `${p.name ?? p.id}, made before the kill, was kept`);
      const lists = (await requests()).slice(mark).filter((r) => r.method === 'GET' && LIST_PATH.test(r.path));
      assert.equal(lists.filter((r) => r.query.includes('filter')).length, 0, 'no filtered List per lost create');
    } finally {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.stop('SIGKILL');
      await emulator.close();
      await cleanup();
      await rm(statePath, { force: true });
      await rm(`${statePath}.lock`, { force: true });
    }
  });
});
