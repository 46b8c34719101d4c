import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { parse } from 'yaml';
import { REWATCH_EVENT, watchManifests, type ManifestWatcher, type ManifestWatcherOptions, type WatchState } from '../../src/daemon/manifest-watcher.ts';
import { FakeClock } from './fake-clock.ts';

type Desired = Record<string, unknown>;

/** A stand-in for the manifest loader: every YAML file of the folder, parsed; throws on bad YAML. */
async function loadFolder(dir: string): Promise<Desired> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const desired: Desired = {};
  for (const file of files) desired[file] = parse(await readFile(join(dir, file), 'utf8')) as unknown;
  return desired;
}

/** Collects what the watcher reports and lets a test wait for the next report of a kind. */
class Recorder {
  readonly changes: Desired[] = [];
  readonly invalid: unknown[] = [];
  readonly events: Array<[string, string]> = [];
  readonly watchStates: WatchState[] = [];
  #waiters: Array<{ check: () => boolean; wake: () => void }> = [];

  readonly onChange = (desired: Desired): void => this.#push(() => this.changes.push(desired));
  readonly onInvalid = (error: unknown): void => this.#push(() => this.invalid.push(error));
  readonly onFileEvent = (event: string, path: string): void => this.#push(() => this.events.push([event, basename(path)]));
  readonly onWatchState = (state: WatchState): void => this.#push(() => this.watchStates.push(state));

  /** Resolves at the next report of any kind. */
  next(): Promise<void> {
    return new Promise((wake) => this.#waiters.push({ check: () => true, wake }));
  }

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((wake) => this.#waiters.push({ check, wake }));
  }

  #push(record: () => void): void {
    record();
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.wake();
      return false;
    });
  }
}

interface Setup {
  /** The folder the watcher was given. */
  dir: string;
  /** A scratch folder next to it, for folders swapped in and out. */
  root: string;
  clock: FakeClock;
  rec: Recorder;
  watcher: ManifestWatcher<Desired>;
  cleanup: () => Promise<void>;
}

