// Shared by the conformance suites: a test is named for the row of docs/agora-conformance.md it
// checks ("CR-03: ..."), so conformance-doc.test.ts can hold the document and the suites together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgoraClient } from '../../src/agora/client.ts';
import type { AgoraClient } from '../../src/agora/client.ts';
import type { TestEmulator } from './helpers.ts';

export function row(id: string, behaviour: string, run: () => Promise<void>): void {
  void test(`${id}: ${behaviour}`, run);
}

/** agoractl's own client, pointed at the emulator; no retries, so a test sees each answer. */
export function clientFor(emu: TestEmulator, appId: string): AgoraClient {
  return createAgoraClient({
    appId,
    customerId: emu.handle.credentials.customerId,
    customerSecret: emu.handle.credentials.customerSecret,
    endpoints: [emu.handle.url],
    retry: { delaysMs: [] },
  });
}

/** A notification-service IP list (`GET /v1/ncs/ip`, `/v2/ncs/ip`): 200 data.service.hosts[].primaryIP with Basic auth, 401 without. */
export async function assertNcsIpList(emu: TestEmulator, path: string): Promise<void> {
  const answer = await emu.call('GET', path);
  assert.equal(answer.status, 200, answer.text);
  const hosts = (answer.body as { data: { service: { hosts: { primaryIP: string }[] } } }).data.service.hosts;
  assert.ok(hosts.length > 0);
  for (const host of hosts) assert.match(host.primaryIP, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal((await emu.call('GET', path, { noAuth: true })).status, 401);
}
