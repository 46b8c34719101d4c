// The rate limits and quotas of Agora's REST APIs, per endpoint class. The client paces itself
// with these, the emulator enforces them, and Project.spec.limits / PUT /_emulator/limits use
// the same keys. Numbers: ../shared/reference/agora-facts.md (the API page's table is garbled).

export const LIMIT_KEYS = [
  'playerCreateNamed',
  'playerCreateUnnamed',
  'playerUpdate',
  'playerDelete',
  'playerListFiltered',
  'playerListUnfiltered',
  'recording',
  'fls',
] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

export const QUOTA_KEYS = ['playersPerProject', 'recordingsPerApp'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** A rate limit of one endpoint class; a missing or null window is not limited. */
export interface RateLimit {
  perSecond?: number | null;
  perMinute?: number | null;
}

export type RateLimits = Record<LimitKey, RateLimit | null>;
export type Quotas = Record<QuotaKey, number | null>;
export type Limits = RateLimits & Quotas;

/** Overrides as written in a manifest or sent to the emulator: any subset of the keys. */
export type LimitOverrides = Partial<Record<LimitKey, RateLimit | null> & Record<QuotaKey, number | null>>;

export const DOCUMENTED_LIMITS: Readonly<Limits> = Object.freeze({
  playerCreateNamed: { perSecond: 2 },
  playerCreateUnnamed: { perSecond: 50 },
  // Update has no documented limit (agora-facts.md): unlimited unless configured.
  playerUpdate: null,
  playerDelete: { perSecond: 100 },
  playerListFiltered: { perSecond: 2, perMinute: 15 },
  playerListUnfiltered: { perSecond: 10, perMinute: 20 },
  recording: { perSecond: 10 },
  fls: { perSecond: 50 },
  // 50 on the best-practices page, 20 on the API page: 50 by default, configurable.
  playersPerProject: 50,
  recordingsPerApp: 50,
});

/** Every rate limit lifted (quotas untouched): for tests and benchmarks about something else. */
export const NO_RATE_LIMITS: Readonly<Record<LimitKey, null>> = Object.freeze(
  Object.fromEntries(LIMIT_KEYS.map((key) => [key, null])) as Record<LimitKey, null>,
);

/** The documented limits with overrides applied key by key. */
export function resolveLimits(overrides: LimitOverrides = {}): Limits {
  return { ...DOCUMENTED_LIMITS, ...overrides };
}

/** Calls a class admits per minute: the tighter of its two windows; Infinity when neither is limited. */
export function callsPerMinute(rate: RateLimit | null): number {
  const perMinute = rate?.perMinute ?? Infinity;
  const perSecond = rate?.perSecond ?? Infinity;
  return Math.min(perMinute, perSecond * 60);
}
