import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inProject, kindOf, matchesTarget, parseResourceKey, projectOf, resourceKey, targetScope } from '../../src/state/resource-key.ts';

describe('resource keys', () => {
  test('a key is project/kind/name and parses back into its parts, the name keeping its slashes', () => {
    const key = resourceKey('prod', 'CloudPlayer', 'class32-101');
    assert.equal(key, 'prod/CloudPlayer/class32-101');
    assert.deepEqual(parseResourceKey(key), { key, project: 'prod', kind: 'CloudPlayer', name: 'class32-101' });
    assert.deepEqual(parseResourceKey('prod/Thing/a/b'), { key: 'prod/Thing/a/b', project: 'prod', kind: 'Thing', name: 'a/b' });
    assert.equal(projectOf(key), 'prod');
    assert.equal(kindOf(key), 'CloudPlayer');
  });

  const malformed: Record<string, string> = {
    'no slash': 'prod',
    'two parts': 'prod/CloudPlayer',
    'an empty project': '/CloudPlayer/a',
    'an empty kind': 'prod//a',
    'an empty name': 'prod/CloudPlayer/',
    'nothing at all': '',
  };
  for (const [reason, text] of Object.entries(malformed)) {
    test(`a string with ${reason} is not a key`, () => assert.equal(parseResourceKey(text), undefined));
  }

  const key = resourceKey('prod', 'CloudPlayer', 'a');
  const membership: { reason: string; project: string; kind?: string; want: boolean }[] = [
    { reason: 'its project', project: 'prod', want: true },
    { reason: 'its project and kind', project: 'prod', kind: 'CloudPlayer', want: true },
    { reason: 'a project its own starts with', project: 'pro', want: false },
    { reason: 'a project that starts with its own', project: 'prod2', want: false },
    { reason: 'another kind of its project', project: 'prod', kind: 'Cloud', want: false },
    { reason: 'a kind that starts with its own', project: 'prod', kind: 'CloudPlayers', want: false },
  ];
  for (const row of membership) {
    test(`a key is ${row.want ? '' : 'not '}in ${row.reason}`, () => assert.equal(inProject(key, row.project, row.kind), row.want));
  }

  const targets: { target: string; want: boolean; reason: string }[] = [
    { target: 'prod/CloudPlayer/a', want: true, reason: 'the whole key' },
    { target: 'CloudPlayer/a', want: true, reason: 'its kind/name' },
    { target: 'staging/CloudPlayer/a', want: false, reason: 'the same kind/name in another project' },
    { target: 'Player/a', want: false, reason: 'a kind its own ends with' },
    { target: 'a', want: false, reason: 'its name alone' },
    { target: 'CloudPlayer/ba', want: false, reason: 'another name' },
  ];
  for (const row of targets) {
    test(`the target ${row.target} ${row.want ? 'selects' : 'does not select'} prod/CloudPlayer/a: ${row.reason}`, () => assert.equal(matchesTarget(key, row.target), row.want));
  }

  test('a whole-key target names its project and kind; a kind/name target names no project', () => {
    assert.deepEqual(targetScope('prod/CloudPlayer/a'), { project: 'prod', kind: 'CloudPlayer' });
    assert.equal(targetScope('CloudPlayer/a'), undefined);
  });
});
