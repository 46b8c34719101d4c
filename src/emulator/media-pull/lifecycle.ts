// How a cloud player lives on the virtual clock. It reports "connecting" when created (the
// created notification says so: media-pull-best-practices.txt), then runs, or fails when its
// stream cannot be played. A player whose stream is not playing (failed, or an on-demand file
// that has played repeatTime times) is idle and is destroyed idleTimeout seconds later,
// except while paused: Agora stops a paused player's idle timer (agora-facts.md, Update).
// Every status change is a notification (productId 4) and may change channel occupancy.
import type { EmulatorContext } from '../context.ts';
import { createdPayload, destroyedPayload, inChannel, listedChanged, statusPayload } from './player.ts';
import type { DestroyReason, Player, PlayerStatus } from './player.ts';
import type { PlayerStore } from './store.ts';
import type { PlayerUpdate } from './validate.ts';

const MEDIA_PULL_PRODUCT_ID = 4;
const EVENT_CREATED = 1;
const EVENT_DESTROYED = 3;
const EVENT_STATUS = 4;
const DEFAULT_CONNECT_DELAY_MS = 1000;

export class PlayerLifecycle {
  readonly #ctx: EmulatorContext;
  readonly #store: PlayerStore;
  // appId → channelName → connecting or running players: this module's channel occupancy.
  #occupants = new Map<string, Map<string, number>>();

  constructor(ctx: EmulatorContext, store: PlayerStore) {
    this.#ctx = ctx;
    this.#store = store;
    ctx.channels.addOccupantSource((appId, channelName) => this.#occupants.get(appId)?.get(channelName) ?? 0);
    ctx.streams.onChange?.((url) => this.#streamChanged(url));
  }

  /** A player just stored by Create. */
  created(player: Player): void {
    this.#occupy(player, +1);
    this.#publish(player, EVENT_CREATED, createdPayload(player, this.#ctx.clock.now()));
    this.#scheduleConnect(player);
  }

  destroy(player: Player, reason: DestroyReason): void {
    this.#cancelTimers(player);
    this.#store.remove(player);
    if (inChannel(player.status)) this.#occupy(player, -1);
    this.#publish(player, EVENT_DESTROYED, destroyedPayload(player, reason, this.#ctx.clock.now()));
  }

  /** Applies an accepted Update (its sequence already checked). */
  update(player: Player, update: PlayerUpdate): void {
    if (update.audioOptions) player.audioOptions = { ...player.audioOptions, ...update.audioOptions };
    if (update.tempo !== undefined && update.tempo !== player.tempo) {
      this.#holdPlayback(player);
      player.tempo = update.tempo;
      this.#resumePlayback(player);
    }
    if (update.streamUrl !== undefined && update.streamUrl !== player.streamUrl) {
      // A new stream starts over: connect to it, from seekPosition if the update gives one.
      this.#cancelTimers(player);
      player.streamUrl = update.streamUrl;
      listedChanged(player);
      player.seekPosition = update.seekPosition ?? 0;
      player.playedMs = player.seekPosition * 1000;
      player.playingSinceMs = null;
      player.idleReason = null;
      this.#scheduleConnect(player);
    } else if (update.seekPosition !== undefined) {
      this.#seek(player, update.seekPosition);
    }
    if (update.isPause !== undefined && update.isPause !== player.isPause) {
      if (update.isPause) this.#pause(player);
      else this.#unpause(player);
    }
  }

  /** Forgets every player's timers (a reset); occupancy drops to zero. */
  reset(): void {
    for (const player of this.#store.all()) this.#cancelTimers(player);
    const channels = [...this.#occupants].flatMap(([appId, byChannel]) => [...byChannel.keys()].map((c) => [appId, c] as const));
    this.#occupants.clear();
    for (const [appId, channelName] of channels) this.#ctx.channels.changed(appId, channelName);
  }

  #scheduleConnect(player: Player): void {
    this.#setStatus(player, 'connecting');
    const now = this.#ctx.clock.now();
    const connectAt = now + (this.#ctx.behaviour.connectDelayMs ?? DEFAULT_CONNECT_DELAY_MS);
    // A playTs ahead of creation starts playing then (media-pull-rest-api.txt, playTs).
    const startAt = Math.max(connectAt, player.playTs > player.createTs ? player.playTs * 1000 : 0);
    player.timers.connect = this.#ctx.clock.at(startAt, () => {
      player.timers.connect = null;
      this.#connect(player);
    });
  }

  #connect(player: Player): void {
    const stream = this.#ctx.streams.get(player.streamUrl);
    if (!stream.playable) {
      this.#fail(player);
      return;
    }
    player.durationMs = stream.durationMs;
    this.#setStatus(player, 'running');
    if (this.#leftMs(player) <= 0) this.#finish(player);
    else if (!player.isPause) this.#resumePlayback(player);
  }

  #fail(player: Player): void {
    this.#holdPlayback(player);
    this.#setStatus(player, 'failed');
    this.#startIdle(player, 'Stream Stopped');
  }

  /** An on-demand file played its repeatTime times: the player is idle. */
  #finish(player: Player): void {
    this.#holdPlayback(player);
    this.#setStatus(player, 'idle');
    this.#startIdle(player, 'Idle Timeout');
  }

