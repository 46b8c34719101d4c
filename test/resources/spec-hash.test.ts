import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, specHash } from '../../src/resources/spec-hash.ts';
import { playerHash } from '../../src/resources/cloud-player/model.ts';

// Spec hashes live in users' state files: a hash that changes for the same spec plans a replace
// of every player. These values were computed by the implementation that wrote the first state
// files (createHash over the canonical JSON); every later implementation must give them.
const pinned: Record<string, { reason: string; spec: Record<string, unknown>; omit?: string[]; json: string; hash: string }> = {
  player: {
    reason: 'a manifest player with a secret reference',
    spec: { region: 'na', channelName: 'class32', uid: 101, streamUrl: 'rtmp://origin.example.com/live/class32/101', token: { generate: true }, idleTimeout: 300, restartPolicy: 'Always' },
    json: '{"channelName":"class32","idleTimeout":300,"region":"na","restartPolicy":"Always","streamUrl":"rtmp://origin.example.com/live/class32/101","token":{"generate":true},"uid":101}',
    hash: 'f700484ca4721177b29667d4a4739da8',
  },
  'every player field': {
    reason: 'nested options, a negative and a fractional number, file and env references',
    spec: {
      region: 'eu',
      channelName: 'ch1',
      account: 'teacher101',
      streamUrl: 'https://x.example.com/a.mp4?x=1&y=2',
      idleTimeout: 300,
      audioOptions: { profile: 1, volume: 100 },
      videoOptions: { width: 1280, height: 720, frameRate: 24, bitrate: 1500 },
      repeatTime: -1,
      isPause: false,
      seekPosition: 10,
      tempo: 1.5,
      encryptMode: 'aes-128-gcm2',
      encryptKey: { env: 'KEY' },
      encryptKdfSalt: { file: '/run/salt' },
      restartPolicy: 'Never',
    },
    json:
      '{"account":"teacher101","audioOptions":{"profile":1,"volume":100},"channelName":"ch1","encryptKdfSalt":{"file":"/run/salt"},"encryptKey":{"env":"KEY"},' +
      '"encryptMode":"aes-128-gcm2","idleTimeout":300,"isPause":false,"region":"eu","repeatTime":-1,"restartPolicy":"Never","seekPosition":10,' +
      '"streamUrl":"https://x.example.com/a.mp4?x=1&y=2","tempo":1.5,"videoOptions":{"bitrate":1500,"frameRate":24,"height":720,"width":1280}}',
    hash: '9e1ab9a0a09d19e98473243d42042a1f',
  },
  'strings and keys that need escaping': {
    reason: 'quotes, control characters, non-ASCII and characters JSON leaves as they are',
    spec: {
      'key with "quote"': 'line\nbreak',
      'ünï': 'çödé ✓ 😀',
      tab: 'a\tb',
      back: 'c:\\path',
      ctrl: '\u0001\u007f\u2028',
      slash: '</script>',
      empty: '',
      plus: 'a+b=c?d&e%f~g#h',
      comma: 'a,b',
      braces: '{x}',
      bracket: '[y]',
    },
    json:
      '{"back":"c:\\\\path","braces":"{x}","bracket":"[y]","comma":"a,b","ctrl":"\\u0001\u007f\u2028","empty":"","key with \\"quote\\"":"line\\nbreak",' +
      '"plus":"a+b=c?d&e%f~g#h","slash":"</script>","tab":"a\\tb","ünï":"çödé ✓ 😀"}',
    hash: '89eb55d284f9d9424564ea6a54e5dfe9',
  },
  numbers: {
    reason: 'numbers serialise as JSON does: -0 as 0, exponents, non-finite as null',
    spec: { a: 0, b: -0, c: 1.5, d: -3, e: 1e21, f: 1e-7, g: 123456789012345680000, h: Number.MAX_SAFE_INTEGER, i: 0.1 + 0.2, n: Number.NaN, inf: Number.POSITIVE_INFINITY },
    json: '{"a":0,"b":0,"c":1.5,"d":-3,"e":1e+21,"f":1e-7,"g":123456789012345680000,"h":9007199254740991,"i":0.30000000000000004,"inf":null,"n":null}',
    hash: 'd80923427eb64eaf7406fc5a720d492c',
  },
  'absent values': {
    reason: 'undefined and empty objects are absent, except in arrays, where they are {}; functions are absent',
    spec: { z: [1, 'two', null, true, { b: 2, a: 1 }, [], {}, undefined, [null]], y: { x: { w: {} } }, v: undefined, u: null, t: false, s: { r: undefined }, q: [undefined], fn: () => 1 },
    json: '{"q":[{}],"t":false,"u":null,"z":[1,"two",null,true,{"a":1,"b":2},[],{},{},[null]]}',
    hash: '752d8aa748df7f4e9098fb0a63a7bb62',
  },
  omissions: {
    reason: 'omitted paths at several depths; a path that matches nothing changes nothing',
    spec: { a: { b: 1, c: 2 }, d: { e: 5 }, f: 3, g: { h: { i: 1, j: 2 } }, k: 'keep' },
    omit: ['a.b', 'd.e', 'f', 'g.h.i', 'zz.top'],
    json: '{"a":{"b":1,"c":2},"d":{"e":5},"f":3,"g":{"h":{"i":1,"j":2}},"k":"keep"}',
    hash: '7c55f118500ffa9bffddafe62b3ad52b',
  },
  'an object emptied by omission': {
    reason: 'hashes like the empty spec',
    spec: { audioOptions: { volume: 5 } },
    omit: ['audioOptions.volume'],
    json: '{"audioOptions":{"volume":5}}',
    hash: '44136fa355b3678a1146ad16f7e8649e',
  },
  'empty spec': { reason: 'the canonical JSON of nothing is {}', spec: {}, json: '{}', hash: '44136fa355b3678a1146ad16f7e8649e' },
  'a recording': {
    reason: 'arrays of strings and storage references',
    spec: {
      channelName: 'c',
      uid: 900001,
      mode: 'mix',
      recordingConfig: { maxIdleTime: 300, streamTypes: 2, channelType: 1, subscribeAudioUids: ['1', '2'] },
      storageConfig: { vendor: 1, region: 0, bucket: 'rec', accessKey: { env: 'S3_KEY' }, secretKey: { env: 'S3_SECRET' }, fileNamePrefix: ['a', 'b'] },
    },
    json:
      '{"channelName":"c","mode":"mix","recordingConfig":{"channelType":1,"maxIdleTime":300,"streamTypes":2,"subscribeAudioUids":["1","2"]},' +
      '"storageConfig":{"accessKey":{"env":"S3_KEY"},"bucket":"rec","fileNamePrefix":["a","b"],"region":0,"secretKey":{"env":"S3_SECRET"},"vendor":1},"uid":900001}',
    hash: 'a1d2481136f836186bf94ea31b4d18c5',
  },
  'an origin site without its routes': {
    reason: 'a whole field omitted',
    spec: { enabled: true, domain: 'origin.example.com', app: 'live', routes: [{ a: 1 }] },
    omit: ['routes'],
    json: '{"app":"live","domain":"origin.example.com","enabled":true,"routes":[{"a":1}]}',
    hash: 'd744b9c53e7d137e0cd5aab21f3c7a85',
  },
};

