// The emulator's HTTP layer on node:http, in place of Fastify (whose installer-resolved
// dependencies need Node 22): find-my-way routes, and every request goes through, in order,
// the onRequest hooks, body parsing, the route's scope preHandler hooks, the handler (or the
// not-found handler), then `reply.send`'s onSend hooks, and the onResponse hooks once the
// answer is out. A hook that sends or hijacks the reply ends the walk.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import type { HTTPMethod } from 'find-my-way';
import { planBody, readBody } from './body.ts';
import type { BodyMode } from './body.ts';
import { HTTP_ERRORS, routerRefusal } from './errors.ts';
import { Reply, asError } from './reply.ts';
import type { ErrorHandler, OnSendHook } from './reply.ts';
import { Request } from './request.ts';
import type { RouteGeneric, RouteRequest } from './request.ts';

export type Handler<T extends RouteGeneric = RouteGeneric> = (request: RouteRequest<T>, reply: Reply) => unknown;
/** Calls `done` to go on; an error goes to the error handler. */
export type OnRequestHook = (request: Request, reply: Reply, done: (error?: Error) => void) => void;
/** May send (a refusal) and so end the walk; a returned promise is awaited. */
export type PreHandlerHook = (request: Request, reply: Reply) => unknown;
export type OnResponseHook = (request: Request, reply: Reply, done: () => void) => void;
export type NotFoundHandler = (request: Request, reply: Reply) => void;

/** Path parameters longer than this are refused with 414 (long resource ids fit). */
const MAX_PARAM_LENGTH = 1024;

interface ScopeSettings {
  readonly body: BodyMode;
  readonly preHandlers: PreHandlerHook[];
  readonly parent: ScopeSettings | null;
}

interface Route {
  readonly handler: Handler;
  readonly scope: ScopeSettings;
}

type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
type RouteAdder = (method: HTTPMethod, path: string, handler: Handler, scope: ScopeSettings) => void;

/** Routes that share a body mode and preHandler hooks (a module's routes). */
export class RouteScope {
  readonly #add: RouteAdder;
  readonly #settings: ScopeSettings;

  protected constructor(add: RouteAdder, settings: ScopeSettings) {
    this.#add = add;
    this.#settings = settings;
  }

  get<T extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<T>): void {
    this.#route('GET', path, handler);
    // Every GET answers HEAD too, with the headers of the GET and no body.
    this.#route('HEAD', path, handler);
  }

  post<T extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<T>): void {
    this.#route('POST', path, handler);
  }

  put<T extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<T>): void {
    this.#route('PUT', path, handler);
  }

  patch<T extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<T>): void {
    this.#route('PATCH', path, handler);
  }

  delete<T extends RouteGeneric = RouteGeneric>(path: string, handler: Handler<T>): void {
    this.#route('DELETE', path, handler);
  }

  /** Runs before every handler of this scope (and of scopes inside it), in the order added. */
  addHook(name: 'preHandler', hook: PreHandlerHook): void {
    if (name === 'preHandler') this.#settings.preHandlers.push(hook);
  }

  /** Routes registered inside `register` take bodies as `options.body` says and get this scope's hooks too. */
  scope(options: { body: BodyMode }, register: (scope: RouteScope) => void): void {
    register(new RouteScope(this.#add, { body: options.body, preHandlers: [], parent: this.#settings }));
  }

  #route<T extends RouteGeneric>(method: HTTPMethod, path: string, handler: Handler<T>): void {
    // The router hands every route the same request type; the declared shapes are the route's word.
    this.#add(method, path, handler as unknown as Handler, this.#settings);
  }
}

export class HttpApp extends RouteScope {
  readonly #router: Router;
  // Answers every path and method no route has, so that its query is parsed and a malformed URL
  // is refused the same way as on a route.
  readonly #unrouted: Router = FindMyWay({ maxParamLength: MAX_PARAM_LENGTH, onBadUrl: refuseBadUrl });
  readonly #onRequest: OnRequestHook[] = [];
  readonly #onResponse: OnResponseHook[] = [];
  readonly #replyHooks: { onSend: OnSendHook[]; errorHandler: ErrorHandler } = { onSend: [], errorHandler: defaultErrorHandler };
  #notFound: NotFoundHandler = (_request, reply) => void reply.code(404).send({ message: 'Not Found' });

  constructor() {
    const router: Router = FindMyWay({ maxParamLength: MAX_PARAM_LENGTH, onBadUrl: refuseBadUrl, onMaxParamLength: refuseLongParam });
    const root: ScopeSettings = { body: 'json', preHandlers: [], parent: null };
    super((method, path, handler, scope) => router.on(method, path, noop, { handler, scope } satisfies Route), root);
    this.#router = router;
    this.#unrouted.all('/*', noop);
  }

  override addHook(name: 'preHandler', hook: PreHandlerHook): void;
  override addHook(name: 'onRequest', hook: OnRequestHook): void;
  override addHook(name: 'onSend', hook: OnSendHook): void;
  override addHook(name: 'onResponse', hook: OnResponseHook): void;
  override addHook(name: 'preHandler' | 'onRequest' | 'onSend' | 'onResponse', hook: PreHandlerHook | OnRequestHook | OnSendHook | OnResponseHook): void {
    if (name === 'onRequest') this.#onRequest.push(hook as OnRequestHook);
    else if (name === 'onSend') this.#replyHooks.onSend.push(hook as OnSendHook);
    else if (name === 'onResponse') this.#onResponse.push(hook as OnResponseHook);
    else super.addHook(name, hook as PreHandlerHook);
  }

