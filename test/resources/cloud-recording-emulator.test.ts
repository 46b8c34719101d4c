// CloudRecording against the emulator over HTTP: the real client, the real engine passes
// (observe → plan → apply) and a real state file, with the emulator's clock frozen so that
// maxIdleTime and the resourceId's 5 minutes pass when the test says so.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/server.ts';
import { createAgoraClient, type AgoraClient, type StartResult } from '../../src/agora/client.ts';
import { resolveLimits } from '../../src/agora/limits.ts';
import { systemClock } from '../../src/clock.ts';
import { applyPass, planPass, type ReconcileScope } from '../../src/engine/reconcile.ts';
import type { ApplyResult } from '../../src/engine/apply.ts';
import type { Plan } from '../../src/engine/plan.ts';
import { openFileStateStore, type ResourceState, type StateStore } from '../../src/state/index.ts';
import { createCloudRecordingModule } from '../../src/resources/cloud-recording/index.ts';
import { RECORDING_REASONS } from '../../src/resources/cloud-recording/diff.ts';
import { isRecording, type RecordingData } from '../../src/resources/cloud-recording/model.ts';
import { decodeRecording } from '../../src/resources/cloud-recording/decode.ts';
import type { StartAnswer } from '../../src/resources/cloud-recording/session.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const APP_ID = '970ca35de60c44645bbae8a215061b33';
const APP_CERTIFICATE = '5cfd2fd1755d40ecb72977518be15d3b';
const KEY = resourceKey('prod', 'CloudRecording', 'class32-archive');

const SPEC = {
  channelName: 'class32',
  uid: 900001,
  mode: 'mix',
  token: { generate: true },
  recordingConfig: { channelType: 1, streamTypes: 2, maxIdleTime: 30 },
  storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: { env: 'S3_KEY' }, secretKey: { env: 'S3_SECRET' } },
};
const RESOLVED = { ...SPEC, storageConfig: { ...SPEC.storageConfig, accessKey: 'AKIAEXAMPLEKEY', secretKey: 'example-secret-value' } };

interface WorldRecording {
  sid: string;
  resourceId: string;
  cname: string;
  phase: string;
  status: number;
  exitReason: string | null;
  fileList: { fileName: string }[];
}

class RecordingWorld {
  desired = true;

  private constructor(
    readonly emulator: EmulatorHandle,
    readonly client: AgoraClient,
    readonly store: StateStore,
    readonly dir: string,
  ) {}

  static async open(wrap: (client: AgoraClient, world: RecordingWorld) => AgoraClient = (c) => c): Promise<RecordingWorld> {
    const emulator = await startEmulator({ frozenClock: true });
    const client = createAgoraClient({ appId: APP_ID, ...emulator.credentials, endpoints: [emulator.url], logger: pino({ level: 'silent' }) });
    const dir = await mkdtemp(join(tmpdir(), 'agoractl-recording-'));
    const store = await openFileStateStore(join(dir, 'state.json'));
    const world = new RecordingWorld(emulator, client, store, dir);
    world.#client = wrap(client, world);
    return world;
  }

  #client: AgoraClient | undefined;

