import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encodeStoredState, serializeSnapshot, storedStateOf } from '../../src/state/snapshot.ts';
import type { ResourceState, StateSnapshot } from '../../src/state/types.ts';
import { player } from './helpers.ts';
import type { ResourceKey } from '../../src/state/resource-key.ts';

/** The format as first written: the whole snapshot through JSON.stringify, resources sorted by key. */
function plainSerialize(snapshot: StateSnapshot): string {
  const resources: Record<string, ResourceState> = {};
  for (const key of Object.keys(snapshot.resources).sort()) {
    const resource = snapshot.resources[key];
    if (resource) resources[key] = resource;
  }
  const ordered = { version: snapshot.version, lineage: snapshot.lineage, serial: snapshot.serial, resources };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function snapshotWith(resources: ResourceState[], head: Partial<StateSnapshot> = {}): StateSnapshot {
  return {
    version: 1,
    lineage: '6f1c2d3e-0a1b-4c5d-8e9f-0123456789ab',
    serial: 7,
    resources: Object.fromEntries(resources.map((resource) => [resource.key, resource])),
    ...head,
  };
}

/** Both ways the module serializes, the stored one twice: the second time from its cached bytes. */
function fastSerializations(snapshot: StateSnapshot): string[] {
  const stored = storedStateOf(structuredClone(snapshot));
  const encoded = [encodeStoredState(stored), encodeStoredState({ ...stored, serial: stored.serial + 1 })];
  return [serializeSnapshot(snapshot), ...encoded.map((bytes) => bytes.toString('utf8'))];
}

const rows: { reason: string; snapshot: StateSnapshot }[] = [
  { reason: 'no resources', snapshot: snapshotWith([]) },
  { reason: 'serial 0', snapshot: snapshotWith([player('a')], { serial: 0 }) },
  {
    reason: 'nested data with every JSON type, empty arrays and objects',
    snapshot: snapshotWith([
      player('b', {
        externalId: 'player-1',
        specHash: 'sha256:abc',
        data: { sequence: 3, ratio: 0.1, big: 1e21, negative: -5, on: true, off: false, gone: null, empty: {}, none: [], fileList: [{ fileName: 'a.m3u8', parts: [[1, 2], []] }] },
      }),
      player('a'),
    ]),
  },
  {
    reason: 'pending intents',
    snapshot: snapshotWith([
      player('x', { pending: { action: 'create', startedAt: 1_700_000_000_500 } }),
      player('y', { pending: { action: 'delete', startedAt: 1, requestId: 'req-1', detail: { fields: ['streamUrl'], nested: { deep: {} } } } }),
    ]),
  },
  {
    reason: 'keys and values needing escapes',
    snapshot: snapshotWith(
      [player('say "hi"\\ back\nline\ttab\u0001\u2028', { data: { text: 'two\nlines "quoted" \\ \u007f\u2029', '\n': 'key with a line break' } })],
      { lineage: 'lineage "with" \\ escapes' },
    ),
  },
  {
    reason: 'unicode names sorted by UTF-16 code unit, and a lone surrogate',
    snapshot: snapshotWith([player('教室-101'), player('\ufb01le'), player('😀'), player('é'), player('z', { data: { lone: '\ud800', emoji: '🎥' } })]),
  },
  {
    reason: 'keys of a hand-edited file that JSON.stringify lists first as array indices',
    snapshot: snapshotWith(['10', '2', '0', '4294967294', '4294967295', '01', 'a'].map((key) => ({ ...player(key), key: key as ResourceKey }))),
  },
];

void describe('state snapshot serialization', () => {
  for (const row of rows) {
    void test(`writes exactly what JSON.stringify of the ordered snapshot writes: ${row.reason}`, () => {
      const expected = plainSerialize(row.snapshot);
      const next = plainSerialize({ ...row.snapshot, serial: row.snapshot.serial + 1 });
      assert.deepEqual(fastSerializations(row.snapshot), [expected, expected, next]);
    });
  }

  void test('writes exactly what JSON.stringify writes for arbitrary JSON data and names', () => {
    const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
    const resource = fc.record({ name, data: fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), sequence: fc.integer() });
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 8 }), (resources) => {
        const snapshot = snapshotWith(resources.map(({ name: playerName, data, sequence }) => player(playerName, { data: { ...data, sequence } })));
        const expected = plainSerialize(snapshot);
        assert.deepEqual(fastSerializations(snapshot).slice(0, 2), [expected, expected]);
      }),
    );
  });

  void test('serializeSnapshot writes a resource as it is now, after the caller changed it', () => {
    const snapshot = snapshotWith([player('a', { data: { sequence: 1 } })]);
    serializeSnapshot(snapshot);
    const resource = snapshot.resources['prod/CloudPlayer/a'];
    assert.ok(resource);
    resource.data.sequence = 2;
    assert.equal(serializeSnapshot(snapshot), plainSerialize(snapshot));
  });
});
