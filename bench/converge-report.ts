// The convergence results as the table issue 5 asks for, with a legend that says what each
// scenario did and how it was scaled, and the targets each one missed.
import type { ScenarioResult } from './converge.ts';

/** The owner's targets: the ratio is the whole process's time over N / rate (floor.ts). */
const CONVERGE_TARGETS = { maxRatioLoopback: 1.05, maxRatio: 1.1, maxTooManyRequests: 0, minSpeedUp: 5 } as const;

/** The ratio a scenario must reach: tighter on loopback, where no round trip is paid per window. */
function maxRatioOf(r: ScenarioResult): number {
  return r.scale.latencyMs === 0 ? CONVERGE_TARGETS.maxRatioLoopback : CONVERGE_TARGETS.maxRatio;
}

const COLUMNS = ['scenario', 'N', 'floor s', 'agoractl s', 'ratio', '429s', 'serial s', 'serial 429s', 'speed-up'] as const;

/** agoractl's time over the floor; undefined when the floor is 0 (a run too small to be bound by the limits). */
export function ratioOf(r: ScenarioResult): number | undefined {
  return r.floor.ms > 0 ? r.agoractl.ms / r.floor.ms : undefined;
}

export function speedUpOf(r: ScenarioResult): number {
  return r.serial.ms / r.agoractl.ms;
}

export function formatConvergeTable(results: readonly ScenarioResult[]): string[] {
  const rows = results.map((r) => {
    const mark = r.serial.capped ? '*' : '';
    return [
      r.scenario,
      String(r.n),
      (r.floor.ms / 1000).toFixed(2),
      (r.agoractl.ms / 1000).toFixed(2),
      ratioOf(r)?.toFixed(3) ?? 'n/a',
      String(r.agoractl.tooManyRequests),
      `${(r.serial.ms / 1000).toFixed(1)}${mark}`,
      `${r.serial.tooManyRequests}${mark}`,
      `${speedUpOf(r).toFixed(1)}×`,
    ];
  });
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ');
  const out = [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line), ''];
  for (const r of results) {
    out.push(`${r.scenario}: ${r.description}.`);
    out.push(
      `    rates ×${r.scale.k}, round trip ${r.scale.latencyMs} ms; floor set by ${r.floor.bindingKey}` +
        (r.scale.k === 1 ? '' : ` (at the documented limits the same calls' floor is ${(r.realFloor.ms / 1000).toFixed(0)} s)`),
    );
    out.push(`    agoractl: ${r.agoractl.calls} calls; ${r.agoractl.summary || '(no summary)'}${r.agoractl.converged ? '' : ' — the next plan still finds changes'}`);
    out.push(
      `    serial: ${r.serial.calls} calls` +
        (r.serial.capped
          ? `; stopped at the ${(r.serial.measuredMs / 1000).toFixed(0)} s cap after ${r.serial.stepsDone} of ${r.serial.steps} steps: time extrapolated, 429s counted until then`
          : ''),
    );
  }
  out.push(
    '',
    'floor: N / rate of the class that binds the calls agoractl must make (bench/floor.ts); ratio = agoractl s / floor s;',
    `targets: ratio ≤ ${CONVERGE_TARGETS.maxRatioLoopback.toFixed(2)} on loopback and ≤ ${CONVERGE_TARGETS.maxRatio.toFixed(2)} with a round trip, ` +
      `${CONVERGE_TARGETS.maxTooManyRequests} 429s, speed-up ≥ ${CONVERGE_TARGETS.minSpeedUp}×.`,
    'agoractl s: the whole `node bin/agoractl.js apply --auto-approve` process (compiled), from spawn to exit: start-up, manifests, state, observe, plan, apply, the last state write.',
    'serial: one request at a time, no pacing, 5 s sleep after a 429 (bench/serial-client.ts). * = extrapolated from a capped run.',
  );
  return out;
}

export function missedConvergeTargets(results: readonly ScenarioResult[]): string[] {
  const missed: string[] = [];
  for (const r of results) {
    const ratio = ratioOf(r);
    if (ratio !== undefined && ratio > maxRatioOf(r)) missed.push(`${r.scenario}: ${ratio.toFixed(3)}× the floor (target ≤ ${maxRatioOf(r)})`);
    if (r.agoractl.tooManyRequests > CONVERGE_TARGETS.maxTooManyRequests) missed.push(`${r.scenario}: ${r.agoractl.tooManyRequests} 429s (target 0)`);
    if (speedUpOf(r) < CONVERGE_TARGETS.minSpeedUp) missed.push(`${r.scenario}: ${speedUpOf(r).toFixed(1)}× faster than the serial client (target ≥ ${CONVERGE_TARGETS.minSpeedUp}×)`);
    if (!r.agoractl.converged) missed.push(`${r.scenario}: the plan after apply still finds changes`);
  }
  return missed;
}