async function setup(prepare?: (root: string) => Promise<string>, options: Partial<ManifestWatcherOptions<Desired>> = {}): Promise<Setup> {
  const root = await mkdtemp(join(tmpdir(), 'agoractl-watch-'));
  let dir = join(root, 'manifests');
  if (prepare) {
    dir = await prepare(root);
  } else {
    await mkdir(dir);
    await writeFile(join(dir, 'players.yaml'), 'class32-101: { channelName: class32 }\n');
  }
  const clock = new FakeClock();
  const rec = new Recorder();
  const watcher = await watchManifests({
    dir,
    load: () => loadFolder(dir),
    onChange: rec.onChange,
    onInvalid: rec.onInvalid,
    onFileEvent: rec.onFileEvent,
    onWatchState: rec.onWatchState,
    debounceMs: 500,
    identityCheckMs: 2_000,
    clock,
    ...options,
  });
  return {
    dir,
    root,
    clock,
    rec,
    watcher,
    cleanup: async () => {
      await watcher.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const channelOf = (desired: Desired | undefined): unknown => (desired?.['players.yaml'] as Record<string, { channelName?: unknown }> | undefined)?.['class32-101']?.channelName;
const player = (channel: string): string => `class32-101: { channelName: ${channel} }\n`;

const seen = (rec: Recorder, file: string) => () => rec.events.some(([, f]) => f === file);

/**
 * Lets the quiet time pass whenever the watcher waits on it, until `done`. File events arrive in
 * real time and the file system may report one write as several events, so a test does not
 * assume how many debounce periods a change takes. With no sleep pending (the identity check is
 * reading the disk), it waits for the next report or the next sleep.
 */
async function drive(clock: FakeClock, rec: Recorder, done: () => boolean): Promise<void> {
  while (!done()) {
    if (clock.pendingSleeps > 0) await clock.advance(500);
    else await Promise.race([rec.next(), clock.nextSleep()]);
  }
}

// The guard turns a lost file event into a failure instead of a hang; nothing asserts on time.
void describe('watchManifests', { timeout: 30_000 }, () => {
  void test('loads the folder once at start and reports it as the first desired state', async () => {
    const { rec, watcher, cleanup } = await setup();
    try {
      assert.deepEqual(rec.changes, [{ 'players.yaml': { 'class32-101': { channelName: 'class32' } } }]);
      assert.deepEqual(watcher.current, rec.changes[0]);
    } finally {
      await cleanup();
    }
  });

  void test('a burst of file changes becomes one reload after the quiet time', async () => {
    const { dir, clock, rec, watcher, cleanup } = await setup();
    try {
      await writeFile(join(dir, 'b.yaml'), 'b: 1\n');
      await writeFile(join(dir, 'c.yaml'), 'c: 1\n');
      await rec.until(seen(rec, 'b.yaml'));
      await rec.until(seen(rec, 'c.yaml'));
      await clock.advance(499);
      assert.equal(rec.changes.length, 1, 'no reload before the quiet time is over');
      await drive(clock, rec, () => rec.changes.length === 2);
      assert.deepEqual(Object.keys(watcher.current ?? {}), ['b.yaml', 'c.yaml', 'players.yaml']);
    } finally {
      await cleanup();
    }
  });

  void test('a half-written file is reported and the last valid desired state is kept', async () => {
    const { dir, clock, rec, watcher, cleanup } = await setup();
    try {
      const valid = watcher.current;
      await writeFile(join(dir, 'players.yaml'), 'class32-101: { channelName: cla');
      await drive(clock, rec, () => rec.invalid.length === 1);
      assert.deepEqual(watcher.current, valid);
      assert.equal(rec.changes.length, 1, 'an invalid folder is not a new desired state');

      // chokidar reports one file's changes at most once per 50 ms (leading edge). A real burst
      // falls inside the quiet time, read once after it; this test's fake quiet time ended at
      // once, so the next write must come after chokidar's window.
      await new Promise((resolve) => setTimeout(resolve, 60));
      await writeFile(join(dir, 'players.yaml'), 'class32-101: { channelName: class33 }\n');
      await drive(clock, rec, () => rec.changes.length === 2);
      assert.deepEqual(watcher.current, { 'players.yaml': { 'class32-101': { channelName: 'class33' } } });
    } finally {
      await cleanup();
    }
  });

  void test('removing a file is a change like any other', async () => {
    const { dir, clock, rec, watcher, cleanup } = await setup();
    try {
      await writeFile(join(dir, 'extra.yaml'), 'x: 1\n');
      await drive(clock, rec, () => 'extra.yaml' in (watcher.current ?? {}));
      await rm(join(dir, 'extra.yaml'));
      await drive(clock, rec, () => !('extra.yaml' in (watcher.current ?? {})));
      assert.deepEqual(Object.keys(watcher.current ?? {}), ['players.yaml']);
    } finally {
      await cleanup();
    }
  });

  void test('ignores dot folders such as .git and files that are not manifests', async () => {
    const { dir, rec, cleanup } = await setup();
    try {
      await mkdir(join(dir, '.git'));
      await writeFile(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(dir, 'README.md'), '# manifests\n');
      await writeFile(join(dir, 'z.yaml'), 'z: 1\n');
      await rec.until(seen(rec, 'z.yaml'));
      assert.deepEqual(rec.events.map(([, f]) => f).filter((f) => f === 'HEAD' || f === 'README.md' || f === '.git'), []);
    } finally {
      await cleanup();
    }
  });

  void test('a failing first load is reported and leaves no desired state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agoractl-watch-'));
    const rec = new Recorder();
    await writeFile(join(dir, 'bad.yaml'), 'a: [1, 2\n');
    const watcher = await watchManifests({ dir, load: () => loadFolder(dir), onChange: rec.onChange, onInvalid: rec.onInvalid, clock: new FakeClock() });
    try {
      assert.equal(rec.invalid.length, 1);
      assert.equal(watcher.current, undefined);
    } finally {
      await watcher.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  void test('a folder renamed away and back is watched again: a later edit reloads', async () => {
    const { dir, clock, rec, watcher, cleanup } = await setup();
    try {
      const valid = watcher.current;
      await rename(dir, `${dir}.moved`);
      await drive(clock, rec, () => rec.invalid.length >= 1);
      assert.deepEqual(watcher.current, valid, 'a missing folder is not an empty desired state');
      assert.equal((rec.invalid[0] as NodeJS.ErrnoException).code, 'ENOENT', 'the load error says the folder is missing');

      await rename(`${dir}.moved`, dir);
      const loads = rec.changes.length;
      await drive(clock, rec, () => rec.changes.length > loads);
      await writeFile(join(dir, 'players.yaml'), player('class33'));
      assert.ok(rec.events.some(([event]) => event === REWATCH_EVENT), 'the watch was established again');
      await drive(clock, rec, () => channelOf(watcher.current) === 'class33');
    } finally {
      await cleanup();
    }
  });

  void test('a folder swapped for another by renames reloads the new content and watches it', async () => {
    const { dir, root, clock, rec, watcher, cleanup } = await setup();
    try {
      const fresh = join(root, 'clone');
      await mkdir(fresh);
      await writeFile(join(fresh, 'players.yaml'), player('class44'));
      await rename(dir, join(root, 'old'));
      await rename(fresh, dir);
      await drive(clock, rec, () => channelOf(watcher.current) === 'class44');
      // The old folder is not watched any more: an edit there changes nothing, one here does.
      await writeFile(join(root, 'old', 'players.yaml'), player('class55'));
      await writeFile(join(dir, 'players.yaml'), player('class45'));
      await drive(clock, rec, () => channelOf(watcher.current) === 'class45');
    } finally {
      await cleanup();
    }
  });

  void test('a ConfigMap-style mount reloads each time its ..data link is swapped', async () => {
    const configMap = async (root: string): Promise<string> => {
      const dir = join(root, 'config');
      await mkdir(join(dir, '..2025_01_01_00_00_00.1'), { recursive: true });
      await writeFile(join(dir, '..2025_01_01_00_00_00.1', 'players.yaml'), player('v1'));
      await symlink('..2025_01_01_00_00_00.1', join(dir, '..data'));
      await symlink('..data/players.yaml', join(dir, 'players.yaml'));
      return dir;
    };
    const { dir, clock, rec, watcher, cleanup } = await setup(configMap);
    try {
      assert.equal(channelOf(watcher.current), 'v1');
      // What the kubelet does: a new timestamped folder, a new link renamed over ..data, the old folder removed.
      for (const [version, previous] of [['v2', 'v1'], ['v3', 'v2']] as const) {
        const folder = `..2025_01_01_00_00_00.${version}`;
        await mkdir(join(dir, folder));
        await writeFile(join(dir, folder, 'players.yaml'), player(version));
        await symlink(folder, join(dir, '..data_tmp'));
        await rename(join(dir, '..data_tmp'), join(dir, '..data'));
        await rm(join(dir, `..2025_01_01_00_00_00.${previous === 'v1' ? '1' : previous}`), { recursive: true });
        await drive(clock, rec, () => channelOf(watcher.current) === version);
      }
    } finally {
      await cleanup();
    }
  });

  void test('a symlinked folder that is re-pointed reloads from its new target', async () => {
    const linked = async (root: string): Promise<string> => {
      for (const [name, channel] of [['a', 'classA'], ['b', 'classB']] as const) {
        await mkdir(join(root, name));
        await writeFile(join(root, name, 'players.yaml'), player(channel));
      }
      await symlink('a', join(root, 'current'));
      return join(root, 'current');
    };
    const { root, clock, rec, watcher, cleanup } = await setup(linked);
    try {
      assert.equal(channelOf(watcher.current), 'classA');
      await symlink('b', join(root, 'current.tmp'));
      await rename(join(root, 'current.tmp'), join(root, 'current'));
      await drive(clock, rec, () => channelOf(watcher.current) === 'classB');
      await writeFile(join(root, 'b', 'players.yaml'), player('classB2'));
      await drive(clock, rec, () => channelOf(watcher.current) === 'classB2');
    } finally {
      await cleanup();
    }
  });

  void test('a watch that fails is reported dead and re-established at the next identity check', async () => {
    const started: FSWatcher[] = [];
    let refuse = 0;
    const startWatch: ManifestWatcherOptions<Desired>['startWatch'] = (dir, options) => {
      if (refuse > 0) {
        refuse -= 1;
        throw Object.assign(new Error('inotify watch limit reached'), { code: 'ENOSPC' });
      }
      const w = watch(dir, options);
      started.push(w);
      return w;
    };
    const { dir, clock, rec, watcher, cleanup } = await setup(undefined, { startWatch });
    try {
      assert.equal(watcher.alive, true);
      refuse = 1;
      started[0]?.emit('error', Object.assign(new Error('inotify watch limit reached'), { code: 'ENOSPC' }));
      assert.equal(watcher.alive, false);
      assert.equal((rec.watchStates[0]?.error as NodeJS.ErrnoException | undefined)?.code, 'ENOSPC');
      // The first retry is refused too: still dead, and said once.
      await drive(clock, rec, () => refuse === 0);
      assert.equal(watcher.alive, false);
      await drive(clock, rec, () => watcher.alive);
      assert.deepEqual(rec.watchStates.map((s) => s.alive), [false, true]);
      await writeFile(join(dir, 'players.yaml'), player('class77'));
      await drive(clock, rec, () => channelOf(watcher.current) === 'class77');
    } finally {
      await cleanup();
    }
  });
});
