// What plan, apply and reconcile share before they can act: manifests loaded and validated,
// secrets resolved (before any network call), one Agora client per project, the state store.
import { pino, type Logger } from 'pino';
import type { Command } from 'commander';
import { loadManifests, resolveSecrets, formatErrors, type ManifestError, type ResolvedProjectDoc } from '../manifest/index.ts';
import { sortErrors } from '../manifest/errors.ts';
import { checkManifestEndpoints } from '../manifest/endpoints.ts';
import { manifestDigest } from '../manifest/digest.ts';
import { allowedSecretFolders, manifestRoots } from '../manifest/secret-files.ts';
import { createAgoraClient, type ApiCallRecord } from '../agora/client.ts';
import { endpointsFromEnv } from '../agora/domains.ts';
import { LIMIT_KEYS, resolveLimits, type LimitOverrides } from '../agora/limits.ts';
import type { RecentRequests } from '../agora/client.ts';
import type { RateWindowStore } from '../agora/rate-windows.ts';
import { openStateStore, resolveStateLocation, type StateStore } from '../state/index.ts';
import type { EmulatorHandle } from '../emulator/server.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { DesiredResource, KindModule } from '../resources/kind.ts';
import type { ProjectRuntime, ReconcileScope } from '../engine/reconcile.ts';
import { builtInKinds, builtInManifestKinds } from '../resources/builtin.ts';
import type { ManifestKinds } from '../manifest/kind-rules.ts';
import { allowManifestEndpointsOption, allowMassDeleteOption, allowSecretDirOption, emulatorOption, fileOption, listLagOption, logLevelOption, stateOption, targetOption, type LogLevel, type PlanOutput } from './options.ts';

/** What the operator trusts beyond the manifests (README "Running plan on pull requests"). */
export interface TrustOptions {
  /** Folders `{ file: PATH }` secrets may be in besides the manifest folders (repeatable). */
  allowSecretDir?: string[];
  /** Lets a manifest's Project.spec.endpoints other than loopback receive credentials. */
  allowManifestEndpoints?: boolean;
  /** The embedded emulator replaces every project's endpoints. */
  emulator?: boolean;
}

export interface SessionOptions extends TrustOptions {
  file: string[];
  state?: string;
  logLevel?: LogLevel;
  /** Seconds. */
  listLag?: number;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  isTty: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  isTty: Boolean(process.stdout.isTTY),
};

export interface Session {
  scope: ReconcileScope;
  store: StateStore;
  statePath: string;
  /** manifestDigest() of the manifests this session loaded. */
  manifestDigest: string;
  emulator?: EmulatorHandle;
  close(): Promise<void>;
}

/** The kinds' modules, with the player List lag `--list-lag` gives (seconds). */
export async function allModules(options: { listLag?: number } = {}): Promise<readonly KindModule[]> {
  const listLagMs = options.listLag === undefined ? undefined : options.listLag * 1000;
  return (await builtInKinds({ listLagMs })).all();
}

/** How a command words the session's options: the daemon logs at info and says more of its manifests. */
export interface SessionOptionWording {
  file?: string;
  logLevel?: { default: LogLevel; description?: string };
  /** -f may be left out (apply of a saved plan reads the manifests the plan names); the command checks it then. */
  fileOptional?: boolean;
}

/** Adds the options every command that talks to Agora takes. */
export function sessionOptions(command: Command, wording: SessionOptionWording = {}): Command {
  return command
    .addOption(wording.fileOptional ? fileOption(wording.file).makeOptionMandatory(false) : fileOption(wording.file))
    .addOption(stateOption())
    .addOption(emulatorOption())
    .addOption(logLevelOption(wording.logLevel?.default ?? 'warn', wording.logLevel?.description))
    .addOption(listLagOption())
    .addOption(allowSecretDirOption())
    .addOption(allowManifestEndpointsOption());
}

/** The options plan and apply share beyond the session's. */
export interface PlanningCommandOptions extends SessionOptions {
  target?: string[];
  output: PlanOutput;
  allowMassDelete?: boolean;
}

/** Registers the options of PlanningCommandOptions that are not the session's. */
export function planningOptions(command: Command): Command {
  return command
    .addOption(targetOption(() => [...builtInManifestKinds().keys()]))
    .addOption(allowMassDeleteOption());
}

export class ManifestErrors extends Error {
  constructor(readonly errors: ManifestError[]) {
    super(`${errors.length} manifest error(s)`);
  }
}

