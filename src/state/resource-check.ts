// Checks a ResourceState before any backend stores it, and returns the copy to store: the
// caller keeps its object, and what is written is exactly what a later load returns.
import { stateResourceInvalid, stateSecretRefused } from './errors.ts';
import { findSecretPath } from './secrets.ts';
import { resourceKey, type ResourceState } from './types.ts';

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
  if (resource.pending !== undefined) {
    const { action, startedAt, requestId, detail } = resource.pending;
    if (typeof action !== 'string' || action === '') throw stateResourceInvalid(key, 'pending.action must be a non-empty string');
    if (!Number.isFinite(startedAt)) throw stateResourceInvalid(key, 'pending.startedAt must be a number of milliseconds');
    if (requestId !== undefined && typeof requestId !== 'string') throw stateResourceInvalid(key, 'pending.requestId must be a string');
    if (detail !== undefined && !isPlainObject(detail)) throw stateResourceInvalid(key, 'pending.detail must be a JSON object');
  }

  const secretPath = findSecretPath(resource.data, 'data') ?? findSecretPath(resource.pending?.detail, 'pending.detail');
  if (secretPath) throw stateSecretRefused(key, secretPath);

  const problem = nonJsonPath(resource, 'resource');
  if (problem) throw stateResourceInvalid(key, `${problem} is not JSON data (strings, finite numbers, booleans, null, arrays, plain objects)`);
  return JSON.parse(JSON.stringify(resource)) as ResourceState;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The path of the first value that would not survive a JSON round trip unchanged (a Date, a
 * Map, NaN, a bigint, a cycle), or undefined. Undefined object members are dropped, as JSON does.
 */
function nonJsonPath(value: unknown, path: string, seen = new Set<object>()): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : path;
    case 'object': {
      if (value === null) return undefined;
      if (seen.has(value)) return path;
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          for (const [index, item] of value.entries()) {
            const found = item === undefined ? `${path}[${index}]` : nonJsonPath(item, `${path}[${index}]`, seen);
            if (found) return found;
          }
          return undefined;
        }
        if (!isPlainObject(value)) return path;
        for (const [name, item] of Object.entries(value)) {
          if (item === undefined) continue;
          const found = nonJsonPath(item, `${path}.${name}`, seen);
          if (found) return found;
        }
        return undefined;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return path;
  }
}
