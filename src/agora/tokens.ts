// RTC tokens for cloud players, minted with Agora's own `agora-token` package
// (agora-facts.md "Tokens"). A player's token must be for its own uid or account and lasts at
// most 24 hours (media-pull-rest-api.txt, `token`), so the publisher privileges and the token
// itself expire together, 24 h after minting.
import { createRequire } from 'node:module';
import type AgoraToken from 'agora-token';

let tokenBuilder: typeof AgoraToken | undefined;

/**
 * The package, loaded at the first token minted: plans, deletes and updates mint none, and it
 * costs a start about 20 ms. It is CommonJS, so require loads it where the minting needs it.
 */
function agoraToken(): typeof AgoraToken {
  tokenBuilder ??= createRequire(import.meta.url)('agora-token') as typeof AgoraToken;
  return tokenBuilder;
}

export const RTC_TOKEN_LIFETIME_S = 24 * 60 * 60;

export interface MintRtcTokenInput {
  appId: string;
  appCertificate: string;
  channelName: string;
  /** The player's integer uid; exactly one of uid and account. */
  uid?: number;
  account?: string;
  /**
   * The caller's clock (ms), used only to answer `rtcTokenExpiresAt`. The token's issue time is
   * the builder's wall clock: Agora validates tokens against real time, never an injected one.
   */
  now?: number;
}

export function mintRtcToken(input: MintRtcTokenInput): string {
  const { appId, appCertificate, channelName, uid, account } = input;
  if ((uid === undefined) === (account === undefined)) throw new TypeError('a token is minted for exactly one of uid and account');
  if (!appId || !appCertificate) throw new TypeError('minting a token needs the App ID and the App Certificate');
  if (uid !== undefined && (!Number.isInteger(uid) || uid < 0 || uid > 0xffffffff)) throw new RangeError('uid must be an integer in 0..2^32-1');
  const { RtcRole, RtcTokenBuilder } = agoraToken();
  const token =
    uid !== undefined
      ? RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelName, uid, RtcRole.PUBLISHER, RTC_TOKEN_LIFETIME_S, RTC_TOKEN_LIFETIME_S)
      : RtcTokenBuilder.buildTokenWithUserAccount(appId, appCertificate, channelName, account ?? '', RtcRole.PUBLISHER, RTC_TOKEN_LIFETIME_S, RTC_TOKEN_LIFETIME_S);
  // The builder answers '' instead of failing when the App ID or certificate is not 32 hex digits.
  if (token === '') throw new TypeError('the App ID and App Certificate must each be 32 hexadecimal digits');
  return token;
}

/** When a token minted at `now` (ms) stops working: recreate a player before then. */
export function rtcTokenExpiresAt(now: number): number {
  return now + RTC_TOKEN_LIFETIME_S * 1000;
}
