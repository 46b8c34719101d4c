// A spec's hash, stored in state, finds changes of fields that Agora does not return (List
// shows a handful of a player's fields). It hashes the manifest's secret *references*, never
// resolved values, so no secret reaches the state file even as a hash.
//
// The hashes are in users' state files: a different string for the same spec would plan a
// replace of every player. test/engine/spec-hash.test.ts pins known values; any change here
// must keep them.
import { hash } from 'node:crypto';

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
  // The one-shot digest, not createHash: a plan hashes 100,000 specs, and a Hash object per
  // spec cost twice the digest itself and most of the plan's short-lived garbage.
  return hash('sha256', text, 'hex').slice(0, 32);
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

// Specs of one kind share a handful of keys: each is quoted once. The bound keeps a stream of
// unusual keys (free-form maps in some spec) from growing the cache without end.
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_MAX = 1024;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * An object's own keys in code-unit order, as `Array.prototype.sort()` orders strings.
 * Insertion sort: objects in specs have a few keys, and sort() with its default comparator
 * costs more per call than sorting them.
 */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

// One pass, few allocations: plan hashes every desired resource (100,000 players) each time.
// Undefined stands for "absent": an undefined value or an object with nothing left in it.
// (Comparing a built string with '{}' instead would flatten V8's rope strings at every level.)
// Every scalar serialises exactly as JSON.stringify would: `String(n)` is JSON's number text for
// finite numbers (including -0 as "0"), and non-finite ones are null.
function canonical(value: unknown, omit: OmitTree | undefined): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonical(value[i], undefined) ?? '{}';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const sub = omit === undefined ? undefined : omit.get(key);
    if (sub === true) continue;
    const text = canonical(record[key], sub);
    if (text === undefined) continue;
    out += `${out === '' ? '{' : ','}${quoteKey(key)}:${text}`;
  }
  return out === '' ? undefined : `${out}}`;
}
