// Start-up of the commands a pipeline runs, as whole processes beside bare `node -e 0` in the
// same run: the median of N runs each, taken in turns (node, --version, validate, plan, node,
// ...) so a machine whose speed drifts shifts every command alike.
//   npx tsx bench/startup.ts [--runs N]   (or through bench/run.ts: runStartupBench())
// Targets (the packaging issue): validate within +120 ms of bare node, --version within +40 ms.
// `npm run build` must have run: bin/agoractl.js runs the compiled dist/.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO_ENV } from '../src/cli/demo-env.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/agoractl.js', import.meta.url));


export interface StartupCommand {
  name: string;
  args: string[];
  /** Over bare node: the target, in ms, when there is one. */
  targetMs?: number;
}

const STARTUP_COMMANDS: readonly StartupCommand[] = [
  { name: 'agoractl --version', args: [BIN, '--version'], targetMs: 40 },
  { name: 'agoractl validate -f manifests/', args: [BIN, 'validate', '-f', 'manifests/'], targetMs: 120 },
  { name: 'agoractl plan --emulator -f manifests/', args: [BIN, 'plan', '--emulator', '-f', 'manifests/', '--state', join(tmpdir(), 'agoractl-startup-bench-state.json')] },
];

export interface StartupResult {
  name: string;
  medianMs: number;
  overNodeMs: number;
  ratio: number;
  targetMs?: number;
}

function timeOnce(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...DEMO_ENV }, stdio: 'ignore', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(result.status)}`);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export function runStartupBench(runs = 10): { nodeMs: number; results: StartupResult[] } {
  const bare = ['-e', '0'];
  const times = new Map<string, number[]>([['node', []], ...STARTUP_COMMANDS.map((c): [string, number[]] => [c.name, []])]);
  // One warm-up of each, for the file cache.
  timeOnce(bare);
  for (const c of STARTUP_COMMANDS) timeOnce(c.args);
  for (let i = 0; i < runs; i++) {
    times.get('node')?.push(timeOnce(bare));
    for (const c of STARTUP_COMMANDS) times.get(c.name)?.push(timeOnce(c.args));
  }
  const nodeMs = median(times.get('node') ?? []);
  const results = STARTUP_COMMANDS.map((c) => {
    const medianMs = median(times.get(c.name) ?? []);
    return { name: c.name, medianMs, overNodeMs: medianMs - nodeMs, ratio: medianMs / nodeMs, targetMs: c.targetMs };
  });
  return { nodeMs, results };
}

export function formatStartup(bench: { nodeMs: number; results: StartupResult[] }): string[] {
  const lines = [`node -e 0: ${bench.nodeMs.toFixed(0)} ms (median)`];
  for (const r of bench.results) {
    const target = r.targetMs === undefined ? '' : ` (target +${r.targetMs} ms: ${r.overNodeMs <= r.targetMs ? 'met' : 'missed'})`;
    lines.push(`${r.name}: ${r.medianMs.toFixed(0)} ms = node +${r.overNodeMs.toFixed(0)} ms, ${r.ratio.toFixed(2)}x${target}`);
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 10;
  for (const line of formatStartup(runStartupBench(runs))) console.log(line);
}
