import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPlayer, DEFAULT_LIST_LAG_MS } from '../../src/resources/cloud-player/diff.ts';
import { playerHash, type CloudPlayerSpec, type PlayerData, type PlayerRecord } from '../../src/resources/cloud-player/model.ts';
import type { DesiredResource, KindState, ObservedResource } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
import { SAMPLE_PLAYER_SPEC } from './player-spec.ts';

const NOW = 1_800_000_000_000;
const key = resourceKey('prod', 'CloudPlayer', 'class32-101');
const spec = SAMPLE_PLAYER_SPEC;

function desired(overrides: Partial<CloudPlayerSpec> = {}): DesiredResource<CloudPlayerSpec> {
  return { key, project: 'prod', kind: 'CloudPlayer', name: 'class32-101', spec: { ...spec, ...overrides } };
}
function observed(fields: Record<string, unknown> = {}, extra: Partial<ObservedResource> = {}): ObservedResource {
  const all = { channelName: 'class32', uid: 101, streamUrl: spec.streamUrl, createTs: 1_799_999_000, status: 'running', ...fields };
  return { name: 'class32-101', externalId: 'p1', status: String(all.status), fields: all, ...extra };
}
function state(overrides: Partial<KindState<PlayerRecord>> = {}, data: Partial<PlayerData> = {}): KindState<PlayerRecord> {
  return {
    key,
    project: 'prod',
    kind: 'CloudPlayer',
    name: 'class32-101',
    externalId: 'p1',
    specHash: playerHash(desired().spec),
    data: { region: 'na', channelName: 'class32', sequence: 2, applied: { streamUrl: spec.streamUrl }, createdAt: NOW - 3_600_000, playStartedAt: 1_799_999_000, lastStatus: 'running', ...data },
    updatedAt: NOW - 3_600_000,
    ...overrides,
  };
}

