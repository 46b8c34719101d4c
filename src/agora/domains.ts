// Which base URL a request goes to, and where it goes next when that fails
// (media-pull-best-practices.txt "Switch the domain name"; agora-facts.md "Domains and retries"):
// the primary domain, the primary again, the other primary, then the regional domains adjacent
// to the region the primary resolves to. A network failure that is not a DNS failure skips the
// other primary: the path to that region is what failed, and the other primary's DNS would
// most likely send the request into the same region.

export const PRIMARY_DOMAINS = ['api.agora.io', 'api.sd-rtn.com'] as const;
export type PrimaryDomain = (typeof PRIMARY_DOMAINS)[number];

export const SERVER_REGIONS = [
  'us-west-1',
  'us-east-1',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-1',
  'ap-northeast-1',
  'cn-east-1',
  'cn-north-1',
] as const;
export type ServerRegion = (typeof SERVER_REGIONS)[number];

/** Two regions per area in the domain table; each is the other's neighbour. */
const ADJACENT: Record<ServerRegion, ServerRegion> = {
  'us-west-1': 'us-east-1',
  'us-east-1': 'us-west-1',
  'eu-west-1': 'eu-central-1',
  'eu-central-1': 'eu-west-1',
  'ap-southeast-1': 'ap-northeast-1',
  'ap-northeast-1': 'ap-southeast-1',
  'cn-east-1': 'cn-north-1',
  'cn-north-1': 'cn-east-1',
};

export type EndpointRole = 'primary' | 'primary-retry' | 'alternate' | 'regional' | 'configured';

export interface Endpoint {
  /** The domain name this endpoint stands for (or the configured URL's host). */
  domain: string;
  /** Where requests go: `https://{domain}` unless a hosts override maps it elsewhere. */
  baseUrl: string;
  role: EndpointRole;
}

export interface FailoverOptions {
  domain?: PrimaryDomain;
  serverRegion?: ServerRegion;
  /** Base URLs tried in order; replaces the domain table. */
  endpoints?: string[];
  /** Domain name → base URL, e.g. to point api.agora.io at an emulator on 127.0.0.1. */
  hosts?: Record<string, string>;
}

function otherPrimary(domain: PrimaryDomain): PrimaryDomain {
  return domain === 'api.agora.io' ? 'api.sd-rtn.com' : 'api.agora.io';
}

function suffix(domain: PrimaryDomain): string {
  return domain.slice('api.'.length);
}

function normaliseBaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`endpoint ${parsed.origin} must be http or https`);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/**
 * The ordered endpoints one call may try. Without a serverRegion there is no adjacent region to
 * name, so the chain ends at the other primary.
 */
export function failoverChain(options: FailoverOptions = {}): Endpoint[] {
  if (options.endpoints && options.endpoints.length > 0) {
    const configured = options.endpoints.map((url) => {
      const baseUrl = normaliseBaseUrl(url);
      return { domain: new URL(baseUrl).host, baseUrl };
    });
    const [first, ...rest] = configured;
    if (!first) return [];
    // The first configured endpoint is the primary and gets its retry, like the domain table's.
    return [
      { ...first, role: 'primary' },
      { ...first, role: 'primary-retry' },
      ...rest.map((endpoint): Endpoint => ({ ...endpoint, role: 'configured' })),
    ];
  }
  const primary = options.domain ?? 'api.agora.io';
  const at = (domain: string, role: EndpointRole): Endpoint => ({
    domain,
    baseUrl: normaliseBaseUrl(options.hosts?.[domain] ?? `https://${domain}`),
    role,
  });
  const chain = [at(primary, 'primary'), at(primary, 'primary-retry'), at(otherPrimary(primary), 'alternate')];
  if (options.serverRegion) {
    const neighbour = ADJACENT[options.serverRegion];
    chain.push(at(`api-${neighbour}.${suffix(primary)}`, 'regional'));
    chain.push(at(`api-${neighbour}.${suffix(otherPrimary(primary))}`, 'regional'));
  }
  return chain;
}

/** The next endpoint after a network failure at `index`, or undefined when none is left. */
export function nextEndpoint(chain: readonly Endpoint[], index: number, dnsFailure: boolean): number | undefined {
  let next = index + 1;
  while (next < chain.length && !dnsFailure && chain[next]?.role === 'alternate') next += 1;
  return next < chain.length ? next : undefined;
}

/**
 * Remembers an endpoint that answered after a failover, so the calls that follow start there
 * instead of waiting through the back-offs again; after `stickyMs` they start at the primary
 * once more (Agora's own REST clients re-resolve every 30 s: agora-facts.md).
 */
export class EndpointRouter {
  #start = 0;
  #until = 0;

  constructor(
    readonly chain: readonly Endpoint[],
    private readonly now: () => number,
    private readonly stickyMs = 30_000,
  ) {
    if (chain.length === 0) throw new TypeError('no endpoints to send requests to');
  }

  /** Where the next call starts. */
  startIndex(): number {
    if (this.#start > 0 && this.now() >= this.#until) this.#start = 0;
    return this.#start;
  }

  answered(index: number): void {
    // The primary-retry step is the primary itself: nothing to remember.
    if (index === 0 || this.chain[index]?.role === 'primary-retry') {
      this.#start = 0;
      return;
    }
    this.#start = index;
    this.#until = this.now() + this.stickyMs;
  }

  /** Every endpoint from the start failed: the next call tries the whole chain again. */
  exhausted(): void {
    this.#start = 0;
  }
}

/**
 * The base URLs of AGORACTL_ENDPOINTS (comma-separated), which point every project at them
 * (DESIGN.md "Pointing agoractl at an endpoint"); undefined when unset or empty.
 */
export function endpointsFromEnv(env: Record<string, string | undefined> = process.env): string[] | undefined {
  const urls = (env.AGORACTL_ENDPOINTS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  return urls.length > 0 ? urls : undefined;
}
