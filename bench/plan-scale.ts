// The cost of planning at scale (issue 5): 100,000 desired players against 100,000 observed
// ones, built in memory, planned with the engine's pure buildPlan. Targets: < 1 s, < 300 MB.
//
// The mix, for n players (n = 100,000):
//   desired 0 .. n-1, observed n/10 .. n + n/10 - 1 (n each), state for every managed one:
//   - n/10 desired and missing from Agora        → create
//   - n/20 with a new streamUrl                  → update (in place)
//   - n/20 with a new region                     → replace (not updatable: spec hash differs)
//   - 8n/10 in sync                              → nothing
//   - n/10 observed and not desired: half in state → delete, half not → unmanaged
//
// Memory is measured in a process of its own, with --expose-gc: the heap the inputs take, the
// heap the plan keeps, and the process's peak resident set (inputs and planning together).
//
//   npx tsx bench/plan-scale.ts [--players 100000]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { PlanInput } from '../src/engine/plan.ts';
import { buildPlan } from '../src/engine/plan.ts';
import type { DesiredResource, KindObservation, ObservedResource } from '../src/resources/kind.ts';
import { createCloudPlayerModule } from '../src/resources/cloud-player/index.ts';
import { playerHash, updatableValues, type CloudPlayerSpec } from '../src/resources/cloud-player/model.ts';
import type { ResourceState } from '../src/state/types.ts';
import { resourceKey, type ResourceKey } from '../src/state/resource-key.ts';

const PROJECT = 'scale';
const KIND = 'CloudPlayer';
const NOW = Date.UTC(2025, 0, 1);

export interface PlanScaleResult {
  players: number;
  desired: number;
  observed: number;
  managed: number;
  /** buildPlan's time: the first run (what one CLI run does), and the median of the runs after it (a warm process). */
  firstMs: number;
  warmMs: number;
  summary: Record<string, number>;
  unmanaged: number;
  errors: number;
  /** The process's resident set before it built anything (Node, tsx, the modules). */
  baseRssMb: number;
  /** Heap the inputs take (after GC). */
  inputsHeapMb: number;
  /** Heap the plan keeps once built (after GC). */
  planHeapMb: number;
  /** The process's peak resident set once the inputs were built. */
  peakRssBeforePlanMb: number;
  /** The process's peak resident set after one plan: Node itself, the inputs and planning. */
  peakRssMb: number;
}

function spec(i: number, variant: 'now' | 'before', players: number): CloudPlayerSpec {
  const updated = i >= players / 10 && i < players / 10 + players / 20;
  const replaced = i >= players / 10 + players / 20 && i < players / 5;
  const changed = variant === 'now';
  return {
    region: replaced && changed ? 'eu' : 'na',
    channelName: `ch${Math.floor(i / 4)}`,
    uid: 1000 + i,
    streamUrl: `rtmp://origin.example.com/live/${i}${updated && changed ? '-v2' : ''}`,
    idleTimeout: 300,
    audioOptions: { profile: 1, volume: 100 },
    videoOptions: { width: 1280, height: 720, frameRate: 24, bitrate: 1500 },
    restartPolicy: 'Always',
  };
}

const name = (i: number): string => `p-${i}`;
const key = (i: number): ResourceKey => resourceKey(PROJECT, KIND, name(i));
const id = (i: number): string => i.toString(16).padStart(32, '0');

/** The plan's inputs for `players` desired and `players` observed, mixed as described above. */
export function planScaleInput(players: number): PlanInput {
  const desired: DesiredResource[] = [];
  for (let i = 0; i < players; i++) desired.push({ key: key(i), project: PROJECT, kind: KIND, name: name(i), spec: spec(i, 'now', players) });

  const resources = new Map<string, ObservedResource>();
  const state: ResourceState[] = [];
  const first = players / 10;
  for (let i = first; i < players + first; i++) {
    const before = spec(i, 'before', players);
    resources.set(name(i), {
      name: name(i),
      externalId: id(i),
      status: 'running',
      fields: { channelName: before.channelName, uid: before.uid, streamUrl: before.streamUrl, createTs: NOW / 1000 - 3600, status: 'running' },
      partial: false,
    });
    // Every observed player agoractl manages is in state; of the extra ones, only the first half.
    if (i < players + first / 2) {
      state.push({
        key: key(i),
        project: PROJECT,
        kind: KIND,
        name: name(i),
        externalId: id(i),
        specHash: playerHash(before),
        data: {
          region: before.region,
          channelName: before.channelName,
          sequence: 0,
          applied: updatableValues(before),
          createdAt: NOW - 3_600_000,
          playStartedAt: NOW / 1000 - 3600,
          lastStatus: 'running',
        },
        updatedAt: NOW - 3_600_000,
      });
    }
  }
  const observation: KindObservation = { resources, quotaUsed: players, calls: Math.ceil(players / 500) };
  return {
    modules: [createCloudPlayerModule()],
    desired,
    observed: new Map([[PROJECT, new Map([[KIND, observation]])]]),
    state,
    quotas: new Map([[PROJECT, { playersPerProject: 2 * players }]]),
    now: NOW,
  };
}

