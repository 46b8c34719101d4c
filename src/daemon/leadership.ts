// Which projects this daemon replica leads (DESIGN.md: "Daemon replicas share the projects among
// themselves by these leases"). Each tick the replica renews its heartbeat, learns how many
// replicas are alive, and moves toward its fair share, ceil(projects / live replicas): it takes
// leases on projects nobody holds while under it, and gives up the surplus while over it (a
// replica joined), so 3 replicas on 30 projects end with 10 each. A replica that dies or loses
// the database leads nothing once its leases expire, and the others take its projects; one
// whose renewal fails stops acting on the project at once (the store calls onLost).
//
// The leases are the state store's own (StateStore.lock with one project), so every state write
// of a led project is fenced by its epoch: a replica paused past its lease writes nothing.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logging.ts';
import { StateLockedError } from '../state/errors.ts';
import type { LockHolder, StateLock, StateStore } from '../state/store.ts';

/** What replicas share besides the leases: a heartbeat per replica and who holds what. */
export interface ReplicaBoard {
  /** Renews this replica's heartbeat; answers how many replicas are alive, itself included. */
  heartbeat(id: string, holder: LockHolder): Promise<number>;
  /** Projects with a live lease, whoever holds it. */
  heldProjects(): Promise<Set<string>>;
  leave(id: string): Promise<void>;
}

export interface LeadershipOptions {
  store: StateStore;
  board: ReplicaBoard;
  clock: Clock;
  logger: Logger;
  /** The projects of the manifests in force, read at every tick. */
  projects: () => readonly string[];
  /** How often to heartbeat and rebalance: well under the lease TTL. */
  everyMs: number;
  /** Called after the set of led projects changed, with the projects gained and lost. */
  onChange: (change: { gained: string[]; lost: string[] }) => void;
  /** Who this replica is in lease rows: "agoractl reconcile --watch". */
  owner: string;
  /** Shuffles the projects a replica tries first, so replicas starting together rarely collide. */
  random?: () => number;
}

/** Log events of this module. */
export const LEADERSHIP_EVENT = {
  gained: 'replica.project_gained',
  released: 'replica.project_released',
  lost: 'replica.project_lost',
  tickFailed: 'replica.tick_failed',
} as const;

/** The share of `projects` one of `replicas` live replicas may lead. */
export function fairShare(projects: number, replicas: number): number {
  return Math.ceil(projects / Math.max(1, replicas));
}

export class ProjectLeadership {
  /** Unique to this process's run: the heartbeat row's key. */
  readonly id = randomUUID();
  readonly #options: LeadershipOptions;
  readonly #held = new Map<string, StateLock>();
  readonly #holder: LockHolder;
  #live = 1;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: LeadershipOptions) {
    this.#options = options;
    this.#holder = { pid: process.pid, hostname: hostname(), startedAt: options.clock.now(), owner: options.owner };
  }

  leads(project: string): boolean {
    return this.#held.has(project);
  }

  /** The projects this replica leads, sorted. */
  led(): string[] {
    return [...this.#held.keys()].sort();
  }

  /** Live replicas at the last heartbeat, this one included. */
  get liveReplicas(): number {
    return this.#live;
  }

  /**
   * Announces this replica, waits one tick so replicas started together count each other before
   * any takes a share, then keeps ticking until stop().
   */
  async start(): Promise<void> {
    await this.#heartbeat().catch((error: unknown) => this.#tickFailed(error));
    this.#schedule();
  }

  /** One heartbeat and rebalance; ticks never overlap. */
  tick(): Promise<void> {
    this.#ticking = this.#ticking.then(() => this.#tick()).catch((error: unknown) => this.#tickFailed(error));
    return this.#ticking;
  }

  /** Gives every lease up (after the store's writes in flight land) and leaves the board. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    const lost = this.led();
    for (const project of lost) await this.#release(project);
    if (lost.length > 0) this.#options.onChange({ gained: [], lost });
    await this.#options.board.leave(this.id).catch(() => undefined);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.tick().then(() => this.#schedule());
    }, this.#options.everyMs);
    this.#timer.unref();
  }

  async #heartbeat(): Promise<void> {
    this.#live = await this.#options.board.heartbeat(this.id, this.#holder);
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    await this.#heartbeat();
    const projects = new Set(this.#options.projects());
    const gained: string[] = [];
    const lost: string[] = [];
    // Projects gone from the manifests, then the surplus over the fair share (a replica joined).
    for (const project of this.led()) {
      if (!projects.has(project)) lost.push(project);
    }
    const share = fairShare(projects.size, this.#live);
    const kept = this.led().filter((p) => !lost.includes(p));
    lost.push(...kept.slice(share));
    if (lost.length > 0) {
      const locks = lost.map((project) => [project, this.#held.get(project)] as const);
      // Out of scope first, so the reconciler sends nothing more for them, then released.
      for (const project of lost) this.#held.delete(project);
      this.#options.onChange({ gained: [], lost });
      for (const [project, lock] of locks) {
        await this.#releaseLock(project, lock);
        this.#options.logger.info({ event: LEADERSHIP_EVENT.released, project, share, replicas: this.#live }, 'gave a project up to share the work');
      }
    }
    if (this.#held.size < share) {
      const held = await this.#options.board.heldProjects();
      const free = shuffle(
        [...projects].filter((p) => !held.has(p) && !this.#held.has(p)),
        this.#options.random ?? Math.random,
      );
      for (const project of free) {
        if (this.#held.size >= share || this.#stopped) break;
        if (await this.#take(project)) gained.push(project);
      }
    }
    if (gained.length > 0) {
      this.#options.logger.info({ event: LEADERSHIP_EVENT.gained, projects: gained, share, replicas: this.#live }, 'leading projects');
      this.#options.onChange({ gained, lost: [] });
    }
  }

  async #take(project: string): Promise<boolean> {
    let taken: StateLock | undefined;
    try {
      taken = await this.#options.store.lock({
        projects: [project],
        waitMs: 0,
        owner: this.#options.owner,
        onLost: (reason) => {
          if (taken) this.#lost(project, taken, reason);
        },
      });
      this.#held.set(project, taken);
      return true;
    } catch (error) {
      // Another replica took it between the listing and now: it is led, which is all we want.
      if (error instanceof StateLockedError) return false;
      throw error;
    }
  }

  #lost(project: string, lock: StateLock, reason: string): void {
    // Released so a later take of the project is not shadowed by the lost lease in the store.
    void lock.release().catch(() => undefined);
    if (this.#held.get(project) !== lock) return;
    this.#held.delete(project);
    this.#options.logger.warn({ event: LEADERSHIP_EVENT.lost, project, reason }, 'lost the lease on a project; no longer acting on it');
    this.#options.onChange({ gained: [], lost: [project] });
  }

  async #release(project: string): Promise<void> {
    const lock = this.#held.get(project);
    this.#held.delete(project);
    await this.#releaseLock(project, lock);
  }

  async #releaseLock(project: string, lock: StateLock | undefined): Promise<void> {
    if (!lock) return;
    try {
      await lock.release();
    } catch (error) {
      // Not released: it expires within its TTL, and nobody takes it before.
      this.#options.logger.warn({ event: LEADERSHIP_EVENT.tickFailed, project, err: error instanceof Error ? error.message : String(error) }, 'could not release a lease');
    }
  }

  #tickFailed(error: unknown): void {
    this.#options.logger.warn({ event: LEADERSHIP_EVENT.tickFailed, err: error instanceof Error ? error.message : String(error) }, 'replica heartbeat or rebalance failed; retrying');
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
