// Benchmark of the Agora client's pacing: each endpoint class is driven at about twice its
// rate limit against the emulator (with scaled limits, so a run takes seconds), and the
// result is the rate Agora saw, as a share of the limit (target ≥ 0.95), and the 429s it
// answered (target 0). Arrival times come from the emulator's request log, i.e. as the server
// counts them.
//
//   npx tsx bench/client.ts            (or through bench/run.ts: runClientBench())
import { pathToFileURL } from 'node:url';
import { createAgoraClient } from '../src/agora/client.ts';
import type { AgoraClient } from '../src/agora/client.ts';
import type { LimitKey, LimitOverrides } from '../src/agora/limits.ts';
import { startEmulator } from '../src/emulator/server.ts';
import type { EmulatorHandle } from '../src/emulator/server.ts';
import type { RequestLogEntry as LoggedRequest } from '../src/emulator/request-log.ts';

/** Scaled limits: per-second only, so a few seconds measure the steady rate. */
export const BENCH_LIMITS = {
  playerCreateNamed: { perSecond: 20 },
  playerCreateUnnamed: { perSecond: 50 },
  playerUpdate: { perSecond: 50 },
  playerDelete: { perSecond: 100 },
  playerListFiltered: { perSecond: 20 },
  playerListUnfiltered: { perSecond: 20 },
  recording: { perSecond: 10 },
  fls: { perSecond: 50 },
  playersPerProject: null,
  recordingsPerApp: null,
} as const satisfies LimitOverrides;

type BenchedKey = keyof typeof BENCH_LIMITS & LimitKey;

export interface ClassBenchResult {
  limitKey: LimitKey;
  calls: number;
  seconds: number;
  limitPerSecond: number;
  /** Requests per second as the server saw them arrive, over whole cycles of the window. */
  achievedPerSecond: number;
  /** achieved / limit; the target is ≥ 0.95. */
  ratio: number;
  /** 429s the emulator answered for this class; the target is 0. */
  tooManyRequests: number;
}

export interface ClientBenchOptions {
  /** How long each class is driven. */
  durationMs?: number;
  classes?: BenchedKey[];
  /** Where progress lines go; silent when absent. */
  log?: (line: string) => void;
}


interface Workload {
  key: BenchedKey;
  /** Which logged requests belong to the class. */
  matches(request: LoggedRequest): boolean;
  /** Prepares what the calls need; returns the call to repeat. */
  prepare(client: AgoraClient): Promise<(n: number) => Promise<unknown>>;
}

const PLAYERS = /\/cloud-player\/players(\/[^/]+)?$/;

function player(n: number, named: boolean) {
  return { ...(named ? { name: `bench-${n}` } : {}), channelName: `bench${n % 20}`, uid: n + 1, streamUrl: `rtmp://origin.example.com/live/${n}` };
}

const WORKLOADS: Workload[] = [
  {
    key: 'playerCreateNamed',
    matches: (r) => r.method === 'POST' && PLAYERS.test(r.path),
    prepare: async (client) => (n) => client.players.create('na', player(n, true)),
  },
  {
    key: 'playerCreateUnnamed',
    matches: (r) => r.method === 'POST' && PLAYERS.test(r.path),
    prepare: async (client) => (n) => client.players.create('eu', player(n, false)),
  },
  {
    key: 'playerUpdate',
    matches: (r) => r.method === 'PATCH',
    prepare: async (client) => {
      const made = await client.players.create('ap', player(9_999_999, true));
      if (made.outcome !== 'created') throw new Error(`could not create the player to update: ${made.outcome}`);
      let sequence = 0;
      return () => client.players.update('ap', made.player.id, (sequence += 1), { isPause: sequence % 2 === 0 });
    },
  },
  {
    key: 'playerDelete',
    matches: (r) => r.method === 'DELETE',
    // Deleting an unknown player answers 2XX (agora-facts.md), so no setup is needed.
    prepare: async (client) => (n) => client.players.delete('na', `bench${n.toString(16).padStart(28, '0')}`),
  },
  {
    key: 'playerListFiltered',
    matches: (r) => r.method === 'GET' && PLAYERS.test(r.path),
    prepare: async (client) => async (n) => {
      for await (const page of client.players.list({ channelName: `bench${n % 20}`, pageSize: 10 })) return page;
      return undefined;
    },
  },
  {
    key: 'playerListUnfiltered',
    matches: (r) => r.method === 'GET' && PLAYERS.test(r.path),
    prepare: async (client) => async () => {
      for await (const page of client.players.list({ pageSize: 10 })) return page;
      return undefined;
    },
  },
  {
    key: 'recording',
    matches: (r) => r.path.includes('/cloud_recording/'),
    prepare: async (client) => (n) => client.recordings.acquire({ cname: `bench${n % 50}`, uid: n + 1, clientRequest: {} }),
  },
  {
    key: 'fls',
    matches: (r) => r.path.includes('/fls/'),
    prepare: async (client) => () => client.originSite.get('live'),
  },
];

