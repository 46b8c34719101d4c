// The state snapshot as data: creating, changing, reading back and writing out. Shared by the
// backends so that every one of them stores and checks exactly the same format.
import { randomUUID } from 'node:crypto';
import { stateCorrupt, stateVersionUnsupported } from './errors.ts';
import { STATE_VERSION, type ResourceState, type StateSnapshot } from './types.ts';

/** One change to state, as queued by put and remove and applied in call order. */
export type StateMutation = { type: 'put'; resource: ResourceState } | { type: 'remove'; key: string };

export function emptySnapshot(lineage: string = randomUUID()): StateSnapshot {
  return { version: STATE_VERSION, lineage, serial: 0, resources: {} };
}

/** A new snapshot with the mutations applied in order; serial and lineage are kept. */
export function applyMutations(snapshot: StateSnapshot, mutations: readonly StateMutation[]): StateSnapshot {
  const resources = { ...snapshot.resources };
  for (const mutation of mutations) {
    if (mutation.type === 'put') resources[mutation.resource.key] = mutation.resource;
    else delete resources[mutation.key];
  }
  return { ...snapshot, resources };
}

export function cloneSnapshot(snapshot: StateSnapshot): StateSnapshot {
  return structuredClone(snapshot);
}

/** Pretty JSON with resources in key order, so a state file reads and diffs well. */
export function serializeSnapshot(snapshot: StateSnapshot): string {
  const resources: Record<string, ResourceState> = {};
  for (const key of Object.keys(snapshot.resources).sort()) {
    const resource = snapshot.resources[key];
    if (resource) resources[key] = resource;
  }
  const ordered: StateSnapshot = {
    version: snapshot.version,
    lineage: snapshot.lineage,
    serial: snapshot.serial,
    resources,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * Reads a stored snapshot. A version other than this build's is refused before anything else
 * (a newer agoractl may have changed the shape); any other problem is reported as corruption
 * naming `location`, never answered with an empty state.
 */
export function parseSnapshot(text: string, location: string): StateSnapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === '' ? 'the file is empty' : `it is not valid JSON (${(error as Error).message})`;
    throw stateCorrupt(location, reason, error);
  }
  if (!isRecord(parsed)) throw stateCorrupt(location, 'it is not a JSON object');
  if (parsed.version !== STATE_VERSION) {
    if (parsed.version === undefined) throw stateCorrupt(location, 'it has no "version" field');
    throw stateVersionUnsupported(location, parsed.version, STATE_VERSION);
  }
  const { lineage, serial, resources } = parsed;
  if (typeof lineage !== 'string' || lineage === '') throw stateCorrupt(location, '"lineage" is not a non-empty string');
  if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0) {
    throw stateCorrupt(location, '"serial" is not a non-negative integer');
  }
  if (!isRecord(resources)) throw stateCorrupt(location, '"resources" is not an object');
  for (const [key, resource] of Object.entries(resources)) {
    const problem = resourceProblem(key, resource);
    if (problem) throw stateCorrupt(location, `resource ${JSON.stringify(key)} ${problem}`);
  }
  return { version: STATE_VERSION, lineage, serial, resources: resources as Record<string, ResourceState> };
}

function resourceProblem(key: string, resource: unknown): string | undefined {
  if (!isRecord(resource)) return 'is not an object';
  if (resource.key !== key) return 'is stored under a key other than its own';
  for (const field of ['project', 'kind', 'name'] as const) {
    if (typeof resource[field] !== 'string') return `has no string "${field}"`;
  }
  if (!isRecord(resource.data)) return 'has no "data" object';
  if (typeof resource.updatedAt !== 'number') return 'has no numeric "updatedAt"';
  if (resource.pending !== undefined && !isRecord(resource.pending)) return 'has a "pending" that is not an object';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
