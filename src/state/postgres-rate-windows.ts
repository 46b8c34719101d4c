// The rate windows of every project in the PostgreSQL state (rate-windows.ts says why they are
// shared): each request any process sends is a row of `rate_stamps`. Taking slots is one
// round trip: a single multi-statement query, which PostgreSQL runs as one transaction, that
// locks the class's row of `rate_classes` (so two processes taking slots of one class queue
// up there and each counts the other's stamps), prunes the class's stamps older than any
// window, counts the rest per window and inserts as many stamps as every window admits. The
// statements are separate (not one statement with CTEs) because, under READ COMMITTED, each
// statement sees the rows committed before it started: the counting statement starts after
// the lock is held, so it sees every stamp committed by whoever held the lock before.
//
// Times are the database's (`clock_timestamp()`), so processes on hosts whose clocks disagree
// still agree on the windows; only durations (how long to wait) reach the processes.
// Requests of one class issued in the same turn of the event loop are reserved together, and
// answers are written together, so a burst costs a round trip, not one per request.
//
// Each stamp names the process that sent it (pid and host, as a lease names its holder). A
// process killed mid-call leaves stamps that would count as in flight until their bound, ~65 s
// of a blocked class: once that process is known dead (a lease taken over from it, or a
// reservation blocked by it on its host), its in-flight stamps are settled, counted from that
// moment. Its requests were answered, if ever, before it died, so this never frees a slot early.
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { LimitKey, RateLimit } from '../agora/limits.ts';
import { WINDOW_SPANS_MS } from '../agora/rate-limiter.ts';
import { IN_FLIGHT_BOUND_MS, waitForNextSlot, type RateTicket, type RateWindowStore, type Reservation } from '../agora/rate-windows.ts';
import { isProcessAlive } from './process-liveness.ts';

