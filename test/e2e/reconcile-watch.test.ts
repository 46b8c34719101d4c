import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestEmulator, type StatePlayer, type TestEmulator } from '../emulator/helpers.ts';
import { manifestDir } from '../support/cli.ts';
import { parsePrometheusText } from '../daemon/prometheus-text.ts';
import { APP_ID, NOTIFICATION_SECRET, playerYaml, projectYaml, startDaemon, waitFor, type Daemon } from './daemon-harness.ts';
import type { StateSnapshot } from '../../src/state/types.ts';

interface Scenario {
  emulator: TestEmulator;
  dir: string;
  statePath: string;
  daemon: Daemon;
  cleanup(): Promise<void>;
}

async function scenario(files: Record<string, string>, args: string[] = []): Promise<Scenario> {
  const emulator = await startTestEmulator();
  const { dir, cleanup } = await manifestDir(files);
  const statePath = join(dir, '..', `${dir.split('/').pop() ?? 'x'}-state.json`);
  const daemon = await startDaemon(dir, statePath, emulator, args);
  return {
    emulator,
    dir,
    statePath,
    daemon,
    async cleanup() {
      if (daemon.child.exitCode === null) await daemon.stop();
      await emulator.close();
      await cleanup();
      await rm(statePath, { force: true });
      await rm(`${statePath}.lock`, { force: true });
    },
  };
}

const players = async (emulator: TestEmulator): Promise<StatePlayer[]> => (await emulator.players()).filter((p) => p.appId === APP_ID);
const named = async (emulator: TestEmulator, name: string): Promise<StatePlayer[]> => (await players(emulator)).filter((p) => p.name === name);
const exactlyOne = (emulator: TestEmulator, name: string, not?: string) => async (): Promise<StatePlayer | undefined> => {
  const found = await named(emulator, name);
  return found.length === 1 && found[0]?.id !== not ? found[0] : undefined;
};

function sign(body: string, secret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'agora-signature-v2': createHmac('sha256', secret).update(body).digest('hex'),
    'agora-signature': createHmac('sha1', secret).update(body).digest('hex'),
  };
}

