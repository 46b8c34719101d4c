// The daemon follows its manifest folder: a valid change is put in force, an invalid one is
// reported (log and /status) while the last valid set stays in force, and a folder that cannot
// be watched is reported until it can again.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../logging.ts';
import { watchManifests, type ManifestWatcher } from './manifest-watcher.ts';
import type { DaemonManifests } from './manifests-in-force.ts';
import type { DaemonStatus, LoadProblem } from './status.ts';

export interface ManifestReloadOptions<M extends DaemonManifests> {
  /** The first manifest path given: the folder watched is it, or the folder that holds it. */
  manifestPath: string;
  /** Reads the manifests again; throws when they are invalid. */
  reload: () => Promise<M>;
  /** Puts `next` in force; false when it is the set already in force. */
  putInForce: (next: M) => boolean;
  /** The project names of the set in force. */
  projects: () => string[];
  /** A failed reload, as the log says it (`detail`) and as /status lists it. */
  explainInvalid: (err: unknown) => { detail: string; problems: LoadProblem[] };
  describeError: (err: unknown) => string;
  status: DaemonStatus;
  logger: Logger;
}

export async function followManifests<M extends DaemonManifests>(options: ManifestReloadOptions<M>): Promise<ManifestWatcher<M>> {
  const { status, logger } = options;
  return await watchManifests<M>({
    dir: await watchedFolder(options.manifestPath),
    load: options.reload,
    onChange: (next) => {
      if (!options.putInForce(next)) return;
      status.manifestsLoaded();
      status.keepProjects(options.projects());
      logger.info({ event: 'manifests.reloaded', resources: next.desired.length, generation: status.generation }, 'manifests reloaded');
    },
    onInvalid: (err) => {
      const { detail, problems } = options.explainInvalid(err);
      status.manifestsInvalid(problems);
      logger.error({ event: 'manifests.invalid', detail, generation: status.generation }, 'manifests are invalid; keeping the last valid desired state');
    },
    onWatchState: (state) => {
      status.watchState(state);
      if (state.alive) logger.info({ event: 'manifests.watch_restored' }, 'watching the manifest folder again');
      else logger.error({ event: 'manifests.watch_failed', err: options.describeError(state.error) }, 'manifest watch failed; retrying');
    },
  });
}

async function watchedFolder(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? path : dirname(path);
}