describe('spec hash', () => {
  for (const [name, c] of Object.entries(pinned)) {
    test(`${name} keeps its canonical JSON and its pinned hash: ${c.reason}`, () => {
      assert.equal(canonicalJson(c.spec), c.json);
      assert.equal(specHash(c.spec, c.omit), c.hash);
    });
  }

  test('a player hash leaves out the updatable fields, restartPolicy and token, and keeps its pinned values', () => {
    const manifest = pinned.player?.spec ?? {};
    assert.equal(playerHash(manifest), '3e5a878da6be1ca4b97a792fbe78f535');
    assert.equal(playerHash({ ...manifest, streamUrl: 'rtmp://elsewhere/x', restartPolicy: 'Never', token: { env: 'T' } }), '3e5a878da6be1ca4b97a792fbe78f535');
    assert.equal(playerHash(pinned['every player field']?.spec ?? {}), 'f279d70e2d456ce7481b986ffd7e28c8');
    const planScale = {
      region: 'na',
      channelName: 'ch0',
      uid: 1000,
      streamUrl: 'rtmp://origin.example.com/live/0',
      idleTimeout: 300,
      audioOptions: { profile: 1, volume: 100 },
      videoOptions: { width: 1280, height: 720, frameRate: 24, bitrate: 1500 },
      restartPolicy: 'Always',
    };
    assert.equal(playerHash(planScale), 'e1dd4f240b4ad45f7d69ec8ed45bb50a');
  });

  test('objects in an array keep the fields an omission removes from an object at the same place', () => {
    // The serialiser remembers layouts per position in a spec: the object's layout leaves b out,
    // the array items' layout must not. One list for every call, as kinds pass theirs.
    const omit = ['a.b'];
    assert.equal(specHash({ a: { b: 1, c: 2 } }, omit), '793fe66a2d4239e3e64774ce7ee90c6e');
    assert.equal(specHash({ a: [{ b: 1, c: 2 }] }, omit), 'dfb62033ef624d062a58ed0e190367c0');
    assert.equal(specHash({ a: { b: 1, c: 2 } }, omit), '793fe66a2d4239e3e64774ce7ee90c6e');
  });

  test('any sequence of values hashes as the plain definition says: sorted keys, absent empties, omissions', () => {
    // Few key names and shapes, so that values share positions and layouts from one to the next.
    const key = fc.constantFrom('a', 'b', 'c', 'B', '1', '10', 'é', 'k"q');
    const scalar = fc.oneof(fc.constantFrom<unknown>(undefined, null, true, false, 0, -0, 1.5, Number.NaN, 1e21, '', 'x', 'a\nb', 'ü', '\ud800'), fc.string(), fc.integer());
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof({ maxDepth: 4 }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
    }));
    // Constant lists, as kinds pass them, so that layouts are shared from one value to the next;
    // no path lies under another (kinds omit disjoint fields).
    const omit = fc.constantFrom([], ['a'], ['a.b'], ['a.b', 'b'], ['a.a.b', 'c'], ['10', 'B.1']);
    const spec = fc.dictionary(key, value, { maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(fc.tuple(spec, omit), { minLength: 1, maxLength: 8 }), (specs) => {
        for (const [s, o] of specs) {
          assert.equal(canonicalJson(s), definition(s, []) ?? '{}');
          assert.equal(specHash(s, o), createHash('sha256').update(definition(s, o) ?? '{}').digest('hex').slice(0, 32));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a spec of any size hashes as defined, and small ones still do after it', () => {
    const large = { text: 'x'.repeat(5000) + 'é😀', items: Array.from({ length: 2000 }, (_, i) => ({ i, name: `item-${i}` })) };
    const small = pinned.player?.spec ?? {};
    assert.equal(specHash(small), pinned.player?.hash);
    assert.equal(specHash(large), createHash('sha256').update(definition(large, []) ?? '{}').digest('hex').slice(0, 32));
    assert.equal(canonicalJson(large), definition(large, []));
    assert.equal(specHash(small), pinned.player?.hash);
  });

  test('the hash does not depend on the order in which keys were written', () => {
    const entries = fc.uniqueArray(fc.tuple(fc.string(), fc.jsonValue()), { selector: ([k]) => k, maxLength: 8 });
    fc.assert(
      fc.property(entries, (list) => {
        const forward = Object.fromEntries(list);
        const backward = Object.fromEntries([...list].reverse());
        assert.equal(specHash(forward), specHash(backward));
        assert.equal(canonicalJson(forward), canonicalJson(backward));
      }),
    );
  });
});

/**
 * The canonical JSON as first defined, written plainly: keys sorted at every depth, omitted
 * paths left out, an object left empty absent, an absent array item `{}`, scalars as JSON.
 */
function definition(value: unknown, omit: readonly string[], path = ''): string | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => definition(item, []) ?? '{}').join(',')}]`;
  const fields: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const at = path === '' ? key : `${path}.${key}`;
    if (omit.includes(at)) continue;
    const text = definition((value as Record<string, unknown>)[key], omit, at);
    if (text !== undefined) fields.push(`${JSON.stringify(key)}:${text}`);
  }
  return fields.length === 0 ? undefined : `{${fields.join(',')}}`;
}
