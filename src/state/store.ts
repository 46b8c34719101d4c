// The state store interface every backend implements (file now, PostgreSQL later), composed the
// way Terraform's statemgr is: reading and writing resources (Transient + Persistent, durable
// per call) and an exclusive lock held for the life of an apply (Locker). Nothing here names a
// file: a backend says where it lives through `StateStore.location` and error values.
import type { RateWindowStore } from '../agora/rate-windows.ts';
import type { RecentRequestsRecord } from './recent-requests-file.ts';
import type { ResourceState, StateSnapshot } from './types.ts';

export interface StateStore {
  /** Where the state lives, for messages: a file path, a database and schema. */
  readonly location: string;
  /**
   * The current snapshot, including changes whose put/remove has not resolved yet. A copy: the
   * caller may change it freely. A store that holds no lock reads the latest stored state.
   */
  load(): Promise<StateSnapshot>;
  /**
   * Records (or replaces) one resource. Durable when the promise resolves: the engine awaits a
   * put before it sends the call the put records. Refuses data holding a secret or non-JSON value.
   */
  put(resource: ResourceState): Promise<void>;
  /** Stops recording a resource; durable when the promise resolves. A missing key is not an error. */
  remove(key: string): Promise<void>;
  /**
   * Takes the exclusive lock that keeps two applies apart, reading the latest stored state once
   * it is held. Fails with StateLockedError when another holder keeps it past `waitMs`. With
   * `projects`, a backend that can lock per project (PostgreSQL) locks only those, so applies to
   * other projects run at once; the file backend takes its one lock whatever the projects.
   */
  lock(options?: LockOptions): Promise<StateLock>;
  /** Waits for every write in flight, releases a lock this store holds, and frees the backend. */
  close(): Promise<void>;
  /**
   * The projects' rate windows, shared live with every process using this state (PostgreSQL);
   * absent where the backend cannot share them.
   */
  rateWindows?(): RateWindowStore;
  /** What the last processes recorded of their recent requests (file backend: recent-requests-file.ts). */
  loadRecentRequests?(): Promise<RecentRequestsRecord>;
  /** Records this process's recent requests for the next one. */
  saveRecentRequests?(record: RecentRequestsRecord): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for another holder to release it; 0 (the default) fails at once. */
  waitMs?: number;
  /** Who takes it, shown to anyone who finds it held: "agoractl apply", "reconcile daemon". */
  owner?: string;
  /** Aborts the wait (SIGTERM while waiting). */
  signal?: AbortSignal;
  /**
   * The projects the holder will change; absent or empty locks the whole state. A holder writes
   * only the projects it locked (or ones nobody holds).
   */
  projects?: readonly string[];
  /**
   * Called once if the lock is lost while held (a backend with leases: a renewal found it
   * expired or taken, or the database did not answer in time to renew it). Every later write
   * under it fails; the holder must stop acting on its projects and release it.
   */
  onLost?: (reason: string) => void;
}

export interface StateLock {
  /** Gives the lock up; a second call does nothing. */
  release(): Promise<void>;
  /** Set when the lock was taken over from a holder that died without releasing it. */
  readonly takenOver?: LockHolder;
}

/** Who holds a lock, as a second locker is told. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** Milliseconds since the Unix epoch. */
  startedAt: number;
  owner: string;
}