/** The manifests as the engine needs them: desired resources and their secret-resolved specs. */
export interface LoadedDesired {
  desired: DesiredResource[];
  resolvedSpecs: Map<string, Record<string, unknown>>;
  projects: ResolvedProjectDoc[];
  /** manifestDigest() of the documents: what a saved plan records of the manifests. */
  manifestDigest: string;
}

/**
 * Loads, validates, resolves secrets and checks where credentials would go; throws
 * ManifestErrors (before any network call). Every command that calls Agora comes through here.
 */
export async function loadDesired(files: string[], env: Record<string, string | undefined>, trust: TrustOptions = {}, kinds: ManifestKinds = builtInManifestKinds()): Promise<LoadedDesired> {
  const loaded = await loadManifests(files, kinds);
  if (loaded.errors.length > 0) throw new ManifestErrors(loaded.errors);
  const [roots, allowed] = await Promise.all([manifestRoots(files), allowedSecretFolders(trust.allowSecretDir ?? [], env)]);
  const secrets = await resolveSecrets(loaded.desired, env, { manifestRoots: roots, allowedFolders: allowed });
  // The operator's endpoints replace every manifest's (projectRuntimes): then those are never called.
  const endpointErrors = trust.emulator || endpointsFromEnv(env) ? [] : checkManifestEndpoints(loaded.desired.projects, { allowManifestEndpoints: trust.allowManifestEndpoints ?? false });
  const errors = [...secrets.errors, ...endpointErrors];
  const fileOrder = [...new Set([...loaded.desired.projects, ...loaded.desired.resources].map((doc) => doc.source.file))];
  if (errors.length > 0) throw new ManifestErrors(sortErrors(errors, fileOrder));
  const desired: DesiredResource[] = loaded.desired.resources.map((doc) => ({
    key: doc.key,
    project: doc.metadata.project,
    kind: doc.kind,
    name: doc.metadata.name,
    spec: doc.spec as unknown as Record<string, unknown>,
    source: doc.source,
  }));
  const resolvedSpecs = new Map(secrets.resolved.resources.map((doc) => [doc.key, doc.spec as unknown as Record<string, unknown>]));
  return { desired, resolvedSpecs, projects: secrets.resolved.projects, manifestDigest: manifestDigest(loaded.desired) };
}

export interface RuntimeOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  clock: Clock;
  /** Replaces every project's endpoints (the embedded emulator). */
  endpoints?: string[];
  onCall?: (record: ApiCallRecord) => void;
  /** The rate windows shared with other processes (the state store's `rateWindows()`, PostgreSQL). */
  rateWindows?: RateWindowStore;
}

/** One client per project; endpoints from --emulator, AGORACTL_ENDPOINTS, then the manifest. */
export function projectRuntimes(projects: readonly ResolvedProjectDoc[], options: RuntimeOptions): Map<string, ProjectRuntime> {
  const envEndpoints = endpointsFromEnv(options.env);
  const operatorEndpoints = options.endpoints ?? envEndpoints;
  const runtimes = new Map<string, ProjectRuntime>();
  const rateWindows = options.rateWindows;
  let warned = false;
  const onError = (error: unknown) => {
    if (warned) return;
    warned = true;
    options.logger.warn({ event: 'rate_windows_unavailable', err: error instanceof Error ? error.message : String(error) }, 'the shared rate windows cannot be reached: pacing this process alone');
  };
  for (const p of projects) {
    const limits = (p.spec.limits ?? {}) as LimitOverrides;
    const client = createAgoraClient({
      appId: p.spec.appId,
      customerId: p.spec.customerId,
      customerSecret: p.spec.customerSecret,
      domain: p.spec.domain,
      serverRegion: p.spec.serverRegion,
      endpoints: operatorEndpoints ?? p.spec.endpoints,
      operatorEndpoints: operatorEndpoints !== undefined,
      limits,
      // Keyed by the project's name, as the state keys everything: processes sharing a state
      // name a project alike, and no App ID is written where the name will do.
      ...(rateWindows ? { sharedWindows: { store: rateWindows, project: p.metadata.name, onError } } : {}),
      logger: options.logger,
      clock: options.clock,
      onCall: options.onCall,
    });
    runtimes.set(p.metadata.name, {
      name: p.metadata.name,
      client,
      secrets: { appId: p.spec.appId, appCertificate: p.spec.appCertificate },
      limits: resolveLimits(limits),
    });
  }
  return runtimes;
}

/** How often a long-running process records its recent requests in a file state. */
export const RECENT_REQUESTS_SAVE_MS = 10_000;

