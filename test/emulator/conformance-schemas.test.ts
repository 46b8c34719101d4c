// The manifest schemas and the emulator hold the same ranges (docs/agora-conformance.md MP-D1..D3,
// CR-05): each boundary value in and out is accepted or refused by both.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestSchemas } from '../../src/manifest/schemas.ts';
import { player, useEmulator } from './helpers.ts';

const APP = 'app-conformance-schemas';
const CASES: [string, Record<string, unknown>, boolean][] = [
  ['frameRate 4', { videoOptions: { frameRate: 4 } }, false],
  ['frameRate 5', { videoOptions: { frameRate: 5 } }, true],
  ['frameRate 30', { videoOptions: { frameRate: 30 } }, true],
  ['frameRate 31', { videoOptions: { frameRate: 31 } }, false],
  ['profile 0', { audioOptions: { profile: 0 } }, true],
  ['profile 5', { audioOptions: { profile: 5 } }, true],
  ['profile 6', { audioOptions: { profile: 6 } }, false],
  ['volume 0', { audioOptions: { volume: 0 } }, true],
  ['volume 200', { audioOptions: { volume: 200 } }, true],
  ['volume 201', { audioOptions: { volume: 201 } }, false],
  ['volume 50.5', { audioOptions: { volume: 50.5 } }, false],
];

void describe('schemas and emulator agree on CloudPlayer ranges', () => {
  const emu = useEmulator({ frozenClock: true });
  const validate = manifestSchemas().validatorFor('CloudPlayer');
  let n = 0;
  for (const [what, fields, accepted] of CASES) {
    void test(`${what} is ${accepted ? 'accepted' : 'refused'} by validate and by the emulator`, async () => {
      assert.ok(validate, 'a CloudPlayer validator');
      n += 1;
      const spec = { region: 'na', channelName: 'class32', uid: 101, streamUrl: 'rtmp://origin.example.com/live/x', ...fields };
      const doc = { apiVersion: 'agoractl/v1', kind: 'CloudPlayer', metadata: { name: `p${n}`, project: 'prod' }, spec };
      assert.equal(validate(doc), accepted, JSON.stringify(validate.errors));
      assert.equal((await emu.createPlayer(APP, player({ name: `p${n}`, ...fields }))).status, accepted ? 200 : 400);
    });
  }
});
