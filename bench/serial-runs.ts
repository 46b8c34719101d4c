// The serial client's side of each scenario: the world it starts from (made quickly, outside
// the measurement) and the steps it takes, one request at a time (serial-client.ts).
import { createAgoraClient } from '../src/agora/client.ts';
import type { PlayerCreateBody } from '../src/agora/client.ts';
import type { Limits } from '../src/agora/limits.ts';
import type { BenchEmulator } from './bench-emulator.ts';
import { countCalls } from './bench-emulator.ts';
import { RECORDING_CONFIG, STORAGE } from './bench-manifests.ts';
import type { MixedChanges, PlayerDoc, RecordingDoc } from './bench-manifests.ts';
import { SerialClient, runSerially } from './serial-client.ts';

export interface SerialRun {
  /** Measured time, or the extrapolation when the run hit its cap. */
  ms: number;
  measuredMs: number;
  tooManyRequests: number;
  calls: number;
  steps: number;
  stepsDone: number;
  capped: boolean;
}

export type Step = (client: SerialClient) => Promise<unknown>;

/**
 * Runs the steps one after another until done or `capMs`; a capped run's time is extrapolated
 * from its pace so far (steps are spread evenly over the change set, so the pace is steady).
 */
export async function runSerialScenario(emulator: BenchEmulator, appId: string, steps: readonly Step[], capMs: number): Promise<SerialRun> {
  await emulator.takeRequests();
  const client = new SerialClient({ baseUrl: emulator.url, appId, ...emulator.credentials, deadline: Date.now() + capMs });
  const started = performance.now();
  let stepsDone: number;
  try {
    stepsDone = await runSerially(steps.map((step) => () => step(client)));
  } finally {
    await client.close();
  }
  const measuredMs = performance.now() - started;
  const counted = countCalls(await emulator.takeRequests(), appId);
  const capped = stepsDone < steps.length;
  return {
    ms: capped ? (measuredMs * steps.length) / Math.max(1, stepsDone) : measuredMs,
    measuredMs,
    tooManyRequests: counted.tooManyRequests,
    calls: counted.calls,
    steps: steps.length,
    stepsDone,
    capped,
  };
}

/** Creates players for a serial scenario's starting world, fast: concurrently and with creates unlimited. */
export async function seedPlayers(emulator: BenchEmulator, appId: string, limits: Limits, players: readonly PlayerDoc[]): Promise<void> {
  await emulator.setLimits({ playerCreateNamed: null });
  const client = createAgoraClient({ appId, ...emulator.credentials, endpoints: [emulator.url], limits: { ...limits, playerCreateNamed: null } });
  try {
    await Promise.all(
      players.map(async (p) => {
        const result = await client.players.create(p.spec.region, createBody(p));
        if (result.outcome !== 'created') throw new Error(`seeding ${p.name}: ${result.outcome}`);
      }),
    );
  } finally {
    await client.close();
    await emulator.setLimits({ playerCreateNamed: limits.playerCreateNamed });
  }
}

function createBody(p: PlayerDoc): PlayerCreateBody {
  return { name: p.name, ...p.spec };
}

export function createSteps(players: readonly PlayerDoc[]): Step[] {
  return players.map((p) => (client) => client.createPlayer(p.spec.region, { ...createBody(p) }));
}

/** List every player (the script did not create them), then delete each. */
export function deleteAllSteps(count: number): Step[] {
  const ids: string[] = [];
  const list: Step = async (client) => {
    for (const p of await client.listPlayers()) ids.push(p.id);
  };
  return [list, ...Array.from({ length: count }, (_, i): Step => (client) => deleteListed(client, ids[i]))];
}

async function deleteListed(client: SerialClient, id: string | undefined): Promise<void> {
  if (id === undefined) throw new Error('List returned fewer players than the scenario made');
  await client.deletePlayer('na', id);
}

/**
 * The mixed change set as a script carries it out: List for the ids, then the changes in
 * manifest order (updates, replacements, removals, additions), one request at a time.
 */
export function mixedSteps(before: readonly PlayerDoc[], after: readonly PlayerDoc[], changes: MixedChanges): Step[] {
  const ids = new Map<string, string>();
  const list: Step = async (client) => {
    for (const p of await client.listPlayers()) if (p.name) ids.set(p.name, p.id);
  };
  const idOf = (name: string): string => {
    const id = ids.get(name);
    if (id === undefined) throw new Error(`List did not show ${name}`);
    return id;
  };
  const wanted = new Map(after.map((p) => [p.name, p]));
  const steps: Step[] = [list];
  for (const [i, old] of before.entries()) {
    const next = wanted.get(old.name);
    if (i < changes.update && next) {
      steps.push((client) => client.updatePlayer(old.spec.region, idOf(old.name), 1, { streamUrl: next.spec.streamUrl }));
    } else if (i < changes.update + changes.replace && next) {
      steps.push(async (client) => {
        await client.deletePlayer(old.spec.region, idOf(old.name));
        await client.createPlayer(next.spec.region, { ...createBody(next) });
      });
    } else if (!next) {
      steps.push((client) => client.deletePlayer(old.spec.region, idOf(old.name)));
    }
  }
  const existing = new Set(before.map((p) => p.name));
  for (const p of after) if (!existing.has(p.name)) steps.push((client) => client.createPlayer(p.spec.region, { ...createBody(p) }));
  return steps;
}

export interface SerialSession {
  resourceId: string;
  sid: string;
  cname: string;
  uid: string;
}

/** acquire + start per recording, as the vendor's sample does; the sessions are kept for stopping. */
export function startSteps(recordings: readonly RecordingDoc[], sessions: SerialSession[]): Step[] {
  return recordings.map((r) => async (client) => {
    const uid = String(r.uid);
    const resourceId = await client.acquire(r.cname, uid);
    const sid = await client.start(resourceId, 'mix', {
      cname: r.cname,
      uid,
      clientRequest: { recordingConfig: RECORDING_CONFIG, storageConfig: { ...STORAGE, accessKey: 'bench-access-key', secretKey: 'bench-secret-key' } },
    });
    sessions.push({ resourceId, sid, cname: r.cname, uid });
  });
}

/** query, then stop, per recording: the sample's order (it queries before it stops). */
export function stopSteps(sessions: readonly SerialSession[]): Step[] {
  return sessions.map((s) => async (client) => {
    await client.query(s.resourceId, s.sid, 'mix');
    await client.stop(s.resourceId, s.sid, 'mix', s.cname, s.uid);
  });
}
