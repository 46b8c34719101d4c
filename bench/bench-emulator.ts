// The emulator the convergence benchmark runs against, in this process on a thread of its own
// (emulator-thread.ts): scaled limits, a network round trip on every API call, and the control
// API calls the benchmark needs (world state, request log, limits). 429s are counted from the
// emulator's request log, i.e. as the server answered them, whatever the client believes it sent.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { LimitOverrides, Limits } from '../src/agora/limits.ts';
import type { EmulatorOptions } from '../src/emulator/server.ts';
import type { RequestLogEntry as LoggedRequest } from '../src/emulator/request-log.ts';
import type { EmulatorThreadReady } from './emulator-thread.ts';

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

  private constructor(
    private readonly thread: Worker,
    private readonly ready: EmulatorThreadReady,
  ) {}

  /** An emulator with `limits`, behind a network of round trip `latencyMs`. */
  static async start(limits: Limits, latencyMs = 0): Promise<BenchEmulator> {
    // List shows a new player at once: the benchmark measures pacing, not the documented ~10 s
    // List lag (which agoractl's plan already tolerates, cloud-player/diff.ts).
    const options: EmulatorOptions = { limits, behaviour: { listDelayMs: 0 }, seed: 1 };
    // Node 20 does not apply loader hooks to a worker's entry file, so the thread registers
    // tsx's loader itself before it imports the TypeScript.
    const entry = JSON.stringify(new URL('./emulator-thread.ts', import.meta.url).href);
    const thread = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`, { eval: true, workerData: options });
    const [ready] = (await Promise.race([once(thread, 'message'), once(thread, 'error').then(([error]) => Promise.reject(error as Error))])) as [EmulatorThreadReady];
    const emulator = new BenchEmulator(thread, ready);
    try {
      await emulator.setLatency(latencyMs);
    } catch (error) {
      await emulator.close();
      throw error;
    }
    return emulator;
  }

  get url(): string {
    return this.ready.url;
  }

  get credentials(): { customerId: string; customerSecret: string } {
    return this.ready.credentials;
  }

  async control(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.ready.url}/_emulator${path}`, {
      method,
      headers: { authorization: `Bearer ${this.ready.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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

  /** Closes the emulator and ends its thread. */
  async close(): Promise<void> {
    const exited = once(this.thread, 'exit');
    this.thread.postMessage('close');
    await exited;
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
