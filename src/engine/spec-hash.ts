// A spec's hash, stored in state, finds changes of fields that Agora does not return (List
// shows a handful of a player's fields). It hashes the manifest's secret *references*, never
// resolved values, so no secret reaches the state file even as a hash.
import { createHash } from 'node:crypto';

/** Dotted paths to leave out, as a tree: `true` leaves the field out, a map descends into it. */
type OmitTree = ReadonlyMap<string, OmitTree | true>;

/** JSON with object keys sorted at every depth, so equal values always serialise alike. */
export function canonicalJson(value: unknown): string {
  return canonical(value, undefined) ?? '{}';
}

/**
 * sha256 of the canonical JSON of `spec` without the fields listed in `omit` (dotted paths).
 * An object left empty counts as absent, so `{ audioOptions: { volume: 5 } }` without
 * `audioOptions.volume` hashes like a spec that never had audioOptions.
 */
export function specHash(spec: Record<string, unknown>, omit: readonly string[] = []): string {
  const text = canonical(spec, omitTree(omit)) ?? '{}';
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

// Kinds pass one constant list of omissions: its tree is built once.
const trees = new WeakMap<readonly string[], OmitTree | undefined>();

function omitTree(paths: readonly string[]): OmitTree | undefined {
  if (trees.has(paths)) return trees.get(paths);
  let root: Map<string, OmitTree | true> | undefined;
  for (const path of paths) {
    root ??= new Map();
    let node = root;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      if (i === parts.length - 1) return void node.set(part, true);
      let next = node.get(part);
      if (next === undefined || next === true) {
        next = new Map();
        node.set(part, next);
      }
      node = next as Map<string, OmitTree | true>;
    });
  }
  trees.set(paths, root);
  return root;
}

// Most manifest strings need no escaping; JSON.stringify is the slow path for the rest.
const PLAIN = /^[\w .:/@+=?&%~#-]*$/;

// One pass, few allocations: plan hashes every desired resource (100,000 players) each time.
// Undefined stands for "absent": an undefined value or an object with nothing left in it.
// (Comparing a built string with '{}' instead would flatten V8's rope strings at every level.)
function canonical(value: unknown, omit: OmitTree | undefined): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${canonical(value[i], undefined) ?? '{}'}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '';
  for (const key of keys) {
    const sub = omit?.get(key);
    if (sub === true) continue;
    const text = canonical(record[key], sub);
    if (text === undefined) continue;
    out += `${out === '' ? '' : ','}${PLAIN.test(key) ? `"${key}"` : JSON.stringify(key)}:${text}`;
  }
  return out === '' ? undefined : `{${out}}`;
}
