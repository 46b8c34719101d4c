// Convergence against the rate-limit floor (issue 5): agoractl applies each scenario's
// manifests to the benchmark's emulator (on a thread of this process) whose limits are Agora's
// compressed k times, on loopback and at Agora's round trip (floor.ts), and a serial client (serial-client.ts) makes the same change in its own App
// ID of the same emulator. Each run is timed, its 429s counted from the emulator's request log,
// and the world checked afterwards.
//
//   npx tsx bench/converge.ts [--quick] [--loopback]   (or through bench/run.ts: runConvergeBench())
// agoractl runs as the compiled CLI in a process of its own (agoractl-runner.ts): `npm run build` first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { resolveLimits } from '../src/agora/limits.ts';
import { AgoractlFamily } from './agoractl-runner.ts';
import { formatConvergeTable } from './converge-report.ts';
import { BenchEmulator, countCalls } from './bench-emulator.ts';
import { appIdFor, mixedDocs, playerDocs, recordingDocs } from './bench-manifests.ts';
import type { MixedChanges, PlayerDoc, RecordingDoc } from './bench-manifests.ts';
import { REAL_ROUND_TRIP_MS, listPages, runFloor, timeScale } from './floor.ts';
import type { ClassCalls, Floor, TimeScale } from './floor.ts';
import { createSteps, deleteAllSteps, mixedSteps, runSerialScenario, seedPlayers, startSteps, stopSteps } from './serial-runs.ts';
import type { SerialRun, SerialSession } from './serial-runs.ts';
import { assertNoDifferences, playerDifferences, recordingDifferences } from './world-check.ts';

export interface ConvergeOptions {
  /**
   * Players of a 0 → N run at Agora's documented limits and round trip (time scale 1): the
   * check that what the scaled runs show holds unscaled.
   */
  documentedPlayers?: number;
  /** Players of the 0 → N scenario (and the world the mixed change set starts from). */
  players?: number;
  mixed?: MixedChanges;
  /** Players of the N → 0 scenario: deletes are fast, so it needs more of them for a floor of seconds. */
  deletePlayers?: number;
  recordings?: number;
  /** The serial client stops after this long and its time is extrapolated. */
  serialCapMs?: number;
  /** Pause before each agoractl run, so that it starts with every per-second window empty. */
  settleMs?: number;
  /**
   * The round trips the players' scenarios run at, each a run of its own: 0 is loopback (what
   * agoractl's own work costs over the floor), REAL_ROUND_TRIP_MS Agora's (the owner's target
   * holds there too: each window costs a round trip more when a slot is held to the answer).
   */
  roundTrips?: readonly number[];
  log?: (line: string) => void;
}

export const DEFAULT_CONVERGE: Required<Omit<ConvergeOptions, 'log'>> = {
  documentedPlayers: 20,
  players: 200,
  mixed: { update: 50, replace: 30, remove: 30, add: 50 },
  deletePlayers: 1000,
  recordings: 100,
  serialCapMs: 15_000,
  settleMs: 1_100,
  roundTrips: [0, REAL_ROUND_TRIP_MS],
};

/**
 * The time scale of each kind of scenario: creates are slow (2/s), so they are compressed most;
 * deletes (100/s) and recordings (10/s) less, keeping the process's CPU well below the rate
 * (floor.ts). The mixed change set is bound by its creates, so it runs at the create scale.
 */
export const SCALES = { create: 10, delete: 2, recording: 4 } as const;

export interface AgoractlRun {
  ms: number;
  calls: number;
  tooManyRequests: number;
  /** The next plan found nothing to change, and the world matched the manifests. */
  converged: boolean;
  summary: string;
}

export interface ScenarioResult {
  scenario: string;
  n: number;
  /** What the scenario does, for the legend under the table. */
  description: string;
  scale: { k: number; latencyMs: number };
  floor: Floor;
  /** The same calls' floor at Agora's documented limits. */
  realFloor: Floor;
  agoractl: AgoractlRun;
  serial: SerialRun;
}

