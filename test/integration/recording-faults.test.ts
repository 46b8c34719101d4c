// Cloud Recording's error sequences (cloud-recording-rest-api.txt "common errors"; codes in
// agora-facts.md) met through the CLI: a resourceId that expires before start (433), a start
// repeated with one resourceId (7), a second acquire + start for a running channel and uid
// (53), query answering 404 for a recording that still runs, and stop answering 206.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_ID, STATE_BACKENDS, Scenario, assertExit, assertNoChanges, projectDoc, recordingDoc, until, type RequestEntry, type StateBackend, type StateRecording } from './harness.ts';

const ACQUIRE = /\/cloud_recording\/acquire$/;
const START = /\/mode\/mix\/start$/;
const QUERY = /\/mode\/mix\/query$/;
const STOP = /\/mode\/mix\/stop$/;
/** A resourceId is good for 5 minutes after acquire. */
const PAST_RESOURCE_ID_LIFETIME_MS = 5 * 60_000 + 1_000;

/** A recording of class32, where one user is present. */
function withRecording(backend: StateBackend, body: (s: Scenario) => Promise<void>): Promise<void> {
  return Scenario.run(
    { 'project.yaml': projectDoc(), 'recording.yaml': recordingDoc('archive') },
    async (s) => {
      await s.control('PUT', `/channels/${APP_ID}/class32`, { users: 1 });
      await body(s);
    },
    { backend },
  );
}

async function running(s: Scenario): Promise<StateRecording[]> {
  return (await s.world()).recordings.filter((r) => r.phase === 'running');
}

/** Exactly one recording runs, and it is the session state names. */
async function assertOneRecording(s: Scenario): Promise<StateRecording> {
  const live = await running(s);
  assert.equal(live.length, 1, 'one recording runs: none lost, none doubled');
  const [recording] = live;
  assert.ok(recording);
  const record = await s.stateOf('CloudRecording', 'archive');
  assert.equal(record?.externalId, recording.sid, 'state names the running session');
  assert.equal(record?.pending, undefined, 'no unresolved intent');
  return recording;
}

const calls = (log: RequestEntry[], path: RegExp) => log.filter((r) => path.test(r.path));

for (const backend of STATE_BACKENDS) {
  void describe(`Cloud Recording error sequences against the emulator (${backend} state)`, { timeout: 600_000 }, () => {
    void test('a resourceId that expires between acquire and start is acquired again (code 433)', () =>
      withRecording(backend, async (s) => {
        // Hold acquire's answer; meanwhile five virtual minutes pass, so the start that follows
        // meets an expired resourceId.
        await s.fault({ match: { method: 'POST', path: ACQUIRE.source }, effect: 'delay', delayMs: 2_000, count: 1 });
        const applying = s.apply();
        await until(async () => calls(await s.requests(), ACQUIRE).length > 0, 'the acquire');
        // The acquire has arrived; give its handler a moment to issue the resourceId.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await s.advance(PAST_RESOURCE_ID_LIFETIME_MS);
        assertExit(await applying, 0);

        await assertOneRecording(s);
        const log = await s.requests();
        assert.equal(calls(log, ACQUIRE).length, 2, 'a second acquire');
        assert.deepEqual(calls(log, START).map((r) => r.status), [400, 200], 'the first start met the expired resourceId');
        await assertNoChanges(s);
      }));

    void test('a start whose answer is lost is repeated with the same resourceId, and code 7 leaves one recording that agoractl manages', () =>
      withRecording(backend, async (s) => {
        await s.fault({ match: { method: 'POST', path: START.source }, effect: '504-after', count: 1 });
        const applied = await s.apply();
        const log = await s.requests();
        assert.equal(calls(log, ACQUIRE).length, 1, 'no second acquire: the start is repeated with its resourceId');
        assert.deepEqual(calls(log, START).map((r) => r.status), [504, 201], 'Agora answered code 7 to the repeat');
        assert.equal((await running(s)).length, 1, 'one recording runs');
        assertExit(applied, 0, 'apply resolving code 7');
        await assertOneRecording(s);
        await assertNoChanges(s);
      }));

    void test('query answering 404 for a recording that still runs: the new start meets code 53 and the recording is kept', () =>
      withRecording(backend, async (s) => {
        assertExit(await s.apply(), 0);
        const first = await assertOneRecording(s);
        await s.advance(2_000);

        // During Agora's own failover query answers 404 for up to a minute (agora-facts.md).
        await s.fault({ match: { method: 'GET', path: QUERY.source }, effect: '404', count: 1 });
        const applied = await s.apply();
        assertExit(applied, 0, 'apply after a 404 from query');
        const kept = await assertOneRecording(s);
        assert.equal(kept.sid, first.sid, 'the running session is kept, not doubled');
        assert.ok(calls(await s.requests(), START).some((r) => r.status === 400), 'a start met code 53');
        await assertNoChanges(s);
      }));

    void test('a recording removed before it recorded anything is stopped though stop answers 206', () =>
      withRecording(backend, async (s) => {
        await s.control('PUT', `/channels/${APP_ID}/class32`, { users: 0 });
        assertExit(await s.apply(), 0);
        const started = await assertOneRecording(s);

        await s.write({ 'recording.yaml': null });
        assertExit(await s.apply(), 0, 'apply of the removal');
        assert.deepEqual(await running(s), [], 'the recording was stopped');
        assert.deepEqual(calls(await s.requests(), STOP).map((r) => r.status), [206]);
        const stopped = (await s.stateOf('CloudRecording', 'archive'))?.data.stopped as { sid?: string; uploadingStatus?: string } | undefined;
        assert.equal(stopped?.sid, started.sid, 'state keeps the stopped session');
        assert.equal(stopped?.uploadingStatus, 'unknown');
        await assertNoChanges(s);
      }));
  });
}
