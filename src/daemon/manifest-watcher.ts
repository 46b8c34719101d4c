// Watches the manifest folder (a Git checkout that another process pulls) and reloads the desired
// state when files change. A pull writes many files in a burst, so events are debounced into one
// reload. A reload that fails (a half-written file, an invalid document) is reported and the last
// valid desired state is kept: a broken file must never read as "the user deleted everything".
// What a valid desired state is belongs to the loader; this module only decides when to load.
import { basename, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
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
  /** A load failed; the last valid state (if any) stays current. */
  onInvalid: (error: unknown) => void;
  /** Quiet time after the last file event before reloading (default 500 ms, at least 100). */
  debounceMs?: number;
  clock?: Clock;
  /** Every relevant file event, before debouncing (for logs and tests). */
  onFileEvent?: (event: string, path: string) => void;
}

export interface ManifestWatcher<T> {
  /** The last desired state that loaded without error. */
  readonly current: T | undefined;
  /** Reloads now (e.g. on SIGHUP); resolves when that load has finished. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_DEBOUNCE_MS = 500;
/**
 * chokidar reports a file's changes at most once per 50 ms, on the leading edge: a write that
 * follows within 50 ms raises no event. A quiet time longer than that window guarantees the
 * reload reads after every such write.
 */
export const MIN_DEBOUNCE_MS = 100;
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * Starts watching, then loads once (so no change between the two is missed), reporting that
 * first load through onChange or onInvalid like any later one.
 */
export async function watchManifests<T>(options: ManifestWatcherOptions<T>): Promise<ManifestWatcher<T>> {
  const dir = resolve(options.dir);
  const clock = options.clock ?? systemClock;
  const debounceMs = Math.max(MIN_DEBOUNCE_MS, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  let current: T | undefined;
  let closed = false;
  let debounce: AbortController | undefined;
  // Loads never overlap: a change during a load asks for one more load after it.
  let loading: Promise<void> | undefined;
  let again = false;

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

  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    // Dot entries hold a checkout's `.git` and editors' swap files; neither is a manifest.
    ignored: (path, stats) => {
      if (resolve(path) !== dir && basename(path).startsWith('.')) return true;
      return stats?.isFile() === true && !MANIFEST_FILE.test(path);
    },
  });
  watcher.on('all', (event, path) => {
    if (event === 'addDir') return;
    if ((event === 'add' || event === 'change' || event === 'unlink') && !MANIFEST_FILE.test(path)) return;
    changed(event, path);
  });
  await new Promise<void>((ready, fail) => {
    watcher.once('ready', ready);
    watcher.once('error', fail);
  });
  try {
    await reload();
  } catch (error) {
    closed = true;
    await watcher.close();
    throw error;
  }

  return {
    get current() {
      return current;
    },
    reload,
    async close() {
      closed = true;
      debounce?.abort();
      await watcher.close();
      await loading;
    },
  };
}
