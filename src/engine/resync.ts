// How often the daemon re-observes everything when nothing told it to. Agora's notifications are
// hints that can be late or missing (agora-usage-notes-zh.txt), so a periodic resync is what
// finds a player Agora destroyed; but List is the scarcest budget Agora gives (agora-facts.md:
// 20/min unfiltered, 15/min filtered per project), and the apply path needs it too. The interval
// is therefore derived from what one full observation costs against that budget.
import { callsPerMinute, type Limits } from '../agora/limits.ts';
import { LIST_PAGE_SIZE } from '../agora/players.ts';
/** Share of the List per-minute budget that periodic resyncs may use; the rest is for apply. */
export const RESYNC_BUDGET_SHARE = 0.25;
export const MIN_RESYNC_INTERVAL_MS = 15_000;
export const MAX_RESYNC_INTERVAL_MS = 10 * 60_000;

export interface ResyncInput {
  /** Players one observation lists: the desired ones, or the observed ones when there are more. */
  players: number;
  /** Distinct channels of those players (the filtered List costs one call per channel). */
  channels: number;
  /** One project's limits; each project has its own List budget. */
  limits: Limits;
  /** Projects the daemon manages. */
  projects: number;
}

/**
 * The default resync interval in milliseconds:
 *
 *   unfilteredCalls = max(1, ceil(players / 500))
 *   filteredCalls   = channels                          (only when channels ≥ 1)
 *   budget(class)   = min(perMinute, 60 · perSecond)    calls per minute; unlimited → ∞
 *   costMinutes     = min(unfilteredCalls / budget(playerListUnfiltered),
 *                         filteredCalls   / budget(playerListFiltered))
 *   interval        = clamp(costMinutes · 60 000 / RESYNC_BUDGET_SHARE, 15 s, 10 min)
 *
 * That is, one resync may use at most a quarter of the List budget of the minute(s) it spans,
 * observing the cheaper way. Limits are per project, and the split of players among projects is
 * not known here, so the cost is that of the worst case, all players in one project; each other
 * project spends its own budget, not this one's. The floor keeps an idle daemon from spinning
 * when List is unlimited; the ceiling bounds how long a destroyed player can go unnoticed when
 * no notification arrives (at the ceiling a very large project spends more than a quarter).
 * No projects, nothing to observe: the ceiling.
 */
export function defaultResyncIntervalMs(input: ResyncInput): number {
  if (input.projects <= 0) return MAX_RESYNC_INTERVAL_MS;
  const players = Math.max(0, input.players);
  const channels = Math.max(0, Math.floor(input.channels));
  const unfilteredCalls = Math.max(1, Math.ceil(players / LIST_PAGE_SIZE));
  const costs = [unfilteredCalls / callsPerMinute(input.limits.playerListUnfiltered)];
  if (channels >= 1) costs.push(channels / callsPerMinute(input.limits.playerListFiltered));
  const costMinutes = Math.min(...costs);
  const interval = Math.ceil((costMinutes * 60_000) / RESYNC_BUDGET_SHARE);
  return Math.min(MAX_RESYNC_INTERVAL_MS, Math.max(MIN_RESYNC_INTERVAL_MS, interval));
}
