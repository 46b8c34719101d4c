// The CloudPlayer kind: Media Pull cloud players (media-pull-rest-api.txt, agora-facts.md).
import type { KindModule } from '../kind.ts';
import { observePlayers } from './observe.ts';
import { DEFAULT_LIST_LAG_MS, KIND, diffPlayer } from './diff.ts';
import { executePlayer } from './execute.ts';
import { refreshPlayer } from './model.ts';

export function createCloudPlayerModule(options: { listLagMs?: number } = {}): KindModule {
  const listLagMs = options.listLagMs ?? DEFAULT_LIST_LAG_MS;
  return {
    kind: KIND,
    quota: 'playersPerProject',
    observe: observePlayers,
    diff: (input) => diffPlayer(input, listLagMs),
    execute: executePlayer,
    refresh: refreshPlayer,
  };
}
