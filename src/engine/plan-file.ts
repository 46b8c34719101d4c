// A saved plan (`plan --out`): the plan, what it was made from, and nothing secret, so that
// `apply <file>` carries out exactly what was reviewed, or refuses. The file is read as
// untrusted input: its shape is checked member by member and only the checked copy is used,
// and every action must name a resource of the manifests apply read (plan-file-checks.ts).
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../state/atomic-write.ts';
import { StateError } from '../state/errors.ts';
import { checkedResourceCopy } from '../state/resource-check.ts';
import { isSecretLikeName } from '../state/secrets.ts';
import type { ResourceState } from '../state/types.ts';
import { resourceKey } from '../state/resource-key.ts';
import { ACTION_TYPES, type FieldChange, type PlannedAction } from '../resources/kind.ts';
import { summarise, type Plan, type PlanBasis, type UnmanagedResource } from './plan.ts';

export const PLAN_FILE_FORMAT = 'agoractl-plan';
/** The layout this build writes and reads; a file of any other version is refused. */
export const PLAN_FILE_VERSION = 1;
/** A plan of 100,000 players is some 60 MB; anything far larger is not a plan agoractl wrote. */
export const PLAN_FILE_MAX_BYTES = 256 * 1024 * 1024;

/** A plan whose basis is known: the only kind that can be saved. */
export type SavedPlan = Plan & { basis: PlanBasis };

export interface PlanFile {
  format: typeof PLAN_FILE_FORMAT;
  version: typeof PLAN_FILE_VERSION;
  /** The manifests as `plan -f` named them; apply reads them again unless given -f. */
  manifests: string[];
  plan: SavedPlan;
  /**
   * State records the plan's observation updated (a player's last status, a recording's file
   * list): apply writes them before acting, as it does after observing itself. Never secret:
   * they pass the state's own checks.
   */
  refreshed: ResourceState[];
}

export const PLAN_FILE_ERROR = {
  unreadable: 'PlanFileUnreadable',
  invalid: 'PlanFileInvalid',
  version: 'PlanFileVersionUnsupported',
  hasErrors: 'PlanFileHasErrors',
  tooOld: 'PlanTooOld',
  manifestsChanged: 'PlanManifestsChanged',
  stateChanged: 'PlanStateChanged',
  outsideManifests: 'PlanOutsideManifests',
} as const;

export type PlanFileErrorCode = (typeof PLAN_FILE_ERROR)[keyof typeof PLAN_FILE_ERROR];

/** Why a saved plan is not applied: what failed, and (detail) what the user can do. No secret. */
export class PlanFileError extends Error {
  readonly code: PlanFileErrorCode;
  readonly detail: string;

  constructor(code: PlanFileErrorCode, message: string, detail: string) {
    super(message);
    this.name = 'PlanFileError';
    this.code = code;
    this.detail = detail;
  }
}

export const REPLAN = 'Run `agoractl plan --out <file>` again, review it, and apply the new file.';

/** The file's text: pretty JSON, readable in a review. Refuses a plan that does not check out (a bug upstream). */
export function encodePlanFile(file: PlanFile): string {
  const text = `${JSON.stringify(file, null, 2)}\n`;
  // What is written must read back: the same checks apply gives it, secrets included.
  parsePlanFile(text, '(the plan being saved)');
  return text;
}

/** Writes the file atomically, readable by its owner only (it names the project's resources and ids). */
export async function writePlanFile(path: string, file: PlanFile): Promise<void> {
  await writeFileAtomic(path, encodePlanFile(file), { mode: 0o600 });
}

export async function readPlanFile(path: string): Promise<PlanFile> {
  let text: string;
  try {
    const info = await stat(path);
    // A device, a pipe or a folder is no plan file: reading one may never end.
    if (!info.isFile()) throw invalid(path, 'it is not a regular file');
    const size = info.size;
    if (size > PLAN_FILE_MAX_BYTES) throw invalid(path, `it is ${size} bytes, more than a plan file's ${PLAN_FILE_MAX_BYTES}`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof PlanFileError) throw error;
    const why = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'it does not exist' : error instanceof Error ? error.message : String(error);
    throw new PlanFileError(PLAN_FILE_ERROR.unreadable, `cannot read the plan file ${path}: ${why}`, 'Name the file `agoractl plan --out` wrote.');
  }
  return parsePlanFile(text, path);
}

