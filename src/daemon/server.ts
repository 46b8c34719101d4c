// The daemon's HTTP server: probes for the orchestrator, metrics for Prometheus, Agora's
// notification webhook and the FLS dynamic-pull callback. It decides nothing about resources: a
// verified notification is handed to `onNotification` (which queues a key), and the callback
// answers from the routes it is given. Five routes need no framework: node:http serves them, and
// the package pulls no web framework onto users' machines.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import type { DaemonMetrics } from './metrics.ts';
import type { KindNotification, NotificationTarget } from '../resources/kind.ts';
import { answerFlsCallback, FLS_CALLBACK_PATH, MAX_GLOB_ROUTES_PER_REQUEST, type FlsRoute } from './fls-callback.ts';
import {
  NoticeDeduper,
  verifyNotification,
  type AgoraNotification,
  type NotificationSecret,
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
  /** Which resource a notification names, as the kinds read its payload (KindRegistry.notificationTarget). */
  notificationTarget: (notification: KindNotification) => NotificationTarget | undefined;
  /** Read per request, so a changed Project manifest takes effect without a restart. */
  notificationSecrets: () => readonly NotificationSecret[];
  routes: () => readonly FlsRoute[];
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
  handlerFailed: 'daemon.request_failed',
} as const;

/** Agora answers are small JSON; anything much larger is not a notification. */
const WEBHOOK_BODY_LIMIT = 256 * 1024;
/** How long a client may take to send its request: the port faces the internet. */
const REQUEST_TIMEOUT_MS = 10_000;

type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export async function startDaemonServer(options: DaemonServerOptions): Promise<DaemonServer> {
  const log = options.logger.child({ component: 'daemon-http' });
  const webhook = webhookHandler(options, log);
  const fls = flsCallbackHandler(options, log);

  const routes: Record<string, Handler> = {
    '/healthz': (_request, response) => {
      const { live } = options.health();
      sendJson(response, live ? 200 : 503, { live });
    },
    '/readyz': (_request, response) => {
      const { ready, notReady } = options.health();
      sendJson(response, ready ? 200 : 503, notReady && notReady.length > 0 ? { ready, notReady } : { ready });
    },
    '/status': (_request, response) => {
      if (!options.status) return sendJson(response, 404, { message: 'not found' });
      sendJson(response, 200, options.status());
    },
    '/metrics': async (_request, response) => {
      const text = await options.metrics.text();
      response.writeHead(200, { 'content-type': options.metrics.contentType, 'content-length': Buffer.byteLength(text) });
      response.end(text);
    },
  };

  const route = (request: IncomingMessage): Handler | undefined => {
    const url = request.url ?? '/';
    const path = url.split('?', 1)[0] ?? '/';
    if (request.method === 'POST') return path === WEBHOOK_PATH ? webhook : undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const fixed = routes[path];
    if (fixed) return fixed;
    if (path === FLS_CALLBACK_PATH || path.startsWith(`${FLS_CALLBACK_PATH}/`)) return fls;
    // The documented form on the server's root: `GET {callbackUrl}?entry_point=..` with a bare
    // host; and the document's sample, which puts the parameters in the path: `GET /entry_point=..`.
    if ((path === '/' && url.includes('entry_point=')) || path.startsWith('/entry_point=')) return fls;
    return undefined;
  };

  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
    const handler = route(request) ?? ((_request, res) => sendJson(res, 404, { message: 'not found' }));
    Promise.resolve()
      .then(() => handler(request, response))
      .catch((error: unknown) => {
        log.error({ event: SERVER_LOG_EVENT.handlerFailed, path: request.url?.split('?', 1)[0], error: error instanceof Error ? error.message : String(error) }, 'request failed');
        if (!response.headersSent) sendJson(response, 500, { message: 'internal error' });
        else response.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ event: SERVER_LOG_EVENT.listening, url }, `daemon listening on ${url}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  // A HEAD request gets the headers of the GET it stands for, without the body.
  response.end(response.req.method === 'HEAD' ? undefined : text);
}

/**
 * The request body, up to `limit` bytes; undefined (and a 413 sent) when it is larger. A refused
 * body is not read to its end: the answer closes the connection, so a sender that keeps streaming
 * holds nothing open (and the stream is not destroyed before the answer is out).
 */
function readBody(request: IncomingMessage, response: ServerResponse, limit: number): Promise<Buffer | undefined> {
  const refuse = (): undefined => {
    response.setHeader('connection', 'close');
    sendJson(response, 413, { message: `request body is larger than ${limit} bytes` });
    request.resume();
    return undefined;
  };
  if (Number(request.headers['content-length']) > limit) return Promise.resolve(refuse());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off('data', onData);
      resolve(refuse());
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function webhookHandler(options: DaemonServerOptions, log: Logger): Handler {
  const deduper =
    options.noticeDeduper ??
    new NoticeDeduper({
      clock: options.clock ?? systemClock,
      ...(options.dedupeWindowMs !== undefined ? { windowMs: options.dedupeWindowMs } : {}),
    });

  // The signature covers the exact bytes Agora sent, so the body is kept raw.
  return async (request, response) => {
    const rawBody = await readBody(request, response, WEBHOOK_BODY_LIMIT);
    if (!rawBody) return;
    const verdict = verifyNotification(rawBody, request.headers, options.notificationSecrets());
    if (!verdict.ok) {
      options.metrics.recordNotification(verdict.reason);
      log.warn(
        { event: SERVER_LOG_EVENT.webhookRejected, reason: verdict.reason, remoteAddress: request.socket.remoteAddress },
        `notification rejected: ${verdict.reason}`,
      );
      return sendJson(response, verdict.status, { ok: false, error: verdict.reason });
    }
    const { notification, project } = verdict;
    const target = options.notificationTarget(notification);
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
    sendJson(response, 200, { ok: true });
    if (result === 'accepted' && target) {
      setImmediate(() => deliver(options, log, { notification, target, project }));
    }
  };
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

function flsCallbackHandler(options: DaemonServerOptions, log: Logger): Handler {
  return (request, response) => {
    const answered = answerFlsCallback(request.url ?? '/', options.routes());
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
    sendJson(response, answered.status, answered.body);
  };
}