  setNotFoundHandler(handler: NotFoundHandler): void {
    this.#notFound = handler;
  }

  setErrorHandler(handler: ErrorHandler): void {
    this.#replyHooks.errorHandler = handler;
  }

  /** The node:http request listener. */
  readonly handle = (raw: IncomingMessage, res: ServerResponse): void => {
    const method = (raw.method ?? 'GET') as HTTPMethod;
    const url = raw.url ?? '/';
    const found = this.#router.find(method, url) ?? this.#unrouted.find(method, url);
    const route = (found?.store ?? null) as Route | null;
    if (found && route === null && found.handler !== noop) {
      // A URL the router refused: answered before any hook, without a request id.
      found.handler(raw, res, found.params, found.store, found.searchParams);
      return;
    }
    const requestId = raw.headers['x-request-id'];
    const request = new Request(
      typeof requestId === 'string' && requestId !== '' ? requestId : randomUUID(),
      raw,
      route ? found?.params ?? {} : {},
      found?.searchParams ?? {},
    );
    const reply = new Reply(res, request, this.#replyHooks);
    if (this.#onResponse.length > 0) this.#watchResponse(request, reply);
    this.#runOnRequest(0, request, reply, route);
  };

  #watchResponse(request: Request, reply: Reply): void {
    const res = reply.raw;
    const finished = () => {
      res.off('finish', finished);
      res.off('error', finished);
      for (const hook of this.#onResponse) hook(request, reply, noop);
    };
    res.on('finish', finished);
    res.on('error', finished);
  }

  #runOnRequest(index: number, request: Request, reply: Reply, route: Route | null): void {
    const hook = this.#onRequest[index];
    if (!hook) {
      if (!reply.sent) this.#parseBody(request, reply, route);
      return;
    }
    try {
      hook(request, reply, (error) => {
        if (reply.hijacked) return;
        if (error) reply.send(error);
        else this.#runOnRequest(index + 1, request, reply, route);
      });
    } catch (error) {
      reply.send(asError(error));
    }
  }

  #parseBody(request: Request, reply: Reply, route: Route | null): void {
    const plan = planBody(request.method, request.headers, route?.scope.body ?? 'json');
    if (plan === 'skip' || (plan === 'unsupported' && route === null)) {
      this.#preHandle(request, reply, route);
      return;
    }
    if (plan === 'invalid' || plan === 'unsupported') {
      reply.send(HTTP_ERRORS.unsupportedMediaType());
      return;
    }
    void readBody(request.raw)
      .then((text) => {
        request.body = plan(text);
      })
      .then(
        () => this.#preHandle(request, reply, route),
        (error: unknown) => {
          // The rest of a refused body may still be on its way: the connection is not reused.
          reply.header('connection', 'close');
          reply.send(asError(error));
        },
      );
  }

  #preHandle(request: Request, reply: Reply, route: Route | null): void {
    if (!route) {
      try {
        this.#notFound(request, reply);
      } catch (error) {
        reply.send(asError(error));
      }
      return;
    }
    const hooks = preHandlersOf(route.scope);
    if (hooks.length === 0) {
      this.#runHandler(request, reply, route);
      return;
    }
    void (async () => {
      for (const hook of hooks) {
        await hook(request, reply);
        if (reply.sent) return;
      }
      this.#runHandler(request, reply, route);
    })().catch((error: unknown) => reply.send(asError(error)));
  }

  #runHandler(request: Request, reply: Reply, route: Route): void {
    let result: unknown;
    try {
      result = route.handler(request as unknown as RouteRequest, reply);
    } catch (error) {
      reply.send(asError(error));
      return;
    }
    if (isThenable(result)) {
      result.then(
        (payload) => {
          if (reply.sent) return;
          // An async handler that neither sent nor returned anything answers 200 with no body,
          // unless the caller has gone.
          if (payload === undefined && (reply.raw.headersSent || request.raw.socket.destroyed)) return;
          reply.send(payload);
        },
        (error: unknown) => reply.send(asError(error)),
      );
      return;
    }
    if (result !== undefined) reply.send(result);
  }
}

function preHandlersOf(scope: ScopeSettings): PreHandlerHook[] {
  return scope.parent ? [...preHandlersOf(scope.parent), ...scope.preHandlers] : scope.preHandlers;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function noop(): void {}

const defaultErrorHandler: ErrorHandler = (error, _request, reply) => {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  reply.code(status).send({ message: error.message });
};

function refuseBadUrl(path: string, _req: IncomingMessage, res: ServerResponse): void {
  writeRefusal(res, routerRefusal('badUrl', path));
}

function refuseLongParam(path: string, _req: IncomingMessage, res: ServerResponse): void {
  writeRefusal(res, routerRefusal('maxParamLength', path));
}

function writeRefusal(res: ServerResponse, refusal: { status: number; body: string }): void {
  res.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(refusal.body) });
  res.end(refusal.body);
}
