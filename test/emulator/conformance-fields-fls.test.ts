// FLS origin-site field rows of docs/agora-conformance.md (FLS-07 on): each PATCH field with its
// values in and out, signed with HMAC-SHA256, over real HTTP against the emulator. Sources:
// fls-pull-from-origin.txt; agora-facts.md "FLS".
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from './helpers.ts';
import { row } from './conformance-support.ts';

const APP = 'app-conformance-fields-fls';
const ENTRY_POINTS = `/v1/projects/${APP}/fls/entry_points`;
const originSite = (entryPoint = 'live') => `${ENTRY_POINTS}/${entryPoint}/settings/origin_site`;

void describe('FLS field conformance (docs/agora-conformance.md, FLS-07 on)', () => {
  const emu = useEmulator({ frozenClock: true });

  const patch = (body: unknown) => emu.fls('PATCH', originSite(), body);
  const expect = async (body: unknown, status: number) => {
    const answer = await patch(body);
    assert.equal(answer.status, status, `${JSON.stringify(body).slice(0, 120)}: ${answer.text}`);
  };

  row('FLS-07', 'enabled: a boolean', async () => {
    await expect({ enabled: true }, 200);
    await expect({ enabled: false }, 200);
    await expect({ enabled: 'true' }, 400);
    await expect({ enabled: 1 }, 400);
  });

  row('FLS-08', 'domain: a host name of at most 253 characters (labels of 1..63), no port, scheme or path', async () => {
    for (const domain of ['origin.example.com', 'origin', `${'a'.repeat(63)}.example.com`]) await expect({ domain }, 200);
    for (const domain of ['origin.example.com:1935', 'http://origin.example.com', 'origin.example.com/live', `${'a'.repeat(64)}.example.com`, '-origin.example.com', 'a b.com', 5]) await expect({ domain }, 400);
  });

  row('FLS-09', 'app: one path segment of 1..128 characters, only together with domain', async () => {
    await expect({ domain: 'origin.example.com', app: 'a'.repeat(128) }, 200);
    for (const app of ['a'.repeat(129), 'live/x', 'a b']) await expect({ domain: 'origin.example.com', app }, 400);
    await expect({ domain: null }, 200);
    await expect({ app: 'live' }, 400);
  });

  row('FLS-10', 'callbackUrl: an http(s) URL; setting it drops domain and app', async () => {
    await expect({ domain: 'origin.example.com', app: 'live' }, 200);
    await expect({ callbackUrl: 'https://hooks.example.com/pull' }, 200);
    assert.deepEqual((await emu.fls('GET', originSite())).body, { enabled: false, callbackUrl: 'https://hooks.example.com/pull' });
    for (const callbackUrl of ['ftp://hooks.example.com/pull', 'hooks.example.com', 5]) await expect({ callbackUrl }, 400);
  });

  row('FLS-11', 'unknown fields and bodies that are not objects answer 400', async () => {
    await expect({ routes: [] }, 400);
    await expect({ deletionPolicy: 'Orphan' }, 400);
    await expect([], 400);
    await expect('x', 400);
  });

  row('FLS-12', 'an entry point that does not exist answers 404; names are 1..64 characters of A-Z a-z 0-9 _ -', async () => {
    assert.equal((await emu.fls('GET', originSite('nowhere'))).status, 404);
    assert.equal((await emu.fls('PATCH', originSite('nowhere'), { enabled: true })).status, 404);
    assert.equal((await emu.fls('POST', `${ENTRY_POINTS}?id=${'e'.repeat(64)}`)).status, 201);
    assert.equal((await emu.fls('POST', `${ENTRY_POINTS}?id=${'e'.repeat(64)}`)).status, 409);
    for (const id of ['e'.repeat(65), 'a.b', '']) assert.equal((await emu.fls('POST', `${ENTRY_POINTS}?id=${id}`)).status, 400, id);
    assert.equal((await emu.fls('DELETE', `${ENTRY_POINTS}/nowhere`)).status, 404);
  });
});
