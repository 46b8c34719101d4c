// Starts the Agora emulator: one HTTP route set (the core pipeline, the control API and the
// Media Pull, Cloud Recording and FLS modules) served by one listener per emulated domain.
// Tests call startEmulator(); `agoractl emulator` wraps it (src/cli/emulator.ts).
import type { LimitOverrides } from '../agora/limits.ts';
import { isLoopbackHost } from '../agora/egress.ts';
import { BasicAuth, resolveControlToken, resolveCredentials } from './auth.ts';
import type { Credentials } from './auth.ts';
import type { ApiModule, EmulatorBehaviour } from './context.ts';
import { registerControlApi } from './control-api.ts';
import { HttpApp } from './http/app.ts';
import { DomainListeners } from './listeners.ts';
import { createApiModules } from './modules.ts';
import { installPipeline } from './pipeline.ts';
import { World } from './world.ts';
import { setMaxListeners } from 'node:events';

export const DEFAULT_DOMAINS: readonly string[] = ['api.agora.io'];

export interface EmulatorOptions {
  /** Address every listener binds to. Default 127.0.0.1. */
  host?: string;
  /** Port of the first listener; 0 (the default) picks a free one. */
  port?: number;
  /** One listener per name, each on its own port, all sharing one world. Default ['api.agora.io']. */
  domains?: string[];
  /** Default: AGORA_CUSTOMER_ID, else DEFAULT_CUSTOMER_ID. */
  customerId?: string;
  /** Default: AGORA_CUSTOMER_SECRET, else DEFAULT_CUSTOMER_SECRET. */
  customerSecret?: string;
  /** Default: AGORA_EMULATOR_CONTROL_TOKEN, else a random one. */
  controlToken?: string;
  /** Whether the control API needs the token; default: only when `host` is not a loopback address. */
  requireControlToken?: boolean;
  /** Seed of the world's randomness (fault probabilities, partial List entries, webhook reordering). */
  seed?: number;
  /** Limits to start with (and to return to on reset) instead of the documented ones. */
  limits?: LimitOverrides;
  behaviour?: Partial<EmulatorBehaviour>;
  /**
   * Virtual time stands still until advanced (`POST /_emulator/clock {"frozen": false}` lets
   * it follow real time again), so a test's steps never race real time. Default false.
   */
  frozenClock?: boolean;
  /** The rate limiter's monotonic clock in milliseconds; real time by default. Tests stop it, so a burst cannot straddle a window. */
  limiterNow?: () => number;
  /** Where errors thrown inside the emulated world's timers are reported. Default: stderr. */
  onInternalError?: (error: unknown) => void;
}

export interface EmulatorHandle {
  /** Base URL of the first listener, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** Domain name → base URL. */
  urls: Record<string, string>;
  controlToken: string;
  credentials: Credentials;
  /** Takes a domain down (refused connections) or brings it back on the same port. */
  setDomainUp(domain: string, up: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const domains = options.domains && options.domains.length > 0 ? [...new Set(options.domains)] : [...DEFAULT_DOMAINS];
  const credentials = resolveCredentials(options);
  const controlToken = resolveControlToken(options.controlToken);
  const onInternalError = options.onInternalError ?? reportToStderr;
  const modules: ApiModule[] = createApiModules();
  const world = new World({
    credentials,
    modules,
    onTimerError: onInternalError,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.behaviour ? { behaviour: options.behaviour } : {}),
    ...(options.frozenClock ? { frozenClock: true } : {}),
    ...(options.limiterNow ? { limiterNow: options.limiterNow } : {}),
  });
  const shutdown = new AbortController();
  // Every delayed answer waits on this one signal: any number may be in flight.
  setMaxListeners(0, shutdown.signal);

  // One route set, served by every domain's listener.
  const app = new HttpApp();
  const listeners = new DomainListeners(host, app.handle);

  installPipeline(app, {
    faults: world.faults,
    log: world.log,
    basicAuth: new BasicAuth(credentials),
    controlToken,
    requireControlToken: options.requireControlToken ?? !isLoopbackHost(host),
    domainOf: (request) => listeners.domainOf(request),
    shutdown: shutdown.signal,
    networkDelayMs: () => world.behaviour.networkDelayMs,
  });
  registerControlApi(app, world, listeners);
  for (const module of modules) module.register(app, world.ctx);

  try {
    await listeners.open(domains, options.port ?? 0);
  } catch (error) {
    await listeners.close();
    await world.close();
    throw error;
  }

  let closing: Promise<void> | null = null;
  const firstDomain = domains[0] as string;
  return {
    url: listeners.url(firstDomain),
    urls: listeners.urls(),
    controlToken,
    credentials: { ...credentials },
    async setDomainUp(domain, up) {
      if (!(await listeners.setUp(domain, up))) throw new RangeError(`no domain named ${domain}`);
    },
    close() {
      closing ??= (async () => {
        shutdown.abort();
        await listeners.close();
        await world.close();
      })();
      return closing;
    },
  };
}

function reportToStderr(error: unknown): void {
  process.stderr.write(`agora emulator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}
