// What state remembers of the fields that only a new resource can change, so that a replace
// names the fields that changed even when Agora does not return them (List shows a handful of a
// player's fields, query none of a recording's). A spec hash alone only says that something
// changed.
//
// The fields are flattened to dotted paths (`videoOptions.width`, `a.list[0].b`). A secret
// field is kept only as the hash of its manifest *reference* ({ env: NAME }), never its value,
// and under no member name: state refuses any value held under a secret-looking name
// (src/state/secrets.ts), and a path such as `storageConfig.accessKey` is one.
import type { FieldChange } from './kind.ts';
import { canonicalJson, specHash } from './spec-hash.ts';
import { isSecretLikeName } from '../state/secrets.ts';

/** A field's value as state keeps it: a scalar, or a list of scalars compared whole. */
export type FieldValue = string | number | boolean | null | unknown[];

/** A secret field: its path, and the hash of the manifest's reference to it. */
export interface SensitiveField {
  path: string;
  hash: string;
}

/** The fields that force a replacement, as last applied. */
export interface AppliedSpec {
  fields: Record<string, FieldValue>;
  sensitive?: SensitiveField[];
}

/** Which dotted paths a kind leaves out (changed in place, or not part of what Agora runs). */
export type PathFilter = (path: string) => boolean;

const MASK = '(sensitive)';

/** True when a member of this name holds a secret, or the path as a whole would look like one to state. */
function isSecretPath(name: string, path: string): boolean {
  return isSecretLikeName(name) || isSecretLikeName(path);
}

/**
 * Walks `spec`'s leaves: objects are descended, and so are lists that hold objects; a secret
 * (by member name) is a leaf whatever it holds. An empty object is absent, as in the spec hash.
 */
function walk(value: unknown, path: string, name: string, skip: PathFilter, visit: (path: string, value: unknown, secret: boolean) => void): void {
  if (value === undefined || (path !== '' && skip(path))) return;
  if (path !== '' && isSecretPath(name, path)) return visit(path, value, true);
  if (Array.isArray(value)) {
    if (!value.some((item) => typeof item === 'object' && item !== null)) return visit(path, value, false);
    for (let i = 0; i < value.length; i++) walk(value[i], `${path}[${i}]`, name, skip, visit);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, key, skip, visit);
    return;
  }
  visit(path, value, false);
}

/**
 * The hashes of a manifest spec's secret references (never of resolved values). Undefined when it
 * has none. Computed where the references are known (diff) and carried to execute in the plan.
 */
export function sensitiveFields(manifestSpec: object, skip: PathFilter): SensitiveField[] | undefined {
  let found: SensitiveField[] | undefined;
  walk(manifestSpec, '', '', skip, (path, value, secret) => {
    if (secret) (found ??= []).push({ path, hash: referenceHash(path, value) });
  });
  return found;
}

function referenceHash(path: string, reference: unknown): string {
  return specHash({ path, reference });
}

/**
 * What execute records: the non-secret fields of `spec` (resolved or not: they are the same in
 * both) and the secret ones as the plan's hashes of their references. A resolved secret's value
 * is skipped, never read.
 */
export function appliedSpec(spec: object, skip: PathFilter, sensitive: readonly SensitiveField[] | undefined): AppliedSpec {
  const fields: Record<string, FieldValue> = {};
  walk(spec, '', '', skip, (path, value, secret) => {
    if (!secret) fields[path] = value as FieldValue;
  });
  return sensitive && sensitive.length > 0 ? { fields, sensitive: sensitive.map((s) => ({ path: s.path, hash: s.hash })) } : { fields };
}

/**
 * The fields of `desired` (a manifest spec) that differ from `applied`, each forcing a
 * replacement; secret ones masked. `before` adds what a kind keeps elsewhere in its data
 * (a player's region), compared as if it were in `applied`.
 */
export function replacedFields(applied: AppliedSpec, desired: object, skip: PathFilter, before: Record<string, FieldValue> = {}): FieldChange[] {
  const had = new Map<string, FieldValue>(Object.entries(before));
  for (const path of Object.keys(applied.fields)) had.set(path, applied.fields[path] as FieldValue);
  const hadSecret = new Map((applied.sensitive ?? []).map((s) => [s.path, s.hash]));
  const changes: FieldChange[] = [];
  const seen = new Set<string>();
  walk(desired, '', '', skip, (path, value, secret) => {
    seen.add(path);
    if (secret) {
      const was = hadSecret.get(path);
      if (was !== referenceHash(path, value)) changes.push({ path, ...(was === undefined ? {} : { before: MASK }), after: MASK, sensitive: true, forcesReplacement: true });
      return;
    }
    const was = had.get(path);
    if (!sameField(was, value)) changes.push({ path, before: was, after: value, forcesReplacement: true });
  });
  for (const [path, was] of had) if (!seen.has(path)) changes.push({ path, before: was, forcesReplacement: true });
  for (const path of hadSecret.keys()) if (!seen.has(path)) changes.push({ path, before: MASK, sensitive: true, forcesReplacement: true });
  return changes;
}

function sameField(a: unknown, b: unknown): boolean {
  return a === b || (Array.isArray(a) && Array.isArray(b) && canonicalJson(a) === canonicalJson(b));
}

/** The change a replace shows when state recorded no fields to compare (written before it did). */
export function unrecordedChange(): FieldChange {
  return { path: 'spec', unrecorded: true, forcesReplacement: true };
}

/** `value` as an AppliedSpec, or undefined when it is not one (the field is then read as not recorded). */
export function readAppliedSpec(value: unknown): AppliedSpec | undefined {
  if (!isRecord(value) || !isRecord(value.fields)) return undefined;
  const fields = value.fields;
  for (const path in fields) if (!isFieldValue(fields[path])) return undefined;
  const sensitive = value.sensitive;
  if (sensitive === undefined) return value as unknown as AppliedSpec;
  if (!Array.isArray(sensitive) || !sensitive.every((s) => isRecord(s) && typeof s.path === 'string' && typeof s.hash === 'string')) return undefined;
  return value as unknown as AppliedSpec;
}

function isFieldValue(value: unknown): value is FieldValue {
  return value === null || Array.isArray(value) || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