  #seek(player: Player, seconds: number): void {
    player.seekPosition = seconds;
    this.#holdPlayback(player);
    const duration = player.durationMs;
    // Seeking moves within the current repetition of an on-demand file.
    const loopsDone = duration ? Math.floor(player.playedMs / duration) : 0;
    player.playedMs = loopsDone * (duration ?? 0) + seconds * 1000;
    if (player.status === 'idle' && player.idleReason === 'Idle Timeout' && this.#leftMs(player) > 0) {
      // A finished file sought back into plays again.
      this.#stopIdle(player);
      this.#setStatus(player, 'running');
    }
    if (player.status === 'running' && this.#leftMs(player) <= 0) this.#finish(player);
    else this.#resumePlayback(player);
  }

  #pause(player: Player): void {
    this.#holdPlayback(player);
    player.isPause = true;
    if (player.timers.idle) {
      player.timers.idle();
      player.timers.idle = null;
      player.idleLeftMs = Math.max(0, player.idleDeadlineMs - this.#ctx.clock.now());
    }
  }

  #unpause(player: Player): void {
    player.isPause = false;
    this.#resumePlayback(player);
    if (player.idleReason !== null) this.#armIdle(player);
  }

  /** Starts (or restarts) the stretch of playing that ends the file; no-op unless running and unpaused. */
  #resumePlayback(player: Player): void {
    if (player.status !== 'running' || player.isPause || player.playingSinceMs !== null) return;
    const now = this.#ctx.clock.now();
    player.playingSinceMs = now;
    const left = this.#leftMs(player);
    if (!Number.isFinite(left)) return;
    player.timers.end = this.#ctx.clock.at(now + left / player.tempo, () => {
      player.timers.end = null;
      this.#finish(player);
    });
  }

  /** Books the time played so far and stops the end timer. */
  #holdPlayback(player: Player): void {
    if (player.playingSinceMs !== null) {
      player.playedMs += (this.#ctx.clock.now() - player.playingSinceMs) * player.tempo;
      player.playingSinceMs = null;
    }
    if (player.timers.end) {
      player.timers.end();
      player.timers.end = null;
    }
  }

  /** Milliseconds of stream left to play; Infinity for a live stream or endless repeats. */
  #leftMs(player: Player): number {
    if (player.durationMs === undefined || player.repeatTime === -1) return Infinity;
    return player.durationMs * player.repeatTime - player.playedMs;
  }

  #startIdle(player: Player, reason: DestroyReason): void {
    this.#stopIdle(player);
    player.idleReason = reason;
    player.idleLeftMs = player.idleTimeout * 1000;
    if (!player.isPause) this.#armIdle(player);
  }

  #armIdle(player: Player): void {
    if (player.timers.idle || player.idleReason === null) return;
    const reason = player.idleReason;
    player.idleDeadlineMs = this.#ctx.clock.now() + player.idleLeftMs;
    player.timers.idle = this.#ctx.clock.at(player.idleDeadlineMs, () => {
      player.timers.idle = null;
      this.destroy(player, reason);
    });
  }

  #stopIdle(player: Player): void {
    if (player.timers.idle) player.timers.idle();
    player.timers.idle = null;
    player.idleReason = null;
  }

  #cancelTimers(player: Player): void {
    for (const key of ['connect', 'end', 'idle'] as const) {
      player.timers[key]?.();
      player.timers[key] = null;
    }
  }

  /** A stream marked unplayable fails the players playing it. */
  #streamChanged(url: string): void {
    const stream = this.#ctx.streams.get(url);
    if (stream.playable) return;
    for (const player of [...this.#store.all()]) {
      if (player.streamUrl === url && player.status === 'running') this.#fail(player);
    }
  }

  #setStatus(player: Player, status: PlayerStatus): void {
    if (player.status === status) return;
    const was = inChannel(player.status);
    player.status = status;
    listedChanged(player);
    const is = inChannel(status);
    if (was !== is) this.#occupy(player, is ? +1 : -1);
    this.#publish(player, EVENT_STATUS, statusPayload(player, this.#ctx.clock.now()));
  }

  #occupy(player: Player, delta: number): void {
    let byChannel = this.#occupants.get(player.appId);
    if (!byChannel) {
      byChannel = new Map();
      this.#occupants.set(player.appId, byChannel);
    }
    const count = (byChannel.get(player.channelName) ?? 0) + delta;
    if (count > 0) byChannel.set(player.channelName, count);
    else byChannel.delete(player.channelName);
    if (byChannel.size === 0) this.#occupants.delete(player.appId);
    this.#ctx.channels.changed(player.appId, player.channelName);
  }

  #publish(player: Player, eventType: number, payload: Record<string, unknown>): void {
    this.#ctx.notifier.publish(player.appId, { productId: MEDIA_PULL_PRODUCT_ID, eventType, payload });
  }
}