async function requestLog(emulator: EmulatorHandle): Promise<LoggedRequest[]> {
  const response = await fetch(`${emulator.url}/_emulator/requests`, { headers: { authorization: `Bearer ${emulator.controlToken}` } });
  return (await response.json()) as LoggedRequest[];
}

/**
 * The rate over whole cycles: with L requests allowed per window, request i + L may arrive
 * about one window after request i, so m·L requests after the first span m cycles.
 */
export function steadyRate(times: number[], limit: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  const cycles = Math.floor((sorted.length - 1) / limit);
  if (cycles < 1) return 0;
  const first = sorted[0] ?? 0;
  const last = sorted[cycles * limit] ?? first;
  return (cycles * limit * 1000) / Math.max(1, last - first);
}

async function benchClass(emulator: EmulatorHandle, workload: Workload, durationMs: number, appId: string): Promise<ClassBenchResult> {
  const limitPerSecond = BENCH_LIMITS[workload.key].perSecond;
  const client = createAgoraClient({
    appId,
    customerId: emulator.credentials.customerId,
    customerSecret: emulator.credentials.customerSecret,
    endpoints: [emulator.url],
    limits: BENCH_LIMITS,
  });
  try {
    const call = await workload.prepare(client);
    const before = (await requestLog(emulator)).length;
    const started = performance.now();
    let n = 0;
    // Twice the limit in callers, each calling again as soon as its last call returns: the
    // class always has about twice its budget waiting.
    const callers = Array.from({ length: 2 * limitPerSecond }, async () => {
      while (performance.now() - started < durationMs) await call((n += 1));
    });
    await Promise.all(callers);
    const seconds = (performance.now() - started) / 1000;
    const requests = (await requestLog(emulator)).slice(before).filter((r) => workload.matches(r));
    const achievedPerSecond = steadyRate(
      requests.map((r) => r.time),
      limitPerSecond,
    );
    return {
      limitKey: workload.key,
      calls: requests.length,
      seconds: Math.round(seconds * 100) / 100,
      limitPerSecond,
      achievedPerSecond: Math.round(achievedPerSecond * 100) / 100,
      ratio: Math.round((achievedPerSecond / limitPerSecond) * 1000) / 1000,
      tooManyRequests: requests.filter((r) => r.status === 429).length,
    };
  } finally {
    await client.close();
  }
}

export async function runClientBench(options: ClientBenchOptions = {}): Promise<ClassBenchResult[]> {
  const durationMs = options.durationMs ?? 3_000;
  const wanted = new Set(options.classes ?? WORKLOADS.map((w) => w.key));
  const emulator = await startEmulator({ limits: BENCH_LIMITS, behaviour: { listDelayMs: 0 } });
  const results: ClassBenchResult[] = [];
  try {
    for (const workload of WORKLOADS.filter((w) => wanted.has(w.key))) {
      // A fresh App ID per class: its limiters and the emulator's windows start empty.
      const result = await benchClass(emulator, workload, durationMs, `bench-${workload.key}-${Date.now()}`);
      options.log?.(formatResult(result));
      results.push(result);
    }
  } finally {
    await emulator.close();
  }
  return results;
}

export function formatResult(r: ClassBenchResult): string {
  return [
    r.limitKey.padEnd(22),
    `${String(r.calls).padStart(5)} calls`,
    `${r.seconds.toFixed(2).padStart(6)} s`,
    `${r.achievedPerSecond.toFixed(2).padStart(7)}/s of ${String(r.limitPerSecond).padStart(3)}/s`,
    `ratio ${r.ratio.toFixed(3)}${r.ratio >= 0.95 ? '' : ' (below 0.95)'}`,
    `429s ${r.tooManyRequests}`,
  ].join('  ');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log('Agora client pacing: each class at ~2x its (scaled) limit against the emulator');
  const results = await runClientBench({ log: (line) => console.log(line) });
  const ok = results.every((r) => r.ratio >= 0.95 && r.tooManyRequests === 0);
  console.log(ok ? 'all classes at ≥ 0.95 of their limit with no 429' : 'some classes missed the target');
  process.exitCode = ok ? 0 : 1;
}
