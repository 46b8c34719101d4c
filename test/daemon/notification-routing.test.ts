// A notification queues just the resources it names, within the project whose secret verified
// it: a player by its name or its Agora id, a recording by its sid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notificationMatch } from '../../src/daemon/notification-routing.ts';
import type { RelayedNotification } from '../../src/daemon/webhook-relay.ts';
import type { ResourceState } from '../../src/state/types.ts';
import { resourceKey, type ResourceKey } from '../../src/state/resource-key.ts';

function recorded(project: string, kind: string, name: string, externalId: string): [ResourceKey, ResourceState] {
  const key = resourceKey(project, kind, name);
  return [key, { key, project, kind, name, externalId, data: {}, updatedAt: 0 }];
}

/** Keys as the reconciler offers them: declared ones, some with a state. */
const RESOURCES: [ResourceKey, ResourceState | undefined][] = [
  recorded('prod', 'CloudPlayer', 'class32-101', 'player-1'),
  [resourceKey('prod', 'CloudPlayer', 'class32-102'), undefined],
  recorded('staging', 'CloudPlayer', 'class32-101', 'player-9'),
  recorded('prod', 'CloudRecording', 'archive', 'sid-1'),
  recorded('staging', 'CloudRecording', 'archive', 'sid-2'),
  recorded('prod', 'OriginSite', 'live', 'sid-1'),
];

const player = (name: string | undefined, externalId: string | undefined) => ({ kind: 'CloudPlayer', eventType: 3, ...(name ? { name } : {}), ...(externalId ? { externalId } : {}) });
const recording = (sid: string) => ({ kind: 'CloudRecording', externalId: sid, eventType: 40 });

const CASES: { reason: string; event: RelayedNotification; want: string[] }[] = [
  { reason: 'a player event names the player of that name in its project', event: { project: 'prod', target: player('class32-101', undefined) }, want: ['prod/CloudPlayer/class32-101'] },
  { reason: 'an unnamed player is found by the id recorded in state', event: { project: 'prod', target: player(undefined, 'player-1') }, want: ['prod/CloudPlayer/class32-101'] },
  {
    reason: 'without a project (a secret shared by several), every project is looked at',
    event: { project: undefined, target: player('class32-101', undefined) },
    want: ['prod/CloudPlayer/class32-101', 'staging/CloudPlayer/class32-101'],
  },
  { reason: 'a recording event names the recording of that sid, never another kind with the same id', event: { project: 'prod', target: recording('sid-1') }, want: ['prod/CloudRecording/archive'] },
  { reason: 'a recording of another project is not queued', event: { project: 'prod', target: recording('sid-2') }, want: [] },
  { reason: 'a player nobody declared or recorded names nothing', event: { project: 'prod', target: player('other', 'player-x') }, want: [] },
];

for (const c of CASES) {
  void test(c.reason, () => {
    const match = notificationMatch(c.event);
    assert.deepEqual(
      RESOURCES.filter(([key, state]) => match(key, state)).map(([key]) => key),
      c.want,
    );
  });
}
