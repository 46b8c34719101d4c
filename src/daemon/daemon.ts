// The GitOps daemon (`agoractl reconcile --watch`), composed: manifest changes, Agora's
// notifications and a periodic resync queue resource keys; the reconciler observes and converges
// them inside the shared rate limits; the HTTP server answers probes, metrics, /status, the
// webhook and the FLS callback. Started whole by `startDaemon`, stopped whole by `close`.
import type { Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import type { ApplyEvent } from '../engine/apply.ts';
import type { ProjectRuntime } from '../engine/reconcile.ts';
import { Reconciler } from '../engine/reconciler.ts';
import type { ResolvedProjectDoc } from '../manifest/index.ts';
import type { KindModule } from '../resources/kind.ts';
import type { StateStore } from '../state/store.ts';
import type { ProjectLeadership } from './leadership.ts';
import { ledStore } from './led-scope.ts';
import { followManifests } from './manifest-reload.ts';
import type { ManifestWatcher } from './manifest-watcher.ts';
import { ManifestsInForce, type DaemonManifests } from './manifests-in-force.ts';
import type { DaemonMetrics } from './metrics.ts';
import { notificationMatch, notificationSecrets } from './notification-routing.ts';
import { countResources, PassRecord } from './pass-record.ts';
import { listenForRelays, openReplicaBoard, replicaLeadership } from './replica.ts';
import { defaultResyncIntervalMs } from '../engine/resync.ts';
import { notificationTargetOf } from '../resources/registry.ts';
import { startDaemonServer, type DaemonServer } from './server.ts';
import { DaemonStatus, type LoadProblem } from './status.ts';
import { encodeRelay, mustRelay, type RelayedNotification } from './webhook-relay.ts';

export type { DaemonManifests };

export interface DaemonConfig<M extends DaemonManifests> {
  /** The manifests loaded and found valid at start. */
  manifests: M;
  /** The Agora clients of `manifests.projects`; the daemon closes them (and their successors). */
  runtimes: Map<string, ProjectRuntime>;
  /** Clients for the projects of a reload that changed them. */
  newRuntimes: (projects: readonly ResolvedProjectDoc[]) => Map<string, ProjectRuntime>;
  /** Reads the manifests again; throws when they are invalid. */
  reload: () => Promise<M>;
  /** A failed reload, as the log says it (`detail`) and as /status lists it (file:line, never a value). */
  explainInvalid: (err: unknown) => { detail: string; problems: LoadProblem[] };
  /** One line for an unexpected error in a log. */
  describeError: (err: unknown) => string;
  /** The first manifest path given: the folder watched is it, or the folder that holds it. */
  manifestPath: string;
  modules: readonly KindModule[];
  store: StateStore;
  /** Replicas on a PostgreSQL state; absent with a state file, whose lock makes this process lead everything. */
  replicas?: { location: string; leaseTtlMs: number };
  metrics: DaemonMetrics;
  logger: Logger;
  clock: Clock;
  host: string;
  /** 0 for any free port. */
  port: number;
  allowMassDelete?: boolean;
  /** The periodic resync; derived from the List budget when absent. */
  resyncMs?: number;
  onAction?: (event: ApplyEvent) => void;
  /** Called once the HTTP server listens, before the manifest folder is watched. */
  onServing?: (url: string) => void;
}

export interface Daemon {
  /** `http://host:port` the server listens on. */
  readonly url: string;
  /**
   * Stops taking work and lets the calls already sent finish within `graceMs` (calls still
   * waiting for the rate limiter fail unsent: their write-ahead intent is resolved by name on the
   * next start), then releases the leases, the board and the server.
   */
  close(graceMs: number): Promise<void>;
}

export async function startDaemon<M extends DaemonManifests>(config: DaemonConfig<M>): Promise<Daemon> {
  const { store, clock, logger, metrics } = config;
  const board = config.replicas ? await openReplicaBoard(config.replicas.location, config.replicas.leaseTtlMs) : undefined;
  let server: DaemonServer | undefined;
  let watcher: ManifestWatcher<M> | undefined;
  let leadership: ProjectLeadership | undefined;
  let resync: NodeJS.Timeout | undefined;
  try {
    const inForce = new ManifestsInForce<M>({ ...config, replicated: board !== undefined });
    const { reconciler, status } = reconcileLoop(config, inForce, () => leadership, board !== undefined);
    const showLeadership = (): void => metrics.setLeadership(inForce.projectNames(), inForce.leads);
    showLeadership();

    const enqueueNotification = (event: RelayedNotification): Promise<string[]> => reconciler.enqueueMatching(notificationMatch(event));
    server = await startDaemonServer({
      host: config.host,
      port: config.port,
      metrics,
      logger,
      clock,
      health: () => ({ live: true, ...status.readiness() }),
      status: () => status.report(),
      onNotification: async (event) => {
        await enqueueNotification(event);
        if (board && leadership && mustRelay(event, inForce.leads)) await board.notify(encodeRelay(leadership.id, event));
      },
      notificationTarget: (notification) => notificationTargetOf(config.modules, notification),
      notificationSecrets: () => notificationSecrets(inForce.manifests.projects),
      routes: () => inForce.routes(),
    });
    config.onServing?.(server.url);

    watcher = await followManifests<M>({
      ...config,
      putInForce: (next) => {
        if (!inForce.replace(next)) return false;
        reconciler.setScope(inForce.scope());
        showLeadership();
        return true;
      },
      projects: () => inForce.projectNames(),
      status,
    });

    if (board && config.replicas) {
      const replica = replicaLeadership({
        store,
        board,
        clock,
        logger,
        leaseTtlMs: config.replicas.leaseTtlMs,
        projects: () => inForce.projectNames(),
        onChange: ({ gained }) => {
          reconciler.setScope(inForce.scope());
          showLeadership();
          // A project taken over is observed whole at once: its state may hold resources to delete.
          if (gained.length > 0) void reconciler.enqueueMatching((key) => gained.includes(key.slice(0, key.indexOf('/')))).catch(() => undefined);
        },
      });
      leadership = replica;
      inForce.followLeader(replica);
      await listenForRelays({ board, leadership: replica, logger, enqueue: enqueueNotification, describeError: config.describeError });
      await replica.start();
    }

    const resyncMs = config.resyncMs ?? defaultResyncIntervalMs(config.modules, inForce.manifests.desired, [...inForce.runtimes.values()]);
    resync = setInterval(() => void reconciler.enqueueAll(), resyncMs);
    logger.info({ event: 'reconcile.started', resyncMs }, 'reconcile loop started');
    await reconciler.enqueueUndeclared();
    void reconciler.queue.onIdle().then(() => {
      logger.info({ event: 'reconcile.ready' }, 'first reconcile done');
    });

    const started = { server, watcher, resync };
    return {
      url: server.url,
      async close(graceMs) {
        clearInterval(started.resync);
        await started.watcher.close();
        const draining = reconciler.drain(graceMs);
        await inForce.closeClients();
        await draining;
        await leadership?.stop();
        await board?.close();
        await started.server.close();
        logger.info({ event: 'reconcile.stopped' }, 'stopped');
      },
    };
  } catch (err) {
    // A daemon that cannot start (its port is taken, its folder cannot be watched) holds nothing open.
    clearInterval(resync);
    await leadership?.stop().catch(() => undefined);
    await watcher?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await board?.close().catch(() => undefined);
    throw err;
  }
}

/**
 * The reconciler on the projects led here, and what its passes leave for the operator: metrics,
 * /status, and the manifests' generation in force.
 */
function reconcileLoop<M extends DaemonManifests>(
  config: DaemonConfig<M>,
  inForce: ManifestsInForce<M>,
  leadership: () => ProjectLeadership | undefined,
  replicated: boolean,
): { reconciler: Reconciler; status: DaemonStatus } {
  const { clock, logger, metrics } = config;
  const ledState = ledStore(config.store, inForce.hidden);
  const record: PassRecord = new PassRecord({
    metrics,
    status: (): DaemonStatus => status,
    clock,
    logger,
    projects: () => inForce.projectNames(),
    countResources: () => countResources({ store: ledState, reconciler, desiredKeys: () => inForce.manifests.desired.map((d) => d.key), metrics }),
    describeError: config.describeError,
  });
  const reconciler: Reconciler = new Reconciler({
    store: ledState,
    clock,
    logger,
    allowMassDelete: config.allowMassDelete,
    onAction: (e) => {
      config.onAction?.(e);
      record.actionFinished(e);
    },
    onPass: record.passFinished,
  });
  metrics.trackQueueDepth(() => reconciler.queue.depth);
  const status: DaemonStatus = new DaemonStatus({
    clock,
    metrics,
    sources: { blocked: () => reconciler.blocked(), refused: () => reconciler.refused() },
    replica: () => {
      const leader = leadership();
      return leader
        ? { id: leader.id, replicas: leader.liveReplicas, leads: leader.led() }
        : { replicas: 1, leads: replicated ? [] : inForce.projectNames().sort() };
    },
  });
  status.manifestsLoaded();
  reconciler.setScope(inForce.scope());
  return { reconciler, status };
}