  scope(): ReconcileScope {
    const desired = this.desired ? [{ key: KEY, project: 'prod', kind: 'CloudRecording', name: 'class32-archive', spec: SPEC }] : [];
    return {
      modules: [createCloudRecordingModule()],
      desired,
      resolvedSpecs: new Map(this.desired ? [[KEY, structuredClone(RESOLVED)]] : []),
      projects: new Map([['prod', { name: 'prod', client: this.#client ?? this.client, secrets: { appId: APP_ID, appCertificate: APP_CERTIFICATE }, limits: resolveLimits() }]]),
      clock: systemClock,
      logger: pino({ level: 'silent' }),
    };
  }

  async plan(): Promise<{ plan: Plan; apply: () => Promise<ApplyResult> }> {
    const scope = this.scope();
    const pass = await planPass(scope, Object.values((await this.store.load()).resources));
    return { plan: pass.plan, apply: () => applyPass(scope, this.store, pass) };
  }

  /** One observe → plan → apply pass; fails the test on any failed action. */
  async reconcile(): Promise<Plan> {
    const { plan, apply } = await this.plan();
    const result = await apply();
    assert.deepEqual(result.failed.map((f) => f.error), []);
    return plan;
  }

  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.emulator.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${method} ${path}: HTTP ${response.status}`);
    return response.json();
  }

  advance(ms: number): Promise<unknown> {
    return this.control('POST', '/clock', { advanceMs: ms });
  }

  users(n: number): Promise<unknown> {
    return this.control('PUT', `/channels/${APP_ID}/class32`, { users: n });
  }

  async recordings(): Promise<WorldRecording[]> {
    return ((await this.control('GET', '/state')) as { recordings: WorldRecording[] }).recordings;
  }

  async running(): Promise<WorldRecording[]> {
    return (await this.recordings()).filter((r) => r.phase === 'running');
  }

  async requests(): Promise<{ path: string; status: number | null; fault?: string }[]> {
    return (await this.control('GET', '/requests')) as { path: string; status: number | null }[];
  }

  async state(): Promise<ResourceState | undefined> {
    return (await this.store.load()).resources[KEY];
  }

  async data(): Promise<RecordingData> {
    const state = await this.state();
    assert.ok(state, 'the recording is in state');
    const data = decodeRecording(state.data);
    assert.ok(isRecording(data), 'the record holds a recording');
    return data;
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.client.close();
    await this.emulator.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

void describe('CloudRecording against the emulator', () => {
  void test('a recording that exits on an empty channel after maxIdleTime is started again, keeping the old session and its files', async () => {
    const world = await RecordingWorld.open();
    try {
      await world.users(2);
      const first = await world.reconcile();
      assert.deepEqual(first.actions.map((a) => a.type), ['create']);
      await world.advance(3_000);
      // A pass while it records: nothing to do, and the file list query shows is kept.
      assert.deepEqual((await world.reconcile()).actions, []);
      const [running] = await world.running();
      assert.ok(running);
      assert.equal((await world.data()).fileList, `${running.sid}_class32.m3u8`);

      await world.users(0);
      await world.advance(31_000);
      assert.deepEqual(await world.running(), [], 'the emulator ended the recording');

      const again = await world.reconcile();
      assert.deepEqual(again.actions.map((a) => [a.type, a.reason]), [['create', RECORDING_REASONS.exited]]);
      const now = await world.running();
      assert.equal(now.length, 1, 'exactly one recording runs again: none lost, none doubled');
      const data = await world.data();
      assert.equal((await world.state())?.externalId, now[0]?.sid);
      assert.notEqual(now[0]?.sid, running.sid);
      assert.deepEqual(
        data.sessions?.map((s) => [s.sid, s.end, s.fileList]),
        [[running.sid, 'exited', `${running.sid}_class32.m3u8`]],
      );
      assert.deepEqual((await world.reconcile()).actions, [], 'the next pass finds it as desired');
    } finally {
      await world.close();
    }
  });

  void test('a resourceId that expires between acquire and start is acquired again and the recording starts', async () => {
    const acquired: string[] = [];
    const world = await RecordingWorld.open((client, w) => ({
      ...client,
      recordings: {
        ...client.recordings,
        async acquire(request) {
          const result = await client.recordings.acquire(request);
          acquired.push(result.resourceId);
          // The first resourceId outlives its 5 minutes before start is sent.
          if (acquired.length === 1) await w.advance(5 * 60_000 + 1_000);
          return result;
        },
      },
    }));
    try {
      await world.reconcile();
      const running = await world.running();
      assert.equal(running.length, 1);
      assert.equal(acquired.length, 2);
      assert.equal(running[0]?.resourceId, acquired[1]);
      const state = await world.state();
      assert.equal(state?.externalId, running[0]?.sid);
      assert.equal(state?.pending, undefined);
    } finally {
      await world.close();
    }
  });

  void test('removing a recording stops it and keeps the final file list; later passes leave the tombstone alone', async () => {
    const world = await RecordingWorld.open();
    try {
      await world.users(1);
      await world.reconcile();
      await world.advance(3_000);
      const [running] = await world.running();
      assert.ok(running);

      world.desired = false;
      const { plan, apply } = await world.plan();
      assert.deepEqual(plan.actions.map((a) => [a.type, a.quotaDelta]), [['delete', -1]]);
      // Stop well after the plan's query, so it is not "stop together with query".
      await world.advance(2_000);
      assert.deepEqual((await apply()).failed, []);

      assert.deepEqual(await world.running(), []);
      const state = await world.state();
      assert.equal(state?.externalId, undefined);
      const stopped = (await world.data()).stopped;
      assert.deepEqual([stopped?.sid, stopped?.end, stopped?.uploadingStatus, stopped?.fileList], [running.sid, 'stopped', 'uploaded', `${running.sid}_class32.m3u8`]);
      assert.deepEqual((await world.reconcile()).actions, [], 'a tombstone is not stopped again');

      world.desired = true;
      const back = await world.reconcile();
      assert.deepEqual(back.actions.map((a) => [a.type, a.reason]), [['create', RECORDING_REASONS.recreateTombstone]]);
      assert.equal((await world.running()).length, 1);
      assert.deepEqual((await world.data()).sessions?.map((s) => s.sid), [running.sid], 'the stopped session stays in the history');
    } finally {
      await world.close();
    }
  });

  void test('a stop that races its query answers 206 without files: the list seen earlier is kept, upload status unknown', async () => {
    const world = await RecordingWorld.open();
    try {
      await world.users(1);
      await world.reconcile();
      await world.advance(3_000);
      await world.reconcile();
      const [running] = await world.running();
      assert.ok(running);
      world.desired = false;
      await world.reconcile();
      const stopped = (await world.data()).stopped;
      assert.deepEqual([stopped?.uploadingStatus, stopped?.fileList], ['unknown', `${running.sid}_class32.m3u8`]);
      assert.deepEqual(await world.running(), []);
    } finally {
      await world.close();
    }
  });

  void test('a start lost before it reached Agora is repeated with the same resourceId, starting one recording', async () => {
    const world = await RecordingWorld.open();
    try {
      await world.control('POST', '/faults', { match: { method: 'POST', path: '/start$' }, effect: '504-before', count: 1 });
      await world.reconcile();
      const running = await world.running();
      assert.equal(running.length, 1);
      assert.equal((await world.state())?.externalId, running[0]?.sid);
      const starts = (await world.requests()).filter((r) => r.path.endsWith('/start'));
      assert.deepEqual(starts.map((r) => [r.path, r.status]), [[starts[0]?.path, 504], [starts[0]?.path, 200]], 'one resourceId, started once');
    } finally {
      await world.close();
    }
  });

  // Agora's own failover answers query with 404 for about a minute (agora-facts.md); the test's
  // client answers one query that way, as Agora would then.
  void test('a recording that only seemed to exit (404 during failover) is kept when the new start meets code 53', async () => {
    let failover = false;
    const world = await RecordingWorld.open((client) => ({
      ...client,
      recordings: {
        ...client.recordings,
        async query(resourceId, sid, mode) {
          if (failover) {
            failover = false;
            return { outcome: 'notFound', requestId: 'failover' };
          }
          return client.recordings.query(resourceId, sid, mode);
        },
      },
    }));
    try {
      await world.users(1);
      await world.reconcile();
      const [running] = await world.running();
      assert.ok(running);
      failover = true;
      const plan = await world.reconcile();
      assert.deepEqual(plan.actions.map((a) => a.reason), [RECORDING_REASONS.exited]);
      assert.deepEqual((await world.running()).map((r) => r.sid), [running.sid], 'the same recording, and only it, runs');
      assert.equal((await world.state())?.externalId, running.sid);
      assert.deepEqual((await world.data()).sessions ?? [], []);
    } finally {
      await world.close();
    }
  });

  // The answer to code 7 must name the session for this to work: the test's client reads the
  // sid of the resourceId from the emulator's world where the code-7 answer does not carry it.
  void test('a start whose answer is lost after it took effect is found through code 7 and kept, not started twice', async () => {
    const world = await RecordingWorld.open((client, w) => ({
      ...client,
      recordings: {
        ...client.recordings,
        async start(resourceId, mode, body) {
          try {
            return await client.recordings.start(resourceId, mode, body);
          } catch (err) {
            if ((err as { code?: unknown }).code !== 7) throw err;
            const sid = (await w.recordings()).find((r) => r.resourceId === resourceId)?.sid;
            const answer: StartAnswer = { outcome: 'alreadyStarted', sid, requestId: 'code-7' };
            return answer as unknown as StartResult;
          }
        },
      },
    }));
    try {
      await world.control('POST', '/faults', { match: { method: 'POST', path: '/start$' }, effect: '504-after', count: 1 });
      await world.reconcile();
      const running = await world.running();
      assert.equal(running.length, 1, 'one recording, not two');
      assert.equal((await world.state())?.externalId, running[0]?.sid);
      assert.deepEqual((await world.reconcile()).actions, []);
    } finally {
      await world.close();
    }
  });
});
