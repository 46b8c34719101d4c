// What the core does for every request before an API module sees it, in this order: request
// log entry, fault rules, authentication, then the route. Also the request id every answer
// carries and the JSON error shape of answers no module produced.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage } from 'node:http';
import type { HttpApp } from './http/app.ts';
import type { HttpFailure, Reply } from './http/reply.ts';
import type { Request } from './http/request.ts';
import { bearerMatches } from './auth.ts';
import type { BasicAuth } from './auth.ts';
import type { FaultInjector, FaultRule } from './faults.ts';
import { AFTER_EFFECTS } from './faults.ts';
import { AGORA_MESSAGES, messageForStatus } from './messages.ts';
import type { RequestLog, RequestLogEntry } from './request-log.ts';

export const CONTROL_PREFIX = '/_emulator';

// FLS signs requests with HMAC instead of Basic auth (agora-facts.md "FLS"); its module checks
// the signature itself.
const FLS_PATH = /^\/v1\/projects\/[^/]+\/fls(\/|$)/;

export interface PipelineOptions {
  faults: FaultInjector;
  log: RequestLog;
  basicAuth: BasicAuth;
  controlToken: string;
  /** Whether /_emulator/* needs the bearer token (listeners reachable beyond loopback). */
  requireControlToken: boolean;
  /** The domain name of the listener a request arrived on. */
  domainOf(raw: IncomingMessage): string;
  /** Aborted when the emulator closes, so a "delay" fault does not hold shutdown. */
  shutdown: AbortSignal;
  /** The one-way network delay of API calls now (behaviour `networkDelayMs`). */
  networkDelayMs(): number;
}

interface Pending {
  entry: RequestLogEntry;
  fault: FaultRule | null;
}

export function installPipeline(app: HttpApp, options: PipelineOptions): void {
  const { faults, log, basicAuth, controlToken, requireControlToken, domainOf, shutdown, networkDelayMs } = options;
  const hold = (ms: number, then: () => void, fail: (error: Error) => void): void => {
    if (ms <= 0) return then();
    sleep(ms, undefined, { signal: shutdown }).then(then, fail);
  };
  const pending = new WeakMap<IncomingMessage, Pending>();

  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);

    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      if (requireControlToken && !bearerMatches(request.headers.authorization, controlToken)) {
        reply.code(401).send({ message: 'The control API needs "Authorization: Bearer <control token>".' });
        return;
      }
      acceptEmptyBody(request);
      done();
      return;
    }

    // The request is still on its way: Agora sees it (logs, counts, limits it) on arrival.
    hold(networkDelayMs(), () => arrive(request, reply, done, path, q < 0 ? '' : url.slice(q + 1)), done);
  });

  const arrive = (request: Request, reply: Reply, done: (error?: Error) => void, path: string, query: string): void => {
    reply.header('x-request-id', request.id);
    const domain = domainOf(request.raw);
    const entry = log.add({
      time: Date.now(),
      method: request.method,
      path,
      query,
      status: null,
      requestId: request.id,
      domain,
    });
    const fault = faults.size === 0 ? null : faults.pick(request.method, path, domain);
    pending.set(request.raw, { entry, fault });

    if (fault) {
      entry.fault = fault.effect;
      if (fault.effect === 'drop-before') {
        reply.hijack();
        request.raw.socket.destroy();
        return;
      }
      if (!AFTER_EFFECTS.has(fault.effect)) {
        const status = fault.effect === '504-before' ? 504 : Number(fault.effect);
        reply.code(status).send({ message: messageForStatus(status) });
        return;
      }
    }

    if (!FLS_PATH.test(path) && !basicAuth.accepts(request.headers.authorization)) {
      // Agora's 401 carries no X-Request-ID (media-pull-rest-api.txt, response headers).
      reply.removeHeader('x-request-id');
      reply.code(401).send({ message: AGORA_MESSAGES.unauthorized });
      return;
    }
    acceptEmptyBody(request);
    done();
  };

  app.addHook('onSend', (request, reply, payload, done) => {
    const api = pending.get(request.raw);
    if (!api) {
      done(null, payload); // the control API is not behind the emulated network
      return;
    }
    const fault = api.fault && AFTER_EFFECTS.has(api.fault.effect) ? api.fault : null;
    if (fault?.effect === 'drop') {
      dropAfterHandler(request, reply);
      return;
    }
    let answer = payload;
    if (fault?.effect === '504-after') {
      // The change is made but the caller learns nothing about it, not even the player id.
      reply.code(504);
      reply.removeHeader('x-resource-id');
      reply.header('content-type', 'application/json; charset=utf-8');
      answer = JSON.stringify({ message: AGORA_MESSAGES.gatewayTimeout });
    }
    // A refusal's message in the log: a 429 for the rate and one for the quota look alike otherwise.
    if (reply.statusCode >= 400) api.entry.message = refusalMessage(answer);
    const heldMs = (fault?.effect === 'delay' ? fault.delayMs : 0) + networkDelayMs();
    hold(heldMs, () => done(null, answer), (error) => done(error));
  });

  app.addHook('onResponse', (request, reply, done) => {
    const entry = pending.get(request.raw)?.entry;
    if (entry) entry.status = reply.statusCode;
    done();
  });

  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ message: AGORA_MESSAGES.noRoute });
  });

  app.setErrorHandler((error: HttpFailure, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    // A 4xx (bad JSON, wrong content type, body too large, a module's own refusal) says what
    // is wrong; a 5xx is an internal error and its text stays inside.
    const message = status < 500 && error.message ? error.message : messageForStatus(status);
    reply.code(status).send({ message });
  });
}

/** The connection is cut after the handler ran: the change is made, no answer arrives. */
function dropAfterHandler(request: Request, reply: Reply): void {
  reply.hijack();
  request.raw.socket.destroy();
}

// A client may send `Content-Type: application/json` with an empty body (a DELETE, a reset);
// Agora does not mind, the JSON body parser would answer 400, so such a request is treated as bodiless.
function acceptEmptyBody(request: Request): void {
  const headers = request.headers;
  if (headers['content-type'] === undefined || headers['transfer-encoding'] !== undefined) return;
  const length = headers['content-length'];
  if (length === undefined || length === '0') delete headers['content-type'];
}

/** The `message` of an answer's JSON body, if it has one. */
function refusalMessage(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const body: unknown = JSON.parse(payload);
    return body !== null && typeof body === 'object' && 'message' in body && typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}
