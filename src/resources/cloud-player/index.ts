// The CloudPlayer kind: Media Pull cloud players (media-pull-rest-api.txt, agora-facts.md).
import type { KindModule } from '../kind.ts';
import { cloudPlayerManifest } from './manifest.ts';
import { observationCost, observePlayers } from './observe.ts';
import { DEFAULT_LIST_LAG_MS, createdAtOf, diffPlayer } from './diff.ts';
import { executePlayer, resolvePlayer } from './execute.ts';
import { KIND, PLAYER_DATA_VERSION, decodePlayer, isSettled, playerSavedActionProblem, refreshPlayer, type CloudPlayerSpec, type PlayerDetail, type PlayerRecord } from './model.ts';
import { playerNotificationTarget } from './notifications.ts';
import { importPlayer } from './import.ts';

export function createCloudPlayerModule(options: { listLagMs?: number } = {}): KindModule<CloudPlayerSpec, PlayerRecord, PlayerDetail> {
  const listLagMs = options.listLagMs ?? DEFAULT_LIST_LAG_MS;
  return {
    kind: KIND,
    manifest: cloudPlayerManifest.rules,
    dataVersion: PLAYER_DATA_VERSION,
    decode: decodePlayer,
    observe: observePlayers,
    observationCost,
    diff: (input) => diffPlayer(input, listLagMs),
    execute: executePlayer,
    resolve: resolvePlayer,
    refresh: refreshPlayer,
    recheckAfter: (state, now) => {
      // A new player not yet listed: look again when List's lag is over, so a player destroyed
      // meanwhile is recreated then rather than at the next resync.
      const data = state.data;
      if (!isSettled(data) || data.seen || !state.externalId) return undefined;
      const wait = createdAtOf(state, data) + listLagMs - now;
      return wait > 0 ? wait : undefined;
    },
    savedActionProblem: playerSavedActionProblem,
    notificationTarget: playerNotificationTarget,
    importResource: importPlayer,
  };
}
