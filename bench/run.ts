// `npm run bench`: the benchmarks of issues 4 and 5 in one run, in about five minutes. It runs
// the compiled CLI (convergence spawns `node bin/agoractl.js apply`): `npm run build` first.
//   1. the client's pacing per endpoint class (bench/client.ts): throughput as a share of the
//      limit (target ≥ 0.95) and 429s (target 0);
//   2. convergence against the rate-limit floor N / rate (bench/converge.ts): the whole
//      `agoractl apply` process's time as a ratio of the floor (target ≤ 1.05 on loopback,
//      ≤ 1.10 at a 100 ms round trip), its 429s (target 0), and the speed-up over a serial
//      client (target ≥ 5×);
//   3. the plan of 100,000 desired vs 100,000 observed players (bench/plan-scale.ts): < 1 s, < 300 MB;
//   4. the FLS callback on adversarial stream names (bench/fls-callback.ts): median per request
//      < 0.5 ms, and its ratio to a benign request;
//   5. start-up of `agoractl --version`, `validate` and `plan --emulator` as whole processes,
//      median of 10 beside bare `node -e 0` (bench/startup.ts): --version within +40 ms,
//      validate within +120 ms.
// It exits 1 when a target is missed, after printing everything.
import { cpus, loadavg } from 'node:os';
import { runClientBench } from './client.ts';
import { runConvergeBench } from './converge.ts';
import { formatConvergeTable, missedConvergeTargets } from './converge-report.ts';
import { PLAN_TARGETS, formatPlanScale, planMemoryMb, runPlanScale } from './plan-scale.ts';
import { formatFlsCallbackResult, missedFlsCallbackTargets, runFlsCallbackBench } from './fls-callback.ts';
import { formatStartup, runStartupBench } from './startup.ts';

const log = (line: string): void => console.log(line);
const missed: string[] = [];

log(`agoractl benchmarks — Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)} at start`);
log('(the machine is shared: times are wall-clock, and a busy machine lengthens the runs that are CPU-bound)\n');

log('1. Client pacing: each endpoint class driven at about twice its (scaled) limit, latency 0');
const classes = await runClientBench({ durationMs: 2_000, log: (line) => log(`   ${line}`) });
for (const c of classes) {
  if (c.ratio < 0.95) missed.push(`client ${c.limitKey}: ${c.ratio.toFixed(3)} of its limit (target ≥ 0.95)`);
  if (c.tooManyRequests > 0) missed.push(`client ${c.limitKey}: ${c.tooManyRequests} 429s (target 0)`);
}

log('\n2. Convergence against the rate-limit floor (agoractl vs a serial client)');
const scenarios = await runConvergeBench({ log: (line) => log(`   ${line}`) });
log('');
for (const line of formatConvergeTable(scenarios)) log(line);
missed.push(...missedConvergeTargets(scenarios));

log('\n3. Plan at scale');
const scale = await runPlanScale(100_000);
for (const line of formatPlanScale(scale)) log(`   ${line}`);
if (scale.firstMs >= PLAN_TARGETS.maxMs) missed.push(`plan of 100k vs 100k took ${scale.firstMs.toFixed(0)} ms (target < ${PLAN_TARGETS.maxMs} ms)`);
if (planMemoryMb(scale) >= PLAN_TARGETS.maxMb) missed.push(`plan of 100k vs 100k used ${planMemoryMb(scale).toFixed(0)} MB (target < ${PLAN_TARGETS.maxMb} MB)`);

log('\n4. FLS callback on adversarial stream names (time per request in the handler)');
const callbacks = runFlsCallbackBench();
for (const r of callbacks) log(`   ${formatFlsCallbackResult(r)}`);
missed.push(...missedFlsCallbackTargets(callbacks));

log('\n5. Start-up as whole processes (median of 10, beside bare node in the same run)');
const startup = runStartupBench(10);
for (const line of formatStartup(startup)) log(`   ${line}`);
for (const r of startup.results) {
  if (r.targetMs !== undefined && r.overNodeMs > r.targetMs) missed.push(`${r.name}: node +${r.overNodeMs.toFixed(0)} ms (target +${r.targetMs} ms)`);
}

log('');
if (missed.length === 0) {
  log('All targets met.');
} else {
  log(`Targets missed (${missed.length}):`);
  for (const line of missed) log(`  - ${line}`);
  process.exitCode = 1;
}
