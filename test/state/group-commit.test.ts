import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupCommit } from '../../src/state/group-commit.ts';

/** A commit function whose writes the test finishes (or fails) one at a time. */
function controlledWrites() {
  const writes: { batch: string[]; finish(): void; fail(error: Error): void }[] = [];
  const commit = (batch: readonly string[]) =>
    new Promise<void>((resolve, reject) => {
      writes.push({ batch: [...batch], finish: resolve, fail: reject });
    });
  return { writes, commit };
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function track(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected' } {
  const tracked: { state: 'pending' | 'resolved' | 'rejected' } = { state: 'pending' };
  promise.then(
    () => (tracked.state = 'resolved'),
    () => (tracked.state = 'rejected'),
  );
  return tracked;
}

void describe('GroupCommit', () => {
  void test('writes the first change at once and every change submitted meanwhile in one next write', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const a = track(group.submit('a'));
    const rest = ['b', 'c', 'd'].map((change) => track(group.submit(change)));
    assert.deepEqual(writes.map((write) => write.batch), [['a']]);
    assert.deepEqual(group.pending(), ['a', 'b', 'c', 'd']);

    writes[0]?.finish();
    await settle();
    assert.equal(a.state, 'resolved');
    assert.deepEqual(rest.map((change) => change.state), ['pending', 'pending', 'pending'], 'not durable before their write ends');
    assert.deepEqual(writes.map((write) => write.batch), [['a'], ['b', 'c', 'd']]);

    writes[1]?.finish();
    await settle();
    assert.deepEqual(rest.map((change) => change.state), ['resolved', 'resolved', 'resolved']);
    assert.deepEqual(group.pending(), []);
    await group.idle();
  });

  void test('a failed write rejects only the changes it carried, and the next batch is still written', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const failed = group.submit('a');
    const next = track(group.submit('b'));
    writes[0]?.fail(new Error('disk full'));
    await assert.rejects(failed, /disk full/);
    await settle();
    assert.deepEqual(writes.map((write) => write.batch), [['a'], ['b']]);
    writes[1]?.finish();
    await settle();
    assert.equal(next.state, 'resolved');
  });

  void test('idle waits for the write in progress and the queued one', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const changes = [group.submit('a'), group.submit('b')];
    const idle = track(group.idle());
    writes[0]?.finish();
    await settle();
    assert.equal(idle.state, 'pending');
    writes[1]?.finish();
    await Promise.all(changes);
    await settle();
    assert.equal(idle.state, 'resolved');
  });
});