/**
 * After taking over the lock of a process that died: its last requests went unrecorded (the
 * record is saved every RECENT_REQUESTS_SAVE_MS), so each class's per-second window is taken
 * as full from now. The first calls wait one window instead of meeting Agora's 429.
 */
export function assumeDeadHolderWindows(runtimes: ReadonlyMap<string, ProjectRuntime>, now: number): void {
  for (const runtime of runtimes.values()) {
    const recent: RecentRequests = {};
    for (const key of LIMIT_KEYS) {
      const perSecond = runtime.limits[key]?.perSecond;
      if (perSecond) recent[key] = new Array<number>(Math.min(perSecond, 10_000)).fill(now);
    }
    runtime.client.seedRecentRequests(recent);
  }
}


/**
 * With a file state, seeds the projects' limiters with the requests the last processes
 * recorded, and records this process's periodically and when `stop` is called (the session's
 * end): the next process then counts them in its per-minute windows. With PostgreSQL the
 * windows are shared live (rateWindows) and nothing is recorded here.
 */
export async function recordRecentRequests(store: StateStore, runtimes: ReadonlyMap<string, ProjectRuntime>): Promise<{ stop(): Promise<void> }> {
  const load = store.loadRecentRequests?.bind(store);
  const save = store.saveRecentRequests?.bind(store);
  if (!load || !save) return { stop: () => Promise.resolve() };
  const recorded = await load();
  for (const [name, runtime] of runtimes) {
    const classes = recorded[name];
    if (!classes) continue;
    const recent: RecentRequests = {};
    for (const key of LIMIT_KEYS) if (classes[key]) recent[key] = classes[key];
    runtime.client.seedRecentRequests(recent);
  }
  const snapshot = () => Object.fromEntries([...runtimes].map(([name, runtime]) => [name, runtime.client.recentRequests() as Record<string, number[]>]));
  // The record is advisory: a failed write costs the next process its head start, nothing more.
  const write = () => save(snapshot()).catch(() => undefined);
  let writing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    writing = writing.then(write);
  }, RECENT_REQUESTS_SAVE_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await writing;
      await write();
    },
  };
}

/** With --emulator: an emulator in this process that accepts the first project's credentials. */
export async function embeddedEmulator(enabled: boolean | undefined, projects: readonly ResolvedProjectDoc[], io: Io): Promise<EmulatorHandle | undefined> {
  const first = projects[0];
  if (!enabled || !first) return undefined;
  // Loaded only when asked for: the emulator's HTTP stack is no part of a normal run.
  const { startEmulator } = await import('../emulator/server.ts');
  const emulator = await startEmulator({ customerId: first.spec.customerId, customerSecret: first.spec.customerSecret });
  io.err(`agoractl: using the embedded Agora emulator at ${emulator.url}`);
  return emulator;
}

export function cliLogger(level: LogLevel | undefined): Logger {
  return pino({ level: level ?? 'warn', base: undefined }, pino.destination(2));
}

/** Loads, validates and resolves everything; throws ManifestErrors before any network call. */
export async function openSession(options: SessionOptions, io: Io, clock: Clock = systemClock): Promise<Session> {
  const loaded = await loadDesired(options.file, io.env, options);
  const logger = cliLogger(options.logLevel);
  const emulator = await embeddedEmulator(options.emulator, loaded.projects, io);
  const statePath = resolveStateLocation({ state: options.state, manifests: options.file[0] }, io.env);
  let store: StateStore;
  try {
    store = await openStateStore(statePath, { clock });
  } catch (err) {
    // The embedded emulator's server would keep the process alive after the error is printed.
    await emulator?.close();
    throw err;
  }
  const projects = projectRuntimes(loaded.projects, { env: io.env, logger, clock, endpoints: emulator ? [emulator.url] : undefined, rateWindows: store.rateWindows?.() });
  const recent = await recordRecentRequests(store, projects);
  return {
    scope: { modules: await allModules(options), desired: loaded.desired, resolvedSpecs: loaded.resolvedSpecs, projects, clock, logger },
    store,
    statePath,
    manifestDigest: loaded.manifestDigest,
    emulator,
    async close() {
      await recent.stop();
      await store.close();
      await Promise.all([...projects.values()].map((p) => p.client.close()));
      await emulator?.close();
      logger.flush();
    },
  };
}

/** Prints manifest errors the way `validate` does and returns the exit code. */
export function reportManifestErrors(err: ManifestErrors, io: Io, output: 'text' | 'json'): number {
  io.err(formatErrors(err.errors, output));
  return 1;
}
