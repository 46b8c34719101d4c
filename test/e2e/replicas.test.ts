// Daemon replicas on one PostgreSQL state: real `agoractl reconcile --watch` processes sharing
// the projects of one manifest folder by lease, against the emulator, asserted on its world.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import { startTestEmulator, type StatePlayer, type TestEmulator } from '../emulator/helpers.ts';
import { manifestDir } from '../support/cli.ts';
import { closeSharedTestDatabase, sharedTestDatabase } from '../state/postgres-server.ts';
import { openPostgresStateStore } from '../../src/state/postgres-store.ts';
import { NOTIFICATION_SECRET, startDaemon, waitFor, type Daemon } from './daemon-harness.ts';
import { replicaAppId, replicaLeads, replicaManifests } from './replica-manifests.ts';

/** Short leases, so a dead replica's projects move within seconds (README "Replicas"). */
const TTL_ARGS = ['--lease-ttl', '3', '--resync', '3600'];

const database = sharedTestDatabase;
after(closeSharedTestDatabase);

const appId = replicaAppId;
const manifests = replicaManifests;
const leads = replicaLeads;

/** Every project's players exist exactly once; returns the world's players then. */
function converged(emulator: TestEmulator, projects: number, players: number) {
  return async (): Promise<StatePlayer[] | undefined> => {
    const world = await emulator.players();
    for (let i = 0; i < projects; i += 1) {
      for (let j = 0; j < players; j += 1) {
        if (world.filter((p) => p.appId === appId(i) && p.name === `p${i}-player${j}`).length !== 1) return undefined;
      }
    }
    return world;
  };
}

/** Which replica leads each project, once every project is led by exactly one of `daemons`. */
async function leaders(daemons: readonly Daemon[], projects: number): Promise<Map<string, Daemon> | undefined> {
  const byProject = new Map<string, Daemon>();
  for (const daemon of daemons) {
    for (const project of await leads(daemon)) {
      if (byProject.has(project)) return undefined;
      byProject.set(project, daemon);
    }
  }
  return byProject.size === projects ? byProject : undefined;
}

function sign(body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'agora-signature-v2': createHmac('sha256', NOTIFICATION_SECRET).update(body).digest('hex'),
    'agora-signature': createHmac('sha1', NOTIFICATION_SECRET).update(body).digest('hex'),
  };
}

/** The world holds only the manifests' players, and the state records exactly them. */
async function assertNoDuplicatesNorOrphans(emulator: TestEmulator, url: string, projects: number, players: number): Promise<void> {
  const world = await emulator.players();
  assert.equal(world.length, projects * players, `one player per manifest: ${world.map((p) => p.name).join(', ')}`);
  const store = await openPostgresStateStore(url);
  try {
    const recorded = Object.values((await store.load()).resources).map((r) => r.externalId).sort();
    assert.deepEqual(recorded, world.map((p) => p.id).sort(), 'the state records exactly the players in Agora');
  } finally {
    await store.close();
  }
}

async function scenario(files: Record<string, string>): Promise<{ emulator: TestEmulator; dir: string; url: string; daemons: Daemon[]; cleanup(): Promise<void> }> {
  const db = await database();
  const schema = db.newSchema();
  const emulator = await startTestEmulator();
  const { dir, cleanup } = await manifestDir(files);
  const daemons: Daemon[] = [];
  return {
    emulator,
    dir,
    url: schema.url,
    daemons,
    async cleanup() {
      for (const daemon of daemons) {
        if (daemon.child.exitCode === null && daemon.child.signalCode === null) {
          daemon.child.kill('SIGCONT');
          await daemon.stop('SIGKILL');
        }
      }
      await emulator.close();
      await cleanup();
      await rm(dir, { recursive: true, force: true });
      await schema.drop();
    },
  };
}

