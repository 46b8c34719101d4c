// How often the daemon re-observes everything when nothing told it to. Agora's notifications are
// hints that can be late or missing (agora-usage-notes-zh.txt), so a periodic resync is what
// finds a player Agora destroyed; but List is the scarcest budget Agora gives (agora-facts.md:
// 20/min unfiltered, 15/min filtered per project), and the apply path needs it too. The interval
// is therefore derived from what one full observation costs against that budget.
import type { Limits } from '../agora/limits.ts';
import type { DesiredResource, KindModule } from '../resources/kind.ts';

/** Share of the List per-minute budget that periodic resyncs may use; the rest is for apply. */
export const RESYNC_BUDGET_SHARE = 0.25;
export const MIN_RESYNC_INTERVAL_MS = 15_000;
export const MAX_RESYNC_INTERVAL_MS = 10 * 60_000;

/**
 * The default resync interval in milliseconds: one resync may use at most a quarter of the List
 * budget of the minute(s) it spans. Each kind says what one full observation of a project's
 * resources costs in minutes of its List budget (KindModule.observationCost; the player kind
 * observes the cheaper way, unfiltered or by channel); each project has its own budget, so the
 * busiest project and kind set the pace:
 *
 *   interval = clamp(max(cost) · 60 000 / RESYNC_BUDGET_SHARE, 15 s, 10 min)
 *
 * The floor keeps an idle daemon from spinning when List is unlimited; the ceiling bounds how
 * long a destroyed resource can go unnoticed when no notification arrives (at the ceiling a very
 * large project spends more than a quarter). Nothing to observe: the ceiling.
 */
export function defaultResyncIntervalMs(modules: readonly KindModule[], desired: readonly DesiredResource[], projects: readonly { name: string; limits: Limits }[]): number {
  let costMinutes: number | undefined;
  for (const project of projects) {
    for (const module of modules) {
      const resources = desired.filter((d) => d.project === project.name && d.kind === module.kind);
      const cost = module.observationCost?.(resources, project.limits);
      if (cost !== undefined) costMinutes = Math.max(costMinutes ?? 0, cost);
    }
  }
  if (costMinutes === undefined) return projects.length === 0 ? MAX_RESYNC_INTERVAL_MS : MIN_RESYNC_INTERVAL_MS;
  const interval = Math.ceil((costMinutes * 60_000) / RESYNC_BUDGET_SHARE);
  return Math.min(MAX_RESYNC_INTERVAL_MS, Math.max(MIN_RESYNC_INTERVAL_MS, interval));
}
