// `agoractl reconcile`: one full reconcile and exit (cron), or with --watch the GitOps daemon:
// manifest changes, Agora's notifications and a periodic resync queue resource keys; the
// reconciler observes and converges them inside the shared rate limits until SIGTERM.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { createLogger, LOG_FORMATS, logAction, type LogFormat } from '../logging.ts';
import { systemClock } from '../clock.ts';
import { openStateStore, resolveStateLocation, type StateStore } from '../state/index.ts';
import { isPostgresLocation } from '../state/postgres-location.ts';
import { ledScope, ledStore, type Hidden } from '../daemon/led-scope.ts';
import { ProjectLeadership, type ReplicaBoard } from '../daemon/leadership.ts';
import { decodeRelay, encodeRelay, mustRelay, type RelayedNotification } from '../daemon/webhook-relay.ts';
import { DaemonMetrics } from '../daemon/metrics.ts';
import { startDaemonServer } from '../daemon/server.ts';
import { watchManifests } from '../daemon/manifest-watcher.ts';
import { DaemonStatus, passProjects, projectPasses, resourceStatusCounts, type LoadProblem } from '../daemon/status.ts';
import type { OriginSiteRoute } from '../daemon/fls-callback.ts';
import type { NotificationSecret } from '../daemon/webhook.ts';
import { defaultResyncIntervalMs } from '../engine/resync.ts';
import { Reconciler } from '../engine/reconciler.ts';
import { applyPass, planPass, type ProjectRuntime, type ReconcileScope } from '../engine/reconcile.ts';
import { renderPlan } from '../engine/render-plan.ts';
import type { ApplyEvent } from '../engine/apply.ts';
import type { KindModule } from '../resources/kind.ts';
import { allModules, assumeDeadHolderWindows, embeddedEmulator, recordRecentRequests, loadDesired, ManifestErrors, processIo, projectRuntimes, reportManifestErrors, type Io, type LoadedDesired, type TrustOptions } from './session.ts';
import { describeFailure } from './failure.ts';
import {
  allowManifestEndpointsOption,
  allowMassDeleteOption,
  allowSecretDirOption,
  emulatorOption,
  fileOption,
  listenOption,
  listLagOption,
  lockTimeoutOption,
  logFormatOption,
  logLevelOption,
  resyncOption,
  secondsParser,
  shutdownGraceOption,
  stateOption,
  type LogLevel,
} from './options.ts';
import { formatErrors } from '../manifest/index.ts';

export interface ReconcileCommandOptions extends TrustOptions {
  file: string[];
  state?: string;
  emulator?: boolean;
  watch?: boolean;
  /** Seconds; absent: derived from the List budget. */
  resync?: number;
  /** `host:port`, an IPv6 host without brackets. */
  listen: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  allowMassDelete?: boolean;
  /** Seconds. */
  lockTimeout: number;
  /** Seconds. */
  shutdownGrace: number;
  /** Seconds. */
  listLag?: number;
  /** Seconds: how long a replica's project leases last without renewal (PostgreSQL state). */
  leaseTtl: number;
}

/** Replicas of a daemon on a PostgreSQL state give a project up this long after they stop renewing. */
export const LEASE_TTL_ENV = 'AGORACTL_LEASE_TTL';

function leaseTtlOption(): Option {
  return new Option('--lease-ttl <seconds>', 'PostgreSQL state: how long a lease on a project outlives its holder (renewed every third of it)')
    .argParser(secondsParser({ min: 1, max: 3_600 }))
    .env(LEASE_TTL_ENV)
    .default(30);
}

