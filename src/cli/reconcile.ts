// `agoractl reconcile`: one full reconcile and exit (cron), or with --watch the GitOps daemon:
// manifest changes, Agora's notifications and a periodic resync queue resource keys; the
// reconciler observes and converges them inside the shared rate limits until SIGTERM.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { createLogger, isLogFormat, logAction } from '../logging.ts';
import { systemClock } from '../clock.ts';
import { openStateStore, resolveStateLocation } from '../state/index.ts';
import { DaemonMetrics } from '../daemon/metrics.ts';
import { startDaemonServer, type DaemonNotification } from '../daemon/server.ts';
import { watchManifests } from '../daemon/manifest-watcher.ts';
import type { OriginSiteRoute } from '../daemon/fls-callback.ts';
import type { NotificationSecret } from '../daemon/webhook.ts';
import { defaultResyncIntervalMs } from '../engine/resync.ts';
import { Reconciler } from '../engine/reconciler.ts';
import { applyPass, planPass, type ProjectRuntime, type ReconcileScope } from '../engine/reconcile.ts';
import { renderPlan } from '../engine/render-plan.ts';
import type { ApplyEvent } from '../engine/apply.ts';
import { resolveLimits } from '../agora/limits.ts';
import { ALLOW_MANIFEST_ENDPOINTS_OPTION, ALLOW_SECRET_DIR_OPTION, allModules, embeddedEmulator, loadDesired, ManifestErrors, processIo, projectRuntimes, reportManifestErrors, type Io, type LoadedDesired, type TrustOptions } from './session.ts';
import { describeFailure } from './failure.ts';
import { formatErrors } from '../manifest/index.ts';

export interface ReconcileCommandOptions extends TrustOptions {
  file: string[];
  state?: string;
  emulator?: boolean;
  watch?: boolean;
  resync?: string;
  listen: string;
  logFormat: string;
  logLevel: string;
  allowMassDelete?: boolean;
  lockTimeout: string;
  shutdownGrace: string;
  listLag?: string;
}

export function register(program: Command): void {
  program
    .command('reconcile')
    .description('converge once, or with --watch keep Agora equal to the manifests until SIGTERM')
    .requiredOption('-f, --file <path...>', 'manifest folder(s) or files')
    .option('--state <path>', 'state file or postgres:// URL (default: $AGORACTL_STATE, else .agoractl/state.json in the manifest folder)')
    .option('--emulator', 'start the Agora emulator in-process and point every project at it')
    .option('--watch', 'keep running: react to manifest changes, notifications and a periodic resync')
    .option('--resync <seconds>', 'resync interval (default: derived from the List budget and the number of players)')
    .option('--listen <host:port>', 'health, metrics, webhook and FLS callback server', '127.0.0.1:9464')
    .option('--log-format <format>', 'json or pretty', process.stdout.isTTY ? 'pretty' : 'json')
    .option('--log-level <level>', 'log level', 'info')
    .option('--allow-mass-delete', "allow deleting more than half of a kind's managed resources")
    .option('--lock-timeout <seconds>', 'wait this long for another apply to release the state lock', '0')
    .option('--list-lag <seconds>', 'how long List may not yet show a new player (Agora: about 10 s)', '15')
    .option('--shutdown-grace <seconds>', 'on SIGTERM, how long calls in flight may take to finish', '20')
    .option(...ALLOW_SECRET_DIR_OPTION)
    .option(...ALLOW_MANIFEST_ENDPOINTS_OPTION)
    .action(async (options: ReconcileCommandOptions) => {
      process.exitCode = await runReconcile(options, processIo);
    });
}

