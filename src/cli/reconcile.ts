// `agoractl reconcile`: one full reconcile and exit (cron), or with --watch the GitOps daemon
// (src/daemon/daemon.ts) until SIGTERM. This module reads the options, opens what both share
// (manifests, state, clients, the state lock) and hands them over.
import type { Command } from 'commander';
import { createLogger, LOG_FORMATS, type LogFormat, type Logger } from '../logging.ts';
import { systemClock } from '../clock.ts';
import { openStateStore, resolveStateLocation, type StateStore } from '../state/index.ts';
import { isPostgresLocation } from '../state/postgres-location.ts';
import { actionLogger } from '../daemon/action-log.ts';
import { startDaemon } from '../daemon/daemon.ts';
import { DaemonMetrics } from '../daemon/metrics.ts';
import { REPLICA_OWNER } from '../daemon/replica.ts';
import type { LoadProblem } from '../daemon/status.ts';
import { applyPass, planPass, type ReconcileScope } from '../engine/reconcile.ts';
import { renderPlan } from '../engine/render-plan.ts';
import type { ApplyEvent } from '../engine/apply.ts';
import { formatErrors } from '../manifest/index.ts';
import { allModules, assumeDeadHolderWindows, embeddedEmulator, recordRecentRequests, loadDesired, ManifestErrors, processIo, projectRuntimes, reportManifestErrors, sessionOptions, type Io, type LoadedDesired, type SessionOptions } from './session.ts';
import { describeFailure } from './failure.ts';
import { allowMassDeleteOption, leaseTtlOption, listenOption, lockTimeoutOption, logFormatOption, resyncOption, shutdownGraceOption, type LogLevel } from './options.ts';

export interface ReconcileCommandOptions extends SessionOptions {
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
  /** Seconds: how long a replica's project leases last without renewal (PostgreSQL state). */
  leaseTtl: number;
}

export function register(program: Command): void {
  sessionOptions(program.command('reconcile').description('converge once, or with --watch keep Agora equal to the manifests until SIGTERM'), {
    file: 'manifest folder(s) or files',
    logLevel: { default: 'info', description: 'log level' },
  })
    .option('--watch', 'keep running: react to manifest changes, notifications and a periodic resync')
    .addOption(resyncOption())
    .addOption(listenOption('127.0.0.1:9464'))
    .addOption(logFormatOption(LOG_FORMATS, process.stdout.isTTY ? 'pretty' : 'json'))
    .addOption(allowMassDeleteOption())
    .addOption(lockTimeoutOption())
    .addOption(shutdownGraceOption())
    .addOption(leaseTtlOption())
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
  const runtimes = projectRuntimes(loaded.projects, runtimeOptions);
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
        owner: options.watch ? REPLICA_OWNER : 'agoractl reconcile',
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
  const onAction = actionLogger(logger);
  const modules = await allModules(options);

  try {
    if (!options.watch) {
      const scope: ReconcileScope = { modules, desired: loaded.desired, resolvedSpecs: loaded.resolvedSpecs, projects: runtimes, clock, logger };
      return await reconcileOnce(scope, store, options, io, onAction);
    }
    const [host = '127.0.0.1', port = '9464'] = splitHostPort(options.listen);
    const daemon = await startDaemon({
      manifests: loaded,
      runtimes,
      newRuntimes: (projects) => projectRuntimes(projects, runtimeOptions),
      reload: () => loadDesired(options.file, io.env, options),
      explainInvalid: (err) => ({
        detail: err instanceof ManifestErrors ? formatErrors(err.errors, 'text') : describeFailure(err),
        problems: loadProblems(err),
      }),
      describeError: describeFailure,
      manifestPath: options.file[0] ?? '.',
      modules,
      store,
      replicas: replicated ? { location, leaseTtlMs } : undefined,
      metrics,
      logger,
      clock,
      host,
      port: Number(port),
      allowMassDelete: options.allowMassDelete,
      resyncMs: options.resync ? Number(options.resync) * 1000 : undefined,
      onAction,
      onServing: (url) => io.err(`agoractl: reconciling ${options.file.join(', ')}; serving ${url} (/healthz /readyz /status /metrics /webhooks/agora /fls/origin)`),
    });
    await untilStopped(logger);
    await daemon.close(Number(options.shutdownGrace) * 1000);
    return 0;
  } finally {
    await closeAll();
  }
}

async function reconcileOnce(scope: ReconcileScope, store: StateStore, options: ReconcileCommandOptions, io: Io, onAction: (e: ApplyEvent) => void): Promise<number> {
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

/** Resolves at SIGTERM or SIGINT: the daemon then finishes the calls in flight and exits 0. */
function untilStopped(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ event: 'reconcile.stopping', signal }, 'stopping: finishing calls in flight');
      process.off('SIGTERM', onTerm).off('SIGINT', onInt);
      resolve();
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm).on('SIGINT', onInt);
  });
}

/** Where a failed load went wrong, for /status: file:line:column and field, never a value. */
function loadProblems(err: unknown): LoadProblem[] {
  if (err instanceof ManifestErrors) return err.errors.map((e) => ({ file: e.file, line: e.line, column: e.column, path: e.path, code: e.code, message: e.message }));
  return [{ code: 'load-failed', message: describeFailure(err) }];
}

function splitHostPort(listen: string): [string, string] {
  const i = listen.lastIndexOf(':');
  return i < 0 ? ['127.0.0.1', listen] : [listen.slice(0, i), listen.slice(i + 1)];
}
