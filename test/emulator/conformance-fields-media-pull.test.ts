// Media Pull field rows of docs/agora-conformance.md (MP-13 on): each request field with its
// boundary values in and out, over real HTTP against the emulator. Sources: Agora's OpenAPI
// document content/openapi/media-pull/media-pull.zh-CN.yaml (AgoraIO/docs-portal) and
// media-pull-rest-api.txt.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';
import type { Answer } from './helpers.ts';
import { row } from './conformance-support.ts';
import { ABSENT, withFields } from './conformance-fields.ts';

const APP = 'app-conformance-fields-mp';
const ENCRYPT_MODES = ['aes-128-xts', 'aes-256-xts', 'aes-128-ecb', 'sm4-128-ecb', 'aes-128-gcm', 'aes-256-gcm'];
const SALT = Buffer.alloc(32, 7).toString('base64');

/** [fields set on a valid Create body, accepted]. */
type Case = [Record<string, unknown>, boolean];

const CREATE_ROWS: [string, string, Case[]][] = [
  ['MP-13', 'uid: an integer 0..2^32-1', [
    [{ uid: 0 }, true], [{ uid: 4294967295 }, true], [{ uid: -1 }, false], [{ uid: 4294967296 }, false], [{ uid: 1.5 }, false], [{ uid: '101' }, false],
  ]],
  ['MP-14', 'account: 1..255 bytes of the 89 characters, not with uid', [
    [{ uid: ABSENT, account: 'a' }, true], [{ uid: ABSENT, account: 'a'.repeat(255) }, true], [{ uid: ABSENT, account: 'a'.repeat(256) }, false],
    [{ uid: ABSENT, account: '' }, false], [{ uid: ABSENT, account: 'a/b' }, false], [{ uid: 101, account: 'a' }, false],
  ]],
  ['MP-15', 'channelName: required, 1..64 bytes of the 89 characters', [
    [{ channelName: 'c'.repeat(64) }, true], [{ channelName: 'a b!#$%&()+-:;<=.>?@[]^_{|}~,' }, true], [{ channelName: 'c'.repeat(65) }, false],
    [{ channelName: '' }, false], [{ channelName: 'a/b' }, false], [{ channelName: 'é' }, false], [{ channelName: ABSENT }, false], [{ channelName: null }, false],
  ]],
  ['MP-16', 'streamUrl: required, an RTMP/HTTP/HTTPS URL of at most 1024 bytes', [
    [{ streamUrl: 'http://origin.example.com/a.m3u8' }, true], [{ streamUrl: 'https://origin.example.com/a.mp4' }, true],
    [{ streamUrl: `rtmp://o.example.com/${'x'.repeat(1003)}` }, true], [{ streamUrl: `rtmp://o.example.com/${'x'.repeat(1004)}` }, false],
    [{ streamUrl: 'ftp://origin.example.com/a' }, false], [{ streamUrl: '' }, false], [{ streamUrl: ABSENT }, false],
  ]],
  ['MP-17', 'name: at most 64 characters of A-Z a-z 0-9 _ -', [
    [{ name: 'a'.repeat(64) }, true], [{ name: 'a-b_C9' }, true], [{ name: 'a'.repeat(65) }, false], [{ name: 'a.b' }, false], [{ name: 'a b' }, false],
  ]],
  ['MP-18', 'token: a string', [[{ token: '006abc' }, true], [{ token: 5 }, false]]],
  ['MP-19', 'idleTimeout: a number (out of 5..600 is clamped, MP-04)', [[{ idleTimeout: 5 }, true], [{ idleTimeout: 600 }, true], [{ idleTimeout: 'x' }, false]]],
  ['MP-20', 'repeatTime: -1 or a positive integer, not 0', [
    [{ repeatTime: -1 }, true], [{ repeatTime: 1 }, true], [{ repeatTime: 100 }, true], [{ repeatTime: 0 }, false], [{ repeatTime: -2 }, false], [{ repeatTime: 1.5 }, false],
  ]],
  ['MP-21', 'seekPosition: a number of seconds, at least 0', [[{ seekPosition: 0 }, true], [{ seekPosition: 12.5 }, true], [{ seekPosition: -1 }, false], [{ seekPosition: '1' }, false]]],
  ['MP-22', 'encryptMode: one of eight modes; the gcm2 modes need encryptKdfSalt', [
    ...ENCRYPT_MODES.map((mode): Case => [{ encryptMode: mode, encryptKey: 'k'.repeat(32) }, true]),
    [{ encryptMode: 'aes-128-gcm2', encryptKey: 'k'.repeat(32), encryptKdfSalt: SALT }, true],
    [{ encryptMode: 'aes-256-gcm2', encryptKey: 'k'.repeat(32), encryptKdfSalt: SALT }, true],
    [{ encryptMode: 'aes-256-gcm2', encryptKey: 'k'.repeat(32) }, false], [{ encryptMode: 'aes-512-xts', encryptKey: 'k' }, false],
    [{ encryptMode: 'aes-128-xts', encryptKey: 5 }, false],
  ]],
  ['MP-23', 'videoOptions.width 66..1920 and height 66..1080', [
    [{ 'videoOptions.width': 66 }, true], [{ 'videoOptions.width': 1920 }, true], [{ 'videoOptions.width': 65 }, false], [{ 'videoOptions.width': 1921 }, false],
    [{ 'videoOptions.height': 66 }, true], [{ 'videoOptions.height': 1080 }, true], [{ 'videoOptions.height': 65 }, false], [{ 'videoOptions.height': 1081 }, false],
  ]],
  ['MP-24', 'videoOptions.bitrate 1..10000 and gop 1..10', [
    [{ 'videoOptions.bitrate': 1 }, true], [{ 'videoOptions.bitrate': 10000 }, true], [{ 'videoOptions.bitrate': 0 }, false], [{ 'videoOptions.bitrate': 10001 }, false],
    [{ 'videoOptions.gop': 1 }, true], [{ 'videoOptions.gop': 10 }, true], [{ 'videoOptions.gop': 0 }, false], [{ 'videoOptions.gop': 11 }, false],
  ]],
  ['MP-25', 'videoOptions.codec: any string is taken and still encodes H.264 (MP-D5)', [
    [{ 'videoOptions.codec': 'H.264' }, true], [{ 'videoOptions.codec': 'VP8' }, true], [{ 'videoOptions.codec': 264 }, false],
  ]],
  ['MP-26', 'videoOptions.fillMode fit or fill; widthHeightAdaption a boolean', [
    [{ 'videoOptions.fillMode': 'fit' }, true], [{ 'videoOptions.fillMode': 'fill' }, true], [{ 'videoOptions.fillMode': 'stretch' }, false],
    [{ 'videoOptions.widthHeightAdaption': true }, true], [{ 'videoOptions.widthHeightAdaption': 'yes' }, false],
  ]],
  ['MP-27', 'tempo: 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0', [[{ tempo: 0.5 }, true], [{ tempo: 2 }, true], [{ tempo: 1.1 }, false], [{ tempo: 3 }, false]]],
  ['MP-28', 'dataStreamOptions.enable: a boolean', [[{ 'dataStreamOptions.enable': true }, true], [{ 'dataStreamOptions.enable': 'yes' }, false]]],
];

