// The behaviour every state backend must have, as one node:test suite (Terraform runs
// statemgr.TestFull against each of its backends the same way). A backend's test file calls
// describeStateStoreConformance with a factory of fresh, empty stores.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { StateError, StateLockedError } from './errors.ts';
import type { StateLock, StateStore } from './store.ts';
import { resourceKey, type ResourceKey } from './resource-key.ts';
import type { ResourceState } from './types.ts';

export interface StateStoreFixture {
  /** A fresh store over empty backing storage that no other test uses. */
  store: StateStore;
  /** Another store over the same storage, as a second process (or the next run) would open it. */
  reopen(): Promise<StateStore>;
  /**
   * Leaves the lock as a holder with this pid would leave it after being killed without
   * releasing it. The pid is of a process on this host that has exited.
   */
  leaveStaleLock(deadPid: number): Promise<void>;
  /** Frees the storage; the suite has closed every store it opened by then. */
  cleanup(): Promise<void>;
}

export function describeStateStoreConformance(name: string, makeStore: () => Promise<StateStoreFixture>): void {
  /** Runs `body` with a fresh fixture; every store it opens is closed and the storage freed afterwards. */
  async function withFixture(body: (store: StateStore, reopen: () => Promise<StateStore>, fixture: StateStoreFixture) => Promise<void>): Promise<void> {
    const fixture = await makeStore();
    const opened: StateStore[] = [fixture.store];
    const reopen = async () => {
      const store = await fixture.reopen();
      opened.push(store);
      return store;
    };
    try {
      await body(fixture.store, reopen, fixture);
    } finally {
      for (const store of opened) await store.close();
      await fixture.cleanup();
    }
  }

  void describe(`state store conformance: ${name}`, () => {
    void test('a new store is empty, at format version 1 and serial 0', async () => {
      await withFixture(async (store) => {
        const snapshot = await store.load();
        assert.equal(snapshot.version, 1);
        assert.deepEqual(snapshot.resources, {});
        assert.equal(typeof snapshot.lineage, 'string');
        assert.notEqual(snapshot.lineage, '');
        // Saved plans take serial 0 for a state nobody has written yet (plan-file-checks.ts).
        assert.equal(snapshot.serial, 0);
      });
    });

    void test('returns a stored resource exactly as it was put, every field included', async () => {
      await withFixture(async (store) => {
        const resource = sampleResource('class32-101', {
          externalId: 'player-0001',
          specHash: 'sha256:abc',
          data: { sequence: 3, region: 'na', status: 'running', fileList: [{ fileName: 'a.m3u8', sliceStartTime: 1 }], gone: null },
          pending: { action: 'update', startedAt: 1_700_000_000_500, requestId: 'req-1', detail: { fields: ['streamUrl'] } },
        });
        await store.put(resource);
        const snapshot = await store.load();
        assert.deepEqual(snapshot.resources[resource.key], resource);
      });
    });

    void test('keeps what was put across a reopen, with the same lineage', async () => {
      await withFixture(async (store, reopen) => {
        const resources = [sampleResource('a'), sampleResource('b', { externalId: 'id-b' })];
        for (const resource of resources) await store.put(resource);
        const before = await store.load();
        await store.close();
        const after = await (await reopen()).load();
        assert.deepEqual(after.resources, before.resources);
        assert.equal(after.lineage, before.lineage);
      });
    });

    void test('makes every one of many concurrent puts durable', async () => {
      await withFixture(async (store, reopen) => {
        const resources = Array.from({ length: 200 }, (_, index) => sampleResource(`player-${index}`, { data: { sequence: index } }));
        await Promise.all(resources.map((resource) => store.put(resource)));
        const reopened = await (await reopen()).load();
        assert.deepEqual(Object.keys(reopened.resources).sort(), resources.map((resource) => resource.key).sort());
        for (const resource of resources) assert.deepEqual(reopened.resources[resource.key], resource);
      });
    });

    void test('applies concurrent puts and removes of one key in the order they were called', async () => {
      await withFixture(async (store, reopen) => {
        const first = sampleResource('x', { data: { sequence: 1 } });
        const last = sampleResource('x', { data: { sequence: 3 } });
        await Promise.all([store.put(first), store.remove(first.key), store.put(sampleResource('x', { data: { sequence: 2 } })), store.put(last)]);
        await Promise.all([store.put(sampleResource('y')), store.remove(resourceKey('prod', 'CloudPlayer', 'y'))]);
        const reopened = await (await reopen()).load();
        assert.deepEqual(reopened.resources, { [last.key]: last });
      });
    });

    void test('replaces the earlier record of a key on put', async () => {
      await withFixture(async (store) => {
        await store.put(sampleResource('a', { externalId: 'old', pending: { action: 'create', startedAt: 1 } }));
        const result = sampleResource('a', { externalId: 'new' });
        await store.put(result);
        assert.deepEqual((await store.load()).resources[result.key], result);
      });
    });

    void test('removes a resource durably, and removing an absent key changes nothing', async () => {
      await withFixture(async (store, reopen) => {
        const kept = sampleResource('kept');
        const removed = sampleResource('removed');
        await store.put(kept);
        await store.put(removed);
        await store.remove(removed.key);
        await store.remove(resourceKey('prod', 'CloudPlayer', 'never-there'));
        assert.deepEqual((await store.load()).resources, { [kept.key]: kept });
        assert.deepEqual((await (await reopen()).load()).resources, { [kept.key]: kept });
      });
    });

    void test('increases the serial with every write', async () => {
      await withFixture(async (store, reopen) => {
        const serials = [(await store.load()).serial];
        await store.put(sampleResource('a'));
        serials.push((await store.load()).serial);
        await store.put(sampleResource('a', { externalId: 'changed' }));
        serials.push((await store.load()).serial);
        await store.remove(resourceKey('prod', 'CloudPlayer', 'a'));
        serials.push((await store.load()).serial);
        for (let index = 1; index < serials.length; index += 1) {
          assert.ok((serials[index] ?? 0) > (serials[index - 1] ?? 0), `serials grow: ${serials.join(', ')}`);
        }
        await store.close();
        assert.equal((await (await reopen()).load()).serial, serials.at(-1));
      });
    });

    void test('keeps its lineage across writes, each write raising the serial by one', async () => {
      await withFixture(async (store, reopen) => {
        const first = await store.load();
        const heads = [first];
        await store.put(sampleResource('a'));
        heads.push(await store.load());
        await store.put(sampleResource('a', { externalId: 'changed' }));
        heads.push(await store.load());
        await store.remove(resourceKey('prod', 'CloudPlayer', 'a'));
        heads.push(await store.load());
        assert.deepEqual(
          heads.map((head) => [head.lineage, head.serial]),
          [0, 1, 2, 3].map((step) => [first.lineage, first.serial + step]),
        );
        await store.close();
        const reopened = await (await reopen()).load();
        assert.deepEqual([reopened.lineage, reopened.serial], [first.lineage, first.serial + 3]);
      });
    });

    void test('another store over the same state sees each write as the next serial of the same lineage', async () => {
      await withFixture(async (store, reopen) => {
        await store.put(sampleResource('a'));
        const mine = await store.load();
        const other = await reopen();
        const seen = await other.load();
        assert.deepEqual([seen.lineage, seen.serial], [mine.lineage, mine.serial]);
        await store.put(sampleResource('b'));
        const after = await other.load();
        assert.deepEqual([after.lineage, after.serial], [mine.lineage, mine.serial + 1], 'a saved plan made before this write sees it as a change');
      });
    });

    void test('hands out copies: changing a loaded snapshot or a put object does not change the state', async () => {
      await withFixture(async (store) => {
        const resource = sampleResource('a', { data: { sequence: 1, nested: { list: [1] } } });
        await store.put(resource);
        resource.data.sequence = 99;
        const snapshot = await store.load();
        const loaded = snapshot.resources[resource.key];
        assert.ok(loaded);
        loaded.data.nested = 'changed';
        delete snapshot.resources[resource.key];
        assert.deepEqual((await store.load()).resources[resource.key]?.data, { sequence: 1, nested: { list: [1] } });
      });
    });

    for (const row of SECRET_ROWS) {
      void test(`refuses to store a secret: ${row.reason}`, async () => {
        await withFixture(async (store, reopen) => {
          const resource = sampleResource('leaky', row.fields);
          await assert.rejects(store.put(resource), (error: unknown) => {
            assert.ok(error instanceof StateError);
            assert.equal(error.code, 'StateSecretRefused');
            assert.ok(error.message.includes(row.path), `names the path ${row.path}: ${error.message}`);
            assert.ok(!error.message.includes(SECRET_VALUE), 'never repeats the secret');
            return true;
          });
          assert.equal((await store.load()).resources[resource.key], undefined);
          await store.close();
          assert.equal((await (await reopen()).load()).resources[resource.key], undefined);
        });
      });
    }

    void test('stores ordinary fields whose names only resemble secret ones', async () => {
      await withFixture(async (store) => {
        const resource = sampleResource('plain', {
          data: { resourceId: 'r', sid: 's', keyframeInterval: 2, tokenExpiresAt: 5, nextPageToken: 'p', token: null },
        });
        await store.put(resource);
        assert.deepEqual((await store.load()).resources[resource.key], resource);
      });
    });

    for (const row of INVALID_ROWS) {
      void test(`refuses an invalid resource: ${row.reason}`, async () => {
        await withFixture(async (store) => {
          await assert.rejects(store.put(row.resource), (error: unknown) => error instanceof StateError && error.code === 'StateResourceInvalid');
          assert.deepEqual((await store.load()).resources, {});
        });
      });
    }

    void test('grants the lock to one holder at a time, telling the others who holds it', async () => {
      await withFixture(async (store, reopen) => {
        const other = await reopen();
        const lock = await store.lock({ owner: 'agoractl apply' });
        for (const contender of [other, store]) {
          await assert.rejects(contender.lock(), (error: unknown) => {
            assert.ok(error instanceof StateLockedError, String(error));
            assert.equal(error.code, 'StateLocked');
            assert.equal(error.holder?.pid, process.pid);
            assert.equal(error.holder?.owner, 'agoractl apply');
            assert.equal(typeof error.holder?.hostname, 'string');
            assert.equal(typeof error.holder?.startedAt, 'number');
            return true;
          });
        }
        await lock.release();
        const next = await other.lock();
        await assert.rejects(store.lock(), StateLockedError);
        await next.release();
      });
    });

    void test('a waiting locker gets the lock once the holder releases it', async () => {
      await withFixture(async (store, reopen) => {
        const other = await reopen();
        const held = await store.lock();
        let acquired: StateLock | undefined;
        const waiting = other.lock({ waitMs: 60_000 }).then((lock) => {
          acquired = lock;
          return lock;
        });
        await store.put(sampleResource('written-while-held'));
        assert.equal(acquired, undefined, 'still waiting while the lock is held');
        await held.release();
        const lock = await waiting;
        assert.ok((await other.load()).resources[resourceKey('prod', 'CloudPlayer', 'written-while-held')], 'sees the holder’s writes');
        await lock.release();
      });
    });

    void test('takes over a lock left by a process that died without releasing it', async (t) => {
      await withFixture(async (store, reopen, fixture) => {
        const pid = await deadPid();
        await fixture.leaveStaleLock(pid);
        const lock = await store.lock();
        if (lock.takenOver) assert.equal(lock.takenOver.pid, pid);
        else t.diagnostic('this backend frees a dead holder’s lock by itself and reports no takeover');
        await assert.rejects((await reopen()).lock(), StateLockedError);
        await lock.release();
      });
    });

    void test('releasing twice is harmless, and closing releases a held lock', async () => {
      await withFixture(async (store, reopen) => {
        const lock = await store.lock();
        await lock.release();
        await lock.release();
        await store.lock();
        await store.close();
        const other = await reopen();
        const lock2 = await other.lock();
        await lock2.release();
      });
    });

    void test('a lock holder sees what others wrote before it took the lock', async () => {
      await withFixture(async (store, reopen) => {
        await store.load();
        const other = await reopen();
        await other.put(sampleResource('from-other'));
        await other.close();
        const lock = await store.lock();
        assert.ok((await store.load()).resources[resourceKey('prod', 'CloudPlayer', 'from-other')]);
        await store.put(sampleResource('from-store'));
        await lock.release();
        const keys = Object.keys((await (await reopen()).load()).resources).sort();
        assert.deepEqual(keys, ['prod/CloudPlayer/from-other', 'prod/CloudPlayer/from-store']);
      });
    });

    void test('close waits for writes in flight, and a closed store refuses more', async () => {
      await withFixture(async (store, reopen) => {
        const writes = Promise.all([store.put(sampleResource('a')), store.put(sampleResource('b'))]);
        await store.close();
        await writes;
        await assert.rejects(store.put(sampleResource('c')), (error: unknown) => error instanceof StateError && error.code === 'StateClosed');
        assert.equal(Object.keys((await (await reopen()).load()).resources).length, 2);
      });
    });
  });
}

