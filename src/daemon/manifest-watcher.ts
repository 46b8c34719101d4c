// Watches the manifest folder (a Git checkout that another process pulls) and reloads the desired
// state when files change. A pull writes many files in a burst, so events are debounced into one
// reload. A reload that fails (a half-written file, an invalid document, the folder gone) is
// reported and the last valid desired state is kept: a broken or missing folder must never read
// as "the user deleted everything". What a valid desired state is belongs to the loader; this
// module only decides when to load.
//
// The folder itself may be replaced: `git clone` into a fresh folder then a rename, rsync
// `--delete-after`, an atomic directory swap, a re-pointed symlink, or a Kubernetes ConfigMap
// mount whose `..data` link is swapped by rename. chokidar stops watching a root that went away
// (it reports `unlinkDir` for it and never looks again) and keeps watching the old inodes of a
// swapped folder. So the folder's identity (real path, inode, and the `..data` link's target) is
// checked on a bounded timer, and the watch is re-established, followed by a reload, whenever
// the identity moved or chokidar lost the folder. The check is a realpath and two stats.
import { readlink, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import { systemClock, type Clock } from '../clock.ts';

export interface ManifestWatcherOptions<T> {
  /** The manifest folder; watched recursively. */
  dir: string;
  /** Loads and validates every manifest; throws (or rejects) when the folder is not valid. */
  load: () => Promise<T>;
  /**
   * A load succeeded: the new desired state. Also called for the first load. An exception it
   * throws reaches reload()'s caller, or onInvalid for a reload that a file event started.
   */
  onChange: (desired: T) => void;
  /** A load failed (the folder may be missing); the last valid state (if any) stays current. */
  onInvalid: (error: unknown) => void;
  /**
   * The file watch failed (`alive: false`, with chokidar's error) or was re-established after a
   * failure (`alive: true`). While it is down the identity check still runs and retries the watch.
   */
  onWatchState?: (state: WatchState) => void;
  /** Quiet time after the last file event before reloading (default 500 ms, at least 100). */
  debounceMs?: number;
  /** How often the folder's identity is checked (default 2000 ms, at least 100). */
  identityCheckMs?: number;
  clock?: Clock;
  /**
   * Every relevant file event, before debouncing (for logs and tests), and `rewatch` when the
   * watch was re-established on a folder that was replaced or came back.
   */
  onFileEvent?: (event: string, path: string) => void;
  /** Starts chokidar; tests pass one whose watcher they can make fail. */
  startWatch?: (dir: string, options: ChokidarOptions) => FSWatcher;
}

export interface WatchState {
  alive: boolean;
  error?: unknown;
}

export interface ManifestWatcher<T> {
  /** The last desired state that loaded without error. */
  readonly current: T | undefined;
  /** The file watch is up (false after chokidar failed, until it is re-established). */
  readonly alive: boolean;
  /** Reloads now (e.g. on SIGHUP); resolves when that load has finished. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_DEBOUNCE_MS = 500;
export const DEFAULT_IDENTITY_CHECK_MS = 2_000;
/**
 * chokidar reports a file's changes at most once per 50 ms, on the leading edge: a write that
 * follows within 50 ms raises no event. A quiet time longer than that window guarantees the
 * reload reads after every such write.
 */
export const MIN_DEBOUNCE_MS = 100;
export const REWATCH_EVENT = 'rewatch';
const MANIFEST_FILE = /\.(ya?ml|json)$/i;
/** The link a Kubernetes ConfigMap or Secret volume swaps atomically on every update. */
const CONFIGMAP_DATA_LINK = '..data';

/**
 * Starts watching, then loads once (so no change between the two is missed), reporting that
 * first load through onChange or onInvalid like any later one.
 */
export async function watchManifests<T>(options: ManifestWatcherOptions<T>): Promise<ManifestWatcher<T>> {
  const dir = resolve(options.dir);
  const clock = options.clock ?? systemClock;
  const debounceMs = Math.max(MIN_DEBOUNCE_MS, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  const identityCheckMs = Math.max(MIN_DEBOUNCE_MS, options.identityCheckMs ?? DEFAULT_IDENTITY_CHECK_MS);
  const startWatch = options.startWatch ?? watch;
  const stopped = new AbortController();
  let current: T | undefined;
  let closed = false;
  let debounce: AbortController | undefined;
  // Loads never overlap: a change during a load asks for one more load after it.
  let loading: Promise<void> | undefined;
  let again = false;
  let watcher: FSWatcher | undefined;
  /** The identity of the folder the watch was established on ('' while it was missing). */
  let watchedIdentity = '';
  let alive = true;

  const loadOnce = async (): Promise<void> => {
    let desired: T;
    try {
      desired = await options.load();
    } catch (error) {
      if (!closed) options.onInvalid(error);
      return;
    }
    if (closed) return;
    current = desired;
    options.onChange(desired);
  };

  const reload = (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        do {
          again = false;
          await loadOnce();
        } while (again && !closed);
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };

  const changed = (event: string, path: string): void => {
    if (closed) return;
    options.onFileEvent?.(event, path);
    debounce?.abort();
    const timer = new AbortController();
    debounce = timer;
    void clock.sleep(debounceMs, timer.signal).then(
      async () => {
        if (debounce === timer) debounce = undefined;
        // No caller waits for a debounced reload, so a throwing onChange is reported here.
        await reload().catch(options.onInvalid);
      },
      () => undefined,
    );
  };

  const setAlive = (state: WatchState): void => {
    if (closed || alive === state.alive) return;
    alive = state.alive;
    options.onWatchState?.(state);
  };

  const unwatch = async (): Promise<void> => {
    const old = watcher;
    watcher = undefined;
    await old?.close().catch(() => undefined);
  };

  /** Starts chokidar on the folder; resolves false (and reports the watch dead) when it fails. */
  const establish = async (identity: string): Promise<boolean> => {
    await unwatch();
    let started: FSWatcher;
    try {
      started = startWatch(dir, {
        ignoreInitial: true,
        // Dot entries hold a checkout's `.git`, editors' swap files and a ConfigMap's `..data`
        // timestamped folders (whose swap the identity check sees); none is a manifest.
        ignored: (path, stats) => {
          if (resolve(path) !== dir && basename(path).startsWith('.')) return true;
          return stats?.isFile() === true && !MANIFEST_FILE.test(path);
        },
      });
      await new Promise<void>((ready, fail) => {
        started.once('ready', ready);
        started.once('error', fail);
      });
    } catch (error) {
      setAlive({ alive: false, error });
      return false;
    }
    if (closed) {
      await started.close();
      return false;
    }
    watcher = started;
    watchedIdentity = identity;
    started.on('all', (event, path) => {
      if (event === 'addDir') return;
      if (event === 'unlinkDir' && resolve(path) === dir) {
        // chokidar gives up on a root that went away; the identity check watches it again.
        changed(event, path);
        return;
      }
      if ((event === 'add' || event === 'change' || event === 'unlink') && !MANIFEST_FILE.test(path)) return;
      changed(event, path);
    });
    started.on('error', (error: unknown) => {
      if (watcher !== started) return;
      setAlive({ alive: false, error });
      void unwatch();
    });
    setAlive({ alive: true });
    return true;
  };

  /** Re-establishes the watch when the folder was replaced, came back, or the watch died. */
  const checkIdentity = async (): Promise<void> => {
    const identity = await folderIdentity(dir);
    if (closed) return;
    const lost = watcher === undefined || !(dir in watcher.getWatched());
    if (identity === watchedIdentity && !(lost && identity !== '')) return;
    if (identity === '') {
      // Gone: keep the last valid state, and let the failing load report the folder missing.
      await unwatch();
      watchedIdentity = '';
      changed(REWATCH_EVENT, dir);
      return;
    }
    if (await establish(identity)) changed(REWATCH_EVENT, dir);
  };

  const identityLoop = async (): Promise<void> => {
    while (!closed) {
      try {
        await clock.sleep(identityCheckMs, stopped.signal);
      } catch {
        return;
      }
      await checkIdentity();
    }
  };

  const firstIdentity = await folderIdentity(dir);
  if (firstIdentity !== '') await establish(firstIdentity);
  try {
    await reload();
  } catch (error) {
    closed = true;
    stopped.abort();
    await unwatch();
    throw error;
  }
  const looping = identityLoop();

  return {
    get current() {
      return current;
    },
    get alive() {
      return alive;
    },
    reload,
    async close() {
      closed = true;
      stopped.abort();
      debounce?.abort();
      await looping;
      await unwatch();
      await loading;
    },
  };
}

/**
 * What says "this is still the folder we watch": its real path and inode, and where a
 * ConfigMap's `..data` link points. '' when the folder is missing.
 */
export async function folderIdentity(dir: string): Promise<string> {
  try {
    const real = await realpath(dir);
    const info = await stat(real);
    if (!info.isDirectory()) return '';
    const data = await readlink(join(real, CONFIGMAP_DATA_LINK)).catch(() => '');
    return `${real}\0${info.dev}:${info.ino}\0${data}`;
  } catch {
    return '';
  }
}
