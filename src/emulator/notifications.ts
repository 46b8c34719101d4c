// Agora's Message Notification Service as the emulator plays it: every event is POSTed as JSON
// `{noticeId, productId, eventType, notifyMs, payload}` signed with `Agora-Signature` (HMAC-SHA1)
// and `Agora-Signature-V2` (HMAC-SHA256); a receiver that does not answer 200 within 10 s gets
// the same noticeId again with a new notifyMs, at growing intervals, three times at most
// (agora-facts.md "Notifications"). The field notes (agora-usage-notes-zh.txt) say real
// notifications arrive late and out of order, so a configuration can ask for that too.
import { Agent, request } from 'undici';
import { notificationSignatures } from '../agora/signing.ts';
import type { NotificationEvent, Notifier, VirtualClock } from './context.ts';

export interface WebhookConfig {
  url: string;
  secret: string;
  /** Holds every event this long (virtual ms) before its first attempt. */
  delayMs?: number;
  /** Share (0..1) of events sent twice, with the same noticeId. */
  duplicate?: number;
  /** Delivers events in a random order: each is held a further random time up to delayMs (or a default window). */
  reorder?: boolean;
}

export interface WebhookNotifierOptions {
  /** How long (real ms) a receiver has to answer before the attempt counts as failed. Default 10 s. */
  timeoutMs?: number;
  /** Virtual delays before the first, second and third resend. Default 5 s, 15 s, 45 s. */
  resendDelaysMs?: readonly number[];
  /** How far (virtual ms) `reorder` may move an event when no delayMs is configured. Default 2 s. */
  reorderWindowMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RESEND_DELAYS_MS = [5_000, 15_000, 45_000] as const;
const DEFAULT_REORDER_WINDOW_MS = 2_000;

interface Delivery {
  noticeId: string;
  event: NotificationEvent;
  config: WebhookConfig;
  /** Which configuration it belongs to: a reconfigure or close drops the older ones. */
  generation: number;
  resends: number;
}

interface Held {
  due: number;
  order: number;
  delivery: Delivery;
}

/** Checks a `PUT /_emulator/webhook` body; throws a RangeError that says what is wrong. */
export function parseWebhookConfig(value: unknown): WebhookConfig | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new RangeError('webhook config must be an object or null');
  const { url, secret, delayMs, duplicate, reorder } = value as Record<string, unknown>;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) {
    throw new RangeError('webhook url must be an http(s) URL');
  }
  if (typeof secret !== 'string') throw new RangeError('webhook secret must be a string');
  const config: WebhookConfig = { url, secret };
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('delayMs must be a number >= 0');
    config.delayMs = delayMs;
  }
  if (duplicate !== undefined) {
    if (typeof duplicate !== 'number' || !(duplicate >= 0 && duplicate <= 1)) throw new RangeError('duplicate must be a number in 0..1');
    config.duplicate = duplicate;
  }
  if (reorder !== undefined) {
    if (typeof reorder !== 'boolean') throw new RangeError('reorder must be a boolean');
    config.reorder = reorder;
  }
  return config;
}

/** A UUID v4 drawn from the emulator's seeded randomness, so a run can be repeated. */
function uuidFrom(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256) & 0xff);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Delivers notifications to one configured webhook. Attempts go out one at a time in the order
 * events become due, so without delay, duplicates or reordering the receiver sees them in
 * publish order; a failed attempt is resent later without holding up the events behind it.
 */
export class WebhookNotifier implements Notifier {
  readonly #clock: VirtualClock;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #resendDelaysMs: readonly number[];
  readonly #reorderWindowMs: number;
  readonly #agent = new Agent({ keepAliveTimeout: 1_000 });
  #config: WebhookConfig | null = null;
  #generation = 0;
  #closed = false;
  #closing: Promise<void> = Promise.resolve();
  #held: Held[] = [];
  #heldOrder = 0;
  readonly #timers = new Set<() => void>();
  #queue: Delivery[] = [];
  /** The send loop while it runs; a resolved promise while idle. */
  #draining: Promise<void> = Promise.resolve();
  #drainRunning = false;
  #inFlight = new AbortController();

