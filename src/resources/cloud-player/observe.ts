// Observing cloud players: Agora has no call that returns one player, so agoractl lists them
// (media-pull-rest-api.txt, List), unfiltered or per channel, whichever needs fewer calls.
import type { DesiredResource, KindObservation, ObserveInput, ObservedResource } from '../kind.ts';
import type { AgoraReader } from '../../agora/client.ts';
import { callsPerMinute, type Limits, type RateLimit } from '../../agora/limits.ts';
import { LIST_PAGE_SIZE } from '../../agora/players.ts';
import { isSettled, type CloudPlayerSpec, type PlayerRecord } from './model.ts';

export type ListStrategy = { filtered: false } | { filtered: true; channels: string[] };

/**
 * Unfiltered List pages through every player of the project (500 a page, 10/s and 20/min);
 * a filtered one costs at least one call per channel (2/s and 15/min). Per channel wins only
 * when it needs fewer calls and stays inside one minute's filtered budget.
 */
export function chooseListStrategy(channels: readonly string[], expectedPlayers: number, filtered: RateLimit | null): ListStrategy {
  const unfilteredCalls = Math.max(1, Math.ceil(expectedPlayers / LIST_PAGE_SIZE));
  if (channels.length > 0 && channels.length < unfilteredCalls && channels.length <= callsPerMinute(filtered)) {
    return { filtered: true, channels: [...channels].sort() };
  }
  return { filtered: false };
}

/**
 * Minutes of the project's List budget one full observation of `desired` costs, the cheaper way
 * (the daemon paces its resyncs by it, engine/resync.ts):
 *
 *   unfilteredCalls = max(1, ceil(players / 500))
 *   filteredCalls   = distinct channels                 (only when there is one)
 *   budget(class)   = min(perMinute, 60 · perSecond)    calls per minute; unlimited → ∞
 *   cost            = min(unfilteredCalls / budget(playerListUnfiltered),
 *                         filteredCalls   / budget(playerListFiltered))
 */
export function observationCost(desired: readonly DesiredResource<CloudPlayerSpec>[], limits: Limits): number {
  const channels = new Set<string>();
  for (const d of desired) channels.add(d.spec.channelName);
  const unfilteredCalls = Math.max(1, Math.ceil(desired.length / LIST_PAGE_SIZE));
  const unfiltered = unfilteredCalls / callsPerMinute(limits.playerListUnfiltered);
  return channels.size >= 1 ? Math.min(unfiltered, channels.size / callsPerMinute(limits.playerListFiltered)) : unfiltered;
}

export async function observePlayers(input: ObserveInput<CloudPlayerSpec, PlayerRecord>): Promise<KindObservation> {
  const channels = new Set<string>();
  for (const d of input.desired) channels.add(d.spec.channelName);
  for (const s of input.state) if (isSettled(s.data) && s.data.channelName !== '') channels.add(s.data.channelName);
  const strategy = chooseListStrategy([...channels], Math.max(input.desired.length, input.state.length), input.limits.playerListFiltered);

  const resources = new Map<string, ObservedResource>();
  let calls = 0;
  let total = 0;
  const collect = async (channelName?: string): Promise<void> => {
    for await (const page of listAll(input.client, channelName)) {
      calls += 1;
      total = channelName === undefined ? page.totalSize : total + page.players.length;
      for (const p of page.players) if (p.name) resources.set(p.name, toObserved(p));
    }
  };
  if (strategy.filtered) {
    for (const channel of strategy.channels) await collect(channel);
  } else {
    await collect();
  }
  // Filtered observation sees only our channels, so the quota count is a lower bound there.
  return { resources, quotaUsed: total, calls };
}

function listAll(client: AgoraReader, channelName?: string) {
  return client.players.list({ channelName, pageSize: LIST_PAGE_SIZE });
}

type Listed = { id: string; name?: string; createTs?: number; status?: string; streamUrl?: string; channelName?: string; uid?: number; account?: string };

export function toObserved(p: Listed): ObservedResource {
  const fields: Record<string, unknown> = {};
  for (const k of ['channelName', 'uid', 'account', 'streamUrl', 'createTs', 'status'] as const) {
    if (p[k] !== undefined) fields[k] = p[k];
  }
  return {
    name: p.name ?? p.id,
    externalId: p.id,
    status: p.status,
    fields,
    // List may return only id, name and createTs (media-pull-rest-api.txt, considerations).
    partial: p.channelName === undefined || p.streamUrl === undefined || p.status === undefined,
  };
}
