// Resource IDs as the emulator issues them. Agora's are long opaque strings; these are too, but
// they carry what a later call must be checked against (App ID, channel, uid, acquire time),
// so "unparsable" (1001), "another App ID" (1003) and "other parameters" (432) are decidable
// from the ID itself, as Agora decides them (agora-facts.md, Cloud Recording error codes).

export interface ResourceIdFields {
  appId: string;
  cname: string;
  uid: string;
  acquiredAtMs: number;
  /** Random, so two acquires with the same parameters get different IDs. */
  nonce: string;
}

const VERSION = 'agr1';

export function encodeResourceId(fields: ResourceIdFields): string {
  const packed = JSON.stringify([VERSION, fields.appId, fields.cname, fields.uid, fields.acquiredAtMs, fields.nonce]);
  return Buffer.from(packed, 'utf8').toString('base64url');
}

/** The fields of an ID this emulator issued, or null for anything else. */
export function decodeResourceId(resourceId: string): ResourceIdFields | null {
  if (!/^[A-Za-z0-9_-]+$/.test(resourceId)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(resourceId, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 6) return null;
  const [version, appId, cname, uid, acquiredAtMs, nonce] = parsed as unknown[];
  if (version !== VERSION) return null;
  if (typeof appId !== 'string' || typeof cname !== 'string' || typeof uid !== 'string') return null;
  if (typeof acquiredAtMs !== 'number' || typeof nonce !== 'string') return null;
  return { appId, cname, uid, acquiredAtMs, nonce };
}
