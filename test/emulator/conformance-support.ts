// Shared by the conformance suites: a test is named for the row of docs/agora-conformance.md it
// checks ("CR-03: ..."), so conformance-doc.test.ts can hold the document and the suites together.
import { test } from 'node:test';
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
