// What the CloudPlayer module declares beside diff: how it reads state records of every layout,
// what one observation costs of the List budget, and which player a notification names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCloudPlayerModule } from '../../src/resources/cloud-player/index.ts';
import type { CloudPlayerSpec } from '../../src/resources/cloud-player/model.ts';
import { DOCUMENTED_LIMITS, NO_RATE_LIMITS } from '../../src/agora/limits.ts';
import type { DesiredResource } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';

const players = createCloudPlayerModule();

function desired(count: number, channels: number): DesiredResource<CloudPlayerSpec>[] {
  return Array.from({ length: count }, (_, i) => ({
    key: resourceKey('prod', 'CloudPlayer', `p${i}`),
    project: 'prod',
    kind: 'CloudPlayer',
    name: `p${i}`,
    spec: { region: 'na', channelName: `ch${i % channels}`, uid: i + 1, streamUrl: `rtmp://o/${i}` },
  }));
}

describe('CloudPlayer state data', () => {
  const written = { region: 'na', channelName: 'class32', sequence: 2, applied: { streamUrl: 'rtmp://o/a', isPause: true }, createdAt: 1, playStartedAt: 2, lastStatus: 'running', seen: true, updateFailures: 1 };

  test('a record as agoractl writes it is read as it is, without a copy', () => {
    assert.equal(players.decode(written, 1), written);
  });

  test("a new record's create intent ({}) is read as such", () => {
    assert.deepEqual(players.decode({}, 1), {});
  });

  test('a record with a region but fields missing or mistyped is read with defaults, keeping what is readable', () => {
    assert.deepEqual(players.decode({ region: 'eu', applied: { streamUrl: 'rtmp://o/b', volume: 3, tempo: null }, lastStatus: 'failed', createdAt: 'yesterday' }, 1), {
      region: 'eu',
      channelName: '',
      sequence: 0,
      applied: { streamUrl: 'rtmp://o/b' },
      lastStatus: 'failed',
    });
  });

  test('data of another kind is not read as a player', () => {
    assert.equal(players.decode({ deletionPolicy: 'Orphan', applied: {} }, 1), undefined);
  });
});

describe('CloudPlayer observation cost', () => {
  const cases: { name: string; count: number; channels: number; minutes: number }[] = [
    // One unfiltered page (1/20 min) beats three filtered calls (3/15 min).
    { name: 'few players in a few channels: one unfiltered page', count: 400, channels: 3, minutes: 1 / 20 },
    // 10 unfiltered pages (10/20) cost more than 2 filtered calls (2/15).
    { name: 'many players in two channels: one filtered List per channel', count: 5_000, channels: 2, minutes: 2 / 15 },
    { name: 'nothing desired: still one unfiltered call', count: 0, channels: 1, minutes: 1 / 20 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const cost = players.observationCost?.(desired(c.count, c.channels), DOCUMENTED_LIMITS);
      assert.ok(cost !== undefined && Math.abs(cost - c.minutes) < 1e-12, `${cost} minutes, expected ${c.minutes}`);
    });
  }

  test('an unlimited List costs nothing of any budget', () => {
    assert.equal(players.observationCost?.(desired(1_000, 4), { ...DOCUMENTED_LIMITS, ...NO_RATE_LIMITS }), 0);
  });
});

describe('CloudPlayer notifications', () => {
  test('a Media Pull event names the player by name and id', () => {
    const target = players.notificationTarget?.({ productId: 4, eventType: 3, payload: { player: { name: 'a', id: 'p1', channelName: 'class32' } } });
    assert.deepEqual(target, { kind: 'CloudPlayer', name: 'a', externalId: 'p1', eventType: 3 });
  });

  test('an unnamed player is named by its id alone', () => {
    const target = players.notificationTarget?.({ productId: 4, eventType: 1, payload: { player: { name: '', id: 'p1' } } });
    assert.deepEqual(target, { kind: 'CloudPlayer', externalId: 'p1', eventType: 1 });
  });

  test('other products and payloads naming no player are not about players', () => {
    assert.equal(players.notificationTarget?.({ productId: 3, eventType: 1, payload: { player: { name: 'a', id: 'p1' } } }), undefined);
    assert.equal(players.notificationTarget?.({ productId: 4, eventType: 1, payload: { player: { channelName: 'class32' } } }), undefined);
    assert.equal(players.notificationTarget?.({ productId: 4, eventType: 1, payload: {} }), undefined);
  });
});
