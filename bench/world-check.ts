// Whether the emulator's world is what the manifests say: the benchmark checks the state of
// the world after every run instead of trusting exit codes.
import type { PlayerDoc, RecordingDoc } from './bench-manifests.ts';
import type { WorldState } from './bench-emulator.ts';

/** Differences between the App ID's players and the desired ones; empty when they match. */
export function playerDifferences(world: WorldState, appId: string, desired: readonly PlayerDoc[]): string[] {
  const want = new Map(desired.map((d) => [d.name, d.spec]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const player of world.players) {
    if (player.appId !== appId) continue;
    const name = player.name ?? `(unnamed ${player.id})`;
    const spec = want.get(name);
    if (!spec) {
      problems.push(`${name} exists but is not desired`);
      continue;
    }
    if (seen.has(name)) problems.push(`${name} exists twice`);
    seen.add(name);
    for (const field of ['region', 'channelName', 'uid', 'streamUrl'] as const) {
      if (player[field] !== spec[field]) problems.push(`${name}.${field} is ${String(player[field])}, not ${String(spec[field])}`);
    }
  }
  for (const name of want.keys()) if (!seen.has(name)) problems.push(`${name} is missing`);
  return problems;
}

/** Differences between the App ID's running recordings (a stopped one may still be winding down) and the desired ones; empty when they match. */
export function recordingDifferences(world: WorldState, appId: string, desired: readonly RecordingDoc[]): string[] {
  const want = new Map(desired.map((d) => [`${d.cname}/${d.uid}`, d]));
  const live = world.recordings.filter((r) => r.appId === appId && r.phase === 'running');
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const recording of live) {
    const key = `${recording.cname}/${recording.uid}`;
    if (!want.has(key)) problems.push(`recording ${key} runs but is not desired`);
    else if (seen.has(key)) problems.push(`recording ${key} runs twice`);
    seen.add(key);
  }
  for (const key of want.keys()) if (!seen.has(key)) problems.push(`recording ${key} is not running`);
  return problems;
}

export function assertNoDifferences(what: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const shown = problems.slice(0, 5).join('; ');
  throw new Error(`${what}: the world differs from the manifests (${problems.length}): ${shown}${problems.length > 5 ? '; ...' : ''}`);
}
