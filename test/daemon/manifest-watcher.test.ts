import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { watchManifests, type ManifestWatcher } from '../../src/daemon/manifest-watcher.ts';
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
  #waiters: Array<{ check: () => boolean; wake: () => void }> = [];

  readonly onChange = (desired: Desired): void => this.#push(() => this.changes.push(desired));
  readonly onInvalid = (error: unknown): void => this.#push(() => this.invalid.push(error));
  readonly onFileEvent = (event: string, path: string): void => this.#push(() => this.events.push([event, basename(path)]));

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

async function setup(): Promise<{ dir: string; clock: FakeClock; rec: Recorder; watcher: ManifestWatcher<Desired>; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'agoractl-watch-'));
  await writeFile(join(dir, 'players.yaml'), 'class32-101: { channelName: class32 }\n');
  const clock = new FakeClock();
  const rec = new Recorder();
  const watcher = await watchManifests({
    dir,
    load: () => loadFolder(dir),
    onChange: rec.onChange,
    onInvalid: rec.onInvalid,
    onFileEvent: rec.onFileEvent,
    debounceMs: 500,
    clock,
  });
  return {
    dir,
    clock,
    rec,
    watcher,
    cleanup: async () => {
      await watcher.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const seen = (rec: Recorder, file: string) => () => rec.events.some(([, f]) => f === file);

/**
 * Lets the quiet time pass whenever the watcher waits on it, until `done`. File events arrive in
 * real time and the file system may report one write as several events, so a test does not
 * assume how many debounce periods a change takes.
 */
async function drive(clock: FakeClock, rec: Recorder, done: () => boolean): Promise<void> {
  while (!done()) {
    if (clock.pendingSleeps > 0) await clock.advance(500);
    else await rec.next();
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
});