const cases: Record<string, { reason: string; d?: DesiredResource<CloudPlayerSpec>; o?: ObservedResource; s?: KindState<PlayerRecord>; want: string[]; check?: (a: ReturnType<typeof diffPlayer>) => void }> = {
  'new player': { reason: 'in the manifests, not in Agora or state', d: desired(), want: ['create'] },
  'in sync': { reason: 'nothing differs', d: desired(), o: observed(), s: state(), want: [] },
  'removed from manifests': {
    reason: 'owned and listed: deleted, freeing a quota slot',
    o: observed(),
    s: state(),
    want: ['delete'],
    check: ([a]) => assert.equal(a?.quotaDelta, -1),
  },
  'removed, never created': { reason: 'state without an id: nothing to delete', s: state({ externalId: undefined }), want: ['forget'] },
  'unmanaged twin with same fields': { reason: 'adopted: same channel, user and stream', d: desired(), o: observed(), want: ['adopt'] },
  'unmanaged twin with another stream': {
    reason: 'a conflict, never adopted or overwritten',
    d: desired(),
    o: observed({ streamUrl: 'rtmp://elsewhere/x' }),
    want: ['conflict'],
    check: ([a]) => assert.equal(a?.blocked, true),
  },
  'unmanaged twin seen partially': { reason: 'List returned only id/name/createTs: cannot compare, conflict', d: desired(), o: { name: 'class32-101', externalId: 'p1', fields: { createTs: 1 }, partial: true }, want: ['conflict'] },
  'stream url changed': {
    reason: 'streamUrl is updated in place with the next sequence',
    d: desired({ streamUrl: 'rtmp://origin.example.com/live/class32/202' }),
    o: observed(),
    s: state(),
    want: ['update'],
    check: ([a]) => assert.deepEqual([a?.detail.sequence, a?.detail.paths], [3, ['streamUrl']]),
  },
  'pause requested': { reason: 'isPause is updated in place', d: desired({ isPause: true }), o: observed(), s: state(), want: ['update'], check: ([a]) => assert.deepEqual(a?.detail.paths, ['isPause']) },
  'volume changed': {
    reason: 'audioOptions.volume is updated in place',
    d: desired({ audioOptions: { volume: 50 } }),
    o: observed(),
    s: state(),
    want: ['update'],
    check: ([a]) => assert.deepEqual(a?.detail.paths, ['audioOptions.volume']),
  },
  'video width changed': { reason: 'not updatable: replaced', d: desired({ videoOptions: { width: 640 } }), o: observed(), s: state(), want: ['replace'] },
  'channel changed elsewhere': { reason: 'observed channel differs from the manifest: replaced', d: desired(), o: observed({ channelName: 'other' }), s: state(), want: ['replace'] },
  'restart policy changed': { reason: 'restartPolicy is agoractl behaviour, not a player field', d: desired({ restartPolicy: 'Never' }), o: observed(), s: state(), want: [] },
  'token source changed': { reason: 'a token is minted per create, not a player field', d: desired({ token: { env: 'PLAYER_TOKEN' } }), o: observed(), s: state(), want: [] },
  'failed, Always': {
    reason: 'a failed player is replaced and resumes where the old one started',
    d: desired(),
    o: observed({ status: 'failed' }),
    s: state(),
    want: ['replace'],
    check: ([a]) => assert.equal(a?.detail.playTs, 1_799_999_000),
  },
  'failed, Never': { reason: 'runs once: a failed player is left to its idleTimeout', d: desired({ restartPolicy: 'Never' }), o: observed({ status: 'failed' }), s: state(), want: [] },
  'three failed updates': { reason: 'Agora counts three 404/5xx in a row as failed', d: desired(), o: observed(), s: state({}, { updateFailures: 3 }), want: ['replace'] },
  'just created, not listed yet': { reason: 'List lags about 10 s behind creates: no duplicate', d: desired(), s: state({}, { createdAt: NOW - 5_000 }), want: [] },
  'listed once, now gone': { reason: 'List showed it after its create, so its absence is no lag: recreated at once', d: desired(), s: state({}, { createdAt: NOW - 2_000, seen: true }), want: ['create'] },
  'destroyed, Always': { reason: 'recreated past the List lag', d: desired(), s: state({}, { createdAt: NOW - DEFAULT_LIST_LAG_MS - 1 }), want: ['create'] },
  'destroyed after failing, OnFailure': { reason: 'recreated: it had failed', d: desired({ restartPolicy: 'OnFailure' }), s: state({}, { lastStatus: 'failed' }), want: ['create'] },
  'ended, OnFailure': { reason: 'an on-demand player that ended is not replayed', d: desired({ restartPolicy: 'OnFailure' }), s: state({}, { lastStatus: 'running' }), want: [] },
  'ended, Never': { reason: 'runs once', d: desired({ restartPolicy: 'Never' }), s: state(), want: [] },
  'create answer lost, player listed': {
    reason: 'the pending create is adopted by name',
    d: desired(),
    o: observed(),
    s: state({ externalId: undefined, pending: { action: 'create', startedAt: NOW - 1000 } }),
    want: ['adopt'],
  },
  'create answer lost, not listed, sent within the lag': {
    reason: 'List may not show it yet: created again only once the lag since it was sent has passed, and a 409 adopts the earlier one',
    d: desired(),
    s: state({ externalId: undefined, pending: { action: 'create', startedAt: NOW - 1000 } }),
    want: ['create'],
    check: ([a]) => assert.deepEqual([a?.detail.earlierCreate, a?.detail.notBefore, a?.quotaDelta], [true, NOW - 1000 + DEFAULT_LIST_LAG_MS, 1]),
  },
  'create answer lost, not listed past the lag': {
    reason: 'List would show it: it was never made, so it is created at once (a 409 would still adopt it)',
    d: desired(),
    s: state({ externalId: undefined, pending: { action: 'create', startedAt: NOW - DEFAULT_LIST_LAG_MS } }),
    want: ['create'],
    check: ([a]) => assert.deepEqual([a?.detail.earlierCreate, a?.detail.notBefore], [true, undefined]),
  },
  'create answer lost, manifest removed, name listed': {
    reason: 'the player the lost create made is ours: deleted by the id List shows',
    o: observed(),
    s: state({ externalId: undefined, pending: { action: 'create', startedAt: NOW - 1000 } }),
    want: ['delete'],
    check: ([a]) => assert.equal(a?.detail.id, 'p1'),
  },
  'replaced: old one deleted, new one not sent': {
    reason: 'a record without id or intent is created whatever the restartPolicy (the replace stopped between its two calls)',
    d: desired({ restartPolicy: 'Never' }),
    s: state({ externalId: undefined }, { seen: true }),
    want: ['create'],
  },
  'removed from manifests, record without id, name taken by another player': {
    reason: 'agoractl made no player of that name since its record lost its id: the other one is left alone',
    o: observed(),
    s: state({ externalId: undefined }),
    want: ['forget'],
  },
};

describe('CloudPlayer diff', () => {
  for (const [name, c] of Object.entries(cases)) {
    test(`${name}: ${c.reason}`, () => {
      const actions = diffPlayer({ key, project: 'prod', name: 'class32-101', desired: c.d, observed: c.o, state: c.s, now: NOW });
      assert.deepEqual(actions.map((a) => a.type), c.want);
      c.check?.(actions);
    });
  }

  test('every recording action carries the hash of the manifest spec, never of resolved secrets', () => {
    const withKey = desired({ encryptMode: 'aes-128-gcm2', encryptKey: { env: 'KEY' }, encryptKdfSalt: { env: 'SALT' } });
    const [create] = diffPlayer({ key, project: 'prod', name: 'class32-101', desired: withKey, now: NOW });
    assert.equal(create?.detail.specHash, playerHash(withKey.spec));
    const applied = state({ specHash: playerHash(withKey.spec) });
    assert.deepEqual(diffPlayer({ key, project: 'prod', name: 'class32-101', desired: withKey, observed: observed(), state: applied, now: NOW }), []);
  });

  test('a create shows secret fields masked, never their references or values', () => {
    const [a] = diffPlayer({ key, project: 'prod', name: 'class32-101', desired: desired({ encryptKey: { env: 'KEY' } }), now: NOW });
    const change = a?.changes.find((c) => c.path === 'encryptKey');
    assert.deepEqual(change, { path: 'encryptKey', after: '(sensitive)', sensitive: true });
  });
});
