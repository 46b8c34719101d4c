import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalError, WorkQueue, type KeyStatus, type RunOutcome } from '../../src/engine/work-queue.ts';
import { FakeClock, settle } from '../daemon/fake-clock.ts';

interface Gate {
  promise: Promise<void>;
  open: () => void;
  fail: (error: Error) => void;
}

function gate(): Gate {
  let open = (): void => undefined;
  let fail = (_error: Error): void => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** A worker whose runs stay open until the test ends them, recording what ran when. */
class ControlledWorker {
  readonly runs: Array<{ key: string; at: number; signal: AbortSignal; gate: Gate }> = [];
  readonly active = new Map<string, number>();
  maxActivePerKey = 0;
  maxActive = 0;

  constructor(private readonly clock: FakeClock) {}

  readonly work = async (key: string, signal: AbortSignal): Promise<void> => {
    const g = gate();
    this.runs.push({ key, at: this.clock.now(), signal, gate: g });
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
    this.maxActivePerKey = Math.max(this.maxActivePerKey, ...this.active.values());
    this.maxActive = Math.max(this.maxActive, [...this.active.values()].reduce((a, b) => a + b, 0));
    try {
      await g.promise;
    } finally {
      this.active.set(key, (this.active.get(key) ?? 1) - 1);
    }
  };

  runsOf(key: string): number {
    return this.runs.filter((r) => r.key === key).length;
  }

  last(key: string): Gate {
    const run = this.runs.filter((r) => r.key === key).at(-1);
    assert.ok(run, `no run of ${key}`);
    return run.gate;
  }
}

function setup(options: { concurrency?: number; baseMs?: number; maxMs?: number; factor?: number } = {}) {
  const clock = new FakeClock();
  const worker = new ControlledWorker(clock);
  const outcomes: Array<{ key: string; status: KeyStatus; outcome: RunOutcome }> = [];
  const queue = new WorkQueue<string>({
    worker: worker.work,
    concurrency: options.concurrency ?? 4,
    clock,
    backoff: { baseMs: options.baseMs ?? 1_000, maxMs: options.maxMs ?? 8_000, factor: options.factor ?? 2, jitter: 0 },
    onStatus: (key, status, outcome) => outcomes.push({ key, status, outcome }),
  });
  return { clock, worker, queue, outcomes };
}

void describe('WorkQueue', () => {
  void test('holds a key once however often it is added while waiting', async () => {
    const { worker, queue } = setup({ concurrency: 1 });
    queue.add('blocker');
    for (let i = 0; i < 5; i++) queue.add('player/a');
    await settle();
    assert.equal(queue.depth, 1);
    worker.last('blocker').open();
    await settle();
    worker.last('player/a').open();
    await queue.onIdle();
    assert.equal(worker.runsOf('player/a'), 1);
  });

  void test('runs a key added during its run once more afterwards, never two workers for one key', async () => {
    const { worker, queue } = setup();
    queue.add('player/a');
    await settle();
    for (let i = 0; i < 3; i++) queue.add('player/a');
    await settle();
    assert.equal(worker.runsOf('player/a'), 1);
    assert.deepEqual(queue.status('player/a'), { attempts: 0, queued: true, running: true });
    worker.last('player/a').open();
    await settle();
    assert.equal(worker.runsOf('player/a'), 2);
    worker.last('player/a').open();
    await queue.onIdle();
    assert.equal(worker.runsOf('player/a'), 2);
    assert.equal(worker.maxActivePerKey, 1);
  });

  void test('runs at most `concurrency` workers at once, in the order keys became due', async () => {
    const { worker, queue } = setup({ concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await settle();
    assert.deepEqual(worker.runs.map((r) => r.key), ['a', 'b']);
    assert.equal(queue.depth, 2);
    assert.equal(queue.size, 4);
    worker.last('b').open();
    await settle();
    assert.deepEqual(worker.runs.map((r) => r.key), ['a', 'b', 'c']);
    worker.last('a').open();
    worker.last('c').open();
    await settle();
    worker.last('d').open();
    await queue.onIdle();
    assert.equal(worker.maxActive, 2);
    assert.equal(queue.size, 0);
  });

  void test('waits `after` milliseconds before running, and an earlier request wins', async () => {
    const { clock, worker, queue } = setup();
    queue.add('a', { after: 10_000 });
    queue.add('a', { after: 3_000 });
    queue.add('a', { after: 20_000 });
    assert.equal(queue.status('a').nextRunAt, clock.now() + 3_000);
    await clock.advance(2_999);
    assert.equal(worker.runsOf('a'), 0);
    await clock.advance(1);
    assert.equal(worker.runsOf('a'), 1);
    worker.last('a').open();
    await clock.advance(60_000);
    assert.equal(worker.runsOf('a'), 1, 'the later requests were merged into the first run');
  });

  void test('retries a failing key with exponentially growing delays, bounded by maxMs', async () => {
    const { clock, worker, queue, outcomes } = setup({ baseMs: 1_000, maxMs: 5_000, factor: 2 });
    const failedAt: number[] = [];
    queue.add('player/a');
    for (let i = 0; i < 6; i++) {
      await settle();
      failedAt.push(clock.now());
      worker.last('player/a').fail(new Error(`refused ${i}`));
      await clock.advance(5_000);
    }
    const delays = worker.runs.slice(1).map((r, i) => r.at - (failedAt[i] ?? Number.NaN));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    const status = queue.status('player/a');
    assert.equal(status.attempts, 6);
    assert.equal(status.lastError, 'refused 5');
    assert.equal(status.lastSuccessAt, undefined);
    assert.deepEqual(
      outcomes.map((o) => (o.outcome.ok ? 'ok' : o.outcome.retryInMs)),
      [1_000, 2_000, 4_000, 5_000, 5_000, 5_000],
    );
  });

  void test('a success resets the back-off and records when it happened', async () => {
    const { clock, worker, queue } = setup({ baseMs: 1_000, maxMs: 60_000 });
    queue.add('a');
    await settle();
    worker.last('a').fail(new Error('one'));
    await clock.advance(1_000);
    worker.last('a').fail(new Error('two'));
    await clock.advance(2_000);
    worker.last('a').open();
    await settle();
    const succeededAt = clock.now();
    assert.deepEqual(queue.status('a'), {
      attempts: 0,
      queued: false,
      running: false,
      lastSuccessAt: succeededAt,
      lastError: 'two',
      lastErrorAt: succeededAt - 2_000,
    });
    queue.add('a');
    await settle();
    worker.last('a').fail(new Error('three'));
    await settle();
    assert.equal(queue.status('a').nextRunAt, clock.now() + 1_000, 'back to the base delay');
  });

  void test('an add during back-off waits for the back-off; resetBackoff runs at once', async () => {
    const { clock, worker, queue } = setup({ baseMs: 30_000 });
    queue.add('a');
    await settle();
    worker.last('a').fail(new Error('quota'));
    await settle();
    queue.add('a');
    await clock.advance(1_000);
    assert.equal(worker.runsOf('a'), 1, 'a notification does not bypass the back-off');
    queue.add('a', { resetBackoff: true });
    await settle();
    assert.equal(worker.runsOf('a'), 2, 'a manifest change does');
    assert.equal(queue.status('a').attempts, 0);
    worker.last('a').open();
    await clock.advance(60_000);
    assert.equal(worker.runsOf('a'), 2, 'the old back-off timer does not fire a third run');
  });

  void test('a terminal failure parks the key: no retry until something adds it again', async () => {
    const { clock, worker, queue, outcomes } = setup({ baseMs: 1_000 });
    queue.add('a');
    await settle();
    worker.last('a').fail(new TerminalError(new Error('a player named a exists with other fields')));
    await settle();
    await clock.advance(60_000);
    assert.equal(worker.runsOf('a'), 1, 'not retried however long it waits');
    const last = outcomes.at(-1)?.outcome;
    assert.ok(last && !last.ok);
    assert.equal(last.retryInMs, undefined);
    assert.equal(last.terminal, true);
    assert.equal(queue.status('a').lastError, 'a player named a exists with other fields');
    assert.equal(queue.status('a').queued, false);
    queue.add('a');
    await settle();
    assert.equal(worker.runsOf('a'), 2, 'a resync or a notification wakes it at once');
  });

  void test('a manifest change during a run that then fails is not held back by that failure', async () => {
    const { worker, queue } = setup({ baseMs: 30_000 });
    queue.add('a');
    await settle();
    queue.add('a', { resetBackoff: true });
    worker.last('a').fail(new Error('503'));
    await settle();
    assert.equal(worker.runsOf('a'), 2, 'the new spec runs at once, not after 30 s');
    assert.equal(queue.status('a').attempts, 0);
  });

  void test('drain refuses new work, drops queued keys and waits for running workers', async () => {
    const { clock, worker, queue } = setup({ concurrency: 1 });
    queue.add('a');
    queue.add('b');
    queue.add('c', { after: 1_000 });
    await settle();
    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    assert.equal(queue.add('d'), false);
    await settle();
    assert.equal(drained, false, 'a worker still runs');
    worker.last('a').open();
    await draining;
    await clock.advance(5_000);
    assert.deepEqual(worker.runs.map((r) => r.key), ['a']);
    assert.equal(worker.runs[0]?.signal.aborted, false, 'no grace given: the worker was never aborted');
  });

  void test('drain with a grace period aborts the workers when it runs out', async () => {
    const { clock, queue } = setup();
    const reasons: unknown[] = [];
    const stubborn = new WorkQueue<string>({
      worker: (_key, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reasons.push(signal.reason);
            reject(new Error('aborted'));
          });
        }),
      concurrency: 2,
      clock,
    });
    stubborn.add('a');
    stubborn.add('b');
    await settle();
    let drained = false;
    const draining = stubborn.drain({ graceMs: 10_000 }).then(() => {
      drained = true;
    });
    await clock.advance(9_999);
    assert.equal(drained, false);
    await clock.advance(1);
    await draining;
    assert.equal(reasons.length, 2);
    assert.equal(stubborn.status('a').attempts, 1);
    assert.equal(stubborn.status('a').queued, false, 'an aborted key is not retried after drain');
    assert.equal(clock.pendingSleeps, 0, 'no timer is left behind');
    await queue.drain();
  });

  void test('remove forgets a key: its delayed run never happens', async () => {
    const { clock, worker, queue } = setup();
    queue.add('a', { after: 1_000 });
    queue.remove('a');
    await clock.advance(2_000);
    assert.equal(worker.runsOf('a'), 0);
    assert.deepEqual(queue.status('a'), { attempts: 0, queued: false, running: false });
    queue.add('b');
    await settle();
    queue.add('b');
    queue.remove('b');
    worker.last('b').fail(new Error('gone'));
    await clock.advance(60_000);
    assert.equal(worker.runsOf('b'), 1, 'neither the rerun nor the retry of a removed key runs');
    assert.deepEqual(queue.statuses(), []);
  });

  void test('onIdle ignores keys waiting for a later time', async () => {
    const { worker, queue } = setup();
    queue.add('a');
    queue.add('resync', { after: 60_000 });
    let idle = false;
    const waiting = queue.onIdle().then(() => {
      idle = true;
    });
    await settle();
    assert.equal(idle, false);
    worker.last('a').open();
    await waiting;
    assert.equal(queue.size, 1);
    assert.equal(queue.depth, 0);
  });

  void test('refuses a concurrency that is not a positive integer', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new WorkQueue({ worker: async () => undefined, concurrency }), RangeError);
    }
  });
});