void describe('Media Pull field conformance (docs/agora-conformance.md, MP-13 on)', () => {
  const emu = useEmulator({ frozenClock: true });
  let n = 0;
  const create = (fields: Record<string, unknown>, region = 'na', query = ''): Promise<Answer> => {
    n += 1;
    const body = { player: withFields(player({ name: `f${n}`, uid: 1000 + n }), fields) };
    return emu.call('POST', `/${region}/v1/projects/${APP}/cloud-player/players${query}`, { body });
  };
  const expect = (answer: Answer, accepted: boolean, what: string): void => {
    assert.equal(answer.status, accepted ? 200 : 400, `${what}: ${answer.text}`);
    if (!accepted) assert.equal(typeof (answer.body as { message?: unknown }).message, 'string', `${what}: 400 answers {message}`);
  };

  for (const [id, behaviour, cases] of CREATE_ROWS) {
    row(id, `Create ${behaviour}`, async () => {
      for (const [fields, accepted] of cases) expect(await create(fields), accepted, JSON.stringify(fields).slice(0, 120));
    });
  }

  row('MP-29', 'Create playTs: 0, or createTs-86400..createTs+300 (Unix seconds)', async () => {
    const now = Math.floor((await emu.now()) / 1000);
    for (const [playTs, accepted] of [[0, true], [now - 86_400, true], [now + 300, true], [now - 86_401, false], [now + 301, false], [now + 0.5, false]] as const) {
      expect(await create({ playTs }), accepted, `playTs ${playTs - now}`);
    }
  });

  row('MP-30', 'Create region (path): cn, ap, na, eu in lower case; anything else 400', async () => {
    for (const region of ['cn', 'ap', 'na', 'eu']) expect(await create({}, region), true, region);
    for (const region of ['NA', 'us']) expect(await create({}, region), false, region);
  });

  row('MP-31', 'Create streamIp (query): a valid IPv4 address', async () => {
    expect(await create({}, 'na', '?streamIp=10.0.0.1'), true, '10.0.0.1');
    for (const ip of ['::1', '10.0.0', 'origin.example.com']) expect(await create({}, 'na', `?streamIp=${encodeURIComponent(ip)}`), false, ip);
  });

  row('MP-32', 'Update takes only audioOptions, isPause, streamUrl, seekPosition, tempo; refusals answer 400 {reason}', async () => {
    const id = ((await create({})).body as { player: { id: string } }).player.id;
    const update = (player: Record<string, unknown>, sequence: string | undefined = '1') =>
      emu.call('PATCH', `/na/v1/projects/${APP}/cloud-player/players/${id}${sequence === undefined ? '' : `?sequence=${sequence}`}`, { body: { player } });
    const cases: [Record<string, unknown>, boolean][] = [
      [{ isPause: true }, true], [{ streamUrl: 'rtmp://origin.example.com/live/y' }, true], [{ seekPosition: 40 }, true], [{ tempo: 1.5 }, true],
      [{ audioOptions: { volume: 0 } }, true], [{ audioOptions: { volume: 200, profile: 1 } }, true],
      [{ isPause: 'yes' }, false], [{ audioOptions: { volume: 201 } }, false], [{ tempo: 3 }, false], [{ streamUrl: 'ftp://x/y' }, false],
      [{ channelName: 'other' }, false], [{ videoOptions: { width: 100 } }, false], [{ idleTimeout: 10 }, false],
    ];
    for (const [fields, accepted] of cases) {
      const answer = await update(fields);
      assert.equal(answer.status, accepted ? 200 : 400, `${JSON.stringify(fields)}: ${answer.text}`);
      if (!accepted) assert.equal(typeof (answer.body as { reason?: unknown }).reason, 'string');
    }
  });

  row('MP-33', 'Update sequence: required, an integer of at least 0', async () => {
    const id = ((await create({})).body as { player: { id: string } }).player.id;
    const path = (q: string) => `/na/v1/projects/${APP}/cloud-player/players/${id}${q}`;
    const body = { player: { isPause: false } };
    assert.equal((await emu.call('PATCH', path('?sequence=0'), { body })).status, 200);
    for (const q of ['', '?sequence=-1', '?sequence=1.5', '?sequence=x']) assert.equal((await emu.call('PATCH', path(q), { body })).status, 400, q);
  });

  row('MP-34', 'Update and Delete of a player that does not exist: Update 404, Delete 2XX', async () => {
    const path = `/na/v1/projects/${APP}/cloud-player/players/00000000000000000000000000000000`;
    assert.equal((await emu.call('PATCH', `${path}?sequence=0`, { body: { player: { isPause: true } } })).status, 404);
    const deleted = await emu.call('DELETE', path);
    assert.ok(deleted.status >= 200 && deleted.status < 300, deleted.text);
  });

  row('MP-35', 'a body that is not {"player": {...}} answers 400 {message}', async () => {
    for (const body of [{}, { player: 'x' }, []]) {
      const answer = await emu.call('POST', `/na/v1/projects/${APP}/cloud-player/players`, { body });
      expect(answer, false, JSON.stringify(body));
    }
  });
});
