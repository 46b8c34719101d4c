// One HTTP listener per emulated domain (api.agora.io, api.sd-rtn.com, the regional domains of
// media-pull-best-practices.txt), all feeding one request handler and so one world. A domain
// taken down closes its listener, so clients see refused connections as in a real outage,
// and comes back on the same port.
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DomainControl, DomainStatus } from './control-api.ts';

interface Listener {
  name: string;
  port: number;
  server: Server | null;
  sockets: Set<Socket>;
}

export class DomainListeners implements DomainControl {
  readonly #host: string;
  readonly #handler: RequestListener;
  readonly #listeners = new Map<string, Listener>();
  readonly #domainOf = new WeakMap<IncomingMessage, string>();
  #closed = false;

  constructor(host: string, handler: RequestListener) {
    this.#host = host;
    this.#handler = handler;
  }

  /** Opens one listener per domain; the first on `firstPort` (0: any free port), the others on free ports. */
  async open(domains: readonly string[], firstPort: number): Promise<void> {
    for (const [i, name] of domains.entries()) {
      const listener: Listener = { name, port: i === 0 ? firstPort : 0, server: null, sockets: new Set() };
      this.#listeners.set(name, listener);
      await this.#listen(listener);
    }
  }

  /** The domain a request arrived through. */
  domainOf(request: IncomingMessage): string {
    return this.#domainOf.get(request) ?? '';
  }

  url(name: string): string {
    const listener = this.#listeners.get(name);
    if (!listener) throw new RangeError(`no domain named ${name}`);
    return `http://${hostForUrl(this.#host)}:${listener.port}`;
  }

  urls(): Record<string, string> {
    return Object.fromEntries([...this.#listeners.keys()].map((name) => [name, this.url(name)]));
  }

  list(): DomainStatus[] {
    return [...this.#listeners.values()].map((l) => ({ name: l.name, url: this.url(l.name), up: l.server !== null }));
  }

  async setUp(name: string, up: boolean, answering?: ServerResponse): Promise<boolean> {
    const listener = this.#listeners.get(name);
    if (!listener || this.#closed) return false;
    if (up && !listener.server) await this.#listen(listener);
    if (!up && listener.server) this.#shut(listener, answering);
    return true;
  }

  async allUp(): Promise<void> {
    for (const listener of this.#listeners.values()) {
      if (!listener.server && !this.#closed) await this.#listen(listener);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closing = [...this.#listeners.values()].map((listener) => {
      const server = listener.server;
      if (server) this.#shut(listener);
      return server ? new Promise<void>((resolve) => server.once('close', () => resolve())) : Promise.resolve();
    });
    await Promise.all(closing);
  }

  async #listen(listener: Listener): Promise<void> {
    const server = createServer({ keepAliveTimeout: 5_000 }, (request, response) => {
      this.#domainOf.set(request, listener.name);
      this.#handler(request, response);
    });
    server.on('connection', (socket: Socket) => {
      listener.sockets.add(socket);
      socket.once('close', () => listener.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.#host, port: listener.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // An ephemeral port is kept, so the domain comes back where clients expect it.
    listener.port = (server.address() as AddressInfo).port;
    listener.server = server;
  }

  /** Stops accepting at once and cuts every connection, except that `answering` gets its answer out first. */
  #shut(listener: Listener, answering?: ServerResponse): void {
    const server = listener.server;
    if (!server) return;
    listener.server = null;
    server.close();
    const spare = answering?.socket ?? null;
    for (const socket of listener.sockets) if (socket !== spare) socket.destroy();
    if (answering && spare) {
      const cut = () => spare.destroy();
      if (answering.writableFinished) cut();
      else answering.once('finish', cut).once('close', cut);
    }
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
