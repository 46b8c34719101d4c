// The file backend of the state store: one JSON file (default `.agoractl/state.json` beside the
// manifests), replaced atomically on every write, with `<path>.lock` as the apply lock.
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { systemClock, type Clock } from '../clock.ts';
import { isErrno, removeLeftoverTempFiles, writeFileAtomic } from './atomic-write.ts';
import { StateError, stateClosed, stateConflict, stateLockFailed, stateUnreadable, stateWriteFailed } from './errors.ts';
import { acquireFileLock, lockPathFor, type HeldFileLock } from './file-lock.ts';
import { readRecentRequests, recentRequestsPathFor, writeRecentRequests, type RecentRequestsRecord } from './recent-requests-file.ts';
import {
  applyMutations,
  emptyStoredState,
  encodeStoredState,
  parseSnapshot,
  snapshotFromText,
  snapshotOf,
  storedStateOf,
  type StateMutation,
  type StoredState,
} from './snapshot.ts';
import type { LockOptions, StateLock, StateStore } from './store.ts';
import { STATE_VERSION, type ResourceState, type StateSnapshot } from './types.ts';
import { StateWriteQueue } from './write-queue.ts';

export interface FileStateStoreOptions {
  clock?: Clock;
}

/**
 * Opens the state file at `path`, reading it at once: a corrupt file, or one of another format
 * version, fails here. A missing file is an empty state; nothing is created before the first
 * write or lock.
 */
export async function openFileStateStore(path: string, options: FileStateStoreOptions = {}): Promise<StateStore> {
  const store = new FileStateStore(resolve(path), options.clock ?? systemClock);
  await store.refresh();
  return store;
}

class FileStateStore implements StateStore {
  readonly location: string;
  readonly #clock: Clock;
  readonly #writer: StateWriteQueue;
  #committed: StoredState = emptyStoredState();
  /**
   * The file's text #committed was last parsed from. Opening reads the file and taking the lock
   * reads it again (another process may have written between): when the text is the same, the
   * state parsed from it still stands. And a load of exactly that state can hand out the text
   * parsed afresh, a deep copy several times cheaper than cloning a thousand resources.
   */
  #source: { text: string; state: StoredState } | undefined;
  #lock: HeldFileLock | undefined;
  #closed = false;

  constructor(path: string, clock: Clock) {
    this.location = path;
    this.#clock = clock;
    this.#writer = new StateWriteQueue((mutations) => this.#write(mutations), () => this.#assertOpen());
  }

  async load(): Promise<StateSnapshot> {
    this.#assertOpen();
    // Without the lock another process may have written since; with it, memory is the truth.
    if (!this.#lock && this.#writer.pending().length === 0) await this.refresh();
    const pending = this.#writer.pending();
    if (pending.length === 0 && this.#source?.state === this.#committed) return snapshotFromText(this.#committed, this.#source.text);
    return snapshotOf(applyMutations(this.#committed, pending));
  }

  put(resource: ResourceState): Promise<void> {
    return this.#writer.put(resource);
  }

  remove(key: string): Promise<void> {
    return this.#writer.remove(key);
  }

  async lock(options: LockOptions = {}): Promise<StateLock> {
    this.#assertOpen();
    let held: HeldFileLock;
    try {
      await mkdir(dirname(this.location), { recursive: true });
      held = await acquireFileLock(lockPathFor(this.location), { clock: this.#clock, location: this.location, ...options });
    } catch (error) {
      if (error instanceof StateError || options.signal?.aborted) throw error;
      throw stateLockFailed(lockPathFor(this.location), error);
    }
    try {
      // Whatever was written before we held the lock is now the state we build on.
      await this.#writer.idle();
      await this.refresh();
      await removeLeftoverTempFiles(this.location);
    } catch (error) {
      await held.release();
      throw error;
    }
    this.#lock = held;
    return {
      ...(held.takenOver ? { takenOver: held.takenOver } : {}),
      release: async () => {
        // Our writes land before the next holder reads the state.
        await this.#writer.idle();
        if (this.#lock === held) this.#lock = undefined;
        await held.release();
      },
    };
  }

  loadRecentRequests(): Promise<RecentRequestsRecord> {
    return readRecentRequests(recentRequestsPathFor(this.location), this.#clock.now());
  }

  async saveRecentRequests(record: RecentRequestsRecord): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true });
    await writeRecentRequests(recentRequestsPathFor(this.location), record, this.#clock.now());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writer.idle();
    const held = this.#lock;
    this.#lock = undefined;
    await held?.release();
  }

  /** Reads the file into memory, unless a write of ours is queued or lands meanwhile (memory is newer then). */
  async refresh(): Promise<void> {
    const before = this.#committed;
    let text: string | undefined;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if (!isErrno(error, ['ENOENT'])) throw stateUnreadable(this.location, error);
    }
    if (this.#committed !== before || this.#writer.pending().length > 0) return;
    if (text !== undefined && this.#source?.state === before && this.#source.text === text) return;
    this.#committed = text === undefined ? emptyStoredState(before.lineage) : storedStateOf(parseSnapshot(text, this.location));
    this.#source = text === undefined ? undefined : { text, state: this.#committed };
  }

  async #write(mutations: readonly StateMutation[]): Promise<void> {
    const base = this.#committed;
    const next = { ...applyMutations(base, mutations), serial: base.serial + 1 };
    try {
      await this.#checkUnchangedOnDisk(base);
      await writeFileAtomic(this.location, encodeStoredState(next));
    } catch (error) {
      throw error instanceof StateError ? error : stateWriteFailed(this.location, error);
    }
    this.#committed = next;
  }

  /**
   * Refuses to write over a file that is no longer the one this store read: another version,
   * another lineage, or another writer's serial. Writing would silently drop their changes.
   * Only the head of the file is read: this backend writes version, lineage and serial first.
   */
  async #checkUnchangedOnDisk(base: StoredState): Promise<void> {
    const head = await readHead(this.location, 512);
    if (head === undefined) return; // no file yet, or removed by hand: writing recreates it
    const match = /^\{\s*"version":\s*(-?\d+),\s*"lineage":\s*"([^"\\]*)",\s*"serial":\s*(\d+),/.exec(head);
    let onDisk: { version: number; lineage: string; serial: number };
    if (match && Number(match[1]) === STATE_VERSION) {
      onDisk = { version: STATE_VERSION, lineage: match[2] ?? '', serial: Number(match[3]) };
    } else {
      // Not in this backend's own layout (edited by hand, or another version): read it whole,
      // which reports a newer version or corruption as such.
      onDisk = parseSnapshot(await readFile(this.location, 'utf8'), this.location);
    }
    if (onDisk.lineage !== base.lineage) {
      throw stateConflict(this.location, `the file now holds another state (lineage ${onDisk.lineage}, this process read ${base.lineage})`);
    }
    if (onDisk.serial !== base.serial) {
      throw stateConflict(this.location, `the file is at serial ${onDisk.serial}, this process last read or wrote serial ${base.serial}`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw stateClosed(this.location);
  }
}

async function readHead(path: string, bytes: number): Promise<string | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if (isErrno(error, ['ENOENT'])) return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}
