// HTTP on undici: keep-alive pools, connect/header/body timeouts, and for every failure the one
// fact retries depend on — whether the request had been written to the socket. A failure
// before that never reached Agora; after it, a Create may have been carried out.
import { createRequire } from 'node:module';
import type { LookupFunction } from 'node:net';
import type { Agent as AgentClass, Dispatcher } from 'undici';
import type { NetworkFailureKind } from './errors.ts';

// undici's Agent module alone: the package's index also loads fetch, WebSocket, caches, mocks
// and more, about 130 ms of every `agoractl apply` start on a laptop-class CPU, for nothing
// this client uses. undici has no `exports` map, so the file is a stable public path of 7.x;
// test/agora/transport.test.ts drives it end to end.
const Agent = createRequire(import.meta.url)('undici/lib/dispatcher/agent.js') as typeof AgentClass;

export interface TimeoutOptions {
  /** TCP (and TLS) connect. */
  connectMs?: number;
  /** From the request written to the response headers. */
  headersMs?: number;
  /** Between chunks of the response body. */
  bodyMs?: number;
  /** How long an idle keep-alive connection is kept. */
  keepAliveMs?: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Required<TimeoutOptions>> = Object.freeze({
  connectMs: 5_000,
  headersMs: 30_000,
  bodyMs: 30_000,
  keepAliveMs: 30_000,
});

export interface TransportOptions {
  timeouts?: TimeoutOptions;
  /** Name resolution for the sockets (node's dns.lookup by default); tests resolve locally. */
  lookup?: LookupFunction;
  /** Sockets per origin. */
  connections?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  /** Scheme, host and port, e.g. `https://api.agora.io`. */
  origin: string;
  method: HttpMethod;
  /** The full request target: path and query. */
  pathWithQuery: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/** No usable HTTP answer. `status` is set when headers arrived but the body did not. */
export class NetworkFailure extends Error {
  constructor(
    readonly kind: NetworkFailureKind,
    readonly requestWritten: boolean,
    readonly causeCode: string,
    readonly status?: number,
  ) {
    super(`network failure (${kind}, ${causeCode})${requestWritten ? ' after the request was written' : ''}`);
    this.name = 'NetworkFailure';
  }
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.name : 'UNKNOWN';
}

function classify(err: unknown, connected: boolean, written: boolean, status: number | undefined): NetworkFailure {
  const code = errorCode(err);
  if (!connected) {
    return new NetworkFailure(DNS_CODES.has(code) ? 'dns' : 'connect', false, code);
  }
  const kind: NetworkFailureKind = TIMEOUT_CODES.has(code) ? 'timeout' : 'reset';
  return new NetworkFailure(kind, written, code, status);
}

function headerRecord(raw: Buffer[] | string[] | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!raw) return headers;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    const value = String(raw[i + 1]);
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

/** The legacy handler hooks; only they report `onRequestSent` (the request fully written). */
interface WriteTrackingHandler extends Dispatcher.DispatchHandler {
  onRequestSent(): void;
}

export class HttpTransport {
  readonly #agent: AgentClass;
  readonly #timeouts: Required<TimeoutOptions>;

  constructor(options: TransportOptions = {}) {
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: this.#timeouts.keepAliveMs,
      headersTimeout: this.#timeouts.headersMs,
      bodyTimeout: this.#timeouts.bodyMs,
      connect: {
        timeout: this.#timeouts.connectMs,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
    });
  }

  /** Resolves with any HTTP answer; rejects with a NetworkFailure when none came. */
  send(request: HttpRequest): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let connected = false;
      let written = false;
      let status: number | undefined;
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      const handler: WriteTrackingHandler = {
        onConnect: () => {
          connected = true;
        },
        onRequestSent: () => {
          written = true;
        },
        onHeaders: (statusCode, rawHeaders) => {
          // 1xx answers precede the real one; only the final headers count.
          if (statusCode < 200) return true;
          written = true;
          status = statusCode;
          headers = headerRecord(rawHeaders);
          return true;
        },
        onData: (chunk) => {
          chunks.push(chunk);
          return true;
        },
        onComplete: () => {
          resolve({ status: status ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        },
        onError: (err) => {
          reject(classify(err, connected, written, status));
        },
      };
      this.#agent.dispatch(
        {
          origin: request.origin,
          path: request.pathWithQuery,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          headersTimeout: this.#timeouts.headersMs,
          bodyTimeout: this.#timeouts.bodyMs,
        },
        handler,
      );
    });
  }

  /** Ends every connection; requests still in flight fail. */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}
