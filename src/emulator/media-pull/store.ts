// The players of every project, indexed for List: per App ID and per channel, each a sorted
// array in List's order (ascending createTs, then id), so a page is a binary search and a
// slice, never a scan or a serialisation of the whole world.
import type { Player } from './player.ts';

interface AppPlayers {
  all: Player[];
  byChannel: Map<string, Player[]>;
  byName: Map<string, Player>;
}

/** List's order: ascending createTs (media-pull-rest-api.txt), ties broken by id. */
export function compareListOrder(a: { createTs: number; id: string }, b: { createTs: number; id: string }): number {
  if (a.createTs !== b.createTs) return a.createTs - b.createTs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Index of the first player that sorts after `key`. */
export function firstAfter(sorted: readonly Player[], key: { createTs: number; id: string }): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareListOrder(sorted[mid] as Player, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class PlayerStore {
  #byId = new Map<string, Player>();
  #apps = new Map<string, AppPlayers>();

  get size(): number {
    return this.#byId.size;
  }

  get(appId: string, id: string): Player | undefined {
    const player = this.#byId.get(id);
    return player?.appId === appId ? player : undefined;
  }

  byName(appId: string, name: string): Player | undefined {
    return this.#apps.get(appId)?.byName.get(name);
  }

  /** Live players of a project (the quota counts them). */
  count(appId: string): number {
    return this.#apps.get(appId)?.all.length ?? 0;
  }

  /** The players of a project, or of one channel, in List's order. Do not modify. */
  sorted(appId: string, channelName?: string): readonly Player[] {
    const app = this.#apps.get(appId);
    if (!app) return [];
    return channelName === undefined ? app.all : (app.byChannel.get(channelName) ?? []);
  }

  all(): IterableIterator<Player> {
    return this.#byId.values();
  }

  add(player: Player): void {
    this.#byId.set(player.id, player);
    let app = this.#apps.get(player.appId);
    if (!app) {
      app = { all: [], byChannel: new Map(), byName: new Map() };
      this.#apps.set(player.appId, app);
    }
    insertSorted(app.all, player);
    let channel = app.byChannel.get(player.channelName);
    if (!channel) {
      channel = [];
      app.byChannel.set(player.channelName, channel);
    }
    insertSorted(channel, player);
    if (player.name !== undefined) app.byName.set(player.name, player);
  }

  remove(player: Player): void {
    if (this.#byId.get(player.id) !== player) return;
    this.#byId.delete(player.id);
    const app = this.#apps.get(player.appId);
    if (!app) return;
    removeSorted(app.all, player);
    const channel = app.byChannel.get(player.channelName);
    if (channel) {
      removeSorted(channel, player);
      if (channel.length === 0) app.byChannel.delete(player.channelName);
    }
    if (player.name !== undefined && app.byName.get(player.name) === player) app.byName.delete(player.name);
    if (app.all.length === 0) this.#apps.delete(player.appId);
  }

  clear(): void {
    this.#byId.clear();
    this.#apps.clear();
  }
}

function insertSorted(sorted: Player[], player: Player): void {
  // New players nearly always sort last (createTs grows with the clock): append fast.
  const last = sorted[sorted.length - 1];
  if (!last || compareListOrder(last, player) < 0) {
    sorted.push(player);
    return;
  }
  sorted.splice(firstAfter(sorted, player), 0, player);
}

function removeSorted(sorted: Player[], player: Player): void {
  const i = firstAfter(sorted, player) - 1;
  if (sorted[i] === player) sorted.splice(i, 1);
}
