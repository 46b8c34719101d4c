// The control API under /_emulator/ (DESIGN.md "The emulator"): tests and users move the
// clock, inject faults, describe streams and channels, change limits and behaviour, take
// domains down, and read the world and the request log. JSON in and out:
//   GET  state                          players, recordings, originSites (+ now, channels, streams)
//   GET  requests[?since=i]             the request log
//   POST reset
//   POST|GET|DELETE faults, DELETE faults/{id}
//   GET  clock; POST clock {advanceMs?, frozen?}   answers {now} after due timers ran
//   GET|PUT channels/{appId}/{channelName} {users}
//   GET|PUT streams {url, playable, durationMs?}
//   GET|PUT limits (the keys of src/agora/limits.ts; null: no limit)
//   PUT|DELETE webhook {url, secret, delayMs?, duplicate?, reorder?}
//   GET|PUT behaviour {listDelayMs?, partialListShare?, connectDelayMs?, networkDelayMs?}
//   GET  domains; PUT domains/{name} {up}
import type { ServerResponse } from 'node:http';
import type { HttpApp } from './http/app.ts';
import type { Reply } from './http/reply.ts';
import type { EmulatorBehaviour } from './context.ts';
import {
  checkChannelBounds,
  checkClockAdvance,
  checkFaultBounds,
  checkLimitBounds,
  checkStreamBounds,
  checkWebhookBounds,
  CONTROL_BOUNDS,
  webhookHostsFromEnv,
} from './control-bounds.ts';
import { parseFaultSpec } from './faults.ts';
import { isCount, isNumber, isObject } from './json.ts';
import { parseLimitOverrides } from './limiter.ts';
import { parseWebhookConfig } from './notifications.ts';
import { CONTROL_PREFIX } from './pipeline.ts';
import type { World } from './world.ts';

export interface DomainStatus {
  name: string;
  url: string;
  up: boolean;
}

export interface DomainControl {
  list(): DomainStatus[];
  /**
   * Takes a domain down (its listener refuses connections) or brings it back on the same port.
   * `answering`: the control request's own response, delivered before its connection is cut.
   * Resolves false for an unknown domain.
   */
  setUp(name: string, up: boolean, answering?: ServerResponse): Promise<boolean>;
  /** Brings every domain back up (a reset). */
  allUp(): Promise<void>;
}

export interface ControlApiOptions {
  /** Host names beyond loopback that webhooks may go to; default AGORA_EMULATOR_WEBHOOK_HOSTS. */
  webhookHosts?: readonly string[];
}

