// The Agora client: the one door every call to Agora goes through. It owns authentication,
// request ids, the shared rate limits, retries, domain failover and the typed calls of the
// three APIs (DESIGN.md "The Agora client").
import { setMaxListeners } from 'node:events';
import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import { systemClock } from '../clock.ts';
import type { Clock } from '../clock.ts';
import { LIMIT_KEYS, resolveLimits, type LimitKey } from './limits.ts';
import type { LimitOverrides, RateLimits } from './limits.ts';
import type { ApiCallRecord, CallContext } from './call.ts';
import { EndpointRouter, failoverChain } from './domains.ts';
import { plainHttpEndpoint } from './egress.ts';
import type { Endpoint, PrimaryDomain, ServerRegion } from './domains.ts';
import { AgoraClientClosedError, Redactor } from './errors.ts';
import { clientLogger } from './log.ts';
import { playersApi } from './players.ts';
import type { PlayersApi } from './players.ts';
import { projectLimiters } from './rate-limiter.ts';
import type { LimiterStats, SharedWindows } from './rate-limiter.ts';
import { recordingsApi } from './recordings.ts';
import type { RecordingsApi } from './recordings.ts';
import { originSiteApi } from './origin-site.ts';
import type { OriginSiteApi } from './origin-site.ts';
import { retryPolicy } from './retry.ts';
import type { RetryOptions } from './retry.ts';
import { HttpTransport } from './transport.ts';
import type { TimeoutOptions } from './transport.ts';

export type { ApiCallRecord, SendHooks } from './call.ts';
export { AgoraApiError, AgoraClientClosedError } from './errors.ts';
export type { NetworkFailureKind } from './errors.ts';
export type { CreateResult, CreatedPlayer, DeleteResult, ListOptions, ListPage, ListedPlayer, PlayerCreateBody, PlayerUpdatePatch, PlayersApi } from './players.ts';
export type {
  AcquireRequest,
  AcquireResult,
  QueryResult,
  RecordingMode,
  RecordingRequestBody,
  RecordingServerResponse,
  RecordingsApi,
  StartResult,
  StopResult,
  UpdateResult,
} from './recordings.ts';
export type { OriginSiteApi, OriginSitePatch, OriginSiteSettings } from './origin-site.ts';
export type { PrimaryDomain, ServerRegion } from './domains.ts';

export interface AgoraClientOptions {
  appId: string;
  customerId: string;
  customerSecret: string;
  /** The primary domain: api.agora.io outside mainland China, api.sd-rtn.com inside. */
  domain?: PrimaryDomain;
  /** Where the primary resolves for this server; its neighbour's regional domains are the last failover. */
  serverRegion?: ServerRegion;
  /** Base URLs tried in order; replaces the domain table (Project.spec.endpoints, AGORACTL_ENDPOINTS). */
  endpoints?: string[];
  /**
   * Whether `endpoints` come from the operator (AGORACTL_ENDPOINTS, --emulator) rather than a
   * manifest: only then may they be plain http to a host that is not loopback (egress.ts).
   */
  operatorEndpoints?: boolean;
  /** Domain name → base URL, e.g. every Agora domain mapped to an emulator listener. */
  hosts?: Record<string, string>;
  /** Rate limits and quotas over Agora's documented ones (Project.spec.limits). */
  limits?: LimitOverrides;
  /** The project's rate windows as other processes share them (PostgreSQL state). */
  sharedWindows?: SharedWindows;
  clock?: Clock;
  /** Randomness for retry jitter (0 ≤ x < 1). */
  random?: () => number;
  logger?: Logger;
  timeouts?: TimeoutOptions;
  retry?: RetryOptions;
  /** Name resolution for the sockets; tests resolve names locally (or fail them) with this. */
  lookup?: LookupFunction;
  /** Called after every attempt: metrics (daemon) and benchmarks. */
  onCall?: (record: ApiCallRecord) => void;
  /** How long calls keep starting at an endpoint that answered after a failover. */
  stickyFailoverMs?: number;
}

/** Completion times (ms since the epoch) of recent requests, per endpoint class. */
export type RecentRequests = Partial<Record<LimitKey, number[]>>;

/**
 * The calls that only read Agora. A kind observes through this; its calls that change Agora go
 * through the engine's write-ahead (ExecuteContext.send), the one place that hands out a client.
 */
