// The virtual clock: real time plus advances; timers fire in time order when either reaches them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorClock } from '../../src/emulator/virtual-clock.ts';

void describe('EmulatorClock', () => {
  void test('fires due timers in time order on an advance, and the others later', () => {
    let wall = 1_000;
    const clock = new EmulatorClock({ wallNow: () => wall });
    const fired: string[] = [];
    clock.at(1_300, () => fired.push('c'));
    clock.at(1_100, () => fired.push('a'));
    clock.at(1_100, () => fired.push('b'));
    clock.at(5_000, () => fired.push('late'));
    clock.advance(500);
    assert.deepEqual(fired, ['a', 'b', 'c']);
    assert.equal(clock.now(), 1_500);
    wall = 2_000;
    assert.equal(clock.now(), 2_500, 'virtual time keeps following real time');
    clock.close();
  });

  void test('a timer sees the time it was due at, and timers it schedules run in the same advance when due', () => {
    const clock = new EmulatorClock({ wallNow: () => 0 });
    const fired: number[] = [];
    clock.at(10, () => {
      fired.push(clock.now());
      clock.at(20, () => fired.push(20));
      clock.at(1_000, () => fired.push(1_000));
    });
    clock.advance(100);
    assert.deepEqual(fired, [10, 20]);
    assert.equal(clock.now(), 100);
    clock.close();
  });

  void test('never fires a cancelled timer', () => {
    const clock = new EmulatorClock({ wallNow: () => 0 });
    let fired = false;
    const cancel = clock.at(10, () => {
      fired = true;
    });
    cancel();
    clock.advance(100);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
    clock.close();
  });

  void test('fires a timer when real time reaches it', async () => {
    const clock = new EmulatorClock();
    const due = clock.now() + 5;
    // The clock's real timer is unref'd (it must not keep a process alive); here the test
    // keeps the process alive while it waits, as a listening server would.
    const keepAlive = setInterval(() => {}, 1000);
    const at = await new Promise<number>((resolve) => clock.at(due, () => resolve(clock.now())));
    clearInterval(keepAlive);
    assert.ok(at >= due, `fired at ${at}, due ${due}`);
    clock.close();
  });

  void test('stands still while frozen, moves only by advances, and continues without a jump when thawed', async () => {
    const clock = new EmulatorClock({ frozen: true });
    const start = clock.now();
    let fired = false;
    clock.at(start + 1, () => {
      fired = true;
    });
    await sleep(5);
    assert.equal(clock.now(), start);
    assert.equal(fired, false);
    clock.advance(1);
    assert.equal(fired, true);
    clock.setFrozen(false);
    assert.ok(clock.now() - (start + 1) < 50);
    clock.close();
  });

  void test('refuses to move backwards', () => {
    const clock = new EmulatorClock();
    assert.throws(() => clock.advance(-1), RangeError);
    clock.close();
  });

  void test('reports an error thrown by a timer and keeps firing the others', () => {
    const errors: unknown[] = [];
    const clock = new EmulatorClock({ wallNow: () => 0, onTimerError: (e) => errors.push(e) });
    let after = false;
    clock.at(1, () => {
      throw new Error('boom');
    });
    clock.at(2, () => {
      after = true;
    });
    clock.advance(5);
    assert.equal(errors.length, 1);
    assert.equal(after, true);
    clock.close();
  });
});