describe('agoractl reconcile --watch', () => {
  test('a player added to a manifest file is created, and removing the file deletes it', async () => {
    const s = await scenario({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1) });
    try {
      await waitFor(exactlyOne(s.emulator, 'a'), 20_000, () => 'a was not created');
      await writeFile(join(s.dir, 'b.yaml'), playerYaml('b', 2));
      await waitFor(exactlyOne(s.emulator, 'b'), 20_000, () => `b not created after the save: ${s.daemon.stderr}`);
      await rm(join(s.dir, 'b.yaml'));
      await waitFor(async () => ((await named(s.emulator, 'b')).length === 0 ? true : undefined), 20_000, () => 'b not deleted');
      assert.deepEqual((await players(s.emulator)).map((p) => p.name), ['a']);
    } finally {
      await s.cleanup();
    }
  });

  test('an invalid edit is reported and changes nothing', async () => {
    const s = await scenario({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1) });
    try {
      const before = await waitFor(exactlyOne(s.emulator, 'a'), 20_000, () => 'a was not created');
      // Half a file, as an editor or a git pull may leave it for a moment: never "delete everything".
      await writeFile(join(s.dir, 'a.yaml'), playerYaml('a', 1).slice(0, 40));
      const report = await s.daemon.waitForLog((l) => l.event === 'manifests.invalid');
      assert.match(String(report.detail), /a\.yaml:\d+:\d+/);
      await writeFile(join(s.dir, 'c.yaml'), playerYaml('c', 3, { videoOptions: { width: 5000 } }));
      await s.daemon.waitForLog((l) => l.event === 'manifests.invalid' && /videoOptions\.width/.test(String(l.detail)));
      assert.deepEqual((await players(s.emulator)).map((p) => p.id), [before.id]);
    } finally {
      await s.cleanup();
    }
  });

  test('a player deleted behind agoractl\'s back is healed when Agora notifies', async () => {
    const s = await scenario({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1) }, ['--resync', '3600']);
    try {
      const first = await waitFor(exactlyOne(s.emulator, 'a'), 20_000, () => 'a was not created');
      await s.emulator.control('PUT', '/webhook', { url: `${s.daemon.url}/webhooks/agora`, secret: NOTIFICATION_SECRET });
      const gone = await s.emulator.call('DELETE', `/na/v1/projects/${APP_ID}/cloud-player/players/${first.id}`);
      assert.equal(gone.status, 200);
      const healed = await waitFor(exactlyOne(s.emulator, 'a', first.id), 20_000, () => `not healed: ${JSON.stringify(s.daemon.logs.slice(-5))}`);
      assert.notEqual(healed.id, first.id);
    } finally {
      await s.cleanup();
    }
  });

  test('with notifications off, the next resync heals a deleted player', async () => {
    const s = await scenario({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1) }, ['--resync', '1']);
    try {
      const first = await waitFor(exactlyOne(s.emulator, 'a'), 20_000, () => 'a was not created');
      await s.emulator.call('DELETE', `/na/v1/projects/${APP_ID}/cloud-player/players/${first.id}`);
      await waitFor(exactlyOne(s.emulator, 'a', first.id), 20_000, () => 'not healed by resync');
    } finally {
      await s.cleanup();
    }
  });

  test('a player whose stream fails is replaced, once per failure', async () => {
    const s = await scenario({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1) }, ['--resync', '1']);
    try {
      const first = await waitFor(async () => (await named(s.emulator, 'a')).find((p) => p.status === 'running'), 20_000, () => 'a never ran');
      await s.emulator.control('PUT', '/streams', { url: first.streamUrl, playable: false });
      await waitFor(async () => ((await s.emulator.player(first.id))?.status === 'failed' || !(await s.emulator.player(first.id)) ? true : undefined), 20_000, () => 'stream did not fail');
      await s.emulator.control('PUT', '/streams', { url: first.streamUrl, playable: true });
      const replaced = await waitFor(exactlyOne(s.emulator, 'a', first.id), 20_000, () => 'failed player not replaced');
      assert.notEqual(replaced.id, first.id);
    } finally {
      await s.cleanup();
    }
  });

  describe('its HTTP endpoints', () => {
    let s: Scenario;
    before(async () => {
      s = await scenario({ 'project.yaml': projectYaml(), 'a.yaml': playerYaml('a', 1) });
      await waitFor(exactlyOne(s.emulator, 'a'), 20_000, () => 'a was not created');
    });
    after(() => s.cleanup());

    test('a forged webhook is refused with 401 and changes nothing', async () => {
      const before = await players(s.emulator);
      const body = JSON.stringify({ noticeId: 'n-1', productId: 4, eventType: 3, notifyMs: Date.now(), payload: { player: { name: 'a', id: before[0]?.id, channelName: 'class32' } } });
      const forged = await fetch(`${s.daemon.url}/webhooks/agora`, { method: 'POST', headers: sign(body, 'not-the-secret'), body });
      assert.equal(forged.status, 401);
      const unsigned = await fetch(`${s.daemon.url}/webhooks/agora`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(unsigned.status, 401);
      const genuine = await fetch(`${s.daemon.url}/webhooks/agora`, { method: 'POST', headers: sign(body, NOTIFICATION_SECRET), body });
      assert.equal(genuine.status, 200);
      assert.equal(typeof (await genuine.json()), 'object');
      assert.deepEqual(await players(s.emulator), before);
    });

    test('/metrics is Prometheus text with the API calls made', async () => {
      const res = await fetch(`${s.daemon.url}/metrics`);
      assert.equal(res.status, 200);
      const exposition = parsePrometheusText(await res.text());
      const calls = exposition.samples.filter((x) => x.name === 'agoractl_api_calls_total');
      assert.ok(calls.some((x) => x.labels.endpoint === 'playerCreateNamed' && x.labels.status === '200'));
      assert.ok(exposition.samples.some((x) => x.name === 'agoractl_queue_depth'));
    });

    test('/healthz and /readyz answer 200 once the first reconcile is done', async () => {
      assert.equal((await fetch(`${s.daemon.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${s.daemon.url}/readyz`)).status, 200);
    });
  });

  test('SIGTERM mid-apply leaves no orphan, and the next start converges', async () => {
    const slow = { playerCreateNamed: { perSecond: 2 } };
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
    const files: Record<string, string> = { 'project.yaml': projectYaml(slow) };
    names.forEach((n, i) => (files[`${n}.yaml`] = playerYaml(n, i + 1)));
    const s = await scenario({ 'project.yaml': projectYaml(slow) });
    try {
      for (const [file, text] of Object.entries(files)) await writeFile(join(s.dir, file), text);
      await s.daemon.waitForLog((l) => l.event === 'resource.action' && l.action === 'create');
      assert.equal(await s.daemon.stop('SIGTERM'), 0);
      const state = JSON.parse(await readFile(s.statePath, 'utf8')) as StateSnapshot;
      const owned = new Set(Object.values(state.resources).map((r) => r.externalId));
      const existing = await players(s.emulator);
      assert.ok(existing.length < names.length, 'the apply was not interrupted');
      for (const p of existing) assert.ok(owned.has(p.id), `player ${p.name} exists but state does not record it`);

      const again = await startDaemon(s.dir, s.statePath, s.emulator);
      try {
        await waitFor(async () => ((await players(s.emulator)).length === names.length ? true : undefined), 30_000, () => 'did not converge');
        const final = await players(s.emulator);
        assert.deepEqual(final.map((p) => p.name).sort(), names);
      } finally {
        await again.stop();
      }
    } finally {
      await s.cleanup();
    }
  });
});
