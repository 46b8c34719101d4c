// Checks a ResourceState before any backend stores it, and returns the copy to store: the
// caller keeps its object, and what is written is exactly what a later load returns.
import { stateResourceInvalid, stateSecretRefused } from './errors.ts';
import { isSecretLikeName } from './secrets.ts';
import { resourceKey } from './resource-key.ts';
import type { ResourceState } from './types.ts';

export function checkedResourceCopy(resource: ResourceState): ResourceState {
  const key = typeof resource.key === 'string' ? resource.key : String(resource.key);
  for (const field of ['project', 'kind', 'name'] as const) {
    if (typeof resource[field] !== 'string' || resource[field] === '') {
      throw stateResourceInvalid(key, `${field} must be a non-empty string`);
    }
  }
  const expected = resourceKey(resource.project, resource.kind, resource.name);
  if (resource.key !== expected) {
    throw stateResourceInvalid(key, `its key must be "<project>/<kind>/<name>", here ${JSON.stringify(expected)}`);
  }
  if (resource.project.includes('/') || resource.kind.includes('/')) {
    throw stateResourceInvalid(key, 'project and kind must not contain "/"');
  }
  if (!isPlainObject(resource.data)) throw stateResourceInvalid(key, 'data must be a JSON object');
  if (!Number.isFinite(resource.updatedAt)) throw stateResourceInvalid(key, 'updatedAt must be a number of milliseconds');
  for (const field of ['externalId', 'specHash'] as const) {
    const value = resource[field];
    if (value !== undefined && typeof value !== 'string') throw stateResourceInvalid(key, `${field} must be a string`);
  }
  if (resource.dataVersion !== undefined && !(Number.isSafeInteger(resource.dataVersion) && resource.dataVersion >= 1)) {
    throw stateResourceInvalid(key, 'dataVersion must be a positive integer');
  }
  if (resource.pending !== undefined) {
    const { action, startedAt, requestId, detail } = resource.pending;
    if (typeof action !== 'string' || action === '') throw stateResourceInvalid(key, 'pending.action must be a non-empty string');
    if (!Number.isFinite(startedAt)) throw stateResourceInvalid(key, 'pending.startedAt must be a number of milliseconds');
    if (requestId !== undefined && typeof requestId !== 'string') throw stateResourceInvalid(key, 'pending.requestId must be a string');
    if (detail !== undefined && !isPlainObject(detail)) throw stateResourceInvalid(key, 'pending.detail must be a JSON object');
  }

  return copyRecord(resource, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// The copy, the JSON check and the secret check in one walk: every write-ahead intent of an
// apply passes here (a thousand deletes make two thousand puts before the first call), and three
// walks, with a path string built for every member, were most of that time.

/** Where the walk is: names and indices, made into a path only for an error. */
interface Walk {
  key: string;
  trail: (string | number)[];
  /** Objects on the current branch: one seen again is a cycle. */
  branch: Set<object>;
}

/**
 * A deep copy of the record as a JSON round trip would return it. Refuses a value that would not
 * survive that trip unchanged (a Date, a Map, NaN, a bigint, a cycle, a hole in an array), and,
 * in `data` and `pending.detail`, a value held under a secret-looking name. Undefined object
 * members are dropped, as JSON does.
 */
function copyRecord(resource: ResourceState, key: string): ResourceState {
  return copyObject({ key, trail: [], branch: new Set() }, resource, false) as ResourceState;
}

function copyValue(walk: Walk, value: unknown, secrets: boolean): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(walk);
      return value === 0 ? 0 : value; // -0 is written, and read back, as 0
    case 'object':
      return value === null ? null : copyObject(walk, value, secrets);
    default:
      throw notJson(walk);
  }
}

function copyObject(walk: Walk, value: object, secrets: boolean): unknown {
  if (walk.branch.has(value)) throw notJson(walk);
  walk.branch.add(value);
  const { trail } = walk;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) {
      trail.push(index);
      const item: unknown = value[index];
      if (item === undefined) throw notJson(walk);
      copy[index] = copyValue(walk, item, secrets);
      trail.pop();
    }
    walk.branch.delete(value);
    return copy;
  }
  if (!isPlainObject(value)) throw notJson(walk);
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const item = value[name];
    if (item === undefined) continue;
    trail.push(name);
    if (secrets && item !== null && isSecretLikeName(name)) throw stateSecretRefused(walk.key, pathOf(trail).slice(1));
    const copied = copyValue(walk, item, secrets || opensSecretScope(trail));
    // An own member even when it is named __proto__, as JSON.parse makes it.
    if (name === '__proto__') Object.defineProperty(copy, name, { value: copied, enumerable: true, writable: true, configurable: true });
    else copy[name] = copied;
    trail.pop();
  }
  walk.branch.delete(value);
  return copy;
}

/** `data` and `pending.detail` hold what kinds record: no secret may be among it. */
function opensSecretScope(trail: readonly (string | number)[]): boolean {
  return (trail.length === 1 && trail[0] === 'data') || (trail.length === 2 && trail[0] === 'pending' && trail[1] === 'detail');
}

function notJson(walk: Walk): Error {
  return stateResourceInvalid(walk.key, `resource${pathOf(walk.trail)} is not JSON data (strings, finite numbers, booleans, null, arrays, plain objects)`);
}

function pathOf(trail: readonly (string | number)[]): string {
  let path = '';
  for (const step of trail) path += typeof step === 'number' ? `[${step}]` : `.${step}`;
  return path;
}
