// Media Pull ("cloud player"): Create, Update, Delete and List (media-pull-rest-api.txt;
// Update from agora-facts.md), with the bodies Agora documents and typed results for the
// answers the engine must tell apart: created, name conflict (409 + X-Resource-ID of the
// existing player), and outcome unknown (504 or a lost connection after the request was sent).
import type { CallContext, CallSpec, SendHooks } from './call.ts';
import { answerError, callAgora, callIdempotent, isSuccess, pathSegment } from './call.ts';
import { AGORA_CLIENT_REASONS } from './errors.ts';
import { ShapeError, array, num, object, optional, str } from './shape.ts';
import type { ShapeOf } from './shape.ts';

export const PLAYER_REGIONS = ['cn', 'ap', 'na', 'eu'] as const;
export type PlayerStatus = 'idle' | 'connecting' | 'running' | 'failed';
export const ENCRYPT_MODES = ['aes-128-xts', 'aes-256-xts', 'aes-128-ecb', 'sm4-128-ecb', 'aes-128-gcm', 'aes-256-gcm', 'aes-128-gcm2', 'aes-256-gcm2'] as const;

/** The `player` object of a Create request. Exactly one of uid and account. */
export interface PlayerCreateBody {
  streamUrl: string;
  channelName: string;
  uid?: number;
  account?: string;
  name?: string;
  token?: string;
  idleTimeout?: number;
  playTs?: number;
  repeatTime?: number;
  seekPosition?: number;
  encryptMode?: (typeof ENCRYPT_MODES)[number];
  encryptKey?: string;
  encryptKdfSalt?: string;
  audioOptions?: { profile?: number };
  videoOptions?: {
    width?: number;
    height?: number;
    widthHeightAdaption?: boolean;
    frameRate?: number;
    bitrate?: number;
    fillMode?: 'fit' | 'fill';
    codec?: string;
    gop?: number;
  };
  dataStreamOptions?: { enable?: boolean };
}

/** The `player` object of an Update: only these fields change in place. */
export interface PlayerUpdatePatch {
  streamUrl?: string;
  audioOptions?: { volume?: number; profile?: number };
  isPause?: boolean;
  seekPosition?: number;
  tempo?: 0.5 | 0.75 | 1 | 1.25 | 1.5 | 1.75 | 2;
}

export interface CreatedPlayer {
  id: string;
  createTs: number;
  status: string;
  uid?: number;
  account?: string;
}

export type CreateResult =
  | { outcome: 'created'; player: CreatedPlayer; requestId: string }
  | { outcome: 'conflict'; existingId: string; requestId: string }
  | { outcome: 'unknown'; requestId: string; cause: string };

export type DeleteResult = { outcome: 'deleted'; requestId: string } | { outcome: 'unknown'; requestId: string; cause: string };

const listedPlayerShape = {
  id: str,
  name: optional(str),
  createTs: num,
  streamUrl: optional(str),
  channelName: optional(str),
  uid: optional(num),
  account: optional(str),
  status: optional(str),
  idleTimeout: optional(num),
};

/**
 * A player as List shows it. List may return only id, name and createTs (media-pull-rest-api.txt,
 * considerations), so everything else is optional. `name` is '' for a player created without
 * one (Agora sends null); agoractl's own players always have a name.
 */
export type ListedPlayer = Omit<ShapeOf<typeof listedPlayerShape>, 'name'> & { name: string };

export interface ListPage {
  players: ListedPlayer[];
  /** How many players match the filter, over all pages. */
  totalSize: number;
}

export interface ListOptions {
  channelName?: string;
  /** 1..500; agoractl's default is the maximum, so a full observation costs the fewest calls. */
  pageSize?: number;
}

export interface PlayersApi {
  create(region: string, player: PlayerCreateBody, opts?: { streamIp?: string } & SendHooks): Promise<CreateResult>;
  /** Applies a change in place; `sequence` must grow with each update of a player. */
  update(region: string, id: string, sequence: number, patch: PlayerUpdatePatch, hooks?: SendHooks): Promise<void>;
  delete(region: string, id: string, hooks?: SendHooks): Promise<DeleteResult>;
  /** Pages through the project's players in ascending createTs. */
  list(options?: ListOptions): AsyncIterable<ListPage>;
}

const createAnswer = object({
  player: object({ id: str, createTs: num, status: str, uid: optional(num), account: optional(str) }),
});

const listAnswer = object({
  players: array(object(listedPlayerShape)),
  totalSize: optional(num),
  nextPageToken: optional(str),
});

/** The most players a List page holds (media-pull-rest-api.txt, pageSize 1..500): a List asks for that many unless told otherwise. */
export const LIST_PAGE_SIZE = 500;

function regionSegment(region: string): string {
  // "Pass the region value in lowercase" (media-pull-best-practices.txt, Create cloud player).
  const lower = region.toLowerCase();
  if (!(PLAYER_REGIONS as readonly string[]).includes(lower)) throw new RangeError(`region must be one of ${PLAYER_REGIONS.join(', ')}`);
  return lower;
}

