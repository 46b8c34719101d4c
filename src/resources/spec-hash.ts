// A spec's hash, stored in state, finds changes of fields that Agora does not return (List
// shows a handful of a player's fields). It hashes the manifest's secret *references*, never
// resolved values, so no secret reaches the state file even as a hash.
//
// The hashes are in users' state files: a different string for the same spec would plan a
// replace of every player. test/resources/spec-hash.test.ts pins known values and checks every
// hash against the plain definition of the canonical JSON; any change here must keep both.
import { hash } from 'node:crypto';

/** Dotted paths to leave out, as a tree: `true` leaves the field out, a map descends into it. */
type OmitTree = ReadonlyMap<string, OmitTree | true>;

/** JSON with object keys sorted at every depth, so equal values always serialise alike. */
export function canonicalJson(value: unknown): string {
  end = 0;
  if (!canonical(value, undefined, rootOf(undefined))) return '{}';
  return decoder.decode(written());
}

/**
 * sha256 of the canonical JSON of `spec` without the fields listed in `omit` (dotted paths).
 * An object left empty counts as absent, so `{ audioOptions: { volume: 5 } }` without
 * `audioOptions.volume` hashes like a spec that never had audioOptions.
 */
export function specHash(spec: object, omit: readonly string[] = []): string {
  const tree = omitTree(omit);
  end = 0;
  if (!canonical(spec, tree, rootOf(tree))) writeAscii('{}');
  // The one-shot digest of the UTF-8 bytes, not createHash over a string: a plan hashes
  // 100,000 specs, and a Hash object per spec cost twice the digest itself.
  return hash('sha256', written(), 'hex').slice(0, 32);
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

// The canonical JSON is written as UTF-8 into one buffer and hashed from there. Built as a
// string, it cost a few short-lived strings per field, most of a large plan's garbage. One buffer
// serves every call: serialising reads plain data (manifest specs) and calls nothing that could
// call back in.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let buffer = new Uint8Array(1024);
let end = 0;
// Views of the buffer's first n bytes by n, so that hashing makes no view per spec.
let views: Uint8Array[] = [];

function written(): Uint8Array {
  let view = views[end];
  if (view === undefined) {
    view = buffer.subarray(0, end);
    views[end] = view;
  }
  return view;
}

function reserve(bytes: number): void {
  if (end + bytes <= buffer.length) return;
  let size = buffer.length * 2;
  while (size < end + bytes) size *= 2;
  const next = new Uint8Array(size);
  next.set(buffer.subarray(0, end));
  buffer = next;
  views = [];
}

function writeByte(byte: number): void {
  reserve(1);
  buffer[end++] = byte;
}

/** A string known to be ASCII: one byte per character. */
function writeAscii(text: string): void {
  reserve(text.length);
  const b = buffer;
  let at = end;
  for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
  end = at;
}

function writeUtf8(text: string): void {
  reserve(text.length * 3);
  end += encoder.encodeInto(text, buffer.subarray(end)).written;
}

function writeBytes(bytes: Uint8Array): void {
  reserve(bytes.length);
  buffer.set(bytes, end);
  end += bytes.length;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON_BYTES = encoder.encode(':');
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * How objects of one shape serialise: their keys sorted, each with its JSON name, less the
 * omitted ones. Specs of one kind share a few shapes, so each position in a spec (the root, a
 * field's value) keeps the layouts of the last shapes seen there, and an object with the same
 * keys in the same order reuses one instead of sorting, quoting and looking up omissions again.
 */
interface Layout {
  /** The shape's own keys, in Object.keys order. */
  keys: readonly string[];
  /** What it leaves out (an array's items at the same position leave out nothing). */
  omit: OmitTree | undefined;
  fields: readonly LayoutField[];
}

interface LayoutField {
  key: string;
  /** `"key":` in UTF-8. */
  name: Uint8Array;
  omit: OmitTree | undefined;
  /** Where the value's layouts are kept, when it is an object (or an array of objects). */
  at: Position;
}

/** A few shapes per position: a manifest may mix, say, uid and account players. */
type Position = Layout[];
const LAYOUTS_PER_POSITION = 8;

// The root positions, one per omission tree; weak, as a caller may pass a new list each time.
const roots = new WeakMap<OmitTree, Position>();
const unomitted: Position = [];

function rootOf(omit: OmitTree | undefined): Position {
  if (omit === undefined) return unomitted;
  let root = roots.get(omit);
  if (root === undefined) {
    root = [];
    roots.set(omit, root);
  }
  return root;
}

function layoutOf(at: Position, keys: readonly string[], omit: OmitTree | undefined): Layout {
  for (let i = 0; i < at.length; i++) {
    const layout = at[i] as Layout;
    if (layout.omit === omit && sameKeys(layout.keys, keys)) return layout;
  }
  const fields: LayoutField[] = [];
  // Code-unit order, as Array.prototype.sort() orders strings.
  for (const key of [...keys].sort()) {
    const sub = omit?.get(key);
    if (sub === true) continue;
    const name = encoder.encode(JSON.stringify(key));
    const withColon = new Uint8Array(name.length + 1);
    withColon.set(name);
    withColon.set(COLON_BYTES, name.length);
    fields.push({ key, name: withColon, omit: sub, at: [] });
  }
  const layout = { keys, omit, fields };
  if (at.length === LAYOUTS_PER_POSITION) at.pop();
  at.unshift(layout);
  return layout;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Most manifest strings need no escaping (and are ASCII); JSON.stringify is the slow path.
const PLAIN = /^[\w .:/@+=?&%~#-]*$/;

/**
 * Writes the canonical JSON of `value` and says whether it wrote anything: an undefined value,
 * or an object with nothing left in it, is absent (and an absent array item is written `{}`).
 * Every scalar is written exactly as JSON.stringify would: `String(n)` is JSON's number text
 * for finite numbers (including -0 as "0"), and non-finite ones are null.
 */
function canonical(value: unknown, omit: OmitTree | undefined, at: Position): boolean {
  switch (typeof value) {
    case 'undefined':
      return false;
    case 'string':
      if (PLAIN.test(value)) {
        writeByte(QUOTE);
        writeAscii(value);
        writeByte(QUOTE);
      } else {
        writeUtf8(JSON.stringify(value));
      }
      return true;
    case 'number':
      writeAscii(Number.isFinite(value) ? String(value) : 'null');
      return true;
    case 'boolean':
      writeAscii(value ? 'true' : 'false');
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) {
    writeAscii('null');
    return true;
  }
  if (Array.isArray(value)) {
    writeByte(OPEN_BRACKET);
    for (let i = 0; i < value.length; i++) {
      if (i > 0) writeByte(COMMA);
      if (!canonical(value[i], undefined, at)) writeAscii('{}');
    }
    writeByte(CLOSE_BRACKET);
    return true;
  }
  const record = value as Record<string, unknown>;
  const fields = layoutOf(at, Object.keys(record), omit).fields;
  const start = end;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as LayoutField;
    const mark = end;
    writeByte(mark === start ? OPEN_BRACE : COMMA);
    writeBytes(field.name);
    // An absent value takes its name back out.
    if (!canonical(record[field.key], field.omit, field.at)) end = mark;
  }
  if (end === start) return false;
  writeByte(CLOSE_BRACE);
  return true;
}
