// The daemon's HTTP server: probes for the orchestrator, metrics for Prometheus, Agora's
// notification webhook and the FLS dynamic-pull callback. It decides nothing about resources: a
// verified notification is handed to `onNotification` (which queues a key), and the callback
// answers from the routes it is given.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import type { DaemonMetrics } from './metrics.ts';
import { answerFlsCallback, FLS_CALLBACK_PATH, MAX_GLOB_ROUTES_PER_REQUEST, type OriginSiteRoute } from './fls-callback.ts';
import {
  NoticeDeduper,
  notificationTarget,
  verifyNotification,
  type AgoraNotification,
  type NotificationSecret,
  type NotificationTarget,
} from './webhook.ts';

export const WEBHOOK_PATH = '/webhooks/agora';

/** A verified, first-seen notification that names a resource. */
export interface DaemonNotification {
  notification: AgoraNotification;
  target: NotificationTarget;
  /** The project whose secret verified it, when secrets are tagged with projects. */
  project: string | undefined;
}

export interface DaemonHealth {
  /** The process works (its loop is not wedged). */
  live: boolean;
  /**
   * The daemon can do its job: a valid set of manifests was loaded and their folder is watched.
   * Invalid manifests after a valid set leave it ready (it serves from the last valid set).
   */
  ready: boolean;
  /** Why it is not ready, in words (DaemonStatus NOT_READY). */
  notReady?: readonly string[];
}

export interface DaemonServerOptions {
  host: string;
  /** 0 for any free port. */
  port: number;
  metrics: DaemonMetrics;
  health: () => DaemonHealth;
  /** The JSON body of `GET /status` (DaemonStatus.report()); without it /status answers 404. */
  status?: () => unknown;
  /** Called after the answer was sent; errors are logged, never answered. */
  onNotification: (event: DaemonNotification) => void | Promise<void>;
  /** Read per request, so a changed Project manifest takes effect without a restart. */
  notificationSecrets: () => readonly NotificationSecret[];
  routes: () => readonly OriginSiteRoute[];
  logger: Logger;
  /** For the noticeId dedupe window. */
  clock?: Clock;
  dedupeWindowMs?: number;
  /** Remembers noticeIds, so a resent or replayed notification queues nothing; built from clock and dedupeWindowMs when absent. */
  noticeDeduper?: NoticeDeduper;
}

export interface DaemonServer {
  /** `http://host:port` the server listens on. */
  url: string;
  close(): Promise<void>;
}

/** Log events of this module. */
export const SERVER_LOG_EVENT = {
  listening: 'daemon.listening',
  webhookRejected: 'webhook.rejected',
  webhookAccepted: 'webhook.accepted',
  notificationFailed: 'webhook.handler_failed',
  flsCallback: 'fls.callback',
  flsGlobRoutesIgnored: 'fls.glob_routes_ignored',
} as const;