export function register(program: Command): void {
  program
    .command('reconcile')
    .description('converge once, or with --watch keep Agora equal to the manifests until SIGTERM')
    .addOption(fileOption('manifest folder(s) or files'))
    .addOption(stateOption())
    .addOption(emulatorOption())
    .option('--watch', 'keep running: react to manifest changes, notifications and a periodic resync')
    .addOption(resyncOption())
    .addOption(listenOption('127.0.0.1:9464'))
    .addOption(logFormatOption(LOG_FORMATS, process.stdout.isTTY ? 'pretty' : 'json'))
    .addOption(logLevelOption('info', 'log level'))
    .addOption(allowMassDeleteOption())
    .addOption(lockTimeoutOption())
    .addOption(listLagOption())
    .addOption(shutdownGraceOption())
    .addOption(leaseTtlOption())
    .addOption(allowSecretDirOption())
    .addOption(allowManifestEndpointsOption())
    .action(async (options: ReconcileCommandOptions) => {
      process.exitCode = await runReconcile(options, processIo);
    });
}

export async function runReconcile(options: ReconcileCommandOptions, io: Io): Promise<number> {
  const logger = createLogger({ format: options.logFormat, level: options.logLevel });
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
  const location = resolveStateLocation({ state: options.state, manifests: options.file[0] }, io.env);
  const leaseTtlMs = Number(options.leaseTtl) * 1000;
  // Daemons on a database are replicas: they take their projects' leases one by one as they
  // share the work out (daemon/leadership.ts), never all at once up front.
  const replicated = options.watch === true && isPostgresLocation(location);
  let store: StateStore;
  try {
    store = await openStateStore(location, { clock, leaseTtlMs, renewEveryMs: Math.max(100, Math.floor(leaseTtlMs / 3)) });
  } catch (err) {
    // The embedded emulator's server would keep the process alive after the error.
    io.err(describeFailure(err));
    await emulator?.close();
    return 1;
  }
  const runtimeOptions = {
    env: io.env,
    logger,
    clock,
    endpoints: emulator ? [emulator.url] : undefined,
    onCall: (call: { limitKey: string; status: number; durationMs: number }) =>
      metrics.recordApiCall({ endpoint: call.limitKey, status: call.status === 0 ? 'network' : call.status, durationMs: call.durationMs }),
    // One rate budget per project with every other process on the same state (PostgreSQL).
    rateWindows: store.rateWindows?.(),
  };
  let runtimes = projectRuntimes(loaded.projects, runtimeOptions);
  // With a state file: the last minute of requests, handed from one process to the next.
  const recent = await recordRecentRequests(store, runtimes);
  const closeAll = async (): Promise<void> => {
    await recent.stop();
    await store.close();
    await Promise.all([...runtimes.values()].map((p) => p.client.close()));
    await emulator?.close();
  };
  if (!replicated) {
    try {
      const lock = await store.lock({
        waitMs: Number(options.lockTimeout) * 1000,
        owner: options.watch ? 'agoractl reconcile --watch' : 'agoractl reconcile',
        projects: loaded.projects.map((p) => p.metadata.name),
      });
      if (lock.takenOver) {
        logger.warn({ event: 'state.lock_taken_over', pid: lock.takenOver.pid }, 'took over a stale state lock');
        assumeDeadHolderWindows(runtimes, clock.now());
      }
    } catch (err) {
      io.err(describeFailure(err));
      await closeAll();
      return 1;
    }
  }
  const modules = await allModules(options);
  const scopeOf = (d: LoadedDesired, projects: Map<string, ProjectRuntime>): ReconcileScope => ({
    modules,
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
    const board = replicated ? await openReplicaBoard(location, leaseTtlMs) : undefined;
    let leadership: ProjectLeadership | undefined;
    // Projects declared in the manifests that another replica leads: this one neither plans nor
    // observes them (with a state file, one replica leads everything).
    const hidden: Hidden = (project) => board !== undefined && !(leadership?.leads(project) ?? false) && current.projects.some((p) => p.metadata.name === project);
    const ledState = ledStore(store, hidden);
    const ledScopeOf = (d: LoadedDesired, projects: Map<string, ProjectRuntime>): ReconcileScope => ledScope(scopeOf(d, projects), hidden);
    // Failed actions of the pass in progress, by project, for /status (apply events come first).
    let failedActions = new Map<string, string[]>();
    const reconciler = new Reconciler({
      store: ledState,
      clock,
      logger,
      allowMassDelete: options.allowMassDelete,
      onAction: (e) => {
        onAction(e);
        if (e.type === 'failed') failedActions.set(e.action.project, [...(failedActions.get(e.action.project) ?? []), `${e.action.key}: ${e.error.message}`].slice(-10));
      },
      onPass: (pass) => {
        const byKind = new Map<string, number>();
        for (const a of pass.plan.actions) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
        for (const [kind, count] of byKind) metrics.recordDrift(kind, count);
        metrics.recordReconcile({ kind: 'all', result: pass.failed > 0 ? 'error' : 'ok', durationMs: pass.durationMs });
        const failed = failedActions;
        failedActions = new Map();
        const projects = passProjects(pass.plan, failed, current.projects.map((p) => p.metadata.name));
        for (const [project, result] of projectPasses(pass, projects, failed, clock.now())) status.passFinished(project, result);
        void countResources().catch((err: unknown) => logger.warn({ event: 'metrics.resources_failed', err: describeFailure(err) }, 'could not count resources'));
      },
    });
    metrics.trackQueueDepth(() => reconciler.queue.depth);
    let current = loaded;
    const leads = (project: string): boolean => !hidden(project);
    const status = new DaemonStatus({
      clock,
      metrics,
      sources: { blocked: () => reconciler.blocked(), refused: () => reconciler.refused() },
      replica: () =>
        leadership
          ? { id: leadership.id, replicas: leadership.liveReplicas, leads: leadership.led() }
          : { replicas: 1, leads: board ? [] : current.projects.map((p) => p.metadata.name).sort() },
    });
    status.manifestsLoaded();
    reconciler.setScope(ledScopeOf(loaded, runtimes));
    const showLeadership = (): void => metrics.setLeadership(current.projects.map((p) => p.metadata.name), leads);
    showLeadership();

    const countResources = async (): Promise<void> => {
      const snapshot = await ledState.load();
      const recorded = new Set(Object.keys(snapshot.resources));
      const runs = new Map(reconciler.queue.statuses());
      metrics.setResourceStatuses(
        resourceStatusCounts({
          keys: new Set([...current.desired.map((d) => d.key), ...recorded]),
          recorded,
          runs,
          blocked: reconciler.blocked(),
          drifted: reconciler.refusedKeys(),
        }),
      );
    };

    const routesByLoad = new WeakMap<LoadedDesired, OriginSiteRoute[]>();
    const [host = '127.0.0.1', port = '9464'] = splitHostPort(options.listen);
    const server = await startDaemonServer({
      host,
      port: Number(port),
      metrics,
      logger,
      clock,
      health: () => ({ live: true, ...status.readiness() }),
      status: () => status.report(),
      onNotification: async (event) => {
        await enqueueNotification(reconciler, event);
        if (board && leadership && mustRelay(event, leads)) await board.notify(encodeRelay(leadership.id, event));
      },
      notificationSecrets: () => notificationSecrets(current),
      // Built once per manifest load, not per callback: anyone may call the callback.
      routes: () => {
        let routes = routesByLoad.get(current);
        if (!routes) {
          routes = daemonRoutes(modules, current);
          routesByLoad.set(current, routes);
        }
        return routes;
      },
    });
    io.err(`agoractl: reconciling ${options.file.join(', ')}; serving ${server.url} (/healthz /readyz /status /metrics /webhooks/agora /fls/origin)`);

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
        reconciler.setScope(ledScopeOf(next, runtimes));
        showLeadership();
        status.manifestsLoaded();
        status.keepProjects(next.projects.map((p) => p.metadata.name));
        logger.info({ event: 'manifests.reloaded', resources: next.desired.length, generation: status.generation }, 'manifests reloaded');
      },
      onInvalid: (err) => {
        const detail = err instanceof ManifestErrors ? formatErrors(err.errors, 'text') : describeFailure(err);
        status.manifestsInvalid(loadProblems(err));
        logger.error({ event: 'manifests.invalid', detail, generation: status.generation }, 'manifests are invalid; keeping the last valid desired state');
      },
      onWatchState: (state) => {
        status.watchState(state);
        if (state.alive) logger.info({ event: 'manifests.watch_restored' }, 'watching the manifest folder again');
        else logger.error({ event: 'manifests.watch_failed', err: describeFailure(state.error) }, 'manifest watch failed; retrying');
      },
    });

    if (board) {
      const replica = new ProjectLeadership({
        store,
        board,
        clock,
        logger,
        owner: 'agoractl reconcile --watch',
        everyMs: leadershipTickMs(leaseTtlMs),
        projects: () => current.projects.map((p) => p.metadata.name),
        onChange: ({ gained }) => {
          reconciler.setScope(ledScopeOf(current, runtimes));
          showLeadership();
          // A project taken over is observed whole at once: its state may hold resources to delete.
          if (gained.length > 0) void reconciler.enqueueMatching((key) => gained.includes(key.slice(0, key.indexOf('/')))).catch(() => undefined);
        },
      });
      leadership = replica;
      await board.listen(
        (payload) => {
          const relayed = decodeRelay(payload, replica.id);
          if (!relayed || (relayed.project !== undefined && !replica.leads(relayed.project))) return;
          logger.info({ event: 'webhook.relayed', project: relayed.project }, 'notification passed on by another replica');
          void enqueueNotification(reconciler, relayed).catch(() => undefined);
        },
        (err) => logger.warn({ event: 'replica.listen_failed', err: describeFailure(err) }, 'lost the notification channel; listening again'),
      );
      await replica.start();
    }

    const resyncMs = options.resync ? Number(options.resync) * 1000 : defaultResyncIntervalMs(modules, current.desired, [...runtimes.values()]);
    const resync = setInterval(() => void reconciler.enqueueAll(), resyncMs);
    logger.info({ event: 'reconcile.started', resyncMs }, 'reconcile loop started');
    await reconciler.enqueueUndeclared();
    void reconciler.queue.onIdle().then(() => {
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
    await leadership?.stop();
    await board?.close();
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
async function enqueueNotification(reconciler: Reconciler, event: RelayedNotification): Promise<void> {
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

/** The routes the kinds serve from the manifests (an origin site's FLS pull-from-origin answers). */
function daemonRoutes(modules: readonly KindModule[], loaded: LoadedDesired): OriginSiteRoute[] {
  return modules.flatMap((module) => module.routes?.(loaded.desired.filter((d) => d.kind === module.kind)) ?? []);
}

/** Where a failed load went wrong, for /status: file:line:column and field, never a value. */
function loadProblems(err: unknown): LoadProblem[] {
  if (err instanceof ManifestErrors) return err.errors.map((e) => ({ file: e.file, line: e.line, column: e.column, path: e.path, code: e.code, message: e.message }));
  return [{ code: 'load-failed', message: describeFailure(err) }];
}

async function watchedFolder(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? path : dirname(path);
}

function splitHostPort(listen: string): [string, string] {
  const i = listen.lastIndexOf(':');
  return i < 0 ? ['127.0.0.1', listen] : [listen.slice(0, i), listen.slice(i + 1)];
}

/** The board of a PostgreSQL state's replicas; the driver is loaded only for a database. */
async function openReplicaBoard(location: string, ttlMs: number): Promise<ReplicaBoard & { notify(payload: string): Promise<void>; listen(onPayload: (payload: string) => void, onError: (err: Error) => void): Promise<void>; close(): Promise<void> }> {
  const { openPostgresReplicaBoard } = await import('../state/postgres-replicas.ts');
  return await openPostgresReplicaBoard(location, { ttlMs });
}

/** Heartbeats and rebalancing: often enough to take a dead replica's projects soon after they expire. */
function leadershipTickMs(leaseTtlMs: number): number {
  return Math.min(2_000, Math.max(100, Math.floor(leaseTtlMs / 3)));
}