export async function runConvergeBench(options: ConvergeOptions = {}): Promise<ScenarioResult[]> {
  const o = { ...DEFAULT_CONVERGE, ...options };
  const emulator = await BenchEmulator.start(timeScale(1).limits);
  const directory = await mkdtemp(join(tmpdir(), 'agoractl-bench-'));
  const results: ScenarioResult[] = [];
  const report = (result: ScenarioResult): void => {
    results.push(result);
    o.log?.(`  ${result.scenario}: agoractl ${(result.agoractl.ms / 1000).toFixed(2)} s, serial ${(result.serial.ms / 1000).toFixed(2)} s${result.serial.capped ? ' (extrapolated)' : ''}`);
  };
  try {
    const run = new Runner(emulator, o.serialCapMs, o.settleMs);

    // Players 0 → N at the documented limits and round trip, unscaled.
    const documented = playerDocs(o.documentedPlayers);
    report(
      await run.scenario({
        scenario: 'players 0 → N, unscaled',
        n: o.documentedPlayers,
        description: `${o.documentedPlayers} named creates over ${Math.ceil(o.documentedPlayers / 4)} channels at Agora's documented limits`,
        phases: [{ playerListUnfiltered: 1 }, { playerCreateNamed: o.documentedPlayers }],
        scale: timeScale(1),
        latencyMs: REAL_ROUND_TRIP_MS,
        family: new AgoractlFamily(emulator, appIdFor('agoractl-real'), join(directory, 'documented')),
        players: documented,
        serialAppId: appIdFor('serial-real'),
        serialSteps: createSteps(documented),
      }),
    );

    for (const latencyMs of o.roundTrips) {
      const net = networkName(latencyMs);
      // Players 0 → N, then the mixed change set on the same project.
      const players = new AgoractlFamily(emulator, appIdFor(`agoractl-p-${latencyMs}`), join(directory, `players-${latencyMs}`));
      const start = playerDocs(o.players);
      report(
        await run.scenario({
          scenario: `players 0 → N, ${net}`,
          n: o.players,
          description: `${o.players} named creates over ${Math.ceil(o.players / 4)} channels`,
          phases: [{ playerListUnfiltered: 1 }, { playerCreateNamed: o.players }],
          scale: timeScale(SCALES.create),
          latencyMs,
          family: players,
          players: start,
          serialAppId: appIdFor(`serial-p-${latencyMs}`),
          serialSteps: createSteps(start),
        }),
      );

      const mixed = mixedDocs(o.players, o.mixed);
      const m = o.mixed;
      report(
        await run.scenario({
          scenario: `mixed change set, ${net}`,
          n: m.update + m.replace + m.remove + m.add,
          description: `of ${o.players} players: ${m.update} streamUrl updates, ${m.replace} region changes (delete + create), ${m.remove} removed, ${m.add} added`,
          phases: [
            { playerListUnfiltered: listPages(o.players) },
            { playerCreateNamed: m.replace + m.add, playerDelete: m.replace + m.remove, playerUpdate: m.update },
          ],
          scale: timeScale(SCALES.create),
          latencyMs,
          family: players,
          players: mixed,
          serialAppId: appIdFor(`serial-mix-${latencyMs}`),
          serialSeed: start,
          serialSteps: mixedSteps(start, mixed, m),
        }),
      );

      // Players N → 0, from a world made quickly beforehand.
      const deleting = new AgoractlFamily(emulator, appIdFor(`agoractl-del-${latencyMs}`), join(directory, `delete-${latencyMs}`));
      const many = playerDocs(o.deletePlayers);
      const deleteScale = timeScale(SCALES.delete);
      await run.seedAgoractl(deleting, deleteScale, many);
      report(
        await run.scenario({
          scenario: `players N → 0, ${net}`,
          n: o.deletePlayers,
          description: `${o.deletePlayers} deletes over ${Math.ceil(o.deletePlayers / 4)} channels`,
          phases: [{ playerListUnfiltered: listPages(o.deletePlayers) }, { playerDelete: o.deletePlayers }],
          scale: deleteScale,
          latencyMs,
          family: deleting,
          players: [],
          allowMassDelete: true,
          serialAppId: appIdFor(`serial-del-${latencyMs}`),
          serialSeed: many,
          serialSteps: deleteAllSteps(o.deletePlayers),
        }),
      );
    }

    // Recordings 0 → N and N → 0, at their scaled round trip.
    const recording = new AgoractlFamily(emulator, appIdFor('agoractl-record'), join(directory, 'recordings'));
    const wanted = recordingDocs(o.recordings);
    const sessions: SerialSession[] = [];
    const serialRecordings = appIdFor('serial-record');
    const recordingScale = timeScale(SCALES.recording);
    report(
      await run.scenario({
        scenario: 'recordings 0 → N',
        n: o.recordings,
        description: `${o.recordings} recordings (acquire + start), one per channel`,
        phases: [{ recording: 2 * o.recordings }],
        scale: recordingScale,
        latencyMs: recordingScale.latencyMs,
        family: recording,
        players: [],
        recordings: wanted,
        serialAppId: serialRecordings,
        serialSteps: startSteps(wanted, sessions),
      }),
    );
    report(
      await run.scenario({
        scenario: 'recordings N → 0',
        n: o.recordings,
        description: `${o.recordings} recordings observed (query) and stopped`,
        phases: [{ recording: o.recordings }, { recording: o.recordings }],
        scale: recordingScale,
        latencyMs: recordingScale.latencyMs,
        family: recording,
        players: [],
        allowMassDelete: true,
        serialAppId: serialRecordings,
        serialSteps: stopSteps(sessions),
      }),
    );
  } finally {
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  }
  return results;
}