  constructor(clock: VirtualClock, random: () => number, options: WebhookNotifierOptions = {}) {
    this.#clock = clock;
    this.#random = random;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#resendDelaysMs = options.resendDelaysMs ?? DEFAULT_RESEND_DELAYS_MS;
    this.#reorderWindowMs = options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS;
  }

  /** Points notifications at a webhook (null: nowhere). Deliveries for an older configuration are dropped. */
  configure(config: WebhookConfig | null): void {
    if (this.#closed) return;
    this.#dropPending();
    this.#config = config === null ? null : parseWebhookConfig(config);
  }

  publish(_appId: string, event: NotificationEvent): void {
    const config = this.#config;
    if (config === null || this.#closed) return;
    const noticeId = uuidFrom(this.#random);
    const copies = this.#random() < (config.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delivery: Delivery = { noticeId, event, config, generation: this.#generation, resends: 0 };
      this.#hold(delivery, this.#holdFor(config));
    }
  }

  /** Cancels every pending delivery and the one in flight, and releases connections. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#config = null;
      this.#dropPending();
      this.#closing = this.#draining.then(() => this.#agent.close());
    }
    await this.#closing;
  }

  /** Late by delayMs; reordering then spreads events over another delayMs (or the default window). */
  #holdFor(config: WebhookConfig): number {
    const delay = config.delayMs ?? 0;
    return config.reorder ? delay + this.#random() * (delay || this.#reorderWindowMs) : delay;
  }

  #dropPending(): void {
    this.#generation++;
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#held = [];
    this.#queue = [];
    this.#inFlight.abort();
    this.#inFlight = new AbortController();
  }

  #hold(delivery: Delivery, ms: number): void {
    const due = this.#clock.now() + ms;
    this.#held.push({ due, order: this.#heldOrder++, delivery });
    if (ms <= 0) {
      this.#release();
      return;
    }
    const cancel = this.#clock.at(due, () => {
      this.#timers.delete(cancel);
      this.#release();
    });
    this.#timers.add(cancel);
  }

  /** Moves every held delivery that is due to the send queue, earliest (then oldest) first. */
  #release(): void {
    const now = this.#clock.now();
    const due = this.#held.filter((h) => h.due <= now).sort((a, b) => a.due - b.due || a.order - b.order);
    if (due.length === 0) return;
    this.#held = this.#held.filter((h) => h.due > now);
    this.#queue.push(...due.map((h) => h.delivery));
    if (!this.#drainRunning) {
      this.#drainRunning = true;
      this.#draining = this.#drain();
    }
  }

  async #drain(): Promise<void> {
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const delivery = next;
        const answered = await this.#attempt(delivery);
        if (answered || delivery.generation !== this.#generation) continue;
        const delay = this.#resendDelaysMs[delivery.resends];
        if (delay === undefined) continue; // Agora gives up after three resends.
        delivery.resends++;
        this.#hold(delivery, delay);
      }
    } finally {
      this.#drainRunning = false;
    }
  }

  /** One POST; true when the receiver answered 200 in time. */
  async #attempt(delivery: Delivery): Promise<boolean> {
    const body = JSON.stringify({
      noticeId: delivery.noticeId,
      productId: delivery.event.productId,
      eventType: delivery.event.eventType,
      notifyMs: this.#clock.now(),
      payload: delivery.event.payload,
    });
    try {
      const response = await request(delivery.config.url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: { 'content-type': 'application/json', ...notificationSignatures(body, delivery.config.secret) },
        body,
        signal: AbortSignal.any([this.#inFlight.signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      // Refused connections, timeouts and aborts all count as "not answered 200".
      return false;
    }
  }
}
