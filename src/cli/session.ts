// What plan, apply and reconcile share before they can act: manifests loaded and validated,
// secrets resolved (before any network call), one Agora client per project, the state store.
import { pino, type Logger } from 'pino';
import type { Command } from 'commander';
import { loadManifests, resolveSecrets, formatErrors, type ManifestError } from '../manifest/index.ts';
import { createAgoraClient } from '../agora/client.ts';
import { endpointsFromEnv } from '../agora/domains.ts';
import { resolveLimits, type LimitOverrides } from '../agora/limits.ts';
import { openFileStateStore, resolveStatePath, type StateStore } from '../state/index.ts';
import { startEmulator, type EmulatorHandle } from '../emulator/server.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { DesiredResource, KindModule } from '../resources/kind.ts';
import type { ProjectRuntime, ReconcileScope } from '../engine/reconcile.ts';
import { createCloudPlayerModule } from '../resources/cloud-player/index.ts';
import { createCloudRecordingModule } from '../resources/cloud-recording/index.ts';
import { createOriginSiteModule } from '../resources/origin-site/index.ts';

export interface SessionOptions {
  file: string[];
  state?: string;
  emulator?: boolean;
  logLevel?: string;
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
  emulator?: EmulatorHandle;
  close(): Promise<void>;
}

export function allModules(): KindModule[] {
  return [createCloudPlayerModule(), createCloudRecordingModule(), createOriginSiteModule()];
}

/** Adds the options every command that talks to Agora takes. */
export function sessionOptions(command: Command): Command {
  return command
    .requiredOption('-f, --file <path...>', 'manifest files, folders or globs (repeatable)')
    .option('--state <path>', 'state file (default: .agoractl/state.json in the manifest folder)')
    .option('--emulator', 'start the Agora emulator in-process and point every project at it')
    .option('--log-level <level>', 'log level of the JSON logs on stderr', 'warn');
}

export class ManifestErrors extends Error {
  constructor(readonly errors: ManifestError[]) {
    super(`${errors.length} manifest error(s)`);
  }
}

/** Loads, validates and resolves everything; throws ManifestErrors before any network call. */
export async function openSession(options: SessionOptions, io: Io, clock: Clock = systemClock): Promise<Session> {
  const loaded = await loadManifests(options.file);
  if (loaded.errors.length > 0) throw new ManifestErrors(loaded.errors);
  const secrets = await resolveSecrets(loaded.desired, io.env);
  if (secrets.errors.length > 0) throw new ManifestErrors(secrets.errors);
  const resolved = secrets.resolved;

  const logger: Logger = pino({ level: options.logLevel ?? 'warn', base: undefined }, pino.destination(2));
  let emulator: EmulatorHandle | undefined;
  const first = resolved.projects[0];
  if (options.emulator && first) {
    emulator = await startEmulator({ customerId: first.spec.customerId, customerSecret: first.spec.customerSecret });
    io.err(`agoractl: using the embedded Agora emulator at ${emulator.url}`);
  }
  const envEndpoints = endpointsFromEnv(io.env);
  const projects = new Map<string, ProjectRuntime>();
  for (const p of resolved.projects) {
    const limits = (p.spec.limits ?? {}) as LimitOverrides;
    const client = createAgoraClient({
      appId: p.spec.appId,
      customerId: p.spec.customerId,
      customerSecret: p.spec.customerSecret,
      domain: p.spec.domain,
      serverRegion: p.spec.serverRegion,
      endpoints: emulator ? [emulator.url] : envEndpoints ?? p.spec.endpoints,
      limits,
      logger,
      clock,
    });
    projects.set(p.metadata.name, {
      name: p.metadata.name,
      client,
      secrets: { appId: p.spec.appId, appCertificate: p.spec.appCertificate },
      limits: resolveLimits(limits),
    });
  }

  const desired: DesiredResource[] = loaded.desired.resources.map((doc) => ({
    key: doc.key,
    project: doc.metadata.project,
    kind: doc.kind,
    name: doc.metadata.name,
    spec: doc.spec as unknown as Record<string, unknown>,
    source: doc.source,
  }));
  const resolvedSpecs = new Map(resolved.resources.map((doc) => [doc.key, doc.spec as unknown as Record<string, unknown>]));
  const statePath = resolveStatePath({ state: options.state, manifests: options.file[0] });
  const store = await openFileStateStore(statePath, { clock });

  return {
    scope: { modules: allModules(), desired, resolvedSpecs, projects, clock, logger },
    store,
    statePath,
    emulator,
    async close() {
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