export function playersApi(ctx: CallContext): PlayersApi {
  const app = encodeURIComponent(ctx.appId);
  const playersPath = (region: string) => `/${regionSegment(region)}/v1/projects/${app}/cloud-player/players`;

  return {
    async create(region, player, opts) {
      const spec: CallSpec = {
        family: 'mediaPull',
        safety: 'mutation',
        // Create is limited per class: with a name 2/s, without 50/s (agora-facts.md).
        limitKey: player.name ? 'playerCreateNamed' : 'playerCreateUnnamed',
        method: 'POST',
        endpoint: 'POST /{region}/v1/projects/{appId}/cloud-player/players',
        path: playersPath(region),
        query: { streamIp: opts?.streamIp },
        body: { player },
        beforeSend: opts?.beforeSend,
        signal: opts?.signal,
      };
      const outcome = await callAgora(ctx, spec);
      if (outcome.kind === 'unknown') return { outcome: 'unknown', requestId: outcome.requestId, cause: outcome.cause };
      if (outcome.status === 409 && outcome.resourceId) {
        return { outcome: 'conflict', existingId: outcome.resourceId, requestId: outcome.requestId };
      }
      if (!isSuccess(outcome)) throw answerError(spec, outcome);
      try {
        const { player: created } = createAnswer(outcome.body, '');
        return { outcome: 'created', player: created, requestId: outcome.requestId };
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        // Agora accepted the Create but its answer is unreadable: the player may well exist.
        return { outcome: 'unknown', requestId: outcome.requestId, cause: `HTTP ${outcome.status} with an unreadable body (${err.message})` };
      }
    },

    async update(region, id, sequence, patch, hooks) {
      if (!Number.isInteger(sequence) || sequence < 0) throw new RangeError('sequence must be a non-negative integer');
      const spec = {
        family: 'mediaPull',
        // The server keeps the highest sequence, so sending one sequence twice changes nothing.
        safety: 'idempotent' as const,
        limitKey: 'playerUpdate',
        method: 'PATCH',
        endpoint: 'PATCH /{region}/v1/projects/{appId}/cloud-player/players/{id}',
        path: `${playersPath(region)}/${pathSegment(id)}`,
        query: { sequence },
        body: { player: patch },
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      } satisfies CallSpec;
      const answer = await callIdempotent(ctx, spec);
      if (!isSuccess(answer)) throw answerError(spec, answer);
    },

    async delete(region, id, hooks) {
      const spec: CallSpec = {
        family: 'mediaPull',
        safety: 'mutation',
        limitKey: 'playerDelete',
        method: 'DELETE',
        endpoint: 'DELETE /{region}/v1/projects/{appId}/cloud-player/players/{id}',
        path: `${playersPath(region)}/${pathSegment(id)}`,
        beforeSend: hooks?.beforeSend,
        signal: hooks?.signal,
      };
      const outcome = await callAgora(ctx, spec);
      if (outcome.kind === 'unknown') return { outcome: 'unknown', requestId: outcome.requestId, cause: outcome.cause };
      if (isSuccess(outcome)) return { outcome: 'deleted', requestId: outcome.requestId };
      throw answerError(spec, outcome);
    },

    list(options = {}) {
      return listPlayers(ctx, options);
    },
  };
}

async function* listPlayers(ctx: CallContext, options: ListOptions): AsyncGenerator<ListPage> {
  const pageSize = options.pageSize ?? LIST_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > LIST_PAGE_SIZE) throw new RangeError(`pageSize must be an integer in 1..${LIST_PAGE_SIZE}`);
  const filtered = options.channelName !== undefined;
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  let listed = 0;
  for (;;) {
    const spec = {
      family: 'mediaPull',
      safety: 'idempotent' as const,
      // List without a region; with a filter 2/s + 15/min, without 10/s + 20/min.
      limitKey: filtered ? 'playerListFiltered' : 'playerListUnfiltered',
      method: 'GET',
      endpoint: 'GET /v1/projects/{appId}/cloud-player/players',
      path: `/v1/projects/${encodeURIComponent(ctx.appId)}/cloud-player/players`,
      query: {
        filter: filtered ? `channelName eq ${options.channelName}` : undefined,
        pageSize,
        pageToken,
      },
    } satisfies CallSpec;
    const outcome = await callIdempotent(ctx, spec);
    if (!isSuccess(outcome)) throw answerError(spec, outcome);
    let page: ReturnType<typeof listAnswer>;
    try {
      page = listAnswer(outcome.body, '');
    } catch (err) {
      if (err instanceof ShapeError) throw answerError(spec, outcome, AGORA_CLIENT_REASONS.invalidResponse);
      throw err;
    }
    const players = page.players.map((p) => ({ ...p, name: p.name ?? '' }));
    listed += players.length;
    yield { players, totalSize: page.totalSize ?? listed };
    // The end is an empty token (API page) or "0" (the Chinese page and best practices).
    const next = page.nextPageToken;
    if (next === undefined || next === '' || next === '0') return;
    if (seenTokens.has(next)) throw answerError(spec, outcome, AGORA_CLIENT_REASONS.invalidResponse);
    seenTokens.add(next);
    pageToken = next;
  }
}
