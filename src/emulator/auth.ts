// Who may talk to the emulator: Agora's HTTP Basic auth with the customer ID and secret on the
// emulated APIs (media-pull-rest-api.txt "Authentication"), and a bearer token on the control
// API whenever a listener is reachable from beyond the loopback interface.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Used when neither the options nor AGORA_CUSTOMER_ID / AGORA_CUSTOMER_SECRET say otherwise. */
export const DEFAULT_CUSTOMER_ID = 'agoractl-emulator';
export const DEFAULT_CUSTOMER_SECRET = 'agoractl-emulator-secret';

export interface Credentials {
  customerId: string;
  customerSecret: string;
}

export function resolveCredentials(
  options: { customerId?: string; customerSecret?: string },
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  return {
    customerId: options.customerId ?? nonEmpty(env.AGORA_CUSTOMER_ID) ?? DEFAULT_CUSTOMER_ID,
    customerSecret: options.customerSecret ?? nonEmpty(env.AGORA_CUSTOMER_SECRET) ?? DEFAULT_CUSTOMER_SECRET,
  };
}

export function resolveControlToken(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? nonEmpty(env.AGORA_EMULATOR_CONTROL_TOKEN) ?? randomBytes(24).toString('base64url');
}

/** Checks an `Authorization: Basic ...` header against the credentials. */
export class BasicAuth {
  readonly #expected: Buffer;
  // The header as a well-behaved client sends it; most requests are answered by this compare.
  readonly #canonical: string;

  constructor(credentials: Credentials) {
    const pair = `${credentials.customerId}:${credentials.customerSecret}`;
    this.#expected = Buffer.from(pair, 'utf8');
    this.#canonical = `Basic ${this.#expected.toString('base64')}`;
  }

  accepts(header: string | undefined): boolean {
    if (header === undefined) return false;
    if (header === this.#canonical) return true;
    const match = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
    if (!match?.[1]) return false;
    return safeEqual(Buffer.from(match[1], 'base64'), this.#expected);
  }
}

/** Checks an `Authorization: Bearer <token>` header against the control token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return false;
  return safeEqual(Buffer.from(match[1], 'utf8'), Buffer.from(token, 'utf8'));
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
