// The contract between the emulator's server core (HTTP listeners, auth, faults, limits,
// virtual clock, control API) and its API modules (Media Pull, Cloud Recording, FLS). Each API
// module registers its routes on the shared HTTP app and reads the world through this
// context; it never starts a server, a timer or a limiter of its own.
import type { HttpApp } from './http/app.ts';
import type { LimitKey, QuotaKey } from '../agora/limits.ts';

/**
 * The emulated world's time. It runs with real time and can be moved ahead by the control API
 * (`POST /_emulator/clock`), so a 300 s idle timeout is tested in milliseconds. Timers scheduled
 * on it fire when either real time or an advance reaches them, in time order.
 */
export interface VirtualClock {
  /** Virtual milliseconds since the Unix epoch. */
  now(): number;
  /** Moves virtual time ahead and fires every timer that falls due, in order. */
  advance(ms: number): void;
  /** Runs `fn` once when virtual time reaches `atMs`; returns a function that cancels it. */
  at(atMs: number, fn: () => void): () => void;
}

export interface EmulatorLimiter {
  /**
   * Admits one call of an endpoint class for a scope (the App ID), or refuses it when the
   * class's sliding windows are full. A refused call must be answered with 429.
   */
  admit(key: LimitKey, scope: string): boolean;
  /** The current quota (players per project, recordings per App ID); null means none. */
  quota(key: QuotaKey): number | null;
}

/** A notification as Agora's Message Notification Service sends it (agora-facts.md). */
export interface NotificationEvent {
  productId: number;
  eventType: number;
  payload: Record<string, unknown>;
}

export interface Notifier {
  /** Queues one event for the configured webhook; a no-op while none is configured. */
  publish(appId: string, event: NotificationEvent): void;
}

/**
 * Who is in a channel: users set by the control API plus what API modules report (a running
 * cloud player is a user of its channel). Cloud Recording watches it to exit empty channels.
 */
export interface ChannelDirectory {
  occupancy(appId: string, channelName: string): number;
  setUsers(appId: string, channelName: string, users: number): void;
  /** Adds a source of occupants (e.g. the players module's count per channel). */
  addOccupantSource(source: (appId: string, channelName: string) => number): void;
  /** Must be called by a source whenever its count for a channel may have changed. */
  changed(appId: string, channelName: string): void;
  /** Called after any change of a channel's occupancy. Returns an unsubscribe function. */
  onChange(listener: (appId: string, channelName: string) => void): () => void;
}

/** Knobs of `PUT /_emulator/behaviour`. */
export interface EmulatorBehaviour {
  /** How long a new player stays invisible to List (documented: about 10 s). */
  listDelayMs: number;
  /** Share (0..1) of players that List returns with only id, name and createTs. */
  partialListShare: number;
  /**
   * Virtual milliseconds a player spends "connecting" before it runs or fails (default 1000).
   * Optional so that contexts built before it existed stay valid.
   */
  connectDelayMs?: number;
  /**
   * Real milliseconds each API call's request spends on the way to the emulated Agora, and its
   * answer on the way back: a network of round trip 2 × networkDelayMs. A request is logged,
   * counted against the rate limits and handled when it arrives, as at Agora. Default 0.
   */
  networkDelayMs?: number;
}

/** One stream of the emulated internet; without durationMs it is live and never ends. */
export interface StreamInfo {
  playable: boolean;
  /** An on-demand file of this length. */
  durationMs?: number;
}

/** Streams as the control API describes them (`PUT /_emulator/streams`). */
export interface StreamCatalog {
  /** Unknown URLs are live and playable. */
  get(url: string): StreamInfo;
  /**
   * Called after a stream's description changed (marking a stream unplayable fails the
   * players that play it). Returns an unsubscribe function. Optional for hand-built contexts.
   */
  onChange?(listener: (url: string) => void): () => void;
}

export interface EmulatorContext {
  clock: VirtualClock;
  limits: EmulatorLimiter;
  notifier: Notifier;
  channels: ChannelDirectory;
  streams: StreamCatalog;
  behaviour: EmulatorBehaviour;
  credentials: { customerId: string; customerSecret: string };
  /** Seeded randomness, so a run can be repeated. */
  random(): number;
}

/** One emulated API. The core registers its routes and asks it for state and resets. */
export interface ApiModule {
  name: string;
  register(app: HttpApp, ctx: EmulatorContext): void;
  /** Part of `GET /_emulator/state`: the module's world as plain JSON under its own key(s). */
  snapshot(): Record<string, unknown>;
  /** Forgets every resource (`POST /_emulator/reset`). Cancels its timers. */
  reset(): void;
}
