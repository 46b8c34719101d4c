// The cloud player spec the players' unit tests start from.
import type { CloudPlayerSpec } from '../../src/resources/cloud-player/model.ts';

export const SAMPLE_PLAYER_SPEC: CloudPlayerSpec = {
  region: 'na',
  channelName: 'class32',
  uid: 101,
  streamUrl: 'rtmp://origin.example.com/live/class32/101',
  token: { generate: true },
  idleTimeout: 300,
};
