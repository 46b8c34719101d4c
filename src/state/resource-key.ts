// A resource's identity key, `"<project>/<kind>/<name>"` (e.g. `prod/CloudPlayer/class32-101`):
// the key of the state's records, of a plan's actions and of the daemon's work queue. Project
// and kind never contain a slash (resource-check.ts refuses a record where one does), so the
// project ends at the first slash and the kind at the second; the name is whatever follows.
// Only this module builds keys or takes them apart; in the state file they are plain strings.

declare const resourceKeyBrand: unique symbol;

/** A string built by `resourceKey` (or checked by `parseResourceKey`), never an arbitrary one. */
export type ResourceKey = string & { readonly [resourceKeyBrand]: true };

export interface ResourceIdentity {
  project: string;
  kind: string;
  name: string;
}

export function resourceKey(project: string, kind: string, name: string): ResourceKey {
  return `${project}/${kind}/${name}` as ResourceKey;
}

/** The key a string holds, with its parts; undefined when it does not have the three. */
export function parseResourceKey(text: string): (ResourceIdentity & { key: ResourceKey }) | undefined {
  const first = text.indexOf('/');
  const second = first < 0 ? -1 : text.indexOf('/', first + 1);
  if (first <= 0 || second <= first + 1 || second === text.length - 1) return undefined;
  return { key: text as ResourceKey, project: text.slice(0, first), kind: text.slice(first + 1, second), name: text.slice(second + 1) };
}

export function projectOf(key: ResourceKey): string {
  return key.slice(0, key.indexOf('/'));
}

export function kindOf(key: ResourceKey): string {
  const first = key.indexOf('/');
  return key.slice(first + 1, key.indexOf('/', first + 1));
}

/** Whether the key names a resource of `project` (and, when given, of its `kind`). */
export function inProject(key: ResourceKey, project: string, kind?: string): boolean {
  const first = key.indexOf('/');
  if (first !== project.length || !key.startsWith(project)) return false;
  if (kind === undefined) return true;
  return key.indexOf('/', first + 1) === first + 1 + kind.length && key.startsWith(kind, first + 1);
}

/**
 * Whether a `--target` selects the key: a whole key (`project/kind/name`), or its `kind/name`
 * in any project. Allocation-free: a plan of 100,000 resources asks it for each of them.
 */
export function matchesTarget(key: ResourceKey, target: string): boolean {
  if (key === target) return true;
  // `kind/name`: the target is exactly what follows the project.
  return key.length > target.length && key.endsWith(target) && key.indexOf('/') === key.length - target.length - 1;
}

/** The project and kind a whole-key target names; undefined for `kind/name` or a malformed target. */
export function targetScope(target: string): { project: string; kind: string } | undefined {
  const parsed = parseResourceKey(target);
  return parsed && { project: parsed.project, kind: parsed.kind };
}
