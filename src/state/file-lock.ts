// The file backend's lock: `<state path>.lock`, created exclusively, holding who took it. A
// second locker waits up to its waitMs and then fails saying who holds it. A lock whose process
// died on this very host (SIGKILL, power cut of the process, OOM) is stale and taken over; one
// from another host never is, since its process cannot be checked from here.
import { randomBytes, randomUUID } from 'node:crypto';
import { link, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { Clock } from '../clock.ts';
import { isErrno, removeLeftoverTempFiles } from './atomic-write.ts';
import { StateLockedError } from './errors.ts';
import { isProcessAlive } from './process-liveness.ts';
import type { LockHolder } from './store.ts';

/** The lock file's content: the holder plus an id that tells this taking of the lock from any other. */
interface LockRecord extends LockHolder {
  id: string;
}

export interface FileLockOptions {
  clock: Clock;
  /** The state's location, for messages. */
  location: string;
  waitMs?: number;
  owner?: string;
  signal?: AbortSignal;
  /** How soon a waiting locker first looks again; the interval then grows to MAX_POLL_MS. */
  pollMs?: number;
}

export interface HeldFileLock {
  readonly holder: LockHolder;
  readonly takenOver?: LockHolder;
  release(): Promise<void>;
}

const DEFAULT_POLL_MS = 50;
/** A long wait (a CI job queued behind another's apply) looks once a second, not twenty times. */
const MAX_POLL_MS = 1000;
/** How many times a locker defers to another process that is taking over the same stale lock. */
const TAKEOVER_DEFERRALS = 100;

export function lockPathFor(statePath: string): string {
  return `${statePath}.lock`;
}

export async function acquireFileLock(lockPath: string, options: FileLockOptions): Promise<HeldFileLock> {
  const { clock, signal } = options;
  const deadline = clock.now() + Math.max(0, options.waitMs ?? 0);
  let pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const me: LockRecord = {
    pid: process.pid,
    hostname: osHostname(),
    startedAt: clock.now(),
    owner: options.owner ?? defaultOwner(),
    id: randomUUID(),
  };
  let takenOver: LockHolder | undefined;
  let deferrals = 0;

  for (;;) {
    signal?.throwIfAborted();
    if (await createExclusively(lockPath, me)) {
      await removeLeftoverTempFiles(lockPath);
      return heldLock(lockPath, me, takenOver);
    }
    const found = await readLockRecord(lockPath);
    if (found === 'missing') continue; // released between our attempt and the read: try again at once
    const holder = found === 'unreadable' ? undefined : found;
    let reason: string | undefined;
    if (holder && !isProcessAlive(holder.pid) && holder.hostname === me.hostname) {
      const outcome = await takeOverStale(lockPath, holder, me);
      if (outcome === 'removed') {
        takenOver = publicHolder(holder);
        continue;
      }
      if (outcome === 'changed') continue; // someone else's lock now: look at it afresh
      if (outcome === 'busy' && deferrals < TAKEOVER_DEFERRALS) {
        // Another process is taking over the same stale lock right now; look again shortly
        // to report the lock it ends up with rather than the dead one.
        deferrals += 1;
        await clock.sleep(Math.min(pollMs, 10), signal);
        continue;
      }
    } else if (holder && holder.hostname !== me.hostname) {
      reason = `It was taken on host ${holder.hostname}, not this one (${me.hostname}), so whether that process still runs cannot be checked from here.`;
    } else if (!holder) {
      reason = `The lock file ${lockPath} does not say who holds it.`;
    }
    const now = clock.now();
    if (now >= deadline) {
      throw new StateLockedError(options.location, holder && publicHolder(holder), `remove the lock file ${lockPath}`, reason);
    }
    await clock.sleep(Math.min(pollMs, deadline - now), signal);
    pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5);
  }
}

/** "agoractl <command>" of the running process, who a lock is shown to be held by when no owner is given. */
export function defaultOwner(): string {
  const command = process.argv[2];
  return command && /^[a-z-]+$/.test(command) ? `agoractl ${command}` : 'agoractl';
}

function publicHolder({ pid, hostname, startedAt, owner }: LockHolder): LockHolder {
  return { pid, hostname, startedAt, owner };
}

function heldLock(lockPath: string, me: LockRecord, takenOver: LockHolder | undefined): HeldFileLock {
  let released = false;
  return {
    holder: publicHolder(me),
    ...(takenOver ? { takenOver } : {}),
    async release() {
      if (released) return;
      released = true;
      // Remove the file only while it is still ours: if someone broke the lock by hand and
      // another apply took it since, theirs must stay.
      const found = await readLockRecord(lockPath);
      if (typeof found === 'object' && found.id === me.id) await unlink(lockPath).catch(() => undefined);
    },
  };
}

/**
 * Creates `path` holding `record` only if it does not exist. The content is written to a
 * private file first and hard-linked into place, which is as exclusive as O_EXCL and means
 * nobody ever reads a lock file that is still empty. File systems without hard links fall back
 * to O_EXCL itself.
 */
async function createExclusively(path: string, record: LockRecord): Promise<boolean> {
  const content = `${JSON.stringify(record)}\n`;
  const privatePath = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(privatePath, content, { mode: 0o644, flag: 'wx' });
  try {
    await link(privatePath, path);
    return true;
  } catch (error) {
    if (isErrno(error, ['EEXIST'])) return false;
    if (!isErrno(error, ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])) throw error;
  } finally {
    await unlink(privatePath).catch(() => undefined);
  }
  try {
    const file = await open(path, 'wx', 0o644);
    try {
      await file.writeFile(content, 'utf8');
    } finally {
      await file.close();
    }
    return true;
  } catch (error) {
    if (isErrno(error, ['EEXIST'])) return false;
    throw error;
  }
}

async function readLockRecord(path: string): Promise<LockRecord | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, ['ENOENT'])) return 'missing';
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return 'unreadable';
    const { pid, hostname, startedAt, owner, id } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof hostname !== 'string' || typeof startedAt !== 'number') return 'unreadable';
    return { pid, hostname, startedAt, owner: typeof owner === 'string' ? owner : '', id: typeof id === 'string' ? id : '' };
  } catch {
    return 'unreadable';
  }
}

/**
 * Removes a stale lock, making sure it is still the stale one: two processes that both found it
 * must not let the slower one delete the lock the faster one took meanwhile. A short-lived
 * `.takeover` file serialises them.
 */
async function takeOverStale(lockPath: string, stale: LockRecord, me: LockRecord): Promise<'removed' | 'busy' | 'changed'> {
  const guardPath = `${lockPath}.takeover`;
  if (!(await createExclusively(guardPath, me))) {
    const guard = await readLockRecord(guardPath);
    // A taker killed in the microseconds it holds the guard leaves it behind; clear it.
    if (typeof guard === 'object' && guard.hostname === me.hostname && !isProcessAlive(guard.pid)) {
      await unlink(guardPath).catch(() => undefined);
    }
    return 'busy';
  }
  try {
    const current = await readLockRecord(lockPath);
    if (typeof current !== 'object' || !sameRecord(current, stale)) return 'changed';
    await unlink(lockPath);
    return 'removed';
  } finally {
    await unlink(guardPath).catch(() => undefined);
  }
}

function sameRecord(a: LockRecord, b: LockRecord): boolean {
  return a.id === b.id && a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;
}
