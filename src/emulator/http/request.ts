// One request as route handlers see it: the router's decoded path parameters and parsed query,
// the parsed body, and the raw Node request underneath.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** The shapes a route declares for its path parameters and query, as `app.get<{ Params: ... }>`. */
export interface RouteGeneric {
  Params?: unknown;
  Querystring?: unknown;
}

type ParamsOf<T extends RouteGeneric> = T extends { Params: infer P } ? P : Record<string, string | undefined>;
type QueryOf<T extends RouteGeneric> = T extends { Querystring: infer Q } ? Q : Record<string, string | string[] | undefined>;

export class Request {
  /** The caller's X-Request-ID, else a fresh UUID. */
  readonly id: string;
  readonly raw: IncomingMessage;
  /** Decoded path parameters of the matched route (empty for a path no route has). */
  readonly params: Record<string, string | undefined>;
  /** The query string parsed: a repeated key gives an array. */
  readonly query: Record<string, string | string[] | undefined>;
  /** Parsed JSON, a string (text/plain, or every body of a raw-body scope), or undefined. */
  body: unknown = undefined;

  constructor(id: string, raw: IncomingMessage, params: Record<string, string | undefined>, query: Record<string, string | string[] | undefined>) {
    this.id = id;
    this.raw = raw;
    this.params = params;
    this.query = query;
  }

  get method(): string {
    return this.raw.method ?? 'GET';
  }

  /** Path and query as sent. */
  get url(): string {
    return this.raw.url ?? '/';
  }

  get headers(): IncomingHttpHeaders {
    return this.raw.headers;
  }
}

/** A request as a route that declared its parameter and query shapes sees it. */
export type RouteRequest<T extends RouteGeneric = RouteGeneric> = Omit<Request, 'params' | 'query'> & {
  readonly params: ParamsOf<T>;
  readonly query: QueryOf<T>;
};
