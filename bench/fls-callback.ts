// The FLS callback's cost on hostile input. Anyone can send the daemon
// `GET /fls/origin?entry_point=..&stream_name=..`, and a route glob turned into a backtracking
// regular expression once spent ~93 s on one such name. This sends adversarial requests through
// the callback's handler (answerFlsCallback: URL parsing, the bounds, route matching; no socket, so
// the time is the handler's own) and prints the time per request, median and max, and the ratio
// of the median to a benign request's. Target: every median under TARGET_MEDIAN_MS.
//
//   npx tsx bench/fls-callback.ts      (or through bench/run.ts: runFlsCallbackBench())
import { pathToFileURL } from 'node:url';
import { answerFlsCallback, FLS_CALLBACK_LIMITS, MAX_GLOB_ROUTES_PER_REQUEST, type FlsRoute } from '../src/daemon/fls-callback.ts';

/** "Well under a millisecond per request, whatever the input." */
const FLS_CALLBACK_TARGET_MEDIAN_MS = 0.5;

interface Scenario {
  name: string;
  routes: FlsRoute[];
  url: string;
  /** The status the handler must answer, so a fast wrong answer does not pass as a fast one. */
  status: number;
}

export interface FlsCallbackBenchResult {
  name: string;
  status: number;
  medianMs: number;
  /** The 99th percentile: on a shared machine the max is mostly the scheduler's, this is the handler's. */
  p99Ms: number;
  maxMs: number;
  /** median / the benign request's median. */
  ratio: number;
}

const route = (stream: string, entryPoint = 'live'): FlsRoute => ({
  entryPoint,
  stream,
  url: `rtmp://origin.example.com/live/{stream}`,
});

const query = (streamName: string): string => `/fls/origin?entry_point=live&stream_name=${encodeURIComponent(streamName)}`;

const LONGEST_NAME = FLS_CALLBACK_LIMITS.streamName;
/** The schema's longest route stream. */
const LONGEST_GLOB = 256;

function scenarios(): Scenario[] {
  const issue = [route('cam*-*-*-*-*-hd'), route('*')];
  // Many stars: every segment is found at once, then the last middle one scans the whole name.
  const manyStars = `c${'*-'.repeat((LONGEST_GLOB - 6) / 2)}*x*d`;
  // One long segment that almost occurs everywhere: Knuth-Morris-Pratt's fallback at its busiest.
  const nearMiss = `c*${'a'.repeat(LONGEST_GLOB - 5)}b*d`;
  const aaaName = `c${'a'.repeat(LONGEST_NAME - 2)}d`;
  const dashName = `c${'-'.repeat(LONGEST_NAME - 2)}d`;
  return [
    { name: 'benign: class7 against class*', routes: [route('class*')], url: query('class7'), status: 200 },
    { name: 'the issue: cam + 260 dashes', routes: issue, url: query(`cam${'-'.repeat(260)}`), status: 200 },
    { name: 'the issue at the name limit', routes: issue, url: query(`cam${'-'.repeat(LONGEST_NAME - 3)}`), status: 200 },
    { name: `${manyStars.split('*').length - 1} stars, name at the limit`, routes: [route(manyStars)], url: query(dashName), status: 404 },
    { name: 'near-miss segment, name at the limit', routes: [route(nearMiss)], url: query(aaaName), status: 404 },
    {
      name: `100 near-miss routes (${MAX_GLOB_ROUTES_PER_REQUEST} tried)`,
      routes: Array.from({ length: 100 }, () => route(nearMiss)),
      url: query(aaaName),
      status: 404,
    },
    {
      name: '1000 routes of other entry points',
      routes: Array.from({ length: 1000 }, (_, i) => route(nearMiss, `ep${i}`)),
      url: query(aaaName),
      status: 404,
    },
    { name: 'name over the limit (refused)', routes: issue, url: query('-'.repeat(LONGEST_NAME + 1)), status: 400 },
    {
      name: 'path form after 15,000 slashes',
      routes: issue,
      url: `/fls/origin/${'/'.repeat(15_000)}entry_point=live&stream_name=x`,
      status: 200,
    },
    {
      name: 'request target over the limit (refused)',
      routes: issue,
      url: `/fls/origin?entry_point=live&stream_name=x&pad=${'-'.repeat(FLS_CALLBACK_LIMITS.requestUrl)}`,
      status: 400,
    },
  ];
}

function measure(scenario: Scenario, runs: number): { medianMs: number; p99Ms: number; maxMs: number } {
  const check = answerFlsCallback(scenario.url, scenario.routes);
  if (check.status !== scenario.status) {
    throw new Error(`${scenario.name}: answered ${check.status}, expected ${scenario.status}`);
  }
  for (let i = 0; i < Math.min(100, runs); i++) answerFlsCallback(scenario.url, scenario.routes);
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    answerFlsCallback(scenario.url, scenario.routes);
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  times.sort();
  return { medianMs: times[Math.floor(runs / 2)] ?? 0, p99Ms: times[Math.floor(runs * 0.99)] ?? 0, maxMs: times[runs - 1] ?? 0 };
}

export function runFlsCallbackBench(options: { runs?: number } = {}): FlsCallbackBenchResult[] {
  const runs = options.runs ?? 2_000;
  const measured = scenarios().map((scenario) => ({ scenario, ...measure(scenario, runs) }));
  const benign = measured[0]?.medianMs ?? 1;
  return measured.map(({ scenario, medianMs, p99Ms, maxMs }) => ({
    name: scenario.name,
    status: scenario.status,
    medianMs,
    p99Ms,
    maxMs,
    ratio: medianMs / benign,
  }));
}

export function formatFlsCallbackResult(r: FlsCallbackBenchResult): string {
  return [
    r.name.padEnd(40),
    String(r.status),
    `median ${(r.medianMs * 1000).toFixed(1).padStart(7)} µs`,
    `p99 ${(r.p99Ms * 1000).toFixed(1).padStart(7)} µs`,
    `max ${(r.maxMs * 1000).toFixed(1).padStart(8)} µs`,
    `${r.ratio.toFixed(1).padStart(6)}× benign`,
  ].join('  ');
}

export function missedFlsCallbackTargets(results: readonly FlsCallbackBenchResult[]): string[] {
  return results
    .filter((r) => r.medianMs >= FLS_CALLBACK_TARGET_MEDIAN_MS)
    .map((r) => `fls callback "${r.name}": median ${r.medianMs.toFixed(3)} ms (target < ${FLS_CALLBACK_TARGET_MEDIAN_MS} ms)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log('FLS callback on adversarial input: time per request in the handler');
  const results = runFlsCallbackBench();
  for (const r of results) console.log(formatFlsCallbackResult(r));
  const missed = missedFlsCallbackTargets(results);
  for (const line of missed) console.log(line);
  process.exitCode = missed.length === 0 ? 0 : 1;
}
