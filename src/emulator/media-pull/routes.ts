// The Media Pull REST API (media-pull-rest-api.txt; Update: agora-facts.md): Create, Update,
// Delete and List, each admitted by its rate-limit class first, then validated, then applied.
import { randomBytes } from 'node:crypto';
import type { HttpApp } from '../http/app.ts';
import type { Reply } from '../http/reply.ts';
import type { LimitKey } from '../../agora/limits.ts';
import type { EmulatorContext } from '../context.ts';
import { isObject } from '../json.ts';
import { AGORA_MESSAGES } from '../messages.ts';
import type { PlayerLifecycle } from './lifecycle.ts';
import { listPage, parseListQuery } from './list.ts';
import { createAnswer, newTimers } from './player.ts';
import type { Player } from './player.ts';
import type { PlayerStore } from './store.ts';
import { checkCreate, checkRegion, checkSequence, checkStreamIp, checkUpdate } from './validate.ts';

const PLAYERS = '/:region/v1/projects/:appId/cloud-player/players';
const PLAYER = `${PLAYERS}/:id`;
const LIST = '/v1/projects/:appId/cloud-player/players';

interface PlayerParams {
  region: string;
  appId: string;
  id: string;
}

export function registerMediaPullRoutes(app: HttpApp, ctx: EmulatorContext, store: PlayerStore, lifecycle: PlayerLifecycle): void {
  const admitted = (reply: Reply, key: LimitKey, appId: string): boolean => {
    if (ctx.limits.admit(key, appId)) return true;
    answer(reply, 429, { message: AGORA_MESSAGES.rateLimited });
    return false;
  };

  app.post<{ Params: Omit<PlayerParams, 'id'>; Querystring: { streamIp?: string } }>(PLAYERS, (request, reply) => {
    const { region, appId } = request.params;
    const body = request.body;
    // "Create with name" and "without" are two rate-limit classes (agora-facts.md).
    const named = isObject(body) && isObject(body.player) && typeof body.player.name === 'string' && body.player.name !== '';
    if (!admitted(reply, named ? 'playerCreateNamed' : 'playerCreateUnnamed', appId)) return;

    const nowMs = ctx.clock.now();
    const createTs = Math.floor(nowMs / 1000);
    const checkedRegion = checkRegion(region);
    if (!checkedRegion.ok) return answer(reply, 400, { message: checkedRegion.message });
    const streamIp = checkStreamIp(request.query.streamIp);
    if (!streamIp.ok) return answer(reply, 400, { message: streamIp.message });
    const spec = checkCreate(body, createTs);
    if (!spec.ok) return answer(reply, 400, { message: spec.message });

    if (spec.value.name !== undefined) {
      const existing = store.byName(appId, spec.value.name);
      if (existing) {
        reply.header('x-resource-id', existing.id);
        return answer(reply, 409, { message: AGORA_MESSAGES.conflict });
      }
    }
    const quota = ctx.limits.quota('playersPerProject');
    if (quota !== null && store.count(appId) >= quota) {
      return answer(reply, 429, { message: AGORA_MESSAGES.quotaExceeded });
    }

    const player: Player = {
      ...spec.value,
      // uid 0 asks Agora to assign one (media-pull-rest-api.txt, uid).
      ...(spec.value.uid === 0 ? { uid: 1 + Math.floor(ctx.random() * (2 ** 32 - 2)) } : {}),
      id: randomBytes(16).toString('hex'),
      appId,
      region: checkedRegion.value,
      ...(streamIp.value === undefined ? {} : { streamIp: streamIp.value }),
      createTs,
      createdAtMs: nowMs,
      status: 'connecting',
      isPause: false,
      sequence: null,
      listDraw: ctx.random(),
      durationMs: undefined,
      playedMs: playStartMs(spec.value, createTs),
      playingSinceMs: null,
      idleReason: null,
      idleLeftMs: 0,
      idleDeadlineMs: 0,
      timers: newTimers(),
      listJson: null,
    };
    store.add(player);
    lifecycle.created(player);
    reply.header('x-resource-id', player.id);
    return answer(reply, 200, createAnswer(player));
  });

  app.patch<{ Params: PlayerParams; Querystring: { sequence?: string } }>(PLAYER, (request, reply) => {
    const { region, appId, id } = request.params;
    if (!admitted(reply, 'playerUpdate', appId)) return;
    reply.header('x-resource-id', id);
    // Update answers failures with `reason` (Agora's OpenAPI); `message` is kept for clients
    // that read every Agora error the same way.
    const refuse = (status: number, message: string) => answer(reply, status, { message, reason: message });
    const checkedRegion = checkRegion(region);
    if (!checkedRegion.ok) return refuse(400, checkedRegion.message);
    const sequence = checkSequence(request.query.sequence);
    if (!sequence.ok) return refuse(400, sequence.message);
    const update = checkUpdate(request.body);
    if (!update.ok) return refuse(400, update.message);
    const player = store.get(appId, id);
    if (!player) return refuse(404, AGORA_MESSAGES.notFound);
    // The server keeps the configuration of the highest sequence: a late, older update is
    // acknowledged and ignored (agora-facts.md leaves it unconfirmed; this is the safe reading).
    if (player.sequence === null || sequence.value > player.sequence) {
      player.sequence = sequence.value;
      lifecycle.update(player, update.value);
    }
    return answer(reply, 200);
  });

  app.delete<{ Params: PlayerParams }>(PLAYER, (request, reply) => {
    const { region, appId, id } = request.params;
    if (!admitted(reply, 'playerDelete', appId)) return;
    const checkedRegion = checkRegion(region);
    if (!checkedRegion.ok) return answer(reply, 400, { message: checkedRegion.message });
    const player = store.get(appId, id);
    // Deleting a player that is already gone answers 2XX too (agora-facts.md).
    if (player) lifecycle.destroy(player, 'Delete Request');
    reply.header('x-resource-id', id);
    return answer(reply, 200);
  });

  app.get<{ Params: { appId: string }; Querystring: Record<string, unknown> }>(LIST, (request, reply) => {
    const { appId } = request.params;
    const filtered = request.query.filter !== undefined;
    if (!admitted(reply, filtered ? 'playerListFiltered' : 'playerListUnfiltered', appId)) return;
    const query = parseListQuery(request.query);
    if (!query.ok) return answer(reply, 400, { message: query.message });
    reply.header('content-type', 'application/json; charset=utf-8');
    return answer(reply, 200, listPage(store, appId, query.value, ctx.behaviour, ctx.clock.now()));
  });
}

// Handlers send and return nothing: the answer may still be on its way (held by a "delay"
// fault or the network delay model) when the handler returns.
function answer(reply: Reply, status: number, body?: unknown): void {
  void reply.code(status).send(body);
}

/**
 * Where an on-demand file starts: a playTs before creation resumes it that far in, for
 * recovering a failed player (media-pull-rest-api.txt, playTs), plus seekPosition.
 */
function playStartMs(spec: { playTs: number; seekPosition: number }, createTs: number): number {
  const resumeS = spec.playTs !== 0 && spec.playTs < createTs ? createTs - spec.playTs : 0;
  return (resumeS + spec.seekPosition) * 1000;
}
