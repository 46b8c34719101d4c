// The CloudPlayer kind: Media Pull cloud players (media-pull-rest-api.txt, agora-facts.md).
import type { KindModule } from '../kind.ts';
import { observePlayers } from './observe.ts';
import { DEFAULT_LIST_LAG_MS, KIND, createdAtOf, diffPlayer } from './diff.ts';
import { executePlayer } from './execute.ts';
import { playerData, refreshPlayer } from './model.ts';

export function createCloudPlayerModule(options: { listLagMs?: number } = {}): KindModule {
  const listLagMs = options.listLagMs ?? DEFAULT_LIST_LAG_MS;
  return {
    kind: KIND,
    quota: 'playersPerProject',
    observe: observePlayers,
    diff: (input) => diffPlayer(input, listLagMs),
    execute: executePlayer,
    refresh: refreshPlayer,
    recheckAfter: (state, now) => {
      // A new player not yet listed: look again when List's lag is over, so a player destroyed
      // meanwhile is recreated then rather than at the next resync.
      const data = playerData(state.data);
      if (!data || data.seen || !state.externalId) return undefined;
      const wait = createdAtOf(state, data) + listLagMs - now;
      return wait > 0 ? wait : undefined;
    },
  };
}
