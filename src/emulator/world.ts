// The one emulated world every listener shares: clock, limits, faults, request log, channels,
// streams, the webhook notifier and the API modules holding the resources.
import type { LimitOverrides } from '../agora/limits.ts';
import type { Credentials } from './auth.ts';
import { Channels } from './channels.ts';
import type { ApiModule, EmulatorBehaviour, EmulatorContext } from './context.ts';
import { FaultInjector } from './faults.ts';
import { RateLimiter } from './limiter.ts';
import { WebhookNotifier } from './notifications.ts';
import { seededRandom } from './random.ts';
import { RequestLog } from './request-log.ts';
import { Streams } from './streams.ts';
import { EmulatorClock } from './virtual-clock.ts';

/**
 * Defaults of `PUT /_emulator/behaviour`. Agora hides a new player from List for about 10 s
 * (media-pull-rest-api.txt "Considerations"); tests and benchmarks want it at once, so the
 * emulator starts at 0 and a test that wants Agora's delay sets `listDelayMs: 10000`.
 */
export const DEFAULT_BEHAVIOUR: Readonly<Required<EmulatorBehaviour>> = Object.freeze({
  listDelayMs: 0,
  partialListShare: 0,
  connectDelayMs: 1000,
  networkDelayMs: 0,
});

/** Used when no seed is given, so two runs of the same scenario behave alike. */
export const DEFAULT_SEED = 0x5eed;

export interface WorldOptions {
  credentials: Credentials;
  seed?: number;
  limits?: LimitOverrides;
  behaviour?: Partial<EmulatorBehaviour>;
  modules: ApiModule[];
  /** Where errors thrown by virtual-time timers go (they must not crash the emulator). */
  onTimerError?: (error: unknown) => void;
  /** Start with virtual time standing still (it then moves only by advances). */
  frozenClock?: boolean;
  /** The rate limiter's monotonic clock in milliseconds (tests stop it); real time by default. */
  limiterNow?: () => number;
}

export class World {
  readonly clock: EmulatorClock;
  readonly limiter: RateLimiter;
  readonly channels = new Channels();
  readonly streams = new Streams();
  readonly faults: FaultInjector;
  readonly log = new RequestLog();
  readonly notifier: WebhookNotifier;
  readonly behaviour: Required<EmulatorBehaviour>;
  readonly modules: readonly ApiModule[];
  readonly ctx: EmulatorContext;
  readonly random: () => number;
  readonly #initialBehaviour: Required<EmulatorBehaviour>;

  constructor(options: WorldOptions) {
    this.random = seededRandom(options.seed ?? DEFAULT_SEED);
    this.clock = new EmulatorClock({
      frozen: options.frozenClock ?? false,
      ...(options.onTimerError ? { onTimerError: options.onTimerError } : {}),
    });
    this.limiter = new RateLimiter(options.limits ?? {}, options.limiterNow);
    this.faults = new FaultInjector(this.random);
    this.notifier = new WebhookNotifier(this.clock, this.random);
    this.#initialBehaviour = { ...DEFAULT_BEHAVIOUR, ...definedOnly(options.behaviour ?? {}) };
    this.behaviour = { ...this.#initialBehaviour };
    this.modules = options.modules;
    this.ctx = {
      clock: this.clock,
      limits: this.limiter,
      notifier: this.notifier,
      channels: this.channels,
      streams: this.streams,
      // Modules keep this object and read it on every request: it is updated in place.
      behaviour: this.behaviour,
      credentials: { ...options.credentials },
      random: this.random,
    };
  }

  /**
   * `POST /_emulator/reset`: the world as it started. Forgets every resource, fault, logged
   * request, stream, channel user and the webhook; limits and behaviour return to what the
   * emulator started with (the documented limits unless options said otherwise); the virtual
   * clock returns to real time (frozen if it started so). The randomness goes on: ids drawn
   * from it (a recording's sid) must not repeat ones issued before the reset.
   */
  reset(): void {
    for (const module of this.modules) module.reset();
    this.clock.reset();
    this.faults.clear();
    this.log.clear();
    this.limiter.reset();
    Object.assign(this.behaviour, this.#initialBehaviour);
    this.streams.reset();
    this.channels.reset();
    this.notifier.configure(null);
  }

  /** `GET /_emulator/state`: every module's resources under its own keys. */
  snapshot(): Record<string, unknown> {
    const state: Record<string, unknown> = { players: [], recordings: [], originSites: [] };
    for (const module of this.modules) Object.assign(state, module.snapshot());
    return {
      ...state,
      now: this.clock.now(),
      channels: this.channels.snapshot(),
      streams: this.streams.snapshot(),
    };
  }

  async close(): Promise<void> {
    for (const module of this.modules) module.reset();
    this.clock.close();
    await this.notifier.close();
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
