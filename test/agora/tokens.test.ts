import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { RTC_TOKEN_LIFETIME_S, mintRtcToken, rtcTokenExpiresAt } from '../../src/agora/tokens.ts';

// The package's own parser, to read back what it built (it has no typed export for it).
interface ParsedToken {
  from_string(token: string): boolean;
  verifySignature(appCertificate: string): boolean;
  appId: Buffer | string;
  expire: number;
  services: { __channel_name: Buffer | string; __uid: Buffer | string; __privileges: Record<string, number> }[];
}
const { AccessToken2 } = createRequire(import.meta.url)('agora-token/src/AccessToken2.js') as {
  AccessToken2: new () => ParsedToken;
};

/** The parser reads strings as Buffers. */
const text = (value: Buffer | string | undefined): string | undefined => (value === undefined ? undefined : value.toString());

function parse(token: string): ParsedToken {
  const parsed = new AccessToken2();
  assert.ok(parsed.from_string(token), 'a Token007 the package can parse');
  return parsed;
}

const appId = '970ca35de60c44645bbae8a215061b33';
const appCertificate = '5cfd2fd1755d40ecb72977518be15d3b';

void describe('mintRtcToken', () => {
  void test('a uid token is signed with the certificate and names the channel and uid, for 24 h', () => {
    const token = mintRtcToken({ appId, appCertificate, channelName: 'class32', uid: 101, now: 0 });
    const parsed = parse(token);
    assert.ok(parsed.verifySignature(appCertificate));
    assert.equal(parsed.verifySignature('0'.repeat(32)), false);
    assert.equal(text(parsed.appId), appId);
    assert.equal(parsed.expire, RTC_TOKEN_LIFETIME_S);
    const [rtc] = parsed.services;
    assert.equal(text(rtc?.__channel_name), 'class32');
    assert.equal(text(rtc?.__uid), '101');
    // Join (1) and the publisher's audio, video and data privileges (2, 3, 4), each 24 h.
    assert.deepEqual(rtc?.__privileges, { 1: RTC_TOKEN_LIFETIME_S, 2: RTC_TOKEN_LIFETIME_S, 3: RTC_TOKEN_LIFETIME_S, 4: RTC_TOKEN_LIFETIME_S });
  });

  void test('an account token carries the account', () => {
    const parsed = parse(mintRtcToken({ appId, appCertificate, channelName: 'class33', account: 'teacher101' }));
    assert.equal(text(parsed.services[0]?.__uid), 'teacher101');
  });

  void test('different uids get different tokens', () => {
    const a = parse(mintRtcToken({ appId, appCertificate, channelName: 'c', uid: 1 }));
    const b = parse(mintRtcToken({ appId, appCertificate, channelName: 'c', uid: 2 }));
    assert.deepEqual([text(a.services[0]?.__uid), text(b.services[0]?.__uid)], ['1', '2']);
  });

  void test('refuses both or neither of uid and account, and credentials the builder cannot use', () => {
    assert.throws(() => mintRtcToken({ appId, appCertificate, channelName: 'c' }), TypeError);
    assert.throws(() => mintRtcToken({ appId, appCertificate, channelName: 'c', uid: 1, account: 'a' }), TypeError);
    assert.throws(() => mintRtcToken({ appId: 'not-hex', appCertificate, channelName: 'c', uid: 1 }), /32 hexadecimal/);
    assert.throws(() => mintRtcToken({ appId, appCertificate, channelName: 'c', uid: -1 }), RangeError);
  });

  void test('a token minted now stops working 24 h later', () => {
    assert.equal(rtcTokenExpiresAt(1_000), 1_000 + 86_400_000);
  });
});
