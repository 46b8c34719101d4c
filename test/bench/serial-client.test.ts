import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/clock.ts';
import { BenchEmulator } from '../../bench/bench-emulator.ts';
import { NAIVE_RETRY_SLEEP_MS, SerialClient, runSerially } from '../../bench/serial-client.ts';
import { timeScale } from '../../bench/floor.ts';

/** A clock whose sleeps return at once and are remembered; `now` moves only when told. */
function fakeClock(start = 1_000_000): Clock & { slept: number[]; advance(ms: number): void } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms) {
      slept.push(ms);
    },
  };
}

describe('SerialClient, the naive baseline', () => {
  let emulator: BenchEmulator;
  before(async () => {
    emulator = await BenchEmulator.start(timeScale(10).limits);
  });
  after(async () => {
    await emulator.close();
  });

  const player = (i: number) => ({ name: `s-${i}`, channelName: 'serial', uid: 100 + i, streamUrl: `rtmp://origin.example.com/live/s${i}` });

  test('sleeps the fixed time after each 429 and sends the same request again', async () => {
    const appId = 'a1'.repeat(16);
    const clock = fakeClock();
    const client = new SerialClient({ baseUrl: emulator.url, appId, ...emulator.credentials, clock });
    try {
      await emulator.control('POST', '/faults', { match: { method: 'POST', path: '/cloud-player/players$' }, effect: '429', count: 2 });
      const id = await client.createPlayer('na', player(1));
      assert.equal(client.tooManyRequests, 2);
      assert.deepEqual(clock.slept, [NAIVE_RETRY_SLEEP_MS, NAIVE_RETRY_SLEEP_MS]);
      const world = await emulator.state();
      assert.deepEqual(
        world.players.filter((p) => p.appId === appId).map((p) => [p.id, p.name]),
        [[id, 's-1']],
      );
    } finally {
      await client.close();
    }
  });

  test('lists every player page by page, then deletes them one at a time', async () => {
    const appId = 'b2'.repeat(16);
    const client = new SerialClient({ baseUrl: emulator.url, appId, ...emulator.credentials });
    try {
      for (const i of [1, 2, 3]) await client.createPlayer('na', player(i));
      const listed = await client.listPlayers();
      assert.deepEqual(listed.map((p) => p.name).sort(), ['s-1', 's-2', 's-3']);
      for (const p of listed) await client.deletePlayer('na', p.id);
      const world = await emulator.state();
      assert.equal(world.players.filter((p) => p.appId === appId).length, 0);
    } finally {
      await client.close();
    }
  });

  test('stops at its deadline and reports how many steps it finished', async () => {
    const appId = 'c3'.repeat(16);
    const clock = fakeClock();
    const client = new SerialClient({ baseUrl: emulator.url, appId, ...emulator.credentials, clock, deadline: clock.now() + 10_000 });
    try {
      const done = await runSerially([
        () => client.createPlayer('na', player(1)),
        async () => {
          await client.createPlayer('na', player(2));
          clock.advance(10_000);
        },
        () => client.createPlayer('na', player(3)),
      ]);
      assert.equal(done, 2);
      const world = await emulator.state();
      assert.deepEqual(world.players.filter((p) => p.appId === appId).map((p) => p.name).sort(), ['s-1', 's-2']);
    } finally {
      await client.close();
    }
  });
});
