// Errors of the Agora client: one type for every failure a caller sees, carrying what the
// vendor asks us to keep for troubleshooting (status, vendor code and message, X-Request-ID,
// X-Resource-ID; media-pull-best-practices.txt "Contact Agora technical support") and never a
// secret. Messages are built here, in one place, from constant parts.

/** Why no HTTP answer came back. `dns` and `connect` failures never reached Agora. */
export type NetworkFailureKind = 'dns' | 'connect' | 'timeout' | 'reset';

export interface AgoraApiErrorDetails {
  /** HTTP status; 0 when no answer came back (see `network`). */
  status: number;
  /** The vendor's own code from the body (Cloud Recording's `code`), when it sent one. */
  code?: number;
  /** The vendor's message from the body, with secrets removed. */
  vendorMessage?: string;
  /** Method and path template, e.g. `POST /{region}/v1/projects/{appId}/cloud-player/players`. */
  endpoint: string;
  /** The X-Request-ID of the last attempt. */
  requestId: string;
  resourceId?: string;
  /** The domain (or base URL host) the last attempt went to. */
  domain?: string;
  /** Set when the last attempt got no HTTP answer. */
  network?: NetworkFailureKind;
  /** How many attempts the call made. */
  attempts?: number;
  /** A short reason code for failures that are not the vendor's (e.g. `invalid-response`). */
  reason?: AgoraClientReason;
}

export const AGORA_CLIENT_REASONS = {
  invalidResponse: 'invalid-response',
  networkExhausted: 'network-exhausted',
  closed: 'client-closed',
} as const;
export type AgoraClientReason = (typeof AGORA_CLIENT_REASONS)[keyof typeof AGORA_CLIENT_REASONS];

/** A call to Agora that failed. `toJSON` and `message` never contain secrets. */
export class AgoraApiError extends Error {
  readonly status: number;
  readonly code?: number;
  readonly vendorMessage?: string;
  readonly endpoint: string;
  readonly requestId: string;
  readonly resourceId?: string;
  readonly domain?: string;
  readonly network?: NetworkFailureKind;
  readonly attempts?: number;
  readonly reason?: AgoraClientReason;

  constructor(details: AgoraApiErrorDetails) {
    super(describe(details));
    this.name = 'AgoraApiError';
    this.status = details.status;
    this.code = details.code;
    this.vendorMessage = details.vendorMessage;
    this.endpoint = details.endpoint;
    this.requestId = details.requestId;
    this.resourceId = details.resourceId;
    this.domain = details.domain;
    this.network = details.network;
    this.attempts = details.attempts;
    this.reason = details.reason;
  }

  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      message: this.message,
      status: this.status,
      endpoint: this.endpoint,
      requestId: this.requestId,
    };
    for (const key of ['code', 'vendorMessage', 'resourceId', 'domain', 'network', 'attempts', 'reason'] as const) {
      if (this[key] !== undefined) json[key] = this[key];
    }
    return json;
  }
}

function describe(d: AgoraApiErrorDetails): string {
  const what = d.network
    ? `no answer (${d.network} failure)`
    : d.reason === AGORA_CLIENT_REASONS.invalidResponse
      ? `HTTP ${d.status} with a body of an unexpected shape`
      : `HTTP ${d.status}`;
  const parts = [`${d.endpoint} failed: ${what}`];
  if (d.code !== undefined) parts.push(`code ${d.code}`);
  if (d.vendorMessage) parts.push(`"${d.vendorMessage}"`);
  parts.push(`X-Request-ID ${d.requestId}`);
  if (d.resourceId) parts.push(`X-Resource-ID ${d.resourceId}`);
  return parts.join('; ');
}

const MAX_VENDOR_MESSAGE = 300;
const REDACTED = '[REDACTED]';

/**
 * Removes known secret strings (the customer secret, the Basic credential, tokens and keys of
 * the request being made) from text that came back from the vendor or goes into a log, so an
 * API that echoes a parameter back can never leak one. Short strings are ignored: redacting
 * "1" would garble every message.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 4) this.#secrets.add(secret);
  }

  /** A redactor with these secrets too; this one is left unchanged. */
  with(secrets: Iterable<string | undefined>): Redactor {
    const copy = new Redactor(this.#secrets);
    for (const secret of secrets) copy.add(secret);
    return copy;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out.length > MAX_VENDOR_MESSAGE ? `${out.slice(0, MAX_VENDOR_MESSAGE)}…` : out;
  }
}

/** Field names whose values are secrets in Agora request bodies (tokens, keys, salts). */
const SECRET_KEYS = new Set(['token', 'accessKey', 'secretKey', 'secret', 'salt', 'encryptKey', 'encryptKdfSalt', 'decryptionKey', 'password']);

/** Every string under a secret-named field of a request body, at any depth. */
export function secretValues(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) secretValues(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (SECRET_KEYS.has(key) && typeof child === 'string') found.push(child);
      else secretValues(child, found);
    }
  }
  return found;
}

/** Thrown by calls made, or still waiting, when their client is closed. */
export class AgoraClientClosedError extends Error {
  constructor() {
    super('the Agora client was closed');
    this.name = 'AgoraClientClosedError';
  }
}
