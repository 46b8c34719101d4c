// Daemon replicas sharing projects on one PostgreSQL state: R `reconcile --watch` replicas on P
// projects of N players each (each project its own App ID and its own limits) against the
// emulator. Reports the time to converge as a ratio of the rate floor (per project: N named
// creates at its named-create rate; projects run in parallel, so the floor is one project's),
// then SIGKILLs a replica and reports how long until its projects are led by the others, and
// until a player deleted in one of them is back.
//
//   npx tsx bench/replicas.ts [--replicas 3] [--projects 30] [--players 50] [--ttl 3]
//
// Needs PostgreSQL: AGORACTL_TEST_DATABASE_URL (default the local server), or the embedded
// fallback. The full size takes about a minute; not part of `npm run bench`.
import { parseArgs } from 'node:util';
import { rm, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCUMENTED_LIMITS } from '../src/agora/limits.ts';
import { startTestEmulator, type TestEmulator } from '../test/emulator/helpers.ts';
import { startTestDatabase } from '../test/state/postgres-server.ts';
import { startDaemon, waitFor, type Daemon } from '../test/e2e/daemon-harness.ts';
import { replicaAppId, replicaLeads, replicaManifests } from '../test/e2e/replica-manifests.ts';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '3' },
    projects: { type: 'string', default: '30' },
    players: { type: 'string', default: '50' },
    ttl: { type: 'string', default: '3' },
  },
});
const replicas = Number(values.replicas);
const projects = Number(values.projects);
const players = Number(values.players);
const ttl = values.ttl;

const appId = replicaAppId;

async function writeManifests(dir: string): Promise<void> {
  for (const [name, text] of Object.entries(replicaManifests(projects, players))) await writeFile(join(dir, name), text);
}

async function convergedCount(emulator: TestEmulator): Promise<number> {
  return new Set((await emulator.players()).map((p) => `${p.appId}/${p.name ?? ''}`)).size;
}

const leads = replicaLeads;

async function main(): Promise<void> {
  const db = await startTestDatabase();
  const schema = db.newSchema();
  const emulator = await startTestEmulator();
  const dir = await mkdtemp(join(tmpdir(), 'agoractl-replicas-'));
  const daemons: Daemon[] = [];
  try {
    await writeManifests(dir);
    const rate = DOCUMENTED_LIMITS.playerCreateNamed?.perSecond ?? 2;
    const floorMs = (players / rate) * 1000;
    const start = Date.now();
    for (let i = 0; i < replicas; i += 1) daemons.push(await startDaemon(dir, schema.url, emulator, ['--lease-ttl', ttl, '--resync', '3600']));
    await waitFor(async () => ((await convergedCount(emulator)) === projects * players ? true : undefined), 600_000, () => 'did not converge');
    const convergeMs = Date.now() - start;
    const total = (await emulator.players()).length;
    const shares = await Promise.all(daemons.map(async (d) => (await leads(d)).length));

    const victim = daemons[0];
    if (!victim) throw new Error('no replica');
    const orphaned = await leads(victim);
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    const first = orphaned[0] ?? 'p0';
    const gone = (await emulator.players()).find((p) => p.name === `${first}-player0`);
    if (gone) await emulator.call('DELETE', `/na/v1/projects/${appId(Number(first.slice(1)))}/cloud-player/players/${gone.id}`);
    const alive = daemons.slice(1);
    await waitFor(
      async () => {
        const led = new Set((await Promise.all(alive.map(leads))).flat());
        return orphaned.every((p) => led.has(p)) ? true : undefined;
      },
      120_000,
      () => 'not taken over',
    );
    const takeoverMs = Date.now() - killedAt;
    await waitFor(async () => ((await convergedCount(emulator)) === projects * players ? true : undefined), 120_000, () => 'not healed');
    const healMs = Date.now() - killedAt;

    process.stdout.write(
      [
        `replicas ${replicas}, projects ${projects} x ${players} players, lease TTL ${ttl} s`,
        `converge: ${(convergeMs / 1000).toFixed(1)} s, floor ${(floorMs / 1000).toFixed(1)} s (${players} named creates at ${rate}/s per project): ratio ${(convergeMs / floorMs).toFixed(2)}`,
        `players in Agora: ${total} (expected ${projects * players}); projects led per replica: ${shares.join(', ')}`,
        `SIGKILL of a replica leading ${orphaned.length} projects: taken over in ${(takeoverMs / 1000).toFixed(1)} s, a deleted player back in ${(healMs / 1000).toFixed(1)} s`,
      ].join('\n') + '\n',
    );
  } finally {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) await d.stop('SIGKILL');
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
    await schema.drop();
    await db.close();
  }
}

await main();
