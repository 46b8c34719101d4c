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
  void test('writes every change submitted in one macrotask together, once that macrotask ends', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const changes = ['a', 'b'].map((change) => track(group.submit(change)));
    await Promise.resolve();
    changes.push(track(group.submit('c')));
    assert.equal(writes.length, 0, 'nothing is written while the macrotask still runs');
    assert.deepEqual(group.pending(), ['a', 'b', 'c']);

    await settle();
    assert.deepEqual(writes.map((write) => write.batch), [['a', 'b', 'c']]);
    writes[0]?.finish();
    await settle();
    assert.deepEqual(changes.map((change) => change.state), ['resolved', 'resolved', 'resolved']);
    assert.deepEqual(group.pending(), []);
  });

  void test('writes every change submitted during a write in one next write', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const a = track(group.submit('a'));
    await settle();
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

  void test('writes a change submitted after the group went idle', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const first = group.submit('a');
    await settle();
    writes[0]?.finish();
    await first;
    await group.idle();

    const later = track(group.submit('b'));
    await settle();
    assert.deepEqual(writes.map((write) => write.batch), [['a'], ['b']]);
    writes[1]?.finish();
    await settle();
    assert.equal(later.state, 'resolved');
  });

  void test('a failed write rejects only the changes it carried, and the next batch is still written', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const failed = group.submit('a');
    await settle();
    const next = track(group.submit('b'));
    writes[0]?.fail(new Error('disk full'));
    await assert.rejects(failed, /disk full/);
    await settle();
    assert.deepEqual(writes.map((write) => write.batch), [['a'], ['b']]);
    writes[1]?.finish();
    await settle();
    assert.equal(next.state, 'resolved');
  });

  void test('idle waits for a write not started yet, the write in progress and the queued one', async () => {
    const { writes, commit } = controlledWrites();
    const group = new GroupCommit<string>(commit);
    const changes = [group.submit('a')];
    const idle = track(group.idle());
    await settle();
    changes.push(group.submit('b'));
    assert.equal(idle.state, 'pending');
    writes[0]?.finish();
    await settle();
    assert.equal(idle.state, 'pending');
    writes[1]?.finish();
    await Promise.all(changes);
    await settle();
    assert.equal(idle.state, 'resolved');
  });
});