export interface AgoraReader {
  players: Pick<PlayersApi, 'list'>;
  recordings: Pick<RecordingsApi, 'query'>;
  originSite: Pick<OriginSiteApi, 'get'>;
}

export interface AgoraClient {
  players: PlayersApi;
  recordings: RecordingsApi;
  originSite: OriginSiteApi;
  /** The endpoints a call tries, in order. */
  readonly endpoints: readonly Endpoint[];
  /** The state of this project's rate limiters (shared with other clients of the App ID). */
  limiterStats(): LimiterStats[];
  /** Completion times of the requests inside each class's longest window (for the next process). */
  recentRequests(): RecentRequests;
  /** Counts requests another process recently sent in this project's windows. */
  seedRecentRequests(recent: RecentRequests): void;
  /** Fails calls still waiting, ends connections. */
  close(): Promise<void>;
}

/** Sockets per origin when no class allows more calls in a second than this. */
export const MIN_SOCKETS_PER_ORIGIN = 64;
/** A Project that raises a limit far past Agora's still opens no more than this. */
export const MAX_SOCKETS_PER_ORIGIN = 512;

/**
 * Enough sockets for the largest window of any class to go out at once. A window's slots are
 * held from send to answer (rate-limiter.ts), so calls queued behind a busy socket hold their
 * slot a round trip longer each, and the next window starts that much later: 200 deletes on 64
 * sockets at a 100 ms round trip leave in four waves and cost 300 ms a window.
 */
export function socketsPerOrigin(limits: RateLimits): number {
  let sockets = MIN_SOCKETS_PER_ORIGIN;
  for (const key of LIMIT_KEYS) sockets = Math.max(sockets, limits[key]?.perSecond ?? 0);
  return Math.min(sockets, MAX_SOCKETS_PER_ORIGIN);
}

export function createAgoraClient(options: AgoraClientOptions): AgoraClient {
  for (const key of ['appId', 'customerId', 'customerSecret'] as const) {
    if (!options[key]) throw new TypeError(`${key} is required`);
  }
  const clock = options.clock ?? systemClock;
  const limits = resolveLimits(options.limits);
  const limiters = projectLimiters(clock, options.appId, limits, options.sharedWindows);
  const chain = failoverChain(options);
  const clear = plainHttpEndpoint(options.endpoints ? chain.map((endpoint) => endpoint.baseUrl) : [], options.operatorEndpoints ?? false);
  if (clear) throw new TypeError(`endpoint ${clear} is plain http to a host that is not loopback: credentials go only over https unless the operator names the endpoint (AGORACTL_ENDPOINTS)`);
  const closing = new AbortController();
  // Every waiting call (in a limiter's line or a back-off) listens for close: no fixed cap.
  setMaxListeners(0, closing.signal);
  const transport = new HttpTransport({ timeouts: options.timeouts, lookup: options.lookup, connections: socketsPerOrigin(limits) });
  const basic = Buffer.from(`${options.customerId}:${options.customerSecret}`).toString('base64');

  const ctx: CallContext = {
    appId: options.appId,
    customerId: options.customerId,
    customerSecret: options.customerSecret,
    transport,
    router: new EndpointRouter(chain, () => clock.now(), options.stickyFailoverMs),
    limiters,
    policy: retryPolicy(options.retry),
    clock,
    random: options.random ?? Math.random,
    logger: clientLogger(options.logger),
    redactor: new Redactor([options.customerSecret, basic]),
    signal: closing.signal,
    onCall: options.onCall,
  };

  let closed: Promise<void> | undefined;
  return {
    players: playersApi(ctx),
    recordings: recordingsApi(ctx),
    originSite: originSiteApi(ctx),
    endpoints: chain,
    limiterStats: () => Object.values(limiters).map((limiter) => limiter.stats()),
    recentRequests() {
      const recent: RecentRequests = {};
      for (const key of LIMIT_KEYS) {
        const stamps = limiters[key].recent();
        if (stamps.length > 0) recent[key] = stamps;
      }
      return recent;
    },
    seedRecentRequests(recent) {
      for (const key of LIMIT_KEYS) {
        const stamps = recent[key];
        if (stamps && stamps.length > 0) limiters[key].seed(stamps);
      }
    },
    close() {
      closed ??= (async () => {
        closing.abort(new AgoraClientClosedError());
        await transport.close();
      })();
      return closed;
    },
  };
}
