import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  globMatches,
  parseFlsCallbackUrl,
  resolveOriginUrl,
  type OriginSiteRoute,
  type ParsedFlsCallback,
} from '../../src/daemon/fls-callback.ts';

const routes: OriginSiteRoute[] = [
  { project: 'prod', entryPoint: 'live', stream: 'class*', url: 'rtmp://glob-first.example.com/live/{stream}' },
  { project: 'prod', entryPoint: 'live', stream: 'class*-hd', url: 'rtmp://glob-second.example.com/live/{stream}' },
  { project: 'prod', entryPoint: 'live', stream: 'class32-hd', url: 'rtmp://exact.example.com/live/class32' },
  { project: 'prod', entryPoint: 'vod', stream: '*', url: 'rtmp://vod.example.com/{entry_point}/{stream}' },
  { project: 'staging', entryPoint: 'live', stream: 'class32-hd', url: 'rtmp://staging.example.com/live/class32' },
];

const resolveCases: Record<string, { entryPoint: string; streamName: string; project?: string; want: string | undefined }> = {
  'an exact stream name beats any glob declared before it': {
    entryPoint: 'live',
    streamName: 'class32-hd',
    want: 'rtmp://exact.example.com/live/class32',
  },
  'among globs the first declared wins': {
    entryPoint: 'live',
    streamName: 'class7-hd',
    want: 'rtmp://glob-first.example.com/live/class7-hd',
  },
  '{stream} and {entry_point} are replaced, URL-encoded': {
    entryPoint: 'vod',
    streamName: 'a b/c',
    want: 'rtmp://vod.example.com/vod/a%20b%2Fc',
  },
  'a stream no route matches has no origin': { entryPoint: 'live', streamName: 'lecture1', want: undefined },
  'an entry point without routes has no origin': { entryPoint: 'other', streamName: 'class1', want: undefined },
  "a project narrows the routes to that project's": {
    entryPoint: 'live',
    streamName: 'class32-hd',
    project: 'staging',
    want: 'rtmp://staging.example.com/live/class32',
  },
  'a project without that route has no origin': {
    entryPoint: 'vod',
    streamName: 'x',
    project: 'staging',
    want: undefined,
  },
};

void describe('resolveOriginUrl', () => {
  for (const [reason, c] of Object.entries(resolveCases)) {
    void test(reason, () => {
      assert.equal(resolveOriginUrl(routes, { entryPoint: c.entryPoint, streamName: c.streamName }, c.project), c.want);
    });
  }

  void test('glob: * matches any run of characters, other characters only themselves', () => {
    const table: Array<[string, string, boolean]> = [
      ['*', '', true],
      ['class*', 'class', true],
      ['class*', 'xclass1', false],
      ['*-hd', 'a/b-hd', true],
      ['a.b', 'axb', false],
      ['a*b*c', 'a123b456c', true],
      ['a*b*c', 'a123c', false],
      ['(x)+', '(x)+', true],
    ];
    for (const [glob, name, want] of table) assert.equal(globMatches(glob, name), want, `${glob} vs ${name}`);
  });
});

const parseCases: Record<string, { url: string; want: ParsedFlsCallback | undefined }> = {
  'query string on the callback path': {
    url: '/fls/origin?entry_point=live&stream_name=class32',
    want: { entryPoint: 'live', streamName: 'class32' },
  },
  'query string on the root': {
    url: '/?entry_point=live&stream_name=class32',
    want: { entryPoint: 'live', streamName: 'class32' },
  },
  "the document's sample form, parameters as a path segment": {
    url: '/entry_point=live&stream_name=class32',
    want: { entryPoint: 'live', streamName: 'class32' },
  },
  'the path form under the callback path, percent-encoded': {
    url: '/fls/origin/entry_point=live&stream_name=class%2032',
    want: { entryPoint: 'live', streamName: 'class 32' },
  },
  'a project segment with the query form': {
    url: '/fls/origin/prod?entry_point=live&stream_name=s',
    want: { entryPoint: 'live', streamName: 's', project: 'prod' },
  },
  'a project segment with the path form': {
    url: '/fls/origin/prod/entry_point=live&stream_name=s',
    want: { entryPoint: 'live', streamName: 's', project: 'prod' },
  },
  'a missing stream name': { url: '/fls/origin?entry_point=live', want: undefined },
  'an empty entry point': { url: '/fls/origin?entry_point=&stream_name=s', want: undefined },
  'a double slash is a path, not a host': {
    url: '//entry_point=live&stream_name=s',
    want: { entryPoint: 'live', streamName: 's' },
  },
};

void describe('parseFlsCallbackUrl', () => {
  for (const [reason, c] of Object.entries(parseCases)) {
    void test(reason, () => {
      assert.deepEqual(parseFlsCallbackUrl(c.url), c.want);
    });
  }
});
