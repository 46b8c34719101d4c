// Request and notification signatures of Agora's APIs, as pure functions shared by the client,
// the emulator and the daemon's webhook.
//
// - FLS (pull-from-origin) does not take Basic auth: every request is signed with HMAC-SHA256
//   over host, date, request line and a body digest (agora-facts.md "FLS"; the same scheme as
//   the Python sample in Agora's fusion-cdn OpenAPI document).
// - Message Notification Service bodies carry `Agora-Signature` (hex HMAC-SHA1) and
//   `Agora-Signature-V2` (hex HMAC-SHA256) of the raw body (agora-facts.md "Notifications").
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header list FLS signs, in signing order; the only one Agora documents. */
export const FLS_SIGNED_HEADERS = 'host date request-line digest';

/** How far a signed request's date may be from the verifier's clock. */
export const FLS_DATE_ALLOWANCE_MS = 15 * 60 * 1000;

export interface FlsSigningInput {
  customerId: string;
  customerSecret: string;
  method: string;
  /** The Host header exactly as sent, e.g. `api.sd-rtn.com` or `127.0.0.1:PORT`. */
  host: string;
  /** The request target: path plus query string, e.g. `/v1/projects/x/fls/entry_points?id=a`. */
  pathWithQuery: string;
  /** The exact body bytes sent; an empty string for requests without a body. */
  body: string;
  date: Date;
}

export function flsDigest(body: string | Buffer): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

function flsSigningString(host: string, date: string, method: string, pathWithQuery: string, digest: string): string {
  return `host: ${host}\ndate: ${date}\n${method.toUpperCase()} ${pathWithQuery} HTTP/1.1\ndigest: ${digest}`;
}

function flsSignature(secret: string, signingString: string): string {
  return createHmac('sha256', secret).update(signingString).digest('base64');
}

/** The `date`, `digest` and `authorization` headers of one FLS request. */
export function flsSignatureHeaders(input: FlsSigningInput): Record<string, string> {
  const date = input.date.toUTCString();
  const digest = flsDigest(input.body);
  const signature = flsSignature(
    input.customerSecret,
    flsSigningString(input.host, date, input.method, input.pathWithQuery, digest),
  );
  return {
    date,
    digest,
    authorization: `hmac username="${input.customerId}", algorithm="hmac-sha256", headers="${FLS_SIGNED_HEADERS}", signature="${signature}"`,
  };
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface FlsVerificationInput {
  method: string;
  host: string;
  pathWithQuery: string;
  rawBody: string | Buffer;
  /** The secret of a customer ID, or undefined when the ID is unknown. */
  customers: (customerId: string) => string | undefined;
  /** The verifier's real time in ms (never an emulated clock: signed dates are real). */
  now: number;
}

export type FlsVerification = { ok: true; customerId: string } | { ok: false; reason: string };

function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // timingSafeEqual needs equal lengths; comparing a value with itself keeps the time constant.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** `hmac k1="v1", k2="v2"` → { k1: v1, k2: v2 }, or undefined when it is not that shape. */
function parseHmacAuthorization(value: string): Record<string, string> | undefined {
  const match = /^hmac\s+(.*)$/i.exec(value.trim());
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  const pattern = /\s*([A-Za-z-]+)="([^"]*)"\s*(,|$)/y;
  let rest = match[1];
  while (rest.length > 0) {
    pattern.lastIndex = 0;
    const part = pattern.exec(rest);
    if (!part?.[1] || part[2] === undefined) return undefined;
    params[part[1].toLowerCase()] = part[2];
    rest = rest.slice(part[0].length);
  }
  return params;
}

const RFC1123_GMT = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Checks one FLS request's signature, digest and date; the reason says which part failed. */
export function verifyFlsSignature(headers: HeaderBag, input: FlsVerificationInput): FlsVerification {
  const authorization = header(headers, 'authorization');
  if (!authorization) return { ok: false, reason: 'missing authorization header' };
  const params = parseHmacAuthorization(authorization);
  if (!params) return { ok: false, reason: 'authorization is not an hmac credential' };
  const { username, algorithm, headers: signedHeaders, signature } = params;
  if (!username || !signature) return { ok: false, reason: 'authorization lacks username or signature' };
  if (algorithm?.toLowerCase() !== 'hmac-sha256') return { ok: false, reason: 'algorithm must be hmac-sha256' };
  if (signedHeaders?.toLowerCase() !== FLS_SIGNED_HEADERS) {
    return { ok: false, reason: `signed headers must be "${FLS_SIGNED_HEADERS}"` };
  }

  const date = header(headers, 'date');
  if (!date || !RFC1123_GMT.test(date)) return { ok: false, reason: 'date header missing or not an RFC 1123 GMT date' };
  const dateMs = Date.parse(date);
  if (!Number.isFinite(dateMs) || Math.abs(input.now - dateMs) > FLS_DATE_ALLOWANCE_MS) {
    return { ok: false, reason: 'date outside the allowed clock skew' };
  }

  const digest = header(headers, 'digest');
  if (!digest || !safeEqual(digest, flsDigest(input.rawBody))) {
    return { ok: false, reason: 'digest does not match the body' };
  }

  const secret = input.customers(username);
  // An unknown customer is checked against a throwaway key, so both failures take equal time.
  const expected = flsSignature(
    secret ?? 'unknown-customer',
    flsSigningString(input.host, date, input.method, input.pathWithQuery, digest),
  );
  if (!safeEqual(signature, expected) || secret === undefined) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true, customerId: username };
}

// A type alias (not an interface) so the headers can be spread into any header record.
export type NotificationSignatureHeaders = {
  'Agora-Signature': string;
  'Agora-Signature-V2': string;
};

export function notificationSignatures(rawBody: string, secret: string): NotificationSignatureHeaders {
  return {
    'Agora-Signature': createHmac('sha1', secret).update(rawBody).digest('hex'),
    'Agora-Signature-V2': createHmac('sha256', secret).update(rawBody).digest('hex'),
  };
}

/** True when either signature header (SHA-1 or SHA-256) matches the raw body, compared in constant time. */
export function verifyNotificationSignature(rawBody: string, headers: HeaderBag, secret: string): boolean {
  const expected = notificationSignatures(rawBody, secret);
  const v2 = header(headers, 'agora-signature-v2');
  const v1 = header(headers, 'agora-signature');
  // The SHA-256 signature decides whenever it is sent: a wrong V2 must not fall back to SHA-1.
  if (v2 !== undefined) return safeEqual(v2.toLowerCase(), expected['Agora-Signature-V2']);
  return v1 !== undefined && safeEqual(v1.toLowerCase(), expected['Agora-Signature']);
}
