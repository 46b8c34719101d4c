// Conformance of Create (media-pull-rest-api.txt "Create"; agora-facts.md "Media Pull").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { player, useEmulator } from './helpers.ts';

const APP = 'app-create';

void describe('Media Pull Create', () => {
  const emu = useEmulator();

  void test('creates a player and answers its uid, id, createTs, status "connecting" and the fields mask', async () => {
    const before = Math.floor((await emu.now()) / 1000);
    const answer = await emu.createPlayer(APP, player({ name: 'class32-101' }));
    assert.equal(answer.status, 200);
    const body = answer.body as { player: Record<string, unknown>; fields: string };
    assert.deepEqual(Object.keys(body.player).sort(), ['createTs', 'id', 'status', 'uid']);
    assert.equal(body.player.uid, 101);
    assert.equal(body.player.status, 'connecting');
    assert.match(String(body.player.id), /^[0-9a-f]{32}$/);
    assert.ok(Number(body.player.createTs) >= before && Number(body.player.createTs) <= before + 1);
    assert.equal(body.fields, 'player.uid,player.id,player.createTs,player.status');
    assert.equal(answer.headers.get('x-resource-id'), body.player.id);
    const stored = await emu.player(String(body.player.id));
    assert.equal(stored?.name, 'class32-101');
    assert.equal(stored?.channelName, 'class32');
    assert.equal(stored?.region, 'na');
  });

  void test('answers a player created with an account with the account and its fields mask', async () => {
    const answer = await emu.createPlayer(APP, player({ uid: undefined, account: 'teacher101' }));
    assert.equal(answer.status, 200);
    const body = answer.body as { player: Record<string, unknown>; fields: string };
    assert.equal(body.player.account, 'teacher101');
    assert.equal('uid' in body.player, false);
    assert.equal(body.fields, 'player.account,player.id,player.createTs,player.status');
  });

  void test('assigns a uid when the player asks for uid 0', async () => {
    const answer = await emu.createPlayer(APP, player({ uid: 0 }));
    const uid = (answer.body as { player: { uid: number } }).player.uid;
    assert.ok(Number.isInteger(uid) && uid > 0 && uid < 2 ** 32, `uid ${uid}`);
  });

  void test('echoes the X-Request-ID it was sent and generates a UUID when none was sent', async () => {
    const echoed = await emu.call('POST', `/na/v1/projects/${APP}/cloud-player/players`, {
      body: { player: player() },
      headers: { 'x-request-id': 'req-42' },
    });
    assert.equal(echoed.headers.get('x-request-id'), 'req-42');
    const generated = await emu.createPlayer(APP, player({ uid: 102 }));
    assert.match(String(generated.headers.get('x-request-id')), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const refused = await emu.createPlayer(APP, player({ streamUrl: 'ftp://x' }));
    assert.ok(refused.headers.get('x-request-id'), 'a 400 carries X-Request-ID too');
  });

  void test('answers 401 without X-Request-ID to a request without valid Basic credentials, and creates nothing', async () => {
    const cases: Record<string, Record<string, string> | undefined> = {
      'no Authorization header': undefined,
      'a wrong secret': { authorization: `Basic ${Buffer.from('test-customer:wrong').toString('base64')}` },
      'another scheme': { authorization: 'Bearer abc' },
    };
    for (const [reason, headers] of Object.entries(cases)) {
      const answer = await emu.call('POST', `/na/v1/projects/${APP}/cloud-player/players`, {
        body: { player: player() },
        noAuth: headers === undefined,
        ...(headers ? { headers: { ...headers, 'x-request-id': 'r-1' } } : { headers: { 'x-request-id': 'r-1' } }),
      });
      assert.equal(answer.status, 401, reason);
      assert.deepEqual(answer.body, { message: 'Invalid authentication credentials.' }, reason);
      assert.equal(answer.headers.get('x-request-id'), null, reason);
    }
    assert.deepEqual(await emu.players(), []);
  });

  void test('refuses every invalid field with 400 and the documented message', async () => {
    const now = Math.floor((await emu.now()) / 1000);
    const long = (n: number) => 'a'.repeat(n);
    const table: { reason: string; body: unknown; message: string | RegExp; region?: string; query?: string }[] = [
      { reason: 'the body is not {"player": {...}}', body: player(), message: /player/ },
      { reason: 'the body is empty', body: '', message: /./ },
      { reason: 'streamUrl missing', body: { player: player({ streamUrl: undefined }) }, message: "The 'streamUrl' parameter is incorrectly formatted." },
      { reason: 'streamUrl empty', body: { player: player({ streamUrl: '' }) }, message: "The 'streamUrl' parameter is incorrectly formatted." },
      { reason: 'streamUrl null', body: { player: player({ streamUrl: null }) }, message: "The 'streamUrl' parameter is incorrectly formatted." },
      { reason: 'streamUrl not RTMP/HTTP/HTTPS', body: { player: player({ streamUrl: 'ftp://a.example/x' }) }, message: "The 'streamUrl' parameter is incorrectly formatted." },
      { reason: 'streamUrl not a URL', body: { player: player({ streamUrl: 'not a url' }) }, message: "The 'streamUrl' parameter is incorrectly formatted." },
      { reason: 'streamUrl over 1024 bytes', body: { player: player({ streamUrl: `http://a.example/${long(1010)}` }) }, message: "The 'streamUrl' parameter is incorrectly formatted." },
      { reason: 'channelName missing', body: { player: player({ channelName: undefined }) }, message: 'The channelName parameter is invalid.' },
      { reason: 'channelName over 64 bytes', body: { player: player({ channelName: long(65) }) }, message: 'The channelName parameter is invalid.' },
      { reason: 'channelName with a character outside the 89', body: { player: player({ channelName: 'class/32' }) }, message: 'The channelName parameter is invalid.' },
      { reason: 'neither uid nor account', body: { player: player({ uid: undefined }) }, message: /uid.*account/ },
      { reason: 'both uid and account', body: { player: player({ account: 'teacher' }) }, message: /uid.*account/ },
      { reason: 'uid above 2^32-1', body: { player: player({ uid: 2 ** 32 }) }, message: 'The uid parameter is invalid.' },
      { reason: 'uid negative', body: { player: player({ uid: -1 }) }, message: 'The uid parameter is invalid.' },
      { reason: 'uid a string', body: { player: player({ uid: '101' }) }, message: 'The uid parameter is invalid.' },
      { reason: 'account empty', body: { player: player({ uid: undefined, account: '' }) }, message: 'The account parameter is invalid.' },
      { reason: 'account over 255 bytes', body: { player: player({ uid: undefined, account: long(256) }) }, message: 'The account parameter is invalid.' },
      { reason: 'name over 64 characters', body: { player: player({ name: long(65) }) }, message: 'The name parameter is invalid.' },
      { reason: 'name with a dot', body: { player: player({ name: 'class.32' }) }, message: 'The name parameter is invalid.' },
      { reason: 'region not cn/ap/na/eu', body: { player: player() }, region: 'us', message: 'The region parameter is invalid.' },
      { reason: 'region in upper case', body: { player: player() }, region: 'NA', message: 'The region parameter is invalid.' },
      { reason: 'streamIp not IPv4', body: { player: player() }, query: 'streamIp=::1', message: 'The streamIp parameter is invalid.' },
      { reason: 'playTs more than 86400 s before creation', body: { player: player({ playTs: now - 86_400 - 60 }) }, message: 'The playTs parameter is invalid.' },
      { reason: 'playTs more than 300 s after creation', body: { player: player({ playTs: now + 360 }) }, message: 'The playTs parameter is invalid.' },
      { reason: 'repeatTime 0', body: { player: player({ repeatTime: 0 }) }, message: 'The repeatTime parameter is invalid.' },
      { reason: 'repeatTime -2', body: { player: player({ repeatTime: -2 }) }, message: 'The repeatTime parameter is invalid.' },
      { reason: 'idleTimeout not a number', body: { player: player({ idleTimeout: '300' }) }, message: 'The idleTimeout parameter is invalid.' },
      { reason: 'seekPosition negative', body: { player: player({ seekPosition: -1 }) }, message: 'The seekPosition parameter is invalid.' },
      { reason: 'tempo not a listed speed', body: { player: player({ tempo: 3 }) }, message: 'The tempo parameter is invalid.' },
      { reason: 'aes-128-gcm2 without a salt', body: { player: player({ encryptMode: 'aes-128-gcm2', encryptKey: 'k' }) }, message: 'The encryptKdfSalt parameter is invalid.' },
      { reason: 'an unknown encryptMode', body: { player: player({ encryptMode: 'rot13' }) }, message: 'The encryptMode parameter is invalid.' },
      { reason: 'audio profile 6', body: { player: player({ audioOptions: { profile: 6 } }) }, message: 'The audioOptions.profile parameter is invalid.' },
      { reason: 'video width 65', body: { player: player({ videoOptions: { width: 65 } }) }, message: 'The videoOptions.width parameter is invalid.' },
      { reason: 'video height 1081', body: { player: player({ videoOptions: { height: 1081 } }) }, message: 'The videoOptions.height parameter is invalid.' },
      { reason: 'video frameRate 31', body: { player: player({ videoOptions: { frameRate: 31 } }) }, message: 'The videoOptions.frameRate parameter is invalid.' },
      { reason: 'video bitrate 10001', body: { player: player({ videoOptions: { bitrate: 10_001 } }) }, message: 'The videoOptions.bitrate parameter is invalid.' },
      { reason: 'video fillMode stretch', body: { player: player({ videoOptions: { fillMode: 'stretch' } }) }, message: 'The videoOptions.fillMode parameter is invalid.' },
    ];
    for (const row of table) {
      const path = `/${row.region ?? 'na'}/v1/projects/${APP}/cloud-player/players${row.query ? `?${row.query}` : ''}`;
      const answer = await emu.call('POST', path, { body: row.body });
      assert.equal(answer.status, 400, row.reason);
      const message = (answer.body as { message?: string }).message ?? '';
      if (typeof row.message === 'string') assert.equal(message, row.message, row.reason);
      else assert.match(message, row.message, row.reason);
    }
    assert.deepEqual(await emu.players(), []);
  });

  void test('accepts every documented bound and optional field', async () => {
    const now = Math.floor((await emu.now()) / 1000);
    const table: Record<string, Record<string, unknown>> = {
      'playTs a day back (error recovery)': { playTs: now - 86_400 + 60 },
      'playTs nearly 300 s ahead (timed start)': { playTs: now + 240 },
      'repeatTime -1 (loop)': { repeatTime: -1 },
      'uid 2^32-1': { uid: 2 ** 32 - 1 },
      'a 64-byte channel of all allowed punctuation': { channelName: ' !#$%&()+-:;<=.>?@[]^_{|}~,abcdefghijklmnopqrstuvwxyzABCDEFGHIJ' },
      'aes-256-gcm2 with a salt': { encryptMode: 'aes-256-gcm2', encryptKey: 'key', encryptKdfSalt: 'c2FsdA==' },
      'full transcoding options': {
        audioOptions: { profile: 5, volume: 200 },
        videoOptions: { width: 1920, height: 1080, widthHeightAdaption: true, frameRate: 30, bitrate: 10_000, gop: 10, codec: 'H.264', fillMode: 'fill' },
        dataStreamOptions: { enable: true },
        token: '2a784467d6',
        tempo: 2.0,
        seekPosition: 10,
      },
    };
    let uid = 1;
    for (const [reason, fields] of Object.entries(table)) {
      const answer = await emu.createPlayer(APP, player({ uid: uid++, ...fields }), 'eu');
      assert.equal(answer.status, 200, `${reason}: ${answer.text}`);
    }
    const streamIp = await emu.call('POST', `/ap/v1/projects/${APP}/cloud-player/players?streamIp=203.0.113.7`, { body: { player: player() } });
    assert.equal(streamIp.status, 200);
  });

  void test('clamps idleTimeout to 5..600 instead of refusing it', async () => {
    const low = await emu.createPlayer(APP, player({ uid: 1, idleTimeout: 1 }));
    const high = await emu.createPlayer(APP, player({ uid: 2, idleTimeout: 1000 }));
    const unset = await emu.createPlayer(APP, player({ uid: 3 }));
    const idOf = (a: typeof low) => (a.body as { player: { id: string } }).player.id;
    assert.equal((await emu.player(idOf(low)))?.idleTimeout, 5);
    assert.equal((await emu.player(idOf(high)))?.idleTimeout, 600);
    assert.equal((await emu.player(idOf(unset)))?.idleTimeout, 300);
  });

  void test('answers 409 with the existing player in X-Resource-ID when the name exists in the project', async () => {
    const first = await emu.createPlayer(APP, player({ name: 'class32-101' }));
    const id = (first.body as { player: { id: string } }).player.id;
    const again = await emu.createPlayer(APP, player({ name: 'class32-101', uid: 102, channelName: 'other' }));
    assert.equal(again.status, 409);
    assert.deepEqual(again.body, { message: 'Resource with the same name already exists.' });
    assert.equal(again.headers.get('x-resource-id'), id);
    assert.equal((await emu.players()).length, 1);
    const otherProject = await emu.createPlayer('another-app', player({ name: 'class32-101' }));
    assert.equal(otherProject.status, 200, 'names are unique per project only');
    const unnamed = await Promise.all([emu.createPlayer(APP, player({ uid: 7 })), emu.createPlayer(APP, player({ uid: 8 }))]);
    assert.deepEqual(unnamed.map((a) => a.status), [200, 200], 'many players may have no name');
  });

  void test('answers 429 "Resource quota exceeded." past 50 live players per project, and again accepts after a delete', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const answer = await emu.createPlayer(APP, player({ uid: 1000 + i }));
      assert.equal(answer.status, 200, `player ${i}: ${answer.text}`);
      ids.push((answer.body as { player: { id: string } }).player.id);
    }
    const over = await emu.createPlayer(APP, player({ uid: 2000 }));
    assert.equal(over.status, 429);
    assert.deepEqual(over.body, { message: 'Resource quota exceeded.' });
    assert.equal((await emu.createPlayer('another-app', player())).status, 200, 'the quota is per project');
    await emu.call('DELETE', `/na/v1/projects/${APP}/cloud-player/players/${ids[0]}`);
    assert.equal((await emu.createPlayer(APP, player({ uid: 2000 }))).status, 200);
  });

  void test('applies a configured player quota', async () => {
    await emu.control('PUT', '/limits', { playersPerProject: 2 });
    const statuses = [];
    for (let uid = 1; uid <= 3; uid += 1) statuses.push((await emu.createPlayer(APP, player({ uid }))).status);
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});
