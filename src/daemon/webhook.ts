// Agora's Message Notification Service posts events to the daemon. An event is a hint about
// which resource to look at, never the truth: the field notes (agora-usage-notes-zh.txt) say
// callbacks arrive late and out of order, and Agora resends one until it gets a 200
// (agora-facts.md "Notifications"). So a verified event only names a resource to queue; the
// reconcile that follows observes before it acts, which makes duplicates and stale events
// harmless. The dedupe window only saves List calls.
//
// The same holds for a replay: anyone who saw one signed notification can post it again, and the
// signature stays valid (it covers only the body, with no timestamp the daemon could check). A
// replay can therefore cost an observation, never a change, and NoticeDeduper bounds even that:
// one queueing per noticeId per window, in bounded memory.
import { verifyNotificationSignature, type HeaderBag } from '../agora/signing.ts';
import type { Clock } from '../clock.ts';

export const SIGNATURE_HEADERS = ['agora-signature-v2', 'agora-signature'] as const;

/** The body Agora posts, checked for shape. */
export interface AgoraNotification {
  noticeId: string;
  productId: number;
  eventType: number;
  notifyMs: number;
  payload: Record<string, unknown>;
}

/** A notification secret, optionally tagged with the project (manifest name) it belongs to. */
export type NotificationSecret = string | { project: string; secret: string };

export type WebhookRejection = 'unsigned' | 'forged' | 'malformed' | 'no-secret';

export type WebhookVerification =
  | { ok: true; notification: AgoraNotification; project: string | undefined }
  | { ok: false; reason: WebhookRejection; status: 400 | 401 };

/**
 * Checks a posted notification against every configured secret (a daemon may serve several
 * projects) and parses it. The signature is checked before the body is parsed, so an unsigned
 * caller learns nothing about what the daemon accepts.
 */
export function verifyNotification(
  rawBody: Buffer | string,
  headers: HeaderBag,
  secrets: readonly NotificationSecret[],
): WebhookVerification {
  const hasSignature = SIGNATURE_HEADERS.some((name) => headerPresent(headers, name));
  if (!hasSignature) return { ok: false, reason: 'unsigned', status: 401 };
  if (secrets.length === 0) return { ok: false, reason: 'no-secret', status: 401 };
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  // Every secret is tried, not only until the first match, so the answer's timing does not say
  // how many secrets there are before the right one.
  let project: string | undefined;
  let verified = false;
  for (const entry of secrets) {
    const secret = typeof entry === 'string' ? entry : entry.secret;
    if (secret.length === 0) continue;
    if (!verifyNotificationSignature(body, headers, secret)) continue;
    const owner = typeof entry === 'string' ? undefined : entry.project;
    // Projects that share a secret: the signature names none of them (the resource does).
    project = verified && project !== owner ? undefined : owner;
    verified = true;
  }
  if (!verified) return { ok: false, reason: 'forged', status: 401 };
  const notification = parseNotification(body);
  if (!notification) return { ok: false, reason: 'malformed', status: 400 };
  return { ok: true, notification, project };
}

function headerPresent(headers: HeaderBag, name: string): boolean {
  return Object.entries(headers).some(([key, value]) => key.toLowerCase() === name && value !== undefined && value !== '');
}

/**
 * Agora's noticeIds are UUID-like (36 characters in agora-facts.md's sample); the bound keeps the
 * dedupe memory at most NOTICE_DEDUPE_MAX_ENTRIES of these.
 */
export const NOTICE_ID_MAX_LENGTH = 256;

/** Parses the JSON body; undefined when it is not a notification. */
export function parseNotification(body: string): AgoraNotification | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { noticeId, productId, eventType, notifyMs, payload } = value;
  if (typeof noticeId !== 'string' || noticeId.length === 0 || noticeId.length > NOTICE_ID_MAX_LENGTH) return undefined;
  if (typeof productId !== 'number' || typeof eventType !== 'number') return undefined;
  if (typeof notifyMs !== 'number' || !isRecord(payload)) return undefined;
  return { noticeId, productId, eventType, notifyMs, payload };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How long a noticeId is remembered. A signature has no validity window of its own (it signs the
 * body only, and agora-facts.md gives no expiry), so the window is chosen: it must outlast Agora's
 * resends of one event (three at most, at growing intervals; the emulator models 5, 15 and 45 s),
 * and beyond that a replay costs one observation, which the periodic resync spends anyway. Ten
 * minutes covers the resends several times over and keeps the memory at a busy project's rate
 * (a Cloud Recording sends upload progress every minute per session) within the entry bound.
 */
export const NOTICE_DEDUPE_WINDOW_MS = 10 * 60_000;

/** Enough for the window at a thousand events a minute; a few MB even at the longest noticeIds. */
export const NOTICE_DEDUPE_MAX_ENTRIES = 10_000;

export interface NoticeDeduperOptions {
  clock: Clock;
  /** How long a noticeId is remembered; NOTICE_DEDUPE_WINDOW_MS by default. */
  windowMs?: number;
  /** At most this many ids are kept; the oldest are forgotten first. NOTICE_DEDUPE_MAX_ENTRIES by default. */
  maxEntries?: number;
}

/**
 * Remembers recently seen noticeIds. Agora keeps a noticeId across resends (only notifyMs
 * changes), so a resend, or a replay, of an event already queued is dropped here. A forgotten id
 * (past the window, or pushed out by newer ones) is queued again: one more observation.
 */
export class NoticeDeduper {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** noticeId → first seen; a Map keeps insertion order, which is time order. */
  readonly #seen = new Map<string, number>();

  constructor(options: NoticeDeduperOptions) {
    this.#clock = options.clock;
    this.#windowMs = options.windowMs ?? NOTICE_DEDUPE_WINDOW_MS;
    this.#maxEntries = options.maxEntries ?? NOTICE_DEDUPE_MAX_ENTRIES;
  }

  /** True the first time a noticeId is seen within the window, false for a repeat. */
  firstSeen(noticeId: string): boolean {
    const now = this.#clock.now();
    this.#expire(now);
    if (this.#seen.has(noticeId)) return false;
    this.#seen.set(noticeId, now);
    while (this.#seen.size > this.#maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    for (const [id, at] of this.#seen) {
      if (now - at < this.#windowMs) break;
      this.#seen.delete(id);
    }
  }
}