/** Parses and checks a plan file's text; `path` names it in errors. */
export function parsePlanFile(text: string, path: string): PlanFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(path, text.trim() === '' ? 'it is empty' : `it is not complete JSON (${(error as Error).message}); it may be truncated`);
  }
  const at = new Reader(path);
  const root = at.record(parsed, '');
  if (root.format !== PLAN_FILE_FORMAT) throw invalid(path, `it is not an agoractl plan file ("format" is not "${PLAN_FILE_FORMAT}")`);
  if (root.version !== PLAN_FILE_VERSION) {
    throw new PlanFileError(
      PLAN_FILE_ERROR.version,
      `the plan file ${path} has format version ${JSON.stringify(root.version)}; this agoractl reads version ${PLAN_FILE_VERSION}`,
      'Apply it with the agoractl that made it, or make the plan again with this one.',
    );
  }
  const manifests = at.array(root.manifests, 'manifests').map((item, i) => at.string(item, `manifests[${i}]`));
  if (manifests.length === 0) throw invalid(path, '"manifests" names no manifest');
  const plan = readPlan(at, at.record(root.plan, 'plan'));
  const refreshed = at.array(root.refreshed, 'refreshed').map((item, i) => at.resource(item, `refreshed[${i}]`));
  return { format: PLAN_FILE_FORMAT, version: PLAN_FILE_VERSION, manifests, plan, refreshed };
}

function readPlan(at: Reader, plan: Record<string, unknown>): SavedPlan {
  if (plan.formatVersion !== 1) throw at.invalid('plan.formatVersion', 'is not 1');
  const errors = at.array(plan.errors, 'plan.errors');
  if (errors.length > 0) {
    throw new PlanFileError(
      PLAN_FILE_ERROR.hasErrors,
      `the plan in ${at.path} holds ${errors.length} error(s); a plan with errors is never applied`,
      'Fix what the plan reported and make it again.',
    );
  }
  const actions = at.array(plan.actions, 'plan.actions').map((item, i) => readAction(at, item, `plan.actions[${i}]`));
  const keys = new Set<string>();
  for (const action of actions) {
    if (keys.has(action.key)) throw at.invalid('plan.actions', `holds ${action.key} twice`);
    keys.add(action.key);
  }
  const unmanaged = at.array(plan.unmanaged, 'plan.unmanaged').map((item, i) => readUnmanaged(at, item, `plan.unmanaged[${i}]`));
  const basisRecord = at.record(plan.basis, 'plan.basis');
  const manifestDigest = at.string(basisRecord.manifestDigest, 'plan.basis.manifestDigest');
  if (!/^sha256:[0-9a-f]{64}$/.test(manifestDigest)) throw at.invalid('plan.basis.manifestDigest', 'is not sha256:<64 hex digits>');
  const basis: PlanBasis = {
    manifestDigest,
    stateLineage: at.string(basisRecord.stateLineage, 'plan.basis.stateLineage'),
    stateSerial: at.count(basisRecord.stateSerial, 'plan.basis.stateSerial'),
  };
  const observedAt = at.count(plan.observedAt, 'plan.observedAt');
  return { formatVersion: 1, actions, unmanaged, errors: [], summary: summarise(actions), quotaFree: readQuotaFree(at, plan.quotaFree), observedAt, basis };
}

function readAction(at: Reader, value: unknown, where: string): PlannedAction {
  const a = at.record(value, where);
  const project = at.segment(a.project, `${where}.project`);
  const kind = at.segment(a.kind, `${where}.kind`);
  const name = at.string(a.name, `${where}.name`);
  const key = resourceKey(project, kind, name);
  if (at.string(a.key, `${where}.key`) !== key) throw at.invalid(`${where}.key`, 'is not "<project>/<kind>/<name>" of the action');
  const action: PlannedAction = {
    key,
    project,
    kind,
    name,
    type: at.oneOf(a.type, ACTION_TYPES, `${where}.type`),
    reason: at.string(a.reason, `${where}.reason`),
    changes: at.array(a.changes, `${where}.changes`).map((item, i) => readChange(at, item, `${where}.changes[${i}]`)),
    detail: at.json(a.detail, `${where}.detail`, true) as Record<string, unknown>,
    quotaDelta: at.integer(a.quotaDelta, `${where}.quotaDelta`),
  };
  at.record(action.detail, `${where}.detail`);
  if (a.blocked !== undefined) {
    if (typeof a.blocked !== 'boolean') throw at.invalid(`${where}.blocked`, 'is not a boolean');
    action.blocked = a.blocked;
  }
  return action;
}

