// One page of List (media-pull-rest-api.txt "List"): `filter=channelName eq X`, pageSize 1..500
// (default 200), an opaque pageToken, ascending createTs, `nextPageToken` "" at the end, and
// the quirks: a new player is invisible for a while after Create, and some players come back
// with only id, name and createTs.
import type { EmulatorBehaviour } from '../context.ts';
import { listEntryJson } from './player.ts';
import type { Player } from './player.ts';
import { firstAfter } from './store.ts';
import type { PlayerStore } from './store.ts';
import type { Checked } from './validate.ts';
import { MEDIA_PULL_MESSAGES } from './validate.ts';

export const DEFAULT_PAGE_SIZE = 200;
export const MAX_PAGE_SIZE = 500;

export interface ListQuery {
  channelName: string | undefined;
  pageSize: number;
  after: { createTs: number; id: string } | null;
}

const FILTER = /^\s*channelName\s+eq\s+(.+?)\s*$/;
const TOKEN = /^(\d{1,12})\.([0-9a-f]{32})$/;

export function parseListQuery(query: Record<string, unknown>): Checked<ListQuery> {
  const { filter, pageSize, pageToken } = query;
  let channelName: string | undefined;
  if (filter !== undefined) {
    const match = typeof filter === 'string' ? FILTER.exec(filter) : null;
    if (!match?.[1]) return { ok: false, message: MEDIA_PULL_MESSAGES.invalid('filter') };
    channelName = match[1];
  }
  let size = DEFAULT_PAGE_SIZE;
  if (pageSize !== undefined) {
    size = typeof pageSize === 'string' && /^\d{1,4}$/.test(pageSize) ? Number(pageSize) : NaN;
    if (!(size >= 1 && size <= MAX_PAGE_SIZE)) return { ok: false, message: MEDIA_PULL_MESSAGES.invalid('pageSize') };
  }
  let after: ListQuery['after'] = null;
  if (pageToken !== undefined && pageToken !== '') {
    const decoded = typeof pageToken === 'string' ? TOKEN.exec(Buffer.from(pageToken, 'base64url').toString('latin1')) : null;
    if (!decoded?.[1] || !decoded[2]) return { ok: false, message: MEDIA_PULL_MESSAGES.invalid('pageToken') };
    after = { createTs: Number(decoded[1]), id: decoded[2] };
  }
  return { ok: true, value: { channelName, pageSize: size, after } };
}

/** The position after `player` in List's order, opaque to clients. */
export function pageToken(player: Player): string {
  return Buffer.from(`${player.createTs}.${player.id}`, 'latin1').toString('base64url');
}

/**
 * One page as the JSON text of List's answer: `{totalSize, players, fields, nextPageToken}`.
 * Built from each player's cached entry, so a page costs a join, not an encoding of every
 * player on every request.
 */
export function listPage(store: PlayerStore, appId: string, query: ListQuery, behaviour: EmulatorBehaviour, nowMs: number): string {
  const sorted = store.sorted(appId, query.channelName);
  // Players created within listDelayMs are not shown yet (about 10 s at Agora).
  const cutoffMs = nowMs - behaviour.listDelayMs;
  const partialShare = behaviour.partialListShare;

  const entries: string[] = [];
  let last: Player | null = null;
  let uid = false;
  let account = false;
  let i = query.after ? firstAfter(sorted, query.after) : 0;
  for (; i < sorted.length && entries.length < query.pageSize; i += 1) {
    const player = sorted[i] as Player;
    if (player.createdAtMs > cutoffMs) continue;
    const partial = player.listDraw < partialShare;
    entries.push(listEntryJson(player, partial));
    if (!partial) {
      if (player.account === undefined) uid = true;
      else account = true;
    }
    last = player;
  }
  let more = false;
  for (; i < sorted.length && !more; i += 1) more = (sorted[i] as Player).createdAtMs <= cutoffMs;

  const totalSize = sorted.length - hiddenAtTail(sorted, cutoffMs);
  const nextPageToken = more && last ? pageToken(last) : '';
  return `{"totalSize":${totalSize},"players":[${entries.join(',')}],"fields":"${fieldsMask(uid || !account, account)}","nextPageToken":"${nextPageToken}"}`;
}

/**
 * Hidden players are the newest, so they sit at the end of List's order; only players of the
 * last seconds need a look.
 */
function hiddenAtTail(sorted: readonly Player[], cutoffMs: number): number {
  let hidden = 0;
  for (let i = sorted.length - 1; i >= 0; i -= 1) {
    const player = sorted[i] as Player;
    if (player.createTs * 1000 + 999 <= cutoffMs) break;
    if (player.createdAtMs > cutoffMs) hidden += 1;
  }
  return hidden;
}

function fieldsMask(uid: boolean, account: boolean): string {
  const user = [uid ? 'player.uid' : null, account ? 'player.account' : null].filter((f) => f !== null);
  return ['player.name', 'player.streamUrl', 'player.channelName', ...user, 'player.id', 'player.createTs', 'player.status'].join(',');
}
