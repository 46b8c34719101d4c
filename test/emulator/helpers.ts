// Talks to a real emulator over HTTP on 127.0.0.1, as a client of Agora would.
import { createServer } from 'node:http';
import { after, before, beforeEach } from 'node:test';
import { NO_RATE_LIMITS } from '../../src/agora/limits.ts';
import { flsSignatureHeaders } from '../../src/agora/signing.ts';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '../../src/emulator/server.ts';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator/server.ts';

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON ('' for an empty body). */
  body: unknown;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no Authorization header. */
  noAuth?: boolean;
  /** Base URL to use instead of the first listener. */
  baseUrl?: string;
}

export class TestEmulator {
  #handle: EmulatorHandle | undefined;

  constructor(handle?: EmulatorHandle) {
    this.#handle = handle;
  }

  get handle(): EmulatorHandle {
    if (!this.#handle) throw new Error('the emulator has not started (use it inside a test)');
    return this.#handle;
  }

  async start(options: EmulatorOptions = {}): Promise<void> {
    this.#handle = await startEmulator({ customerId: 'test-customer', customerSecret: 'test-secret', ...options });
  }

  get auth(): string {
    const { customerId, customerSecret } = this.handle.credentials;
    return `Basic ${Buffer.from(`${customerId}:${customerSecret}`).toString('base64')}`;
  }

  /** A request to an emulated Agora API, with Basic auth unless told otherwise. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (!options.noAuth) headers.authorization ??= this.auth;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${options.baseUrl ?? this.handle.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    return toAnswer(response);
  }

  /** A request to the FLS API, signed with HMAC-SHA256 as Agora requires (no Basic auth); a body is sent as JSON. */
  async fls(method: string, path: string, body?: unknown): Promise<Answer> {
    const url = new URL(`${this.handle.url}${path}`);
    const text = body === undefined ? '' : JSON.stringify(body);
    const { customerId, customerSecret } = this.handle.credentials;
    const headers = flsSignatureHeaders({ customerId, customerSecret, method, host: url.host, pathWithQuery: `${url.pathname}${url.search}`, body: text, date: new Date() });
    return this.call(method, path, { headers: { ...headers, ...(text === '' ? {} : { 'content-type': 'application/json' }) }, noAuth: true, ...(text === '' ? {} : { body: text }) });
  }

  /** A control API request; JSON in and out. */
  async control(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${this.handle.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return toAnswer(response);
  }

  async createPlayer(appId: string, player: Record<string, unknown>, region = 'na'): Promise<Answer> {
    return this.call('POST', `/${region}/v1/projects/${appId}/cloud-player/players`, { body: { player } });
  }

  async list(appId: string, query: Record<string, string> = {}): Promise<Answer> {
    const qs = new URLSearchParams(query).toString();
    return this.call('GET', `/v1/projects/${appId}/cloud-player/players${qs ? `?${qs}` : ''}`);
  }

  async advance(ms: number): Promise<number> {
    const answer = await this.control('POST', '/clock', { advanceMs: ms });
    return (answer.body as { now: number }).now;
  }

  async now(): Promise<number> {
    return ((await this.control('GET', '/clock')).body as { now: number }).now;
  }

  /** The players of the world (GET /_emulator/state). */
  async players(): Promise<StatePlayer[]> {
    return ((await this.control('GET', '/state')).body as { players: StatePlayer[] }).players;
  }

  async player(id: string): Promise<StatePlayer | undefined> {
    return (await this.players()).find((p) => p.id === id);
  }

  /** Removes the rate limits (not the quotas) that would get in the way of a test about something else. */
  async unlimited(): Promise<void> {
    await this.control('PUT', '/limits', NO_RATE_LIMITS);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export { NO_RATE_LIMITS };

export interface StatePlayer {
  id: string;
  appId: string;
  name?: string;
  channelName: string;
  uid?: number;
  account?: string;
  streamUrl: string;
  status: string;
  idleTimeout: number;
  isPause: boolean;
  sequence: number | null;
  tempo: number;
  seekPosition: number;
  audioOptions?: { volume?: number; profile?: number };
  region: string;
  createTs: number;
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = new TestEmulator();
  await emulator.start(options);
  return emulator;
}

/**
 * One emulator for the enclosing describe block: started before its tests, closed after them,
 * and reset before each test with the rate limits lifted (tests of limits set their own).
 */
export function useEmulator(options: EmulatorOptions = {}): TestEmulator {
  const emulator = new TestEmulator();
  before(() => emulator.start(options));
  after(() => emulator.close());
  beforeEach(async () => {
    await emulator.control('POST', '/reset');
    await emulator.unlimited();
  });
  return emulator;
}

async function toAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? '' : (JSON.parse(text) as unknown);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export function player(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { streamUrl: 'rtmp://origin.example.com/live/class32/101', channelName: 'class32', uid: 101, ...overrides };
}

/** Where the emulator's webhook notifications land, on an ephemeral loopback port. */
export class WebhookReceiver {
  readonly received: { eventType: number; productId: number; payload: Record<string, unknown> }[] = [];
  #server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookReceiver['received'][number]);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      this.#waiters = this.#waiters.filter((waiter) => !waiter());
    });
  });
  #waiters: (() => boolean)[] = [];

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/agora`;
  }

  /** Resolves once `predicate` holds for what was received. */
  until(predicate: (received: WebhookReceiver['received']) => boolean): Promise<void> {
    if (predicate(this.received)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(() => {
        if (!predicate(this.received)) return false;
        resolve();
        return true;
      });
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
