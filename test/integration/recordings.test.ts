// CloudRecording end to end: acquire → start, changes in place and by a new session, removal
// that keeps the file list, and recordings that exit on their own. The emulator's virtual clock
// drives the recording's life (boot, first slice, maxIdleTime).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ID, Scenario, assertExit, assertNoChanges, assertNoSecrets, projectDoc, recordingDoc, type StateRecording } from './harness.ts';

const MAX_IDLE_S = 30;
/** Boot (900 ms) and the first slice (600 ms) of a recording with someone in the channel. */
const RECORDING_MS = 2_000;

const mixConfig = (extra: Record<string, unknown> = {}, transcoding: Record<string, unknown> = {}) => ({
  recordingConfig: { channelType: 1, streamTypes: 2, maxIdleTime: MAX_IDLE_S, transcodingConfig: { width: 640, height: 360, fps: 15, bitrate: 500, mixedVideoLayout: 1, ...transcoding }, ...extra },
});

function withRecording(spec: Record<string, unknown>, body: (s: Scenario) => Promise<void>): Promise<void> {
  return Scenario.run({ 'project.yaml': projectDoc(), 'recording.yaml': recordingDoc('archive', spec) }, body);
}

async function usersInChannel(s: Scenario, users: number): Promise<void> {
  await s.control('PUT', `/channels/${APP_ID}/class32`, { users });
}

/** The recordings of channel class32, and the one still running (there must be at most one). */
async function recordings(s: Scenario): Promise<{ all: StateRecording[]; running: StateRecording | undefined }> {
  const all = (await s.world()).recordings.filter((r) => r.cname === 'class32' && r.uid === '900001');
  const running = all.filter((r) => r.phase === 'running');
  assert.ok(running.length <= 1, `at most one recording runs for the manifest, found ${running.length}`);
  return { all, running: running[0] };
}

/** The one running recording, which state knows by its sid and resourceId. */
async function assertRecording(s: Scenario): Promise<StateRecording> {
  const { running } = await recordings(s);
  assert.ok(running, 'the recording runs');
  const record = await s.stateOf('CloudRecording', 'archive');
  assert.equal(record?.externalId, running.sid, 'state knows the running session');
  assert.equal(record?.data.resourceId, running.resourceId);
  assert.equal(record?.pending, undefined, 'no unresolved intent');
  return running;
}

interface SessionRecord {
  sid: string;
  end: string;
  fileList?: unknown;
}

void describe('CloudRecording against the emulator', { timeout: 600_000 }, () => {
  void test('acquires and starts a recording, updates subscriptions and layout in place, then plan finds no changes', () =>
    withRecording(mixConfig(), async (s) => {
      await usersInChannel(s, 1);
      const applied = await s.apply();
      assertExit(applied, 0);
      const started = await assertRecording(s);
      await s.advance(RECORDING_MS);

      await s.write({ 'recording.yaml': recordingDoc('archive', mixConfig({ subscribeAudioUids: ['101', '102'] }, { mixedVideoLayout: 0, backgroundColor: '#336699' })) });
      const { result, plan } = await s.applyJson();
      assertExit(result, 0, 'apply of the update');
      assert.deepEqual(plan.actions.map((a) => [a.type, a.reason]), [['update', 'fields Cloud Recording changes during a session differ (update and updateLayout)']]);
      const updated = await assertRecording(s);
      assert.equal(updated.sid, started.sid, 'the same session');
      assert.deepEqual(updated.recordingConfig?.subscribeAudioUids, ['101', '102']);
      assert.equal(updated.layout?.mixedVideoLayout, 0);
      assert.equal(updated.layout?.backgroundColor, '#336699');
      // Storage keys and minted tokens went to Agora only: not to the output, not to state.
      await assertNoSecrets(s, applied, result);
      await assertNoChanges(s);
    }));

  void test('a change only a new session can make stops and restarts it; removal stops it and keeps its file list', () =>
    withRecording(mixConfig(), async (s) => {
      await usersInChannel(s, 1);
      assertExit(await s.apply(), 0);
      const first = await assertRecording(s);
      await s.advance(RECORDING_MS);

      await s.write({ 'recording.yaml': recordingDoc('archive', mixConfig({ maxIdleTime: 60 })) });
      const { result, plan } = await s.applyJson();
      assertExit(result, 0, 'apply of the replacement');
      assert.deepEqual(plan.actions.map((a) => a.type), ['replace']);
      const second = await assertRecording(s);
      assert.notEqual(second.sid, first.sid, 'a new session');
      const { all } = await recordings(s);
      assert.notEqual(all.find((r) => r.sid === first.sid)?.phase, 'running', 'the old session was stopped');
      const history = (await s.stateOf('CloudRecording', 'archive'))?.data.sessions as SessionRecord[] | undefined;
      assert.equal(history?.at(-1)?.sid, first.sid, 'the stopped session is kept in state');
      assert.ok(Array.isArray(history?.at(-1)?.fileList) && (history?.at(-1)?.fileList as unknown[]).length > 0, 'with its files');
      await s.advance(RECORDING_MS);

      await s.write({ 'recording.yaml': null });
      assertExit(await s.apply(), 0, 'apply of the removal');
      const after = await recordings(s);
      assert.equal(after.running, undefined, 'nothing records any more');
      const tombstone = await s.stateOf('CloudRecording', 'archive');
      const stopped = tombstone?.data.stopped as SessionRecord | undefined;
      assert.equal(stopped?.sid, second.sid);
      assert.equal(stopped?.end, 'stopped');
      assert.ok(Array.isArray(stopped?.fileList) && (stopped?.fileList as unknown[]).length > 0, `the final file list stays in state: ${JSON.stringify(stopped)}`);
      await assertNoChanges(s);
    }));

  void test('a recording that exits on an empty channel is started again, keeping the files of the session that ended', () =>
    withRecording(mixConfig(), async (s) => {
      await usersInChannel(s, 1);
      assertExit(await s.apply(), 0);
      const first = await assertRecording(s);
      await s.advance(RECORDING_MS);
      // An apply with nothing to change still records what query shows, files included.
      assertExit(await s.apply(), 0, 'apply while recording');

      await usersInChannel(s, 0);
      await s.advance(MAX_IDLE_S * 1000 + 1000);
      assert.equal((await recordings(s)).all.find((r) => r.sid === first.sid)?.exitReason, 'idle', 'the recording exited on its own');

      const restarted = await s.apply();
      assertExit(restarted, 0, 'apply after the exit');
      assert.match(restarted.stdout, /the recording exited/);
      const second = await assertRecording(s);
      assert.notEqual(second.sid, first.sid);
      const history = (await s.stateOf('CloudRecording', 'archive'))?.data.sessions as SessionRecord[] | undefined;
      assert.equal(history?.at(-1)?.sid, first.sid);
      assert.equal(history?.at(-1)?.end, 'exited');
      assert.ok(Array.isArray(history?.at(-1)?.fileList) && (history?.at(-1)?.fileList as unknown[]).length > 0, 'the exited session keeps its files');
      await assertNoChanges(s);
    }));
});