void describe('reconcile --watch replicas on a PostgreSQL state', { timeout: 240_000 }, () => {
  void test('three replicas share six projects, a webhook to a follower reaches the leader, and a SIGKILLed replica\'s projects move', async () => {
    const s = await scenario(manifests(6, 2));
    try {
      for (let i = 0; i < 3; i += 1) s.daemons.push(await startDaemon(s.dir, s.url, s.emulator, TTL_ARGS));
      await waitFor(converged(s.emulator, 6, 2), 60_000, () => `not converged: ${s.daemons.map((d) => d.stderr).join('\n')}`);
      const shared = await waitFor(
        async () => {
          const byProject = await leaders(s.daemons, 6);
          // Settled at the fair share (two each): a replica still above it will give a project up,
          // and the webhook below must reach the replica that leads its project then.
          return byProject && s.daemons.every((d) => [...byProject.values()].filter((l) => l === d).length === 2) ? byProject : undefined;
        },
        30_000,
        () => 'the projects were not shared among the three replicas',
      );
      await assertNoDuplicatesNorOrphans(s.emulator, s.url, 6, 2);
      const metrics = await (await fetch(`${s.daemons[0]?.url ?? ''}/metrics`)).text();
      assert.match(metrics, /agoractl_project_leader\{project="p\d"\} 1/);

      // A webhook sent to a replica that does not lead the project.
      const [project = '', leader] = [...shared].find(([, d]) => d === s.daemons[0]) ?? [];
      assert.ok(leader);
      const follower = s.daemons.find((d) => d !== leader);
      assert.ok(follower);
      const index = Number(project.slice(1));
      const victim = (await s.emulator.players()).find((p) => p.name === `${project}-player0`);
      assert.ok(victim);
      assert.equal((await s.emulator.call('DELETE', `/na/v1/projects/${appId(index)}/cloud-player/players/${victim.id}`)).status, 200);
      const body = JSON.stringify({
        noticeId: randomUUID(),
        productId: 4,
        eventType: 3,
        notifyMs: Date.now(),
        payload: { player: { id: victim.id, name: victim.name, channelName: victim.channelName } },
      });
      assert.equal((await fetch(`${follower.url}/webhooks/agora`, { method: 'POST', headers: sign(body), body })).status, 200);
      await leader.waitForLog((l) => l.event === 'webhook.relayed', 10_000);
      await waitFor(converged(s.emulator, 6, 2), 20_000, () => 'the leader did not recreate the player after the relayed webhook');

      // SIGKILL a replica that leads projects: the others take them within the TTL plus a pass.
      const killed = s.daemons[1];
      assert.ok(killed);
      const orphaned = await leads(killed);
      assert.ok(orphaned.length > 0);
      await killed.stop('SIGKILL');
      const killedAt = Date.now();
      const gone = (await s.emulator.players()).find((p) => p.name === `${orphaned[0] ?? ''}-player1`);
      assert.ok(gone);
      await s.emulator.call('DELETE', `/na/v1/projects/${appId(Number((orphaned[0] ?? '').slice(1)))}/cloud-player/players/${gone.id}`);
      const alive = s.daemons.filter((d) => d !== killed);
      await waitFor(() => leaders(alive, 6), 15_000, () => 'the killed replica\'s projects were not taken over');
      await waitFor(converged(s.emulator, 6, 2), 15_000, () => 'the taken-over project did not converge');
      assert.ok(Date.now() - killedAt < 3_000 + 2_000 + 10_000, 'taken over within the TTL, a tick and a pass');
      await assertNoDuplicatesNorOrphans(s.emulator, s.url, 6, 2);
    } finally {
      await s.cleanup();
    }
  });

  void test('a replica paused past its lease sends no create after it resumes, and the other finishes its project', async () => {
    // One project whose creates are paced at 1/s, so the first replica is mid-apply when paused.
    const s = await scenario(manifests(1, 8, { playerCreateNamed: { perSecond: 1 } }));
    try {
      const paused = await startDaemon(s.dir, s.url, s.emulator, TTL_ARGS);
      s.daemons.push(paused);
      await waitFor(async () => ((await s.emulator.players()).length >= 2 ? true : undefined), 30_000, () => `no player created: ${paused.stderr}`);
      paused.child.kill('SIGSTOP');
      const other = await startDaemon(s.dir, s.url, s.emulator, TTL_ARGS);
      s.daemons.push(other);
      await waitFor(async () => ((await leads(other)).includes('p0') ? true : undefined), 20_000, () => 'the project was not taken over');
      await waitFor(converged(s.emulator, 1, 8), 30_000, () => 'the other replica did not finish the project');
      const resumedAt = Date.now();
      paused.child.kill('SIGCONT');
      await paused.waitForLog((l) => l.event === 'replica.project_lost', 10_000);
      // Time for its pending creates to have been sent, had they not been fenced.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const log = (await s.emulator.control('GET', '/requests')).body as { time: number; method: string }[];
      assert.deepEqual(
        log.filter((r) => r.time >= resumedAt && r.method !== 'GET'),
        [],
        'no call changed Agora after the paused replica resumed',
      );
      await assertNoDuplicatesNorOrphans(s.emulator, s.url, 1, 8);
    } finally {
      await s.cleanup();
    }
  });
});
