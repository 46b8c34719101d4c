// Observing cloud players against the emulator: whether List goes per channel depends on the
// project's filtered List budget (Project.spec.limits), not on Agora's documented 15/min alone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startEmulator } from '../../src/emulator/server.ts';
import { createAgoraClient } from '../../src/agora/client.ts';
import { resolveLimits, type LimitOverrides } from '../../src/agora/limits.ts';
import { systemClock } from '../../src/clock.ts';
import { observePlayers } from '../../src/resources/cloud-player/observe.ts';
import type { DesiredResource } from '../../src/resources/kind.ts';
import { resourceKey } from '../../src/state/resource-key.ts';
import type { CloudPlayerSpec } from '../../src/manifest/types.ts';

const APP_ID = '970ca35de60c44645bbae8a215061b33';
/** Enough players that the unfiltered List needs more pages than there are channels. */
const PLAYERS = 9_000;
const CHANNELS = 16;

function desired(): DesiredResource<CloudPlayerSpec>[] {
  return Array.from({ length: PLAYERS }, (_, i) => {
    const name = `p-${i}`;
    return { key: resourceKey('prod', 'CloudPlayer', name), project: 'prod', kind: 'CloudPlayer', name, spec: { region: 'na', channelName: `class-${i % CHANNELS}`, uid: i + 1, streamUrl: 'rtmp://origin.example.com/live/a' } };
  });
}

/** List calls one observation of the project spends, under the given limits (client and emulator alike). */
async function listCalls(overrides: LimitOverrides): Promise<number> {
  const emulator = await startEmulator({ limits: overrides });
  const client = createAgoraClient({ appId: APP_ID, ...emulator.credentials, endpoints: [emulator.url], limits: overrides, logger: pino({ level: 'silent' }) });
  try {
    const observation = await observePlayers({ client, project: 'prod', limits: resolveLimits(overrides), desired: desired(), state: [], clock: systemClock });
    return observation.calls;
  } finally {
    await client.close();
    await emulator.close();
  }
}

describe('CloudPlayer observation', () => {
  const rows: { reason: string; limits: LimitOverrides; calls: number }[] = [
    { reason: '16 channels exceed the documented 15 filtered Lists a minute: one unfiltered List', limits: { playerListFiltered: { perSecond: null, perMinute: 15 } }, calls: 1 },
    { reason: 'a project whose limits allow 30 filtered Lists a minute lists per channel', limits: { playerListFiltered: { perSecond: null, perMinute: 30 } }, calls: CHANNELS },
    { reason: 'a filtered List without limits lists per channel', limits: { playerListFiltered: null }, calls: CHANNELS },
  ];
  for (const row of rows) {
    test(row.reason, async () => assert.equal(await listCalls(row.limits), row.calls));
  }
});