/** Agora answers are small JSON; anything much larger is not a notification. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;

export async function startDaemonServer(options: DaemonServerOptions): Promise<DaemonServer> {
  const app = Fastify({ logger: false, bodyLimit: WEBHOOK_BODY_LIMIT });
  const log = options.logger.child({ component: 'daemon-http' });

  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    void reply.code(status).send({ message: status < 500 ? (error.message ?? 'bad request') : 'internal error' });
  });

  app.get('/healthz', async (_request, reply) => {
    const { live } = options.health();
    return reply.code(live ? 200 : 503).send({ live });
  });

  app.get('/readyz', async (_request, reply) => {
    const { ready, notReady } = options.health();
    return reply.code(ready ? 200 : 503).send(notReady && notReady.length > 0 ? { ready, notReady } : { ready });
  });

  app.get('/status', async (_request, reply) => {
    if (!options.status) return reply.code(404).send({ message: 'not found' });
    return reply.code(200).send(options.status());
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.text();
    return reply.type(options.metrics.contentType).send(text);
  });

  registerWebhook(app, options, log);
  registerFlsCallback(app, options, log);

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ event: SERVER_LOG_EVENT.listening, url }, `daemon listening on ${url}`);
  return { url, close: () => app.close() };
}

function registerWebhook(app: FastifyInstance, options: DaemonServerOptions, log: Logger): void {
  const deduper =
    options.noticeDeduper ??
    new NoticeDeduper({
      clock: options.clock ?? systemClock,
      ...(options.dedupeWindowMs !== undefined ? { windowMs: options.dedupeWindowMs } : {}),
    });

  // The signature covers the exact bytes Agora sent, so this route keeps the raw body: its own
  // scope replaces the JSON parser with one that hands over the buffer.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    scope.post(WEBHOOK_PATH, async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const verdict = verifyNotification(rawBody, request.headers, options.notificationSecrets());
      if (!verdict.ok) {
        options.metrics.recordNotification(verdict.reason);
        log.warn(
          { event: SERVER_LOG_EVENT.webhookRejected, reason: verdict.reason, remoteAddress: request.ip },
          `notification rejected: ${verdict.reason}`,
        );
        return reply.code(verdict.status).send({ ok: false, error: verdict.reason });
      }
      const { notification, project } = verdict;
      const target = notificationTarget(notification);
      const firstSeen = deduper.firstSeen(notification.noticeId);
      const result = !firstSeen ? 'duplicate' : target ? 'accepted' : 'ignored';
      options.metrics.recordNotification(result);
      log.debug(
        {
          event: SERVER_LOG_EVENT.webhookAccepted,
          result,
          noticeId: notification.noticeId,
          productId: notification.productId,
          eventType: notification.eventType,
          project,
        },
        `notification ${result}`,
      );
      // Agora resends unless it gets a 200 within 10 s (agora-facts.md), so the answer is
      // written first and the handler runs on a later turn of the event loop.
      void reply.code(200).send({ ok: true });
      if (result === 'accepted' && target) {
        setImmediate(() => deliver(options, log, { notification, target, project }));
      }
      return reply;
    });
  });
}

function deliver(options: DaemonServerOptions, log: Logger, event: DaemonNotification): void {
  const fail = (error: unknown): void => {
    log.error(
      {
        event: SERVER_LOG_EVENT.notificationFailed,
        noticeId: event.notification.noticeId,
        error: error instanceof Error ? error.message : String(error),
      },
      'notification handler failed',
    );
  };
  try {
    const pending = options.onNotification(event);
    if (pending) pending.catch(fail);
  } catch (error) {
    fail(error);
  }
}

function registerFlsCallback(app: FastifyInstance, options: DaemonServerOptions, log: Logger): void {
  const answer = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const answered = answerFlsCallback(request.url, options.routes());
    options.metrics.recordFlsCallback(answered.result);
    const parsed = answered.request;
    log.debug(
      {
        event: SERVER_LOG_EVENT.flsCallback,
        result: answered.result,
        ...(parsed ? { entryPoint: parsed.entryPoint, streamName: parsed.streamName, project: parsed.project } : { reason: answered.body.code }),
      },
      'fls callback',
    );
    if (answered.result === 'no-route' && answered.ignoredGlobRoutes > 0) {
      log.warn(
        {
          event: SERVER_LOG_EVENT.flsGlobRoutesIgnored,
          entryPoint: answered.request.entryPoint,
          ignoredGlobRoutes: answered.ignoredGlobRoutes,
          limit: MAX_GLOB_ROUTES_PER_REQUEST,
        },
        `entry point "${answered.request.entryPoint}" has more glob routes than the ${MAX_GLOB_ROUTES_PER_REQUEST} a request tries; ${answered.ignoredGlobRoutes} were not tried`,
      );
    }
    return reply.code(answered.status).send(answered.body);
  };

  app.get(FLS_CALLBACK_PATH, answer);
  app.get(`${FLS_CALLBACK_PATH}/*`, answer);
  // The documented form on the server's root: `GET {callbackUrl}?entry_point=..` with a bare host.
  app.get('/', async (request, reply) => {
    if (!request.url.includes('entry_point=')) return reply.code(404).send({ message: 'not found' });
    return answer(request, reply);
  });
  // The document's sample puts the parameters in the path: `GET /entry_point=..&stream_name=..`.
  app.setNotFoundHandler(async (request, reply) => {
    if (request.method === 'GET' && /^\/entry_point=/.test(request.url)) return answer(request, reply);
    return reply.code(404).send({ message: 'not found' });
  });
}
