import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerFlsCallback,
  FLS_CALLBACK_LIMITS,
  MAX_GLOB_ROUTES_PER_REQUEST,
  parseFlsCallbackUrl,
  resolveOriginUrl,
  type FlsRoute,
  type ParsedFlsCallback,
} from '../../src/daemon/fls-callback.ts';

const routes: FlsRoute[] = [
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
  'slashes around the project are not part of it': {
    url: '/fls/origin///prod///entry_point=live&stream_name=s',
    want: { entryPoint: 'live', streamName: 's', project: 'prod' },
  },
  'entry_point= inside a path segment is not the path form': {
    url: '/fls/origin/xentry_point=live&stream_name=s',
    want: undefined,
  },
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

const long = (length: number): string => 'x'.repeat(length);

const answerCases: Record<string, { url: string; want: { status: number; code?: string; url?: string } }> = {
  'a routed stream is answered 200 with its origin': {
    url: '/fls/origin?entry_point=live&stream_name=class7',
    want: { status: 200, url: 'rtmp://glob-first.example.com/live/class7' },
  },
  'a stream no route matches is answered 404': { url: '/fls/origin?entry_point=live&stream_name=lecture', want: { status: 404 } },
  'a missing parameter is answered 400': { url: '/fls/origin?entry_point=live', want: { status: 400, code: 'missing-parameter' } },
  'a stream name at the limit is still routed': {
    url: `/fls/origin?entry_point=vod&stream_name=${long(FLS_CALLBACK_LIMITS.streamName)}`,
    want: { status: 200, url: `rtmp://vod.example.com/vod/${long(FLS_CALLBACK_LIMITS.streamName)}` },
  },
  'a stream name over the limit is answered 400 before any route is matched': {
    url: `/fls/origin?entry_point=vod&stream_name=${long(FLS_CALLBACK_LIMITS.streamName + 1)}`,
    want: { status: 400, code: 'stream-name-too-long' },
  },
  'the limit counts decoded characters, in the path form too': {
    url: `/entry_point=vod&stream_name=${'%C3%A9'.repeat(FLS_CALLBACK_LIMITS.streamName + 1)}`,
    want: { status: 400, code: 'stream-name-too-long' },
  },
  'an entry point over the limit is answered 400': {
    url: `/fls/origin?entry_point=${long(FLS_CALLBACK_LIMITS.entryPoint + 1)}&stream_name=s`,
    want: { status: 400, code: 'entry-point-too-long' },
  },
  'a request target over the limit is answered 400 unparsed': {
    url: `/fls/origin?entry_point=vod&stream_name=s&pad=${long(FLS_CALLBACK_LIMITS.requestUrl)}`,
    want: { status: 400, code: 'request-too-long' },
  },
};

void describe('answerFlsCallback', () => {
  for (const [reason, c] of Object.entries(answerCases)) {
    void test(reason, () => {
      const answer = answerFlsCallback(c.url, routes);
      assert.equal(answer.status, c.want.status);
      if (c.want.code !== undefined) assert.equal('code' in answer.body ? answer.body.code : undefined, c.want.code);
      if (c.want.url !== undefined) assert.equal('url' in answer.body ? answer.body.url : undefined, c.want.url);
      if (answer.status === 400) assert.equal(typeof answer.body.message, 'string');
    });
  }

  void test('answers the name that froze the regular expression with the right route', () => {
    const hostile: FlsRoute[] = [
      { entryPoint: 'live', stream: 'cam*-*-*-*-*-hd', url: 'rtmp://hd.example.com/{stream}' },
      { entryPoint: 'live', stream: '*', url: 'rtmp://any.example.com/{stream}' },
    ];
    const name = `cam${'-'.repeat(260)}`;
    const answer = answerFlsCallback(`/fls/origin?entry_point=live&stream_name=${name}`, hostile);
    assert.deepEqual(answer.body, { url: `rtmp://any.example.com/${name}` });
    assert.deepEqual(answerFlsCallback(`/fls/origin?entry_point=live&stream_name=${name}hd`, hostile).body, {
      url: `rtmp://hd.example.com/${name}hd`,
    });
  });
});

void describe('the bound on glob routes tried per request', () => {
  const many = (count: number): FlsRoute[] =>
    Array.from({ length: count }, (_, i) => ({ entryPoint: 'live', stream: `s${i}-*`, url: `rtmp://o.example.com/${i}/{stream}` }));
  const ask = (streamName: string, table: FlsRoute[]): ReturnType<typeof answerFlsCallback> =>
    answerFlsCallback(`/fls/origin?entry_point=live&stream_name=${streamName}`, table);

  void test('the last glob route within the bound is still tried', () => {
    const last = MAX_GLOB_ROUTES_PER_REQUEST - 1;
    assert.deepEqual(ask(`s${last}-x`, many(MAX_GLOB_ROUTES_PER_REQUEST + 5)).body, { url: `rtmp://o.example.com/${last}/s${last}-x` });
  });

  void test('glob routes past the bound are not tried, and the answer says how many', () => {
    const answer = ask(`s${MAX_GLOB_ROUTES_PER_REQUEST}-x`, many(MAX_GLOB_ROUTES_PER_REQUEST + 5));
    assert.equal(answer.status, 404);
    assert.equal(answer.result === 'no-route' ? answer.ignoredGlobRoutes : undefined, 5);
  });

  void test('an exact route declared after them still wins', () => {
    const table = [...many(MAX_GLOB_ROUTES_PER_REQUEST + 5), { entryPoint: 'live', stream: 'exact', url: 'rtmp://exact.example.com/x' }];
    assert.deepEqual(ask('exact', table).body, { url: 'rtmp://exact.example.com/x' });
  });
});
