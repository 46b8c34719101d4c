// A spec's hash, stored in state, finds changes of fields that Agora does not return (List
// shows a handful of a player's fields). It hashes the manifest's secret *references*, never
// resolved values, so no secret reaches the state file even as a hash.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so equal values always serialise alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** sha256 of the canonical JSON of `spec` without the fields listed in `omit` (dotted paths). */
export function specHash(spec: Record<string, unknown>, omit: readonly string[] = []): string {
  return createHash('sha256').update(canonicalJson(without(spec, omit))).digest('hex').slice(0, 32);
}

function without(spec: Record<string, unknown>, omit: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(spec);
  for (const path of omit) {
    const parts = path.split('.');
    let node: unknown = copy;
    for (const part of parts.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    const last = parts[parts.length - 1];
    if (node && typeof node === 'object' && last !== undefined) {
      const record = node as Record<string, unknown>;
      delete record[last];
      // An object emptied by the omission is the same as one never written.
    }
  }
  return dropEmpty(copy) as Record<string, unknown>;
}

function dropEmpty(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const cleaned = dropEmpty(v);
    if (cleaned === undefined) continue;
    if (cleaned && typeof cleaned === 'object' && !Array.isArray(cleaned) && Object.keys(cleaned).length === 0) continue;
    out[k] = cleaned;
  }
  return out;
}