export async function runReconcile(options: ReconcileCommandOptions, io: Io): Promise<number> {
  if (!isLogFormat(options.logFormat)) {
    io.err(`Error: --log-format must be json or pretty, not ${options.logFormat}`);
    return 1;
  }
  const logger = createLogger({ format: options.logFormat, level: options.logLevel as 'info' });
  const clock = systemClock;
  let loaded: LoadedDesired;
  try {
    loaded = await loadDesired(options.file, io.env, options);
  } catch (err) {
    if (err instanceof ManifestErrors) return reportManifestErrors(err, io, 'text');
    io.err(describeFailure(err));
    return 1;
  }
  const emulator = await embeddedEmulator(options.emulator, loaded.projects, io);
  const metrics = new DaemonMetrics();
  const runtimeOptions = {
    env: io.env,
    logger,
    clock,
    endpoints: emulator ? [emulator.url] : undefined,
    onCall: (call: { limitKey: string; status: number; durationMs: number }) =>
      metrics.recordApiCall({ endpoint: call.limitKey, status: call.status === 0 ? 'network' : call.status, durationMs: call.durationMs }),
  };
  let runtimes = projectRuntimes(loaded.projects, runtimeOptions);
  const store = await openStateStore(resolveStateLocation({ state: options.state, manifests: options.file[0] }, io.env), { clock });
  const closeAll = async (): Promise<void> => {
    await store.close();
    await Promise.all([...runtimes.values()].map((p) => p.client.close()));
    await emulator?.close();
  };
  try {
    const lock = await store.lock({
      waitMs: Number(options.lockTimeout) * 1000,
      owner: options.watch ? 'agoractl reconcile --watch' : 'agoractl reconcile',
      projects: loaded.projects.map((p) => p.metadata.name),
    });
    if (lock.takenOver) logger.warn({ event: 'state.lock_taken_over', pid: lock.takenOver.pid }, 'took over a stale state lock');
  } catch (err) {
    io.err(describeFailure(err));
    await closeAll();
    return 1;
  }
  const scopeOf = (d: LoadedDesired, projects: Map<string, ProjectRuntime>): ReconcileScope => ({
    modules: allModules(options),
    desired: d.desired,
    resolvedSpecs: d.resolvedSpecs,
    projects,
    clock,
    logger,
  });
  const onAction = (e: ApplyEvent): void => {
    if (e.type === 'start') return;
    logAction(logger, {
      project: e.action.project,
      kind: e.action.kind,
      name: e.action.name,
      action: e.action.type,
      reason: e.action.reason,
      durationMs: e.type === 'skipped' ? 0 : e.durationMs,
      requestId: e.type === 'failed' ? e.error.requestId : undefined,
      error: e.type === 'failed' ? e.error.message : e.type === 'skipped' ? e.why : undefined,
    });
  };

  try {
    if (!options.watch) return await reconcileOnce(scopeOf(loaded, runtimes), store, options, io, onAction);
    return await runDaemon();
  } finally {
    await closeAll();
  }

  async function runDaemon(): Promise<number> {
    const reconciler = new Reconciler({
      store,
      clock,
      logger,
      allowMassDelete: options.allowMassDelete,
      onAction,
      onPass: (pass) => {
        const byKind = new Map<string, number>();
        for (const a of pass.plan.actions) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
        for (const [kind, count] of byKind) metrics.recordDrift(kind, count);
        metrics.recordReconcile({ kind: 'all', result: pass.failed > 0 ? 'error' : 'ok', durationMs: pass.durationMs });
        for (const error of pass.plan.errors) logger.error({ event: 'reconcile.plan_error', code: error.code, project: error.project }, error.message);
      },
    });
    metrics.trackQueueDepth(() => reconciler.queue.depth);
    reconciler.setScope(scopeOf(loaded, runtimes));
    let current = loaded;
    let ready = false;

    const [host = '127.0.0.1', port = '9464'] = splitHostPort(options.listen);
    const server = await startDaemonServer({
      host,
      port: Number(port),
      metrics,
      logger,
      clock,
      health: () => ({ live: true, ready }),
      onNotification: (event) => enqueueNotification(reconciler, event),
      notificationSecrets: () => notificationSecrets(current),
      routes: () => originRoutes(current),
    });
    io.err(`agoractl: reconciling ${options.file.join(', ')}; serving ${server.url} (/healthz /readyz /metrics /webhooks/agora /fls/origin)`);

    const dir = await watchedFolder(options.file[0] ?? '.');
    const watcher = await watchManifests<LoadedDesired>({
      dir,
      load: () => loadDesired(options.file, io.env, options),
      onChange: (next) => {
        if (next === current) return;
        if (JSON.stringify(next.projects) !== JSON.stringify(current.projects)) {
          const old = runtimes;
          runtimes = projectRuntimes(next.projects, runtimeOptions);
          void Promise.all([...old.values()].map((p) => p.client.close()));
        }
        current = next;
        reconciler.setScope(scopeOf(next, runtimes));
        logger.info({ event: 'manifests.reloaded', resources: next.desired.length }, 'manifests reloaded');
      },
      onInvalid: (err) => {
        const detail = err instanceof ManifestErrors ? formatErrors(err.errors, 'text') : describeFailure(err);
        logger.error({ event: 'manifests.invalid', detail }, 'manifests are invalid; keeping the last valid desired state');
      },
    });

    const resyncMs = options.resync ? Number(options.resync) * 1000 : resyncInterval(current, runtimes);
    const resync = setInterval(() => void reconciler.enqueueAll(), resyncMs);
    logger.info({ event: 'reconcile.started', resyncMs }, 'reconcile loop started');
    await reconciler.enqueueAll();
    void reconciler.queue.onIdle().then(() => {
      ready = true;
      logger.info({ event: 'reconcile.ready' }, 'first reconcile done');
    });

    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ event: 'reconcile.stopping', signal }, 'stopping: finishing calls in flight');
        process.off('SIGTERM', onTerm).off('SIGINT', onInt);
        resolve();
      };
      const onTerm = (): void => stop('SIGTERM');
      const onInt = (): void => stop('SIGINT');
      process.on('SIGTERM', onTerm).on('SIGINT', onInt);
    });
    clearInterval(resync);
    await watcher.close();
    // Closing the clients fails the calls still waiting for the rate limiter (never sent: their
    // write-ahead intent is resolved by name on the next start); calls already sent finish.
    const draining = reconciler.drain(Number(options.shutdownGrace) * 1000);
    await Promise.all([...runtimes.values()].map((p) => p.client.close()));
    await draining;
    await server.close();
    logger.info({ event: 'reconcile.stopped' }, 'stopped');
    return 0;
  }
}

