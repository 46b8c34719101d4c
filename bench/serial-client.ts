// The baseline agoractl is compared with: a script written like the vendor's sample client
// (cloud-recording-rest-api.txt, the Python sample): one request at a time, each awaited, no
// pacing. Where the sample gives up on an error, this one follows the vendor's advice for a 429
// (media-pull-best-practices.txt, "Retry with retreat strategy": wait about 5 s and try again)
// with a fixed sleep, as a naive client does. It is given the calls to make; it observes only
// what the API makes it (the ids of players it did not create come from List).
//
// The sleep is not scaled with the benchmark's rates (floor.ts): the windows it waits out are
// still 1 s long, so 5 s against a 1 s window is the proportion a real script lives with.
import { Pool } from 'undici';
import type { Clock } from '../src/clock.ts';
import { systemClock } from '../src/clock.ts';

export const NAIVE_RETRY_SLEEP_MS = 5_000;

export interface SerialClientOptions {
  baseUrl: string;
  appId: string;
  customerId: string;
  customerSecret: string;
  retrySleepMs?: number;
  /** Time from which no new request starts (clock.now() based); the run is then cut short. */
  deadline?: number;
  clock?: Clock;
}

export class DeadlineReached extends Error {
  constructor() {
    super('the serial client reached its time cap');
    this.name = 'DeadlineReached';
  }
}

export class SerialCallError extends Error {
  constructor(
    readonly method: string,
    readonly endpoint: string,
    readonly status: number,
  ) {
    super(`${method} ${endpoint} answered ${status}`);
    this.name = 'SerialCallError';
  }
}

export interface SerialPlayer {
  id: string;
  name?: string;
  channelName?: string;
}

interface Answer {
  status: number;
  body: unknown;
}

export class SerialClient {
  readonly #pool: Pool;
  readonly #auth: string;
  readonly #appId: string;
  readonly #sleepMs: number;
  readonly #deadline: number;
  readonly #clock: Clock;
  /** 429s this client received (the emulator's log says the same; tests read this). */
  tooManyRequests = 0;

  constructor(options: SerialClientOptions) {
    // One connection: the sample sends one request and waits for its answer.
    this.#pool = new Pool(options.baseUrl, { connections: 1 });
    this.#auth = `Basic ${Buffer.from(`${options.customerId}:${options.customerSecret}`).toString('base64')}`;
    this.#appId = options.appId;
    this.#sleepMs = options.retrySleepMs ?? NAIVE_RETRY_SLEEP_MS;
    this.#deadline = options.deadline ?? Infinity;
    this.#clock = options.clock ?? systemClock;
  }

  async createPlayer(region: string, player: Record<string, unknown>): Promise<string> {
    const answer = await this.#call('POST', `/${region}/v1/projects/${this.#appId}/cloud-player/players`, { player });
    const id = (answer.body as { player?: { id?: unknown } } | undefined)?.player?.id;
    if (typeof id !== 'string') throw new SerialCallError('POST', 'create player', answer.status);
    return id;
  }

  async updatePlayer(region: string, id: string, sequence: number, patch: Record<string, unknown>): Promise<void> {
    await this.#call('PATCH', `/${region}/v1/projects/${this.#appId}/cloud-player/players/${id}?sequence=${sequence}`, { player: patch });
  }

  async deletePlayer(region: string, id: string): Promise<void> {
    await this.#call('DELETE', `/${region}/v1/projects/${this.#appId}/cloud-player/players/${id}`);
  }

  /** Every player of the project, page by page (media-pull-best-practices.txt, "Query cloud player"). */
  async listPlayers(): Promise<SerialPlayer[]> {
    const players: SerialPlayer[] = [];
    let token = '';
    for (;;) {
      const query = `pageSize=500${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const answer = await this.#call('GET', `/v1/projects/${this.#appId}/cloud-player/players?${query}`);
      const body = answer.body as { players?: SerialPlayer[]; nextPageToken?: string } | undefined;
      players.push(...(body?.players ?? []));
      token = body?.nextPageToken ?? '';
      // The end is an empty token (the Chinese page says "0", agora-facts.md).
      if (token === '' || token === '0') return players;
    }
  }

  async acquire(cname: string, uid: string): Promise<string> {
    const answer = await this.#call('POST', `/v1/apps/${this.#appId}/cloud_recording/acquire`, { cname, uid, clientRequest: {} });
    const resourceId = (answer.body as { resourceId?: unknown } | undefined)?.resourceId;
    if (typeof resourceId !== 'string') throw new SerialCallError('POST', 'acquire', answer.status);
    return resourceId;
  }

  async start(resourceId: string, mode: string, body: Record<string, unknown>): Promise<string> {
    const answer = await this.#call('POST', `/v1/apps/${this.#appId}/cloud_recording/resourceid/${resourceId}/mode/${mode}/start`, body);
    const sid = (answer.body as { sid?: unknown } | undefined)?.sid;
    if (typeof sid !== 'string') throw new SerialCallError('POST', 'start', answer.status);
    return sid;
  }

  async query(resourceId: string, sid: string, mode: string): Promise<void> {
    await this.#call('GET', `/v1/apps/${this.#appId}/cloud_recording/resourceid/${resourceId}/sid/${sid}/mode/${mode}/query`);
  }

  async stop(resourceId: string, sid: string, mode: string, cname: string, uid: string): Promise<void> {
    await this.#call('POST', `/v1/apps/${this.#appId}/cloud_recording/resourceid/${resourceId}/sid/${sid}/mode/${mode}/stop`, { cname, uid, clientRequest: {} });
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Sends until the answer is not a 429, sleeping the fixed time after each 429. */
  async #call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
    for (;;) {
      if (this.#clock.now() >= this.#deadline) throw new DeadlineReached();
      const response = await this.#pool.request({
        method,
        path,
        headers: { authorization: this.#auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.body.text();
      if (response.statusCode === 429) {
        this.tooManyRequests += 1;
        await this.#clock.sleep(Math.max(0, Math.min(this.#sleepMs, this.#deadline - this.#clock.now())));
        continue;
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new SerialCallError(method, path.replace(/\?.*$/, ''), response.statusCode);
      }
      return { status: response.statusCode, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    }
  }
}

/** Runs `tasks` one after another until done or the deadline; returns how many finished. */
export async function runSerially(tasks: readonly (() => Promise<unknown>)[]): Promise<number> {
  let done = 0;
  for (const task of tasks) {
    try {
      await task();
    } catch (error) {
      if (error instanceof DeadlineReached) return done;
      throw error;
    }
    done += 1;
  }
  return done;
}
