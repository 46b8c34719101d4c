// Request bodies, read and parsed as the emulator did on Fastify: the same methods carry bodies,
// the same content types are accepted, the same 1 MiB limit applies, and JSON is parsed with
// the same refusal of prototype-poisoning keys.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { HTTP_ERRORS, HttpError } from './errors.ts';

const BODY_LIMIT_BYTES = 1_048_576;

/**
 * How a group of routes takes bodies. `json`: application/json is parsed, text/plain stays a
 * string, anything else is refused with 415. `raw`: every body stays the exact string sent, for
 * modules that check a signature over it or answer bad JSON in their own words.
 */
export type BodyMode = 'json' | 'raw';

export type BodyParser = (text: string) => unknown;

/**
 * What to do with a request's body: nothing (`skip`), read it and parse it, refuse it (its
 * Content-Type is malformed), or `unsupported` (no parser takes this type: 415 on a route,
 * ignored on a path no route has).
 */
export type BodyPlan = 'skip' | 'invalid' | 'unsupported' | BodyParser;

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);
const BODY_METHODS = new Set(['DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY']);

export function planBody(method: string, headers: IncomingHttpHeaders, mode: BodyMode): BodyPlan {
  if (BODYLESS_METHODS.has(method) || !BODY_METHODS.has(method)) return 'skip';
  const header = headers['content-type'];
  if (header === undefined) {
    const length = headers['content-length'];
    if (headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return 'skip';
    return mode === 'raw' ? asString : 'unsupported';
  }
  const mediaType = mediaTypeOf(header);
  if (mediaType === null) return 'invalid';
  if (mode === 'raw') return asString;
  if (mediaType === 'application/json') return parseJsonBody;
  if (mediaType === 'text/plain') return asString;
  return 'unsupported';
}

/** Reads the whole body as UTF-8 text; rejects with an HttpError past the limit. */
export function readBody(raw: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<string> {
  const declared = Number(raw.headers['content-length']);
  if (declared > limit) return Promise.reject(HTTP_ERRORS.bodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        stop();
        reject(HTTP_ERRORS.bodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      if (!Number.isNaN(declared) && received !== declared) {
        reject(HTTP_ERRORS.contentLengthMismatch());
        return;
      }
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
    };
    const onError = (error: Error) => {
      stop();
      reject(new HttpError(400, error.message, 'ERR_REQUEST_STREAM'));
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.resume();
  });
}

function asString(text: string): string {
  return text;
}

// Keys that, assigned naively by a consumer, would reach Object.prototype (secure-json-parse's
// patterns, escaped spellings included): only a body that mentions one is scanned.
const SUSPECT_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/** A JSON body; empty, malformed or prototype-poisoning text is refused with 400. */
function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw HTTP_ERRORS.emptyJsonBody();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    throw HTTP_ERRORS.invalidJsonBody();
  }
  if (typeof value === 'object' && value !== null && (SUSPECT_PROTO.test(source) || SUSPECT_CONSTRUCTOR.test(source)) && isPoisoned(value)) {
    throw HTTP_ERRORS.invalidJsonBody();
  }
  return value;
}

function isPoisoned(root: object): boolean {
  const pending: object[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor: unknown = Object.hasOwn(node, 'constructor') ? (node as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
    for (const value of Object.values(node)) if (typeof value === 'object' && value !== null) pending.push(value as object);
  }
  return false;
}

/**
 * The lower-cased `type/subtype` of a Content-Type header, or null when the header is not one
 * (RFC 9110 token characters on both sides of the slash).
 */
function mediaTypeOf(header: string): string | null {
  if (header === '' || header === 'undefined') return null;
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon < 0 ? header : header.slice(0, semicolon)).toLowerCase();
  const slash = mediaType.indexOf('/');
  if (slash < 0) return null;
  const type = mediaType.slice(0, slash).trimStart();
  const subtype = mediaType.slice(slash + 1).trimEnd();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  return `${type}/${subtype}`;
}

const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/;