/** Runs `body` on a pooled connection of the state store (its errors scrubbed of the password). */
export type WithClient = <T>(body: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

export interface PostgresRateWindowsOptions {
  /**
   * Stamps on this clock instead of the database's: for tests that drive time by hand. Every
   * process sharing the windows must then use the same clock.
   */
  clock?: Clock;
  /** The process the stamps name; this one unless a test plays another. */
  holder?: StampHolder;
}

/** Who sent a request: the pid and host a lease's holder records. */
export interface StampHolder {
  pid: number;
  hostname: string;
}

interface Pending {
  limits: RateLimit;
  resolve: (reservation: Reservation) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  project: string;
  key: LimitKey;
  waiting: Pending[];
}

/** Stamps older than this are in no window any more (the longest, plus slack). */
const KEEP_MS = WINDOW_SPANS_MS.perMinute + 1_000;

export class PostgresRateWindows implements RateWindowStore {
  readonly #withClient: WithClient;
  readonly #schema: string;
  readonly #clock: Clock | undefined;
  readonly #holder: StampHolder;
  readonly #batches = new Map<string, Batch>();
  #answers: string[] = [];
  #answering: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  /** `schema` is already a quoted SQL identifier. */
  constructor(withClient: WithClient, schema: string, options: PostgresRateWindowsOptions = {}) {
    this.#withClient = withClient;
    this.#schema = schema;
    this.#clock = options.clock;
    this.#holder = options.holder ?? { pid: process.pid, hostname: hostname() };
  }

  reserve(project: string, key: LimitKey, limits: RateLimit): Promise<Reservation> {
    if (this.#closed) return Promise.reject(new Error('the rate windows are closed'));
    return new Promise<Reservation>((resolve, reject) => {
      const id = `${project}\u0000${key}`;
      let batch = this.#batches.get(id);
      if (!batch) {
        const created: Batch = { project, key, waiting: [] };
        this.#batches.set(id, created);
        batch = created;
        // Everything of this class asked for in this turn goes in one transaction.
        setImmediate(() => {
          this.#batches.delete(id);
          this.#track(this.#reserveBatch(created));
        });
      }
      batch.waiting.push({ limits, resolve, reject });
    });
  }

  answered(ticket: RateTicket): void {
    if (this.#closed && !this.#answering) return;
    this.#answers.push(String(ticket));
    this.#answering ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#writeAnswers());
  }

  /** Whether a reservation or an answer is queued or at the database (tests wait for quiet). */
  get busy(): boolean {
    return this.#batches.size > 0 || this.#inFlight.size > 0 || this.#answering !== undefined;
  }

  /** Waits for reservations and answers in flight; the pool belongs to the state store. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0 || this.#answering) {
      await Promise.all([...this.#inFlight, this.#answering]);
    }
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #reserveBatch(batch: Batch): Promise<void> {
    // The latest limits asked for: requests of one class share them (the Project's manifest).
    const limits = batch.waiting.at(-1)?.limits ?? {};
    try {
      const { tickets, wait } = await this.#withClient(async (client) => {
        const first = await this.#reserve(client, batch.project, batch.key, limits, batch.waiting.length);
        const missing = batch.waiting.length - first.tickets.length;
        const dead = missing > 0 ? first.localInFlight.filter((pid) => !isProcessAlive(pid)) : [];
        if (dead.length === 0) return { tickets: first.tickets, wait: waitAfter(first, missing, limits) };
        // Blocked, at least in part, by a process of this host that died mid-call.
        await settleStamps(client, this.#schema, { pids: dead, hostname: hostname(), projects: [batch.project], now: this.#now() });
        const retry = await this.#reserve(client, batch.project, batch.key, limits, missing);
        return { tickets: [...first.tickets, ...retry.tickets], wait: waitAfter(retry, missing - retry.tickets.length, limits) };
      });
      for (const [index, pending] of batch.waiting.entries()) {
        const ticket = tickets[index];
        // waitForNextSlot is never 0 here (not every request fitted), but a wait of 0 would spin.
        pending.resolve(ticket !== undefined ? { granted: true, ticket } : { granted: false, waitMs: Math.max(1, wait) });
      }
    } catch (error) {
      for (const pending of batch.waiting) pending.reject(error);
    }
  }

  /** The current time as SQL: the database's, or the injected clock's. */
  #now(): string {
    return this.#clock ? `to_timestamp(${sqlNumber(this.#clock.now())} / 1000.0)` : 'clock_timestamp()';
  }

  async #reserve(client: pg.PoolClient, project: string, key: LimitKey, limits: RateLimit, count: number): Promise<ReserveResult> {
    const s = this.#schema;
    const p = client.escapeLiteral(project);
    const k = client.escapeLiteral(key);
    const host = client.escapeLiteral(this.#holder.hostname);
    const pid = sqlNumber(this.#holder.pid);
    // Only this host's pids can be checked for life.
    const local = client.escapeLiteral(hostname());
    const now = this.#now();
    const ms = (value: number) => `make_interval(secs => ${sqlNumber(value)} / 1000.0)`;
    const counted = (limit: number | null | undefined, spanMs: number) =>
      limit === undefined || limit === null ? 'NULL' : `${sqlNumber(limit)} - (SELECT count(*) FROM recent, now WHERE counts_from > now.t - ${ms(spanMs)})`;
    const text = [
      `INSERT INTO ${s}.rate_classes (project, limit_key) VALUES (${p}, ${k}) ON CONFLICT DO NOTHING`,
      `SELECT 1 FROM ${s}.rate_classes WHERE project = ${p} AND limit_key = ${k} FOR UPDATE`,
      `DELETE FROM ${s}.rate_stamps WHERE project = ${p} AND limit_key = ${k} AND counts_from < ${now} - ${ms(KEEP_MS)}`,
      `WITH now AS (SELECT ${now} AS t),
        recent AS (SELECT counts_from, holder_pid, holder_host FROM ${s}.rate_stamps, now WHERE project = ${p} AND limit_key = ${k} AND counts_from > now.t - ${ms(KEEP_MS)}),
        free AS (SELECT GREATEST(0, LEAST(${sqlNumber(count)}, ${counted(limits.perSecond, WINDOW_SPANS_MS.perSecond)}, ${counted(limits.perMinute, WINDOW_SPANS_MS.perMinute)})) AS n),
        granted AS (
          INSERT INTO ${s}.rate_stamps (project, limit_key, holder_pid, holder_host, sent_at, counts_from)
          SELECT ${p}, ${k}, ${pid}, ${host}, now.t, now.t + ${ms(IN_FLIGHT_BOUND_MS)} FROM now, free, generate_series(1, free.n)
          RETURNING id)
      SELECT
        (SELECT coalesce(array_agg(id::text), '{}') FROM granted) AS tickets,
        (SELECT (extract(epoch FROM t) * 1000)::float8 FROM now) AS now_ms,
        (SELECT coalesce(array_agg((extract(epoch FROM counts_from) * 1000)::float8), '{}') FROM recent) AS recent,
        (SELECT coalesce(array_agg(DISTINCT holder_pid), '{}') FROM recent, now WHERE counts_from > now.t AND holder_host = ${local} AND holder_pid <> ${pid}) AS local_in_flight`,
    ].join(';\n');
    // Several statements in one simple query run as one implicit transaction: the lock is held
    // until the stamps are in, and a failure rolls everything back.
    const results = (await client.query(text)) as unknown as pg.QueryResult[];
    const row = results.at(-1)?.rows[0] as { tickets: string[]; now_ms: number; recent: number[]; local_in_flight: number[] } | undefined;
    if (!row) throw new Error('the rate window query returned no row');
    return { tickets: row.tickets, now: row.now_ms, recent: row.recent, localInFlight: row.local_in_flight };
  }

  async #writeAnswers(): Promise<void> {
    const ids = this.#answers;
    this.#answers = [];
    try {
      await this.#withClient((client) => client.query(`UPDATE ${this.#schema}.rate_stamps SET counts_from = ${this.#now()} WHERE id = ANY($1::bigint[])`, [ids]));
    } catch {
      // The stamps keep counting until their in-flight bound: the budget is used longer than
      // needed, never shorter, so there is nothing to undo.
    } finally {
      this.#answering = undefined;
      if (this.#answers.length > 0) this.#answering = this.#writeAnswers();
    }
  }
}

/** How long the requests left without a slot wait; the stamps just granted count as in flight. */
function waitAfter(result: ReserveResult, missing: number, limits: RateLimit): number {
  if (missing === 0) return 0;
  return waitForNextSlot([...result.recent, ...result.tickets.map(() => result.now + IN_FLIGHT_BOUND_MS)], limits, result.now);
}

interface ReserveResult {
  tickets: string[];
  now: number;
  /** The class's recent stamps as "counts from" times, the granted ones excluded. */
  recent: number[];
  /** Other processes of this host with a stamp of the class still in flight. */
  localInFlight: number[];
}

export interface SettledHolders {
  /** Processes of `hostname` known to be dead. */
  pids: readonly number[];
  hostname: string;
  /** The projects whose stamps are settled, or every project. */
  projects: readonly string[] | 'every';
  /** SQL for the current time; the database's unless the windows run on an injected clock. */
  now?: string;
}

/**
 * Makes the in-flight stamps of dead processes count from now: they will never be answered,
 * and whatever answers they had arrived before their process died. Returns how many changed.
 */
export async function settleStamps(client: pg.PoolClient, schema: string, holders: SettledHolders): Promise<number> {
  if (holders.pids.length === 0) return 0;
  const now = holders.now ?? 'clock_timestamp()';
  const every = holders.projects === 'every';
  // SKIP LOCKED: a holder paused (not dead) in the middle of its own transaction keeps its rows
  // locked until it resumes; waiting for them would hang the takeover that settles them. Such a
  // row stays unsettled and counts until its in-flight bound, as it did before the takeover.
  const result = await client.query(
    `UPDATE ${schema}.rate_stamps SET counts_from = ${now}
     WHERE id IN (
       SELECT id FROM ${schema}.rate_stamps
       WHERE holder_host = $1 AND holder_pid = ANY($2::integer[]) AND counts_from > ${now} AND ($3::boolean OR project = ANY($4::text[]))
       FOR UPDATE SKIP LOCKED)`,
    [holders.hostname, holders.pids, every, every ? [] : holders.projects],
  );
  return result.rowCount ?? 0;
}

function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}
