// What an operator sees of a degraded `agoractl reconcile --watch`, and that degraded never means
// "delete": a real daemon process, a real emulator, the manifest folder on disk.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestEmulator, type StatePlayer, type TestEmulator } from '../emulator/helpers.ts';
import { manifestDir } from '../support/cli.ts';
import { APP_ID, playerYaml, projectYaml, startDaemon, waitFor } from './daemon-harness.ts';
import type { DaemonStatusReport } from '../../src/daemon/status.ts';
import { parsePrometheusText, sampleValue } from '../daemon/prometheus-text.ts';

const originSiteYaml = JSON.stringify({
  apiVersion: 'agoractl/v1',
  kind: 'OriginSite',
  metadata: { name: 'live', project: 'prod' },
  spec: { enabled: true, callbackUrl: 'https://hooks.example.com/origin', routes: [{ stream: 'class*', url: 'rtmp://origin.example.com/live/{stream}' }] },
});

const playerNames = async (emulator: TestEmulator): Promise<string[]> =>
  (await emulator.players()).filter((p: StatePlayer) => p.appId === APP_ID).map((p) => p.name ?? '').sort();

async function status(url: string): Promise<DaemonStatusReport> {
  return (await (await fetch(`${url}/status`)).json()) as DaemonStatusReport;
}

describe('agoractl reconcile --watch, degraded', () => {
  test('invalid manifests and a folder renamed away keep the daemon serving, reported in /status, deleting nothing', async () => {
    const emulator = await startTestEmulator();
    const { dir, cleanup } = await manifestDir({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1), 'b.yaml': playerYaml('b', 2), 'origin.yaml': originSiteYaml });
    const statePath = `${dir}-state.json`;
    const daemon = await startDaemon(dir, statePath, emulator, ['--resync', '1']);
    try {
      await waitFor(async () => ((await playerNames(emulator)).length === 2 ? true : undefined), 20_000, () => `players not created: ${daemon.stderr}`);
      const first = await status(daemon.url);
      assert.equal(first.manifests.valid, true);
      await waitFor(async () => {
        const metrics = parsePrometheusText(await (await fetch(`${daemon.url}/metrics`)).text());
        return sampleValue(metrics, 'agoractl_resources', { kind: 'CloudPlayer', status: 'in_sync' }) === 2 ? true : undefined;
      }, 20_000, () => 'agoractl_resources never counted the two players in sync');

      // An invalid edit after a valid set: still ready, the error says where, viewers still get their origin.
      await writeFile(join(dir, 'c.yaml'), playerYaml('c', 3, { videoOptions: { width: 5000 } }));
      const invalid = await waitFor(async () => {
        const s = await status(daemon.url);
        return s.manifests.valid ? undefined : s;
      }, 20_000, () => 'the invalid edit never showed in /status');
      const problem = invalid.manifests.lastError?.problems.find((p) => p.path?.includes('videoOptions.width'));
      assert.match(`${problem?.file ?? ''}:${problem?.line ?? ''}`, /c\.yaml:\d+$/);
      assert.equal(invalid.manifests.generation, first.manifests.generation);
      assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);
      const origin = await fetch(`${daemon.url}/fls/origin?entry_point=live&stream_name=class7`);
      assert.deepEqual([origin.status, await origin.json()], [200, { url: 'rtmp://origin.example.com/live/class7' }]);
      await rm(join(dir, 'c.yaml'));

      // The folder renamed away: resyncs go on with the last valid set, nothing is deleted.
      await rename(dir, `${dir}.moved`);
      const missing = await waitFor(async () => {
        const s = await status(daemon.url);
        return s.manifests.lastError?.problems.some((p) => p.code === 'path-not-found') ? s : undefined;
      }, 20_000, () => 'the missing folder never showed in /status');
      const passAt = missing.projects.prod?.at ?? 0;
      await waitFor(async () => ((await status(daemon.url)).projects.prod?.at ?? 0) > passAt + 1_000 ? true : undefined, 20_000, () => 'no resync pass while the folder was away');
      assert.deepEqual(await playerNames(emulator), ['a', 'b']);
      assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);

      // Back, then an edit: the daemon sees it again.
      await rename(`${dir}.moved`, dir);
      await waitFor(async () => ((await status(daemon.url)).manifests.valid ? true : undefined), 20_000, () => 'the returned folder was not loaded');
      await writeFile(join(dir, 'd.yaml'), playerYaml('d', 4));
      await waitFor(async () => ((await playerNames(emulator)).includes('d') ? true : undefined), 20_000, () => `edit after the folder came back not applied: ${daemon.stderr}`);
      assert.deepEqual(await playerNames(emulator), ['a', 'b', 'd']);
    } finally {
      await daemon.stop();
      await emulator.close();
      await rm(`${dir}.moved`, { recursive: true, force: true });
      await cleanup();
      await rm(statePath, { force: true });
      await rm(`${statePath}.lock`, { force: true });
    }
  });
});