async function reconcileOnce(scope: ReconcileScope, store: Awaited<ReturnType<typeof openStateStore>>, options: ReconcileCommandOptions, io: Io, onAction: (e: ApplyEvent) => void): Promise<number> {
  try {
    const snapshot = await store.load();
    const pass = await planPass(scope, Object.values(snapshot.resources), { allowMassDelete: options.allowMassDelete });
    if (pass.plan.errors.length > 0) {
      io.err(renderPlan(pass.plan));
      return 1;
    }
    const result = await applyPass(scope, store, pass, { onEvent: onAction });
    return result.failed.length + result.skipped.length > 0 ? 1 : 0;
  } catch (err) {
    io.err(describeFailure(err));
    return 1;
  }
}

/** A notification is a hint: it only queues the resources it names, which are then observed. */
async function enqueueNotification(reconciler: Reconciler, event: DaemonNotification): Promise<void> {
  const target = event.target;
  const inProject = (key: string): boolean => !event.project || key.startsWith(`${event.project}/`);
  if (target.product === 'media-pull') {
    await reconciler.enqueueMatching((key, state) => inProject(key) && (key.endsWith(`/CloudPlayer/${target.name ?? ''}`) || (target.playerId !== undefined && state?.externalId === target.playerId)));
  } else {
    await reconciler.enqueueMatching((key, state) => inProject(key) && key.includes('/CloudRecording/') && state?.externalId === target.sid);
  }
}

function notificationSecrets(loaded: LoadedDesired): NotificationSecret[] {
  return loaded.projects.flatMap((p) => (p.spec.notifications?.secret ? [{ project: p.metadata.name, secret: p.spec.notifications.secret }] : []));
}

function originRoutes(loaded: LoadedDesired): OriginSiteRoute[] {
  return loaded.desired.flatMap((d) => {
    const routes = d.kind === 'OriginSite' ? (d.spec.routes as { stream: string; url: string }[] | undefined) : undefined;
    return (routes ?? []).map((r) => ({ project: d.project, entryPoint: d.name, stream: r.stream, url: r.url }));
  });
}

function resyncInterval(loaded: LoadedDesired, runtimes: Map<string, ProjectRuntime>): number {
  // Each project has its own List budget: the busiest one sets the pace.
  let interval = Infinity;
  for (const project of runtimes.values()) {
    const players = loaded.desired.filter((d) => d.project === project.name && d.kind === 'CloudPlayer');
    const channels = new Set(players.map((p) => String(p.spec.channelName))).size;
    interval = Math.min(interval, defaultResyncIntervalMs({ players: players.length, channels, limits: project.limits, projects: 1 }));
  }
  return Number.isFinite(interval) ? interval : defaultResyncIntervalMs({ players: 0, channels: 0, limits: resolveLimits(), projects: 0 });
}

async function watchedFolder(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? path : dirname(path);
}

function splitHostPort(listen: string): [string, string] {
  const i = listen.lastIndexOf(':');
  return i < 0 ? ['127.0.0.1', listen] : [listen.slice(0, i), listen.slice(i + 1)];
}
