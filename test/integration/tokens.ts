// Reads back the RTC tokens agoractl minted for cloud players, with agora-token's own parser.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

interface ParsedToken {
  from_string(token: string): boolean;
  verifySignature(appCertificate: string): boolean;
  services: { __channel_name: Buffer | string; __uid: Buffer | string }[];
}
const { AccessToken2 } = createRequire(import.meta.url)('agora-token/src/AccessToken2.js') as {
  AccessToken2: new () => ParsedToken;
};

/** Asserts `token` is signed with the certificate for this channel and user (uid or account). */
export function assertTokenFor(token: string | undefined, appCertificate: string, channelName: string, user: string | number): void {
  assert.ok(token, 'the player was created with a token');
  const parsed = new AccessToken2();
  assert.ok(parsed.from_string(token), 'a token agora-token can parse');
  assert.ok(parsed.verifySignature(appCertificate), 'signed with the project certificate');
  const [rtc] = parsed.services;
  assert.equal(rtc?.__channel_name.toString(), channelName);
  assert.equal(rtc?.__uid.toString(), String(user));
}
