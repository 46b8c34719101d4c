// How often the daemon observes everything when the operator does not say (--resync): as often
// as the List budget allows. The cost is the players' List calls; it moves to the kind modules
// with the resync cost (issue 16).
import { resolveLimits } from '../agora/limits.ts';
import { defaultResyncIntervalMs } from '../engine/resync.ts';
import type { ProjectRuntime } from '../engine/reconcile.ts';
import type { DesiredResource } from '../resources/kind.ts';

export function resyncInterval(desired: readonly DesiredResource[], runtimes: ReadonlyMap<string, ProjectRuntime>): number {
  // Each project has its own List budget: the busiest one sets the pace.
  let interval = Infinity;
  for (const project of runtimes.values()) {
    const players = desired.filter((d) => d.project === project.name && d.kind === 'CloudPlayer');
    const channels = new Set(players.map((p) => String(p.spec.channelName))).size;
    interval = Math.min(interval, defaultResyncIntervalMs({ players: players.length, channels, limits: project.limits, projects: 1 }));
  }
  return Number.isFinite(interval) ? interval : defaultResyncIntervalMs({ players: 0, channels: 0, limits: resolveLimits(), projects: 0 });
}