function readChange(at: Reader, value: unknown, where: string): FieldChange {
  const c = at.record(value, where);
  const change: FieldChange = { path: at.string(c.path, `${where}.path`) };
  if (c.sensitive !== undefined) {
    if (c.sensitive !== true) throw at.invalid(`${where}.sensitive`, 'is not true');
    change.sensitive = true;
  }
  for (const flag of ['forcesReplacement', 'unrecorded'] as const) {
    if (c[flag] === undefined) continue;
    if (c[flag] !== true) throw at.invalid(`${where}.${flag}`, 'is not true');
    change[flag] = true;
  }
  for (const side of ['before', 'after'] as const) {
    if (c[side] === undefined) continue;
    // A sensitive field's value is never in a plan: only the mask.
    if (change.sensitive && c[side] !== '(sensitive)') throw at.invalid(`${where}.${side}`, 'of a sensitive field is not "(sensitive)"');
    change[side] = at.json(c[side], `${where}.${side}`, false);
  }
  return change;
}

function readUnmanaged(at: Reader, value: unknown, where: string): UnmanagedResource {
  const u = at.record(value, where);
  const resource: UnmanagedResource = { project: at.string(u.project, `${where}.project`), kind: at.string(u.kind, `${where}.kind`), name: at.string(u.name, `${where}.name`) };
  if (u.externalId !== undefined) resource.externalId = at.string(u.externalId, `${where}.externalId`);
  return resource;
}

function readQuotaFree(at: Reader, value: unknown): Plan['quotaFree'] {
  const free = Object.create(null) as Plan['quotaFree'];
  for (const [project, kinds] of Object.entries(at.record(value, 'plan.quotaFree'))) {
    const byKind = Object.create(null) as Record<string, number | null>;
    for (const [kind, n] of Object.entries(at.record(kinds, `plan.quotaFree.${project}`))) {
      byKind[kind] = n === null ? null : at.count(n, `plan.quotaFree.${project}.${kind}`);
    }
    free[project] = byKind;
  }
  return free;
}

function invalid(path: string, why: string): PlanFileError {
  return new PlanFileError(PLAN_FILE_ERROR.invalid, `the plan file ${path} is not a valid plan: ${why}`, `It was changed or cut short after \`agoractl plan --out\` wrote it. ${REPLAN}`);
}

/** Reads members of the parsed file, refusing anything not of the expected type with the member's path. */
class Reader {
  constructor(readonly path: string) {}

  invalid(where: string, why: string): PlanFileError {
    return invalid(this.path, `${where || 'the file'} ${why}`);
  }

  record(value: unknown, where: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.invalid(where, 'is not an object');
    return value as Record<string, unknown>;
  }

  array(value: unknown, where: string): unknown[] {
    if (!Array.isArray(value)) throw this.invalid(where, 'is not an array');
    return value;
  }

  string(value: unknown, where: string): string {
    if (typeof value !== 'string' || value === '') throw this.invalid(where, 'is not a non-empty string');
    return value;
  }

  /** A project or kind: a key's segment, so never holding "/". */
  segment(value: unknown, where: string): string {
    const text = this.string(value, where);
    if (text.includes('/')) throw this.invalid(where, 'holds "/"');
    return text;
  }

  oneOf<const T extends readonly string[]>(value: unknown, allowed: T, where: string): T[number] {
    if (typeof value !== 'string' || !allowed.includes(value)) throw this.invalid(where, `is not one of ${allowed.join(', ')}`);
    return value;
  }

  integer(value: unknown, where: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw this.invalid(where, 'is not an integer');
    return value;
  }

  /** A non-negative integer. */
  count(value: unknown, where: string): number {
    const n = this.integer(value, where);
    if (n < 0) throw this.invalid(where, 'is negative');
    return n;
  }

  /** A copy of JSON data; with `noSecrets`, refusing a value under a secret-looking name (as state does). */
  json(value: unknown, where: string, noSecrets: boolean): unknown {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw this.invalid(where, 'is not a finite number');
      return value;
    }
    if (Array.isArray(value)) return value.map((item, i) => this.json(item, `${where}[${i}]`, noSecrets));
    const record = this.record(value, where);
    const copy: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(record)) {
      if (noSecrets && item !== null && isSecretLikeName(name)) throw this.invalid(`${where}.${name}`, 'is named like a secret, which a plan never holds');
      // An own member even when it is named __proto__, as JSON.parse makes it.
      Object.defineProperty(copy, name, { value: this.json(item, `${where}.${name}`, noSecrets), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }

  resource(value: unknown, where: string): ResourceState {
    try {
      return checkedResourceCopy(this.record(value, where) as unknown as ResourceState);
    } catch (error) {
      if (error instanceof StateError) throw this.invalid(where, `is not a state record: ${error.message}`);
      throw error;
    }
  }
}
