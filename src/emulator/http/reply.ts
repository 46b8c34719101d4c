// The answer to one request: status and headers are collected, `send` serializes the body (an
// object as JSON, a string as text), runs the app's onSend hooks (which may hold, replace or
// cut the answer) and writes it. Headers, Content-Length and the empty-body rules are the ones
// clients saw from Fastify.
import type { ServerResponse } from 'node:http';
import type { Request } from './request.ts';

/** A serialized body on its way out; null or undefined: no body. */
export type Payload = string | Buffer | null | undefined;

/** An error on its way to the error handler; `statusCode` is the status it asks for. */
export type HttpFailure = Error & { statusCode?: number };

export type OnSendHook = (request: Request, reply: Reply, payload: Payload, done: (error: Error | null, payload?: Payload) => void) => void;
export type ErrorHandler = (error: HttpFailure, request: Request, reply: Reply) => void;

/** What every reply of one app shares: its onSend hooks and its error handler. */
export interface ReplyHooks {
  readonly onSend: readonly OnSendHook[];
  errorHandler: ErrorHandler;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const BINARY_TYPE = 'application/octet-stream';

export class Reply {
  readonly raw: ServerResponse;
  readonly request: Request;
  readonly #hooks: ReplyHooks;
  readonly #headers: Record<string, string> = {};
  #sent = false;
  #hijacked = false;
  #failed = false;

  constructor(raw: ServerResponse, request: Request, hooks: ReplyHooks) {
    this.raw = raw;
    this.request = request;
    this.#hooks = hooks;
  }

  /** Whether an answer is on its way (held by a hook or written) or the reply was hijacked. */
  get sent(): boolean {
    return this.#sent || this.#hijacked;
  }

  get hijacked(): boolean {
    return this.#hijacked;
  }

  get statusCode(): number {
    return this.raw.statusCode;
  }

  code(status: number): this {
    this.raw.statusCode = status;
    return this;
  }

  header(name: string, value: string): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.#headers[name.toLowerCase()];
  }

  removeHeader(name: string): this {
    delete this.#headers[name.toLowerCase()];
    return this;
  }

  /** The caller takes the response over: nothing more is written for it. */
  hijack(): void {
    this.#hijacked = true;
  }

  /**
   * Sends the answer: undefined is an empty body, a string is sent as it is, anything else as
   * JSON, an Error goes to the error handler. A second send is ignored: the first one may
   * still be held by an onSend hook (the network delay model).
   */
  send(payload?: unknown): this {
    if (this.sent) return this;
    this.#sent = true;
    if (payload instanceof Error) this.#fail(payload);
    else this.#runOnSend(0, this.#serialize(payload));
    return this;
  }

  #serialize(payload: unknown): Payload {
    if (payload === undefined) return undefined;
    const contentType = this.#headers['content-type'];
    if (Buffer.isBuffer(payload)) {
      this.#headers['content-type'] ??= BINARY_TYPE;
      return payload;
    }
    if (typeof payload === 'string' && contentType === undefined) {
      this.#headers['content-type'] = TEXT_TYPE;
      return payload;
    }
    if (contentType === undefined) this.#headers['content-type'] = JSON_TYPE;
    else if (contentType.includes('json') && !/;\s*charset=/i.test(contentType)) this.#headers['content-type'] = `${contentType}; charset=utf-8`;
    return typeof payload === 'string' ? payload : JSON.stringify(payload);
  }

  #runOnSend(index: number, payload: Payload): void {
    const hook = this.#hooks.onSend[index];
    if (!hook) {
      this.#write(payload);
      return;
    }
    try {
      hook(this.request, this, payload, (error, next) => {
        if (this.#hijacked) return;
        if (error) this.#fail(error);
        else this.#runOnSend(index + 1, next === undefined ? payload : next);
      });
    } catch (error) {
      this.#fail(asError(error));
    }
  }

  // The error handler writes the answer. If answering the error fails too (a hold cut short
  // by shutdown), there is nothing left to say: the connection is closed.
  #fail(error: Error): void {
    if (this.#failed) {
      this.#hijacked = true;
      this.raw.destroy();
      return;
    }
    this.#failed = true;
    delete this.#headers['content-type'];
    delete this.#headers['content-length'];
    this.#sent = false;
    try {
      this.#hooks.errorHandler(error, this.request, this);
    } catch (thrown) {
      this.#sent = false;
      this.#fail(asError(thrown));
    }
  }

  #write(payload: Payload): void {
    const res = this.raw;
    const status = res.statusCode;
    const headers = this.#headers;
    if (status < 200 || status === 204) {
      delete headers['content-type'];
      delete headers['content-length'];
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const length = payload === undefined || payload === null ? 0 : Buffer.byteLength(payload);
    if (this.request.method === 'HEAD') {
      // The length the GET would have had, without the body.
      headers['content-length'] = String(length);
      res.writeHead(status, headers);
      res.end();
      return;
    }
    if (payload === undefined || payload === null) {
      if (status !== 304) headers['content-length'] = '0';
      res.writeHead(status, headers);
      res.end();
      return;
    }
    headers['content-length'] = String(length);
    res.writeHead(status, headers);
    res.end(payload);
  }
}

export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