function networkName(latencyMs: number): string {
  return latencyMs === 0 ? 'loopback' : `${latencyMs} ms`;
}

interface ScenarioSpec {
  scenario: string;
  n: number;
  description: string;
  /** The calls agoractl must make, phase by phase: what the floor is computed from. */
  phases: ClassCalls[];
  scale: TimeScale;
  /** The network's round trip in this run. */
  latencyMs: number;
  family: AgoractlFamily;
  players: readonly PlayerDoc[];
  recordings?: readonly RecordingDoc[];
  allowMassDelete?: boolean;
  serialAppId: string;
  /** The serial client's starting world, made unmeasured. */
  serialSeed?: readonly PlayerDoc[];
  serialSteps: Parameters<typeof runSerialScenario>[2];
}

class Runner {
  constructor(
    private readonly emulator: BenchEmulator,
    private readonly serialCapMs: number,
    private readonly settleMs: number,
  ) {}

  async scenario(spec: ScenarioSpec): Promise<ScenarioResult> {
    const recordings = spec.recordings ?? [];
    const { limits } = spec.scale;
    const { latencyMs } = spec;
    await this.emulator.setLimits(limits);
    await this.emulator.setLatency(latencyMs);
    await spec.family.declare(limits, spec.players, recordings);
    const agoractl = await this.#agoractl(spec.family, spec.allowMassDelete);
    const world = await this.emulator.state();
    assertNoDifferences(`${spec.scenario} (agoractl)`, [
      ...playerDifferences(world, spec.family.appId, spec.players),
      ...recordingDifferences(world, spec.family.appId, recordings),
    ]);

    // The serial client has an App ID of its own, whose windows agoractl's run did not touch.
    if (spec.serialSeed) await seedPlayers(this.emulator, spec.serialAppId, limits, spec.serialSeed);
    const serial = await runSerialScenario(this.emulator, spec.serialAppId, spec.serialSteps, this.serialCapMs);
    if (!serial.capped) {
      const after = await this.emulator.state();
      assertNoDifferences(`${spec.scenario} (serial client)`, [
        ...playerDifferences(after, spec.serialAppId, spec.players),
        ...recordingDifferences(after, spec.serialAppId, recordings),
      ]);
    }
    return {
      scenario: spec.scenario,
      n: spec.n,
      description: spec.description,
      scale: { k: spec.scale.k, latencyMs },
      floor: runFloor(spec.phases, limits),
      realFloor: runFloor(spec.phases, resolveLimits()),
      agoractl,
      serial,
    };
  }

  async #agoractl(family: AgoractlFamily, allowMassDelete?: boolean): Promise<AgoractlRun> {
    await sleep(this.settleMs);
    await this.emulator.takeRequests();
    const applied = await family.apply({ allowMassDelete });
    const counted = countCalls(await this.emulator.takeRequests(), family.appId);
    const converged = await family.converged();
    return { ms: applied.ms, calls: counted.calls, tooManyRequests: counted.tooManyRequests, converged, summary: applied.summary };
  }

  /** Makes agoractl's starting world with creates unlimited (both in the emulator and in the project's limits). */
  async seedAgoractl(family: AgoractlFamily, scale: TimeScale, players: readonly PlayerDoc[]): Promise<void> {
    const unlimited = { ...scale.limits, playerCreateNamed: null };
    await this.emulator.setLimits(unlimited);
    await this.emulator.setLatency(0);
    await family.declare(unlimited, players);
    await family.apply();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const results = await runConvergeBench({
    ...(quick ? { documentedPlayers: 6, players: 40, mixed: { update: 10, replace: 5, remove: 5, add: 10 }, deletePlayers: 200, recordings: 40, serialCapMs: 10_000 } : {}),
    ...(process.argv.includes('--loopback') ? { roundTrips: [0] } : {}),
    log: (line) => console.log(line),
  });
  for (const line of formatConvergeTable(results)) console.log(line);
}
