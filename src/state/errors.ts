// Errors of the state store: values with a code (what tests and callers branch on), a summary
// (what happened) and a detail (to what, and what the user can do). Every message is built here.
// None of them ever carries a secret value: a refused secret is named by its path only.
import type { LockHolder } from './store.ts';

export type StateErrorCode =
  | 'StateLocked'
  | 'StateCorrupt'
  | 'StateUnreadable'
  | 'StateWriteFailed'
  | 'StateLockFailed'
  | 'StateVersionUnsupported'
  | 'StateConflict'
  | 'StateSecretRefused'
  | 'StateResourceInvalid'
  | 'StateResourceNotFound'
  | 'StateClosed'
  | 'StateLeaseLost'
  | 'StateDatabaseUnavailable'
  | 'StateLocationInvalid'
  | 'StateTransferRefused';

export class StateError extends Error {
  readonly code: StateErrorCode;
  readonly summary: string;
  readonly detail: string;

  constructor(code: StateErrorCode, summary: string, detail: string, options?: { cause?: unknown }) {
    super(`${summary}: ${detail}`, options);
    this.name = 'StateError';
    this.code = code;
    this.summary = summary;
    this.detail = detail;
  }
}

export class StateLockedError extends StateError {
  /** Undefined when the holder could not be read. */
  readonly holder: LockHolder | undefined;
  readonly location: string;

  /**
   * @param breakLock what to do when the holder is gone for good, e.g. "remove the file X".
   * @param reason why the lock could not be taken over, when it might be stale.
   */
  constructor(location: string, holder: LockHolder | undefined, breakLock: string, reason?: string) {
    const who = holder
      ? `${holder.owner || 'an agoractl process'} (pid ${holder.pid} on host ${holder.hostname}) since ${new Date(holder.startedAt).toISOString()}`
      : 'an unknown holder';
    const why = reason ? ` ${reason}` : '';
    super(
      'StateLocked',
      `the state at ${location} is locked by ${who}`,
      `another apply or reconcile is running against this state.${why} Wait for it to finish or retry ` +
        `with a lock timeout; if that process no longer runs (check on its host), ${breakLock} and run again`,
    );
    this.name = 'StateLockedError';
    this.holder = holder;
    this.location = location;
  }
}

export function stateCorrupt(location: string, problem: string, cause?: unknown): StateError {
  return new StateError(
    'StateCorrupt',
    `the state at ${location} cannot be read`,
    `${problem}. agoractl will not start from an empty state in its place (that would forget what it owns); ` +
      'restore the file from a backup, or move it aside if you mean to start over',
    { cause },
  );
}

export function stateUnreadable(location: string, cause: unknown): StateError {
  return new StateError(
    'StateUnreadable',
    `the state at ${location} cannot be read`,
    `${systemMessage(cause)}; check the path and its permissions`,
    { cause },
  );
}

export function stateWriteFailed(location: string, cause: unknown): StateError {
  return new StateError(
    'StateWriteFailed',
    `the state at ${location} could not be written`,
    `${systemMessage(cause)}; the change was not recorded and the state on disk is as it was before`,
    { cause },
  );
}

export function stateLockFailed(lockLocation: string, cause: unknown): StateError {
  return new StateError(
    'StateLockFailed',
    `the state lock ${lockLocation} could not be taken`,
    `${systemMessage(cause)}; check that its folder exists and is writable`,
    { cause },
  );
}

function systemMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export function stateVersionUnsupported(location: string, version: unknown, supported: number): StateError {
  return new StateError(
    'StateVersionUnsupported',
    `the state at ${location} has format version ${JSON.stringify(version)}`,
    `this agoractl reads and writes version ${supported} only and will not overwrite it; use the agoractl release that wrote it`,
  );
}

export function stateConflict(location: string, problem: string): StateError {
  return new StateError(
    'StateConflict',
    `the state at ${location} was changed by another writer`,
    `${problem}. The change was not written, so theirs is kept; take the state lock before changing state, then run again`,
  );
}

export function stateSecretRefused(key: string, path: string): StateError {
  return new StateError(
    'StateSecretRefused',
    `refused to store a secret in the state of ${key}`,
    `the value at ${path} looks like a secret (by its name); state records ids, hashes and status only, never credentials`,
  );
}

export function stateResourceInvalid(key: string, problem: string): StateError {
  return new StateError('StateResourceInvalid', `refused to store resource ${JSON.stringify(key)}`, problem);
}

export function stateResourceNotFound(location: string, keys: readonly string[]): StateError {
  const list = keys.map((key) => JSON.stringify(key)).join(', ');
  return new StateError(
    'StateResourceNotFound',
    `${list} ${keys.length === 1 ? 'is' : 'are'} not in the state at ${location}`,
    '`agoractl state list` shows the keys agoractl manages, as "<project>/<kind>/<name>"; nothing was changed',
  );
}

export function stateClosed(location: string): StateError {
  return new StateError('StateClosed', `the state store for ${location} is closed`, 'open it again to use it');
}

export function stateLeaseLost(location: string, project: string, problem: string): StateError {
  return new StateError(
    'StateLeaseLost',
    `this process no longer holds the lease on project ${JSON.stringify(project)} of the state at ${location}`,
    `${problem}. Nothing was written: another process may own the project now (this one was paused or cut off past ` +
      'the lease expiry). Stop this run; the next one observes Agora and resumes from what the holder recorded',
  );
}

export function stateDatabaseUnavailable(location: string, cause: unknown): StateError {
  return new StateError(
    'StateDatabaseUnavailable',
    `the state database at ${location} could not be used`,
    `${systemMessage(cause)}; check that the server runs, that the URL is right and that its user may use the schema`,
    { cause },
  );
}

export function stateLocationInvalid(problem: string): StateError {
  return new StateError('StateLocationInvalid', 'the state location is not valid', `${problem}; pass --state a file path or a postgres:// URL`);
}

export function stateTransferRefused(from: string, to: string, problem: string, remedy: string): StateError {
  return new StateError('StateTransferRefused', `refused to copy the state at ${from} over the one at ${to}`, `${problem}; nothing was changed. ${remedy}`);
}
