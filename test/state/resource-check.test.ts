import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkedResourceCopy } from '../../src/state/resource-check.ts';
import { StateError } from '../../src/state/errors.ts';
import { sampleResource } from '../../src/state/conformance.ts';

/** Object member names that cannot look like secrets, so any data below is storable. */
const plainName = fc.stringMatching(/^[a-z]{1,6}$/).filter((name) => !/(key|token|secret|salt|password|certificate|credential)/.test(name));

function refusal(code: string, path: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof StateError, String(error));
    assert.equal(error.code, code);
    assert.ok(error.message.includes(path), `names ${path}: ${error.message}`);
    return true;
  };
}

describe('checkedResourceCopy', () => {
  test('returns what a JSON round trip of the record returns, sharing no object with it', () => {
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { maxDepth: 4 },
        fc.constantFrom<unknown>(null, true, false, 0, -0, 1.5, '', 'x', '__proto__'),
        fc.string(),
        fc.integer(),
        fc.array(tie('value'), { maxLength: 3 }),
        // Undefined members, as JSON drops them, and a member named __proto__, as JSON.parse keeps it.
        fc.dictionary(fc.oneof(plainName, fc.constant('__proto__')), fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(fc.dictionary(plainName, value, { maxKeys: 5 }), (data) => {
        // The same object twice is no cycle.
        const resource = sampleResource('a', { data: { ...data, shared: data, again: data } });
        const copy = checkedResourceCopy(resource);
        assert.deepEqual(copy, JSON.parse(JSON.stringify(resource)));
        assert.notEqual(copy.data, resource.data);
        assert.notEqual(copy.data.shared, resource.data.shared);
      }),
      { numRuns: 300 },
    );
  });

  test('a member named __proto__ stays a member of the copy', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const copy = checkedResourceCopy(sampleResource('a', { data }));
    assert.deepEqual(Object.keys(copy.data), ['__proto__']);
    assert.equal(Object.getPrototypeOf(copy.data), Object.prototype);
    assert.equal((copy.data as { polluted?: boolean }).polluted, undefined);
  });

  test('refuses values a JSON round trip would change, naming where they are', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const rows: [Record<string, unknown>, string][] = [
      [{ list: [1, undefined] }, 'resource.data.list[1]'],
      [{ when: new Date(0) }, 'resource.data.when'],
      [{ nested: { big: 1n } }, 'resource.data.nested.big'],
      [{ nested: { ratio: Infinity } }, 'resource.data.nested.ratio'],
      [{ tree: cyclic }, 'resource.data.tree.self'],
      [{ seen: new Map() }, 'resource.data.seen'],
    ];
    for (const [data, path] of rows) assert.throws(() => checkedResourceCopy(sampleResource('a', { data })), refusal('StateResourceInvalid', path));
  });

  test('refuses secret-looking names only in data and pending.detail, and not when they hold null', () => {
    assert.throws(() => checkedResourceCopy(sampleResource('a', { data: { list: [{ ok: 1 }, { nested: { apiKey: 'v' } }] } })), refusal('StateSecretRefused', 'data.list[1].nested.apiKey'));
    assert.throws(
      () => checkedResourceCopy(sampleResource('a', { pending: { action: 'create', startedAt: 1, detail: { token: { value: 'v' } } } })),
      refusal('StateSecretRefused', 'pending.detail.token'),
    );
    const stored = checkedResourceCopy(sampleResource('a', { data: { token: null }, pending: { action: 'create', startedAt: 1, requestId: 'r' } }));
    assert.deepEqual(stored.data, { token: null });
  });
});
