import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { deadPid, describeStateStoreConformance } from '../../src/state/conformance.ts';
import { StateError, StateLockedError } from '../../src/state/errors.ts';
import { openFileStateStore } from '../../src/state/file-store.ts';
import { player, runFixture, steppingClock, tempFolder } from './helpers.ts';

describeStateStoreConformance('file', async () => {
  const { folder, cleanup } = await tempFolder();
  const path = join(folder, 'manifests', '.agoractl', 'state.json');
  return {
    store: await openFileStateStore(path),
    reopen: () => openFileStateStore(path),
    leaveStaleLock: async (pid) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.lock`, JSON.stringify({ pid, hostname: hostname(), startedAt: Date.now() - 60_000, owner: 'agoractl apply' }));
    },
    cleanup,
  };
});

/** A temporary state path; `body` runs with it and the folder is removed afterwards. */
async function withStatePath(body: (path: string) => Promise<void>): Promise<void> {
  const { folder, cleanup } = await tempFolder();
  try {
    await body(join(folder, '.agoractl', 'state.json'));
  } finally {
    await cleanup();
  }
}

function isStateError(code: string, mentioning?: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof StateError, String(error));
    assert.equal(error.code, code);
    if (mentioning) assert.ok(error.message.includes(mentioning), `mentions ${mentioning}: ${error.message}`);
    return true;
  };
}

void describe('file state store', () => {
  void test('creates nothing on open and the state folder on the first write', async () => {
    await withStatePath(async (path) => {
      const store = await openFileStateStore(path);
      assert.deepEqual((await store.load()).resources, {});
      await assert.rejects(stat(dirname(path)), { code: 'ENOENT' });
      await store.put(player('a'));
      assert.ok((await stat(path)).isFile());
      await store.close();
    });
  });

  void test('writes format version 1, a UUID lineage fixed at creation and the serial, readable only by its owner', async () => {
    await withStatePath(async (path) => {
      const store = await openFileStateStore(path);
      await store.put(player('a', { externalId: 'player-1' }));
      await store.put(player('b'));
      await store.close();
      const onDisk = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      assert.equal(onDisk.version, 1);
      assert.match(String(onDisk.lineage), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(onDisk.serial, 2);
      assert.deepEqual(Object.keys(onDisk.resources as object), ['prod/CloudPlayer/a', 'prod/CloudPlayer/b']);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      const reopened = await openFileStateStore(path);
      await reopened.put(player('c'));
      await reopened.close();
      assert.equal((JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>).lineage, onDisk.lineage);
    });
  });

  void test('loads a file it read as a fresh deep copy of its state each time, and locks on what another writer wrote after the open', async () => {
    await withStatePath(async (path) => {
      const first = await openFileStateStore(path);
      await first.put(player('a', { externalId: 'player-a' }));
      await first.close();
      // Members of the file other than the state's own are not part of the state.
      const file = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      await writeFile(path, JSON.stringify({ ...file, note: 'edited by hand' }, null, 2));

      const store = await openFileStateStore(path);
      const loaded = await store.load();
      assert.deepEqual(Object.keys(loaded), ['version', 'lineage', 'serial', 'resources']);
      const a = loaded.resources['prod/CloudPlayer/a'];
      assert.ok(a);
      a.externalId = 'changed by the caller';
      delete loaded.resources['prod/CloudPlayer/a'];
      assert.equal((await store.load()).resources['prod/CloudPlayer/a']?.externalId, 'player-a');

      const other = await openFileStateStore(path);
      await other.put(player('b'));
      await other.close();
      const lock = await store.lock();
      assert.deepEqual(Object.keys((await store.load()).resources), ['prod/CloudPlayer/a', 'prod/CloudPlayer/b']);
      await store.put(player('c'));
      assert.deepEqual(Object.keys((await store.load()).resources), ['prod/CloudPlayer/a', 'prod/CloudPlayer/b', 'prod/CloudPlayer/c']);
      await lock.release();
      await store.close();
    });
  });

  void test('groups 200 concurrent puts into at most two file writes', async () => {
    await withStatePath(async (path) => {
      const store = await openFileStateStore(path);
      await store.put(player('first'));
      const before = (await store.load()).serial;
      await Promise.all(Array.from({ length: 200 }, (_, index) => store.put(player(`p${index}`))));
      const after = await store.load();
      assert.equal(Object.keys(after.resources).length, 201);
      assert.ok(after.serial - before <= 2, `${after.serial - before} writes`);
      await store.close();
    });
  });

  void test('makes puts issued in one tick durable with one file write, and still writes a put issued once idle', async () => {
    await withStatePath(async (path) => {
      const serialOnDisk = async () => (JSON.parse(await readFile(path, 'utf8')) as { serial: number }).serial;
      const store = await openFileStateStore(path);
      const lock = await store.lock();
      await store.put(player('first'));
      const before = await serialOnDisk();
      await Promise.all(Array.from({ length: 1000 }, (_, index) => store.put(player(`p${index}`, { pending: { action: 'create', startedAt: index } }))));
      assert.equal(await serialOnDisk(), before + 1, 'one write for the whole tick');

      await new Promise<void>((resolve) => setImmediate(resolve));
      await store.put(player('later'));
      assert.equal(await serialOnDisk(), before + 2);
      await lock.release();
      await store.close();
      const reopened = await openFileStateStore(path);
      const resources = (await reopened.load()).resources;
      assert.equal(Object.keys(resources).length, 1002);
      assert.ok(resources['prod/CloudPlayer/later']);
      await reopened.close();
    });
  });

  void test('a failed write rejects the puts it carried and leaves the state as it was', async () => {
    await withStatePath(async (path) => {
      const store = await openFileStateStore(path);
      const lock = await store.lock();
      await store.put(player('kept'));
      const folder = dirname(path);
      await rename(folder, `${folder}-away`);
      await writeFile(folder, 'a file where the state folder was');
      const outcomes = await Promise.allSettled([store.put(player('lost-1')), store.put(player('lost-2'))]);
      assert.deepEqual(outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as StateError).code), ['StateWriteFailed', 'StateWriteFailed']);
      assert.deepEqual(Object.keys((await store.load()).resources), ['prod/CloudPlayer/kept']);
      await unlink(folder);
      await rename(`${folder}-away`, folder);
      await store.put(player('later'));
      await lock.release();
      await store.close();
      const reopened = await openFileStateStore(path);
      assert.deepEqual(Object.keys((await reopened.load()).resources).sort(), ['prod/CloudPlayer/kept', 'prod/CloudPlayer/later']);
      await reopened.close();
    });
  });

  const corruptRows = [
    { reason: 'text that is not JSON', content: '{"version": 1, "lineage": "l", "serial": 3, "resources": {', problem: 'not valid JSON' },
    { reason: 'an empty file', content: '', problem: 'empty' },
    { reason: 'a JSON array', content: '[]', problem: 'not a JSON object' },
    { reason: 'no version field', content: '{"lineage": "l", "serial": 1, "resources": {}}', problem: 'version' },
    { reason: 'resources that are not an object', content: '{"version": 1, "lineage": "l", "serial": 1, "resources": []}', problem: 'resources' },
    {
      reason: 'a resource stored under another key',
      content: JSON.stringify({ version: 1, lineage: 'l', serial: 1, resources: { 'prod/CloudPlayer/x': player('y') } }),
      problem: 'prod/CloudPlayer/x',
    },
  ];
  for (const row of corruptRows) {
    void test(`reports a corrupt state file naming its path, never starting empty: ${row.reason}`, async () => {
      await withStatePath(async (path) => {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, row.content);
        await assert.rejects(openFileStateStore(path), (error: unknown) => {
          isStateError('StateCorrupt', path)(error);
          assert.ok((error as Error).message.includes(row.problem), (error as Error).message);
          return true;
        });
        assert.equal(await readFile(path, 'utf8'), row.content);
      });
    });
  }

  void test('refuses a state file of a newer format version, at open and at write, and leaves it untouched', async () => {
    await withStatePath(async (path) => {
      const newer = JSON.stringify({ version: 2, lineage: 'l', serial: 9, resources: {}, newField: true });
      const store = await openFileStateStore(path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, newer);
      await assert.rejects(openFileStateStore(path), isStateError('StateVersionUnsupported', path));
      await assert.rejects(store.lock(), isStateError('StateVersionUnsupported'));
      await assert.rejects(store.put(player('a')), isStateError('StateVersionUnsupported'));
      assert.equal(await readFile(path, 'utf8'), newer);
      await store.close();
    });
  });

  void test('refuses to write over changes another writer made since it read the file', async () => {
    await withStatePath(async (path) => {
      const first = await openFileStateStore(path);
      const second = await openFileStateStore(path);
      await second.put(player('theirs'));
      await assert.rejects(first.put(player('mine')), isStateError('StateConflict', path));
      await first.put(player('mine')).catch(() => undefined);
      const lock = await first.lock();
      await first.put(player('mine'));
      await lock.release();
      await Promise.all([first.close(), second.close()]);
      const reopened = await openFileStateStore(path);
      assert.deepEqual(Object.keys((await reopened.load()).resources).sort(), ['prod/CloudPlayer/mine', 'prod/CloudPlayer/theirs']);
      await reopened.close();
    });
  });

  void test('a process killed between writing the temporary file and the rename leaves the old state intact', async () => {
    await withStatePath(async (path) => {
      const store = await openFileStateStore(path);
      await store.put(player('survivor', { externalId: 'player-1' }));
      await store.close();
      const before = await readFile(path, 'utf8');

      const crashing = runFixture('crash-before-rename.ts', [path]);
      assert.equal((await crashing.exited).signal, 'SIGKILL');

      assert.equal(await readFile(path, 'utf8'), before);
      const leftovers = (await readdir(dirname(path))).filter((name) => name.endsWith('.tmp'));
      assert.equal(leftovers.length, 1, 'the crash left its temporary file behind');
      const reopened = await openFileStateStore(path);
      assert.equal((await reopened.load()).resources['prod/CloudPlayer/survivor']?.externalId, 'player-1');
      const lock = await reopened.lock();
      assert.deepEqual((await readdir(dirname(path))).filter((name) => name.endsWith('.tmp')), [], 'the next lock holder cleans it up');
      await reopened.put(player('next'));
      await lock.release();
      await reopened.close();
    });
  });

  void test('a writer killed at an arbitrary moment leaves a state file that loads', async () => {
    await withStatePath(async (path) => {
      const writer = runFixture('write-forever.ts', [path]);
      let serial = 0;
      while (serial < 25) serial = Number(await writer.nextLine());
      writer.child.kill('SIGKILL');
      await writer.exited;
      const store = await openFileStateStore(path);
      const lock = await store.lock();
      assert.equal(lock.takenOver?.owner, 'write-forever');
      assert.ok((await store.load()).serial >= serial);
      await lock.release();
      await store.close();
    });
  });

  void test('of two processes racing for the lock, exactly one gets it', async () => {
    await withStatePath(async (path) => {
      await mkdir(dirname(path), { recursive: true });
      const racers = [runFixture('lock-holder.ts', [path]), runFixture('lock-holder.ts', [path]), runFixture('lock-holder.ts', [path])];
      try {
        for (const racer of racers) assert.equal(await racer.nextLine(), 'ready');
        for (const racer of racers) racer.send('go');
        const outcomes = await Promise.all(racers.map((racer) => racer.nextLine()));
        assert.deepEqual([...outcomes].sort(), ['busy StateLocked', 'busy StateLocked', 'locked']);
        const winner = racers[outcomes.indexOf('locked')];
        assert.ok(winner);
        const holder = JSON.parse(await readFile(`${path}.lock`, 'utf8')) as { pid: number };
        assert.equal(holder.pid, winner.child.pid);
        winner.send('release');
        assert.equal(await winner.nextLine(), 'released');
        await assert.rejects(stat(`${path}.lock`), { code: 'ENOENT' });
      } finally {
        for (const racer of racers) racer.child.kill('SIGKILL');
        await Promise.all(racers.map((racer) => racer.exited));
      }
    });
  });

  void test('a lock holder killed with SIGKILL leaves a lock that the next run takes over', async () => {
    await withStatePath(async (path) => {
      const holder = runFixture('lock-holder.ts', [path]);
      assert.equal(await holder.nextLine(), 'ready');
      holder.send('go');
      assert.equal(await holder.nextLine(), 'locked');
      holder.child.kill('SIGKILL');
      await holder.exited;

      const store = await openFileStateStore(path);
      const lock = await store.lock();
      assert.equal(lock.takenOver?.pid, holder.child.pid);
      assert.equal(lock.takenOver?.hostname, hostname());
      const onDisk = JSON.parse(await readFile(`${path}.lock`, 'utf8')) as { pid: number };
      assert.equal(onDisk.pid, process.pid);
      await lock.release();
      await store.close();
    });
  });

  void test('never takes over a lock from another host, even when its pid does not run here', async () => {
    await withStatePath(async (path) => {
      const pid = await deadPid();
      await mkdir(dirname(path), { recursive: true });
      const since = Date.UTC(2024, 0, 2, 3, 4, 5);
      await writeFile(`${path}.lock`, JSON.stringify({ pid, hostname: 'ci-runner-7', startedAt: since, owner: 'agoractl apply' }));
      const store = await openFileStateStore(path);
      await assert.rejects(store.lock(), (error: unknown) => {
        assert.ok(error instanceof StateLockedError);
        assert.deepEqual(error.holder, { pid, hostname: 'ci-runner-7', startedAt: since, owner: 'agoractl apply' });
        for (const part of [String(pid), 'ci-runner-7', '2024-01-02T03:04:05.000Z', `${path}.lock`]) {
          assert.ok(error.message.includes(part), `mentions ${part}: ${error.message}`);
        }
        return true;
      });
      await store.close();
    });
  });

  void test('reports a lock file it cannot read as held, and leaves it alone', async () => {
    await withStatePath(async (path) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.lock`, 'not json');
      const store = await openFileStateStore(path);
      await assert.rejects(store.lock(), (error: unknown) => error instanceof StateLockedError && error.holder === undefined);
      assert.equal(await readFile(`${path}.lock`, 'utf8'), 'not json');
      await store.close();
    });
  });

  void test('a waiting locker gives up after waitMs on its clock, saying who holds the lock', async () => {
    await withStatePath(async (path) => {
      const holder = await openFileStateStore(path);
      const lock = await holder.lock({ owner: 'agoractl reconcile' });
      const clock = steppingClock();
      const waiter = await openFileStateStore(path, { clock });
      await assert.rejects(waiter.lock({ waitMs: 30_000 }), (error: unknown) => {
        assert.ok(error instanceof StateLockedError);
        assert.equal(error.holder?.owner, 'agoractl reconcile');
        return true;
      });
      assert.ok(clock.elapsed() >= 30_000, `waited ${clock.elapsed()} ms of clock time`);
      await lock.release();
      await Promise.all([holder.close(), waiter.close()]);
    });
  });

  void test('stops waiting for the lock when aborted', async () => {
    await withStatePath(async (path) => {
      const holder = await openFileStateStore(path);
      const lock = await holder.lock();
      const waiter = await openFileStateStore(path);
      const controller = new AbortController();
      const waiting = waiter.lock({ waitMs: 600_000, signal: controller.signal });
      controller.abort(new Error('SIGTERM'));
      await assert.rejects(waiting, /SIGTERM/);
      await lock.release();
      await Promise.all([holder.close(), waiter.close()]);
    });
  });

  void test('releasing leaves alone a lock someone else took after ours was broken by hand', async () => {
    await withStatePath(async (path) => {
      const first = await openFileStateStore(path);
      const second = await openFileStateStore(path);
      const broken = await first.lock();
      await unlink(`${path}.lock`);
      const current = await second.lock();
      await broken.release();
      await assert.rejects(first.lock(), StateLockedError);
      await current.release();
      await Promise.all([first.close(), second.close()]);
    });
  });
});
