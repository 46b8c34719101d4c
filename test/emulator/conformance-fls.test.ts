// FLS origin-site conformance: one test per FLS row of docs/agora-conformance.md, signed as
// Agora's HMAC-SHA256 scheme requires, over real HTTP against the emulator.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from './helpers.ts';
import { assertNcsIpList, row } from './conformance-support.ts';

const APP = 'app-conformance-fls';
const ENTRY_POINTS = `/v1/projects/${APP}/fls/entry_points`;
const originSite = (entryPoint = 'live') => `${ENTRY_POINTS}/${entryPoint}/settings/origin_site`;

void describe('FLS conformance (docs/agora-conformance.md, FLS rows)', () => {
  const emu = useEmulator({ frozenClock: true });


  row('FLS-01', 'GET origin_site of the default entry point answers 200 {enabled: false}', async () => {
    const answer = await emu.fls('GET', originSite());
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body, { enabled: false });
  });

  row('FLS-02', 'PATCH origin_site answers 200 with the settings, which GET then shows', async () => {
    const settings = { enabled: true, domain: 'origin.example.com', app: 'live' };
    assert.deepEqual((await emu.fls('PATCH', originSite(), settings)).body, settings);
    assert.deepEqual((await emu.fls('GET', originSite())).body, settings);
  });

  row('FLS-03', 'PATCH with both domain and callbackUrl answers 400', async () => {
    const answer = await emu.fls('PATCH', originSite(), { enabled: true, domain: 'origin.example.com', callbackUrl: 'https://hooks.example.com/pull' });
    assert.equal(answer.status, 400, answer.text);
  });

  row('FLS-04', 'GET entry_points lists {entryPointList: [{name}]}', async () => {
    assert.deepEqual((await emu.fls('GET', ENTRY_POINTS)).body, { entryPointList: [{ name: 'live' }] });
  });

  row('FLS-05', 'POST entry_points?id=name answers 201; DELETE answers 200; live cannot be deleted (400)', async () => {
    assert.equal((await emu.fls('POST', `${ENTRY_POINTS}?id=sports`)).status, 201);
    assert.equal((await emu.fls('DELETE', `${ENTRY_POINTS}/sports`)).status, 200);
    assert.equal((await emu.fls('DELETE', `${ENTRY_POINTS}/live`)).status, 400);
  });

  row('FLS-06', 'Basic auth is refused with 401: FLS takes HMAC-SHA256 signatures only', async () => {
    assert.equal((await emu.call('GET', originSite())).status, 401);
  });

  row('FLS-13', 'GET /v2/ncs/ip (notification service) answers 200 data.service.hosts[].primaryIP with Basic auth, 401 without', async () => {
    await assertNcsIpList(emu, '/v2/ncs/ip');
  });

  row('FLS-14', 'the document\'s other FLS operations (domains, streams, reports, record, snapshot, transcode, watermark, transfer, delay) are not emulated: 404', async () => {
    const others: [string, string][] = [
      ['GET', `/v1/projects/${APP}/fls/domains`],
      ['GET', `${ENTRY_POINTS}/live/admin/banned_streams`],
      ['GET', `${ENTRY_POINTS}/live/reports/online_streams`],
      ['GET', `${ENTRY_POINTS}/live/settings/watermark`],
      ['GET', `${ENTRY_POINTS}/live/settings/transfer`],
    ];
    for (const [method, path] of others) assert.equal((await emu.fls(method, path)).status, 404, `${method} ${path}`);
  });
});