export function registerControlApi(app: HttpApp, world: World, domains: DomainControl, options: ControlApiOptions = {}): void {
  const webhookHosts = options.webhookHosts ?? webhookHostsFromEnv(process.env);
  const path = (suffix: string) => `${CONTROL_PREFIX}${suffix}`;

  app.get(path('/state'), async () => world.snapshot());

  app.get<{ Querystring: { since?: string } }>(path('/requests'), async (request, reply) => {
    const since = request.query.since === undefined ? 0 : Number(request.query.since);
    if (!isCount(since)) return badRequest(reply, '"since" must be a non-negative integer.');
    return world.log.since(since);
  });

  app.post(path('/reset'), async () => {
    world.reset();
    await domains.allUp();
    return { reset: true, now: world.clock.now() };
  });

  app.post(path('/faults'), async (request, reply) => {
    const outOfBounds = checkFaultBounds(request.body, world.faults.size);
    if (outOfBounds) return badRequest(reply, outOfBounds);
    const parsed = parseFaultSpec(request.body);
    if ('error' in parsed) return badRequest(reply, parsed.error);
    reply.code(201);
    return world.faults.add(parsed.spec);
  });
  app.get(path('/faults'), async () => world.faults.list());
  app.delete(path('/faults'), async () => {
    world.faults.clear();
    return [];
  });
  app.delete<{ Params: { id: string } }>(path('/faults/:id'), async (request, reply) => {
    if (!world.faults.remove(request.params.id)) return notFound(reply, 'No fault rule with this id.');
    return world.faults.list();
  });

  app.get(path('/clock'), async () => ({ now: world.clock.now(), offsetMs: world.clock.offsetMs, frozen: world.clock.frozen }));
  app.post(path('/clock'), async (request, reply) => {
    const body = isObject(request.body) ? request.body : {};
    const { advanceMs, frozen } = body;
    if (advanceMs === undefined && frozen === undefined) return badRequest(reply, 'Give "advanceMs" and/or "frozen".');
    const badAdvance = checkClockAdvance(advanceMs);
    if (badAdvance) return badRequest(reply, badAdvance);
    if (frozen !== undefined && typeof frozen !== 'boolean') return badRequest(reply, '"frozen" must be a boolean.');
    if (frozen !== undefined) world.clock.setFrozen(frozen);
    // Synchronous: every timer that falls due has run (and changed the world) before the answer.
    if (typeof advanceMs === 'number') world.clock.advance(advanceMs);
    return { now: world.clock.now() };
  });

  app.get<{ Params: { appId: string; channelName: string } }>(path('/channels/:appId/:channelName'), async (request) => {
    const { appId, channelName } = request.params;
    return channelView(world, appId, channelName);
  });
  app.put<{ Params: { appId: string; channelName: string } }>(path('/channels/:appId/:channelName'), async (request, reply) => {
    const users = isObject(request.body) ? request.body.users : undefined;
    if (!isCount(users)) return badRequest(reply, '"users" must be a non-negative integer.');
    const { appId, channelName } = request.params;
    const outOfBounds = checkChannelBounds(appId, channelName, users);
    if (outOfBounds) return badRequest(reply, outOfBounds);
    world.channels.setUsers(appId, channelName, users);
    return channelView(world, appId, channelName);
  });

  app.get(path('/streams'), async () => world.streams.snapshot());
  app.put(path('/streams'), async (request, reply) => {
    const body = request.body;
    const known = world.streams.snapshot();
    const outOfBounds = checkStreamBounds(body, (url) => known.some((stream) => stream.url === url), known.length);
    if (outOfBounds) return badRequest(reply, outOfBounds);
    if (!isObject(body) || typeof body.url !== 'string' || body.url === '') {
      return badRequest(reply, '"url" must be a non-empty string.');
    }
    const playable = body.playable ?? true;
    if (typeof playable !== 'boolean') return badRequest(reply, '"playable" must be a boolean.');
    if (body.durationMs !== undefined && body.durationMs !== null && (!isCount(body.durationMs) || body.durationMs === 0)) {
      return badRequest(reply, '"durationMs" must be a positive integer (an on-demand file) or absent (a live stream).');
    }
    const info = isCount(body.durationMs) ? { playable, durationMs: body.durationMs } : { playable };
    world.streams.set(body.url, info);
    return { url: body.url, ...info };
  });

  app.get(path('/limits'), async () => world.limiter.current());
  app.put(path('/limits'), async (request, reply) => {
    const parsed = parseLimitOverrides(request.body);
    if ('error' in parsed) return badRequest(reply, parsed.error);
    const outOfBounds = checkLimitBounds(parsed.overrides);
    if (outOfBounds) return badRequest(reply, outOfBounds);
    return world.limiter.update(parsed.overrides);
  });

  app.put(path('/webhook'), async (request, reply) => {
    const outOfBounds = checkWebhookBounds(request.body, webhookHosts);
    if (outOfBounds) return badRequest(reply, outOfBounds);
    try {
      const config = parseWebhookConfig(request.body ?? null);
      world.notifier.configure(config);
      return config === null ? { configured: false } : { configured: true, url: config.url };
    } catch (error) {
      return badRequest(reply, error instanceof Error ? error.message : 'Invalid webhook configuration.');
    }
  });
  app.delete(path('/webhook'), async () => {
    world.notifier.configure(null);
    return { configured: false };
  });

  app.get(path('/behaviour'), async () => ({ ...world.behaviour }));
  app.put(path('/behaviour'), async (request, reply) => {
    const parsed = parseBehaviour(request.body);
    if ('error' in parsed) return badRequest(reply, parsed.error);
    Object.assign(world.behaviour, parsed.behaviour);
    return { ...world.behaviour };
  });

  app.get(path('/domains'), async () => domains.list());
  app.put<{ Params: { name: string } }>(path('/domains/:name'), async (request, reply) => {
    const up = isObject(request.body) ? request.body.up : undefined;
    if (typeof up !== 'boolean') return badRequest(reply, '"up" must be a boolean.');
    const known = await domains.setUp(request.params.name, up, reply.raw);
    if (!known) return notFound(reply, `No domain named ${JSON.stringify(request.params.name)}.`);
    return domains.list().find((domain) => domain.name === request.params.name);
  });
}

function channelView(world: World, appId: string, channelName: string) {
  return {
    appId,
    channelName,
    users: world.channels.users(appId, channelName),
    occupancy: world.channels.occupancy(appId, channelName),
  };
}

const BEHAVIOUR_RANGES: Record<keyof EmulatorBehaviour, { min: number; max: number }> = {
  listDelayMs: { min: 0, max: CONTROL_BOUNDS.listDelayMs },
  partialListShare: { min: 0, max: 1 },
  connectDelayMs: { min: 0, max: CONTROL_BOUNDS.connectDelayMs },
  networkDelayMs: { min: 0, max: 60_000 },
};

function parseBehaviour(body: unknown): { behaviour: Partial<EmulatorBehaviour> } | { error: string } {
  if (!isObject(body)) return { error: 'The body must be a JSON object of behaviour knobs.' };
  const behaviour: Partial<EmulatorBehaviour> = {};
  for (const [key, value] of Object.entries(body)) {
    const range = BEHAVIOUR_RANGES[key as keyof EmulatorBehaviour] as { min: number; max: number } | undefined;
    if (!range) return { error: `Unknown behaviour ${JSON.stringify(key)}; known: ${Object.keys(BEHAVIOUR_RANGES).join(', ')}.` };
    if (!isNumber(value) || value < range.min || value > range.max) {
      return { error: `${key} must be a number from ${range.min} to ${range.max}.` };
    }
    behaviour[key as keyof EmulatorBehaviour] = value;
  }
  return { behaviour };
}

function badRequest(reply: Reply, message: string) {
  return reply.code(400).send({ message });
}

function notFound(reply: Reply, message: string) {
  return reply.code(404).send({ message });
}
