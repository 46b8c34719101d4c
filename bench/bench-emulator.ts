// The emulator the convergence benchmark runs against, in this process: scaled limits, a
// network round trip on every API call, and the control API calls the benchmark needs (world
// state, request log, limits). 429s are counted from the emulator's request log, i.e. as the
// server answered them, whatever the client believes it sent.
import type { LimitOverrides, Limits } from '../src/agora/limits.ts';
import { startEmulator } from '../src/emulator/server.ts';
import type { EmulatorHandle } from '../src/emulator/server.ts';
import type { RequestLogEntry as LoggedRequest } from '../src/emulator/request-log.ts';

export type { LoggedRequest };

export interface WorldPlayer {
  appId: string;
  id: string;
  name?: string;
  region: string;
  channelName: string;
  uid?: number;
  streamUrl: string;
}

export interface WorldRecording {
  appId: string;
  cname: string;
  uid: string;
  phase: string;
}

export interface WorldState {
  players: WorldPlayer[];
  recordings: WorldRecording[];
}

export class BenchEmulator {
  #cursor = 0;

  private constructor(readonly handle: EmulatorHandle) {}

  /** An emulator with `limits`, behind a network of round trip `latencyMs`. */
  static async start(limits: Limits, latencyMs = 0): Promise<BenchEmulator> {
    // List shows a new player at once: the benchmark measures pacing, not the documented ~10 s
    // List lag (which agoractl's plan already tolerates, cloud-player/diff.ts).
    const handle = await startEmulator({ limits, behaviour: { listDelayMs: 0 }, seed: 1 });
    const emulator = new BenchEmulator(handle);
    try {
      await emulator.setLatency(latencyMs);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return emulator;
  }

  get url(): string {
    return this.handle.url;
  }

  get credentials(): { customerId: string; customerSecret: string } {
    return this.handle.credentials;
  }

  async control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.handle.url}/_emulator${path}`, {
      method,
      headers: { authorization: `Bearer ${this.handle.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer: unknown = await response.json();
    if (!response.ok) throw new Error(`emulator control ${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  }

  async setLimits(overrides: LimitOverrides): Promise<void> {
    await this.control('PUT', '/limits', overrides);
  }

  /**
   * A network of this round trip between the clients and the emulated Agora: each request
   * arrives (is counted against the limits) half of it after it was sent, and its answer
   * takes the other half to come back (behaviour `networkDelayMs`).
   */
  async setLatency(latencyMs: number): Promise<void> {
    await this.control('PUT', '/behaviour', { networkDelayMs: latencyMs / 2 });
  }

  async state(): Promise<WorldState> {
    return (await this.control('GET', '/state')) as WorldState;
  }

  /** Requests logged since the last call (the first call returns everything so far). */
  async takeRequests(): Promise<LoggedRequest[]> {
    const requests = (await this.control('GET', `/requests?since=${this.#cursor}`)) as LoggedRequest[];
    const last = requests.at(-1);
    if (last) this.#cursor = last.index + 1;
    return requests;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** What the log shows of one App ID's calls: how many, and how many were answered 429. */
export function countCalls(requests: readonly LoggedRequest[], appId: string): { calls: number; tooManyRequests: number } {
  let calls = 0;
  let tooManyRequests = 0;
  for (const request of requests) {
    if (!request.path.includes(`/${appId}/`)) continue;
    calls += 1;
    if (request.status === 429) tooManyRequests += 1;
  }
  return { calls, tooManyRequests };
}