const MB = 1024 * 1024;

/** Measures in this process; needs --expose-gc for the heap figures. */
export function measureHere(players: number, runs = 1): PlanScaleResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('plan-scale measures memory with --expose-gc');
  gc();
  const base = process.memoryUsage();
  const input = planScaleInput(players);
  gc();
  const withInputs = process.memoryUsage();
  const rssBeforePlan = peakRss();

  // The first plan is what a CLI run does; its peak is the memory figure. Then the time a warm
  // process (the reconcile daemon) takes.
  let started = performance.now();
  let plan = buildPlan(input);
  const firstMs = performance.now() - started;
  const rssAfterFirstPlan = peakRss();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    started = performance.now();
    plan = buildPlan(input);
    times.push(performance.now() - started);
  }
  gc();
  const withPlan = process.memoryUsage().heapUsed;
  const sorted = [...times].sort((a, b) => a - b);
  return {
    players,
    desired: input.desired.length,
    observed: players,
    managed: input.state.length,
    firstMs,
    warmMs: sorted[Math.floor(sorted.length / 2)] ?? firstMs,
    summary: { ...plan.summary },
    unmanaged: plan.unmanaged.length,
    errors: plan.errors.length,
    baseRssMb: base.rss / MB,
    inputsHeapMb: (withInputs.heapUsed - base.heapUsed) / MB,
    planHeapMb: (withPlan - withInputs.heapUsed) / MB,
    peakRssBeforePlanMb: rssBeforePlan,
    peakRssMb: rssAfterFirstPlan,
  };
}

/** The process's peak resident set so far, in MB (maxRSS is in kilobytes). */
function peakRss(): number {
  return (process.resourceUsage().maxRSS * 1024) / MB;
}

/** Measures in a child process of its own (with --expose-gc), so nothing else shares its heap. */
export async function runPlanScale(players = 100_000): Promise<PlanScaleResult> {
  const child = fork(new URL(import.meta.url).pathname, ['--child', '--players', String(players)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let answer: PlanScaleResult | { error: string } | undefined;
  child.once('message', (message: PlanScaleResult | { error: string }) => {
    answer = message;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (!answer) throw new Error(`plan-scale: the measuring process exited (${code}) without a result`);
  if ('error' in answer) throw new Error(`plan-scale: ${answer.error}`);
  return answer;
}

export const PLAN_TARGETS = { maxMs: 1000, maxMb: 300 } as const;

/** What planning 100k vs 100k costs in memory: the process's peak above what it held before any data. */
export function planMemoryMb(r: PlanScaleResult): number {
  return r.peakRssMb - r.baseRssMb;
}

export function formatPlanScale(r: PlanScaleResult): string[] {
  const s = r.summary;
  return [
    `plan of ${r.desired.toLocaleString('en')} desired vs ${r.observed.toLocaleString('en')} observed players (${r.managed.toLocaleString('en')} in state): ` +
      `${s.create} create, ${s.update} update, ${s.replace} replace, ${s.delete} delete, ${r.unmanaged} unmanaged`,
    `  time: ${r.firstMs.toFixed(0)} ms (again in the same, warm process: ${r.warmMs.toFixed(0)} ms) — target < 1000 ms: ${r.firstMs < PLAN_TARGETS.maxMs ? 'met' : 'MISSED'}`,
    `  memory: ${planMemoryMb(r).toFixed(0)} MB for the inputs and planning — target < 300 MB: ${planMemoryMb(r) < PLAN_TARGETS.maxMb ? 'met' : 'MISSED'}`,
    `    (peak RSS of the process ${r.peakRssMb.toFixed(0)} MB, of which ${r.baseRssMb.toFixed(0)} MB is Node, tsx and the modules before any data; ` +
      `the inputs took it to ${r.peakRssBeforePlanMb.toFixed(0)} MB (${r.inputsHeapMb.toFixed(0)} MB of heap), planning added ${(r.peakRssMb - r.peakRssBeforePlanMb).toFixed(0)} MB ` +
      `at its peak and keeps ${r.planHeapMb.toFixed(0)} MB of heap)`,
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { child: { type: 'boolean', default: false }, players: { type: 'string', default: '100000' } } });
  const players = Number(values.players);
  if (values.child) {
    let result: PlanScaleResult | { error: string };
    try {
      result = measureHere(players);
    } catch (error) {
      result = { error: error instanceof Error ? error.message : String(error) };
    }
    // Disconnecting lets the process exit once the result is on its way.
    process.send?.(result, () => process.disconnect());
  } else {
    for (const line of formatPlanScale(await runPlanScale(players))) console.log(line);
  }
}