const SECRET_VALUE = 'sUp3r-s3cr3t-v4lue';

const SECRET_ROWS: { reason: string; path: string; fields: Partial<ResourceState> }[] = [
  { reason: 'a token at the top of data', path: 'data.token', fields: { data: { token: SECRET_VALUE } } },
  { reason: 'storage keys nested in data', path: 'data.storage.secretKey', fields: { data: { storage: { bucket: 'b', secretKey: SECRET_VALUE } } } },
  { reason: 'an access key inside a list', path: 'data.vendors[1].accessKey', fields: { data: { vendors: [{}, { accessKey: SECRET_VALUE }] } } },
  { reason: 'the customer secret in a pending intent', path: 'pending.detail.customerSecret', fields: { pending: { action: 'create', startedAt: 1, detail: { customerSecret: SECRET_VALUE } } } },
  { reason: 'an app certificate', path: 'data.appCertificate', fields: { data: { appCertificate: SECRET_VALUE } } },
  { reason: 'an encryption key and salt', path: 'data.encryption.encryptKey', fields: { data: { encryption: { encryptKey: SECRET_VALUE, encryptKdfSalt: SECRET_VALUE } } } },
  { reason: 'a password, whatever its case', path: 'data.PASSWORD', fields: { data: { PASSWORD: SECRET_VALUE } } },
  { reason: 'a name ending in Token', path: 'data.rtcToken', fields: { data: { rtcToken: SECRET_VALUE } } },
  { reason: 'a bare key or salt', path: 'data.key', fields: { data: { key: SECRET_VALUE, salt: SECRET_VALUE } } },
];

const INVALID_ROWS: { reason: string; resource: ResourceState }[] = [
  { reason: 'a key that is not "<project>/<kind>/<name>"', resource: { ...sampleResource('a'), key: 'prod/a' as ResourceKey } },
  { reason: 'a Date in data, which JSON would turn into a string', resource: sampleResource('a', { data: { at: new Date(0) } }) },
  { reason: 'NaN in data', resource: sampleResource('a', { data: { sequence: Number.NaN } }) },
  { reason: 'data that is not an object', resource: { ...sampleResource('a'), data: [] as unknown as Record<string, unknown> } },
];

/** A CloudPlayer record of project prod, for the suite and for other state tests. */
export function sampleResource(name: string, fields: Partial<ResourceState> = {}): ResourceState {
  return {
    key: resourceKey('prod', 'CloudPlayer', name),
    project: 'prod',
    kind: 'CloudPlayer',
    name,
    data: {},
    updatedAt: 1_700_000_000_000,
    ...fields,
  };
}

/** The pid of a process that ran on this host and has exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  if (pid === undefined) throw new Error('could not start a child process to obtain a dead pid');
  return pid;
}
