// Bounds of every control API input. The control API is a test tool, but a value no test needs
// must not break the emulator for everyone using it: a clock moved by 1e300 ms leaves every
// token expired, a rate of 1e12 per second allocates its window, a delay of a year holds a
// connection open for a year. Each check answers the message of a 400 naming the field, or
// undefined when the value is within bounds (the parsers of each module check types and shapes).
import type { LimitOverrides, RateLimit } from '../agora/limits.ts';
import { isLoopbackHost } from '../agora/egress.ts';
import { isObject } from './json.ts';

const DAY_MS = 86_400_000;

export const CONTROL_BOUNDS = {
  /** One clock advance: a 30-day idle timeout is the longest a scenario needs. */
  advanceMs: 30 * DAY_MS,
  faultRules: 1_000,
  faultCount: 1_000_000,
  /** Real milliseconds an answer is held: past any client timeout worth testing. */
  faultDelayMs: 300_000,
  faultPatternLength: 1_000,
  matchFieldLength: 256,
  perSecond: 100_000,
  perMinute: 1_000_000,
  quota: 1_000_000,
  streams: 10_000,
  streamDurationMs: 30 * DAY_MS,
  urlLength: 2_048,
  channelUsers: 1_000_000,
  /** Agora's channel names are at most 64 bytes; App IDs are 32 characters. */
  channelNameLength: 64,
  appIdLength: 64,
  webhookSecretLength: 1_024,
  webhookDelayMs: DAY_MS,
  listDelayMs: DAY_MS,
  connectDelayMs: DAY_MS,
} as const;

function atMost(field: string, value: unknown, max: number, unit = ''): string | undefined {
  return typeof value === 'number' && value > max ? `"${field}" must be at most ${max}${unit}.` : undefined;
}

/** `POST /_emulator/clock`: a finite, non-negative advance of at most 30 days per call. */
export function checkClockAdvance(advanceMs: unknown): string | undefined {
  if (advanceMs === undefined) return undefined;
  if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0 || advanceMs > CONTROL_BOUNDS.advanceMs) {
    return `"advanceMs" must be a number of milliseconds from 0 to ${CONTROL_BOUNDS.advanceMs} (30 days) per call.`;
  }
  return undefined;
}

/** `POST /_emulator/faults`, before its parser: sizes and magnitudes. */
export function checkFaultBounds(body: unknown, rulesInForce: number): string | undefined {
  if (rulesInForce >= CONTROL_BOUNDS.faultRules) return `At most ${CONTROL_BOUNDS.faultRules} fault rules; DELETE /_emulator/faults removes them.`;
  if (!isObject(body)) return undefined;
  const match = isObject(body.match) ? body.match : {};
  if (typeof match.path === 'string' && match.path.length > CONTROL_BOUNDS.faultPatternLength) {
    return `"match.path" must be at most ${CONTROL_BOUNDS.faultPatternLength} characters.`;
  }
  for (const field of ['method', 'domain'] as const) {
    const value = match[field];
    if (typeof value === 'string' && value.length > CONTROL_BOUNDS.matchFieldLength) return `"match.${field}" must be at most ${CONTROL_BOUNDS.matchFieldLength} characters.`;
  }
  return atMost('count', body.count, CONTROL_BOUNDS.faultCount) ?? atMost('delayMs', body.delayMs, CONTROL_BOUNDS.faultDelayMs, ' ms');
}

/** `PUT /_emulator/limits`, after its parser: rates and quotas a window can hold. */
export function checkLimitBounds(overrides: LimitOverrides): string | undefined {
  for (const [key, value] of Object.entries(overrides) as [string, RateLimit | number | null | undefined][]) {
    if (typeof value === 'number') {
      const error = atMost(key, value, CONTROL_BOUNDS.quota);
      if (error) return error;
    } else if (value) {
      const error = atMost(`${key}.perSecond`, value.perSecond, CONTROL_BOUNDS.perSecond) ?? atMost(`${key}.perMinute`, value.perMinute, CONTROL_BOUNDS.perMinute);
      if (error) return error;
    }
  }
  return undefined;
}

/** `PUT /_emulator/streams`, before its parser. */
export function checkStreamBounds(body: unknown, known: (url: string) => boolean, count: number): string | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.url === 'string') {
    if (body.url.length > CONTROL_BOUNDS.urlLength) return `"url" must be at most ${CONTROL_BOUNDS.urlLength} characters.`;
    if (!known(body.url) && count >= CONTROL_BOUNDS.streams) return `At most ${CONTROL_BOUNDS.streams} streams; POST /_emulator/reset forgets them.`;
  }
  return atMost('durationMs', body.durationMs, CONTROL_BOUNDS.streamDurationMs, ' ms');
}

/** `PUT /_emulator/channels/{appId}/{channelName}`. */
export function checkChannelBounds(appId: string, channelName: string, users: number): string | undefined {
  if (appId.length === 0 || appId.length > CONTROL_BOUNDS.appIdLength) return `"appId" must be 1 to ${CONTROL_BOUNDS.appIdLength} characters.`;
  if (channelName.length === 0 || Buffer.byteLength(channelName) > CONTROL_BOUNDS.channelNameLength) {
    return `"channelName" must be 1 to ${CONTROL_BOUNDS.channelNameLength} bytes.`;
  }
  return atMost('users', users, CONTROL_BOUNDS.channelUsers);
}

/**
 * Where `PUT /_emulator/webhook` may send notifications. The emulator posts there on its own,
 * so an open target would make it a request-forgery tool for whoever reaches its control API
 * (a cloud metadata address, an internal admin port). Allowed: http(s) to a loopback address
 * (127.0.0.0/8, ::1, localhost), where tests and a local daemon listen, and to the host names
 * the operator lists in AGORA_EMULATOR_WEBHOOK_HOSTS (comma-separated, e.g. the daemon's
 * service name in a compose file). No credentials in the URL.
 */
export function checkWebhookBounds(body: unknown, allowedHosts: readonly string[]): string | undefined {
  if (!isObject(body)) return undefined;
  const { url, secret, delayMs } = body;
  if (typeof url === 'string') {
    if (url.length > CONTROL_BOUNDS.urlLength) return `"url" must be at most ${CONTROL_BOUNDS.urlLength} characters.`;
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return '"url" must be an http or https URL.';
    if (parsed.username !== '' || parsed.password !== '') return '"url" must not carry credentials.';
    const host = parsed.hostname.toLowerCase();
    if (!isLoopbackHost(host) && !allowedHosts.includes(host)) {
      return `"url" must point at a loopback address or a host listed in AGORA_EMULATOR_WEBHOOK_HOSTS, not ${JSON.stringify(parsed.hostname)}.`;
    }
  }
  if (typeof secret === 'string' && secret.length > CONTROL_BOUNDS.webhookSecretLength) return `"secret" must be at most ${CONTROL_BOUNDS.webhookSecretLength} characters.`;
  return atMost('delayMs', delayMs, CONTROL_BOUNDS.webhookDelayMs, ' ms');
}

/** AGORA_EMULATOR_WEBHOOK_HOSTS: host names beyond loopback that webhooks may go to. */
export function webhookHostsFromEnv(env: Record<string, string | undefined>): string[] {
  return (env.AGORA_EMULATOR_WEBHOOK_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
}
