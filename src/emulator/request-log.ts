// What reached the emulator, in arrival order (`GET /_emulator/requests`): tests assert on the
// calls a client really made (pacing, retries, failover) without instrumenting the client.

export interface RequestLogEntry {
  /** Position since the emulator started; `?since=` takes it. */
  index: number;
  /** Real wall-clock milliseconds at arrival (rate limits run on real time too). */
  time: number;
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query string without '?', '' when none. */
  query: string;
  /** The answer's status; null while unanswered, or when the connection was dropped. */
  status: number | null;
  requestId: string;
  /** The listener's domain name. */
  domain: string;
  /** The fault effect applied, if any. */
  fault?: string;
  /** A refused request's message (`Request rate limit exceeded.`, `Resource quota exceeded.`...). */
  message?: string;
}

export const REQUEST_LOG_CAPACITY = 100_000;

export class RequestLog {
  readonly #capacity: number;
  #entries: RequestLogEntry[] = [];
  #start = 0; // ring position of the oldest entry once full
  #next = 0; // index of the next entry

  constructor(capacity = REQUEST_LOG_CAPACITY) {
    this.#capacity = capacity;
  }

  /** Records an arrival; the entry's status is filled in when the answer goes out. */
  add(entry: Omit<RequestLogEntry, 'index'>): RequestLogEntry {
    // Built field by field: this runs for every request, and a spread would dominate its cost.
    const full: RequestLogEntry = {
      index: this.#next,
      time: entry.time,
      method: entry.method,
      path: entry.path,
      query: entry.query,
      status: entry.status,
      requestId: entry.requestId,
      domain: entry.domain,
    };
    this.#next += 1;
    if (this.#entries.length < this.#capacity) {
      this.#entries.push(full);
    } else {
      this.#entries[this.#start] = full;
      this.#start = (this.#start + 1) % this.#capacity;
    }
    return full;
  }

  /** Entries with index ≥ since, oldest first (only the last `capacity` are kept). */
  since(index = 0): RequestLogEntry[] {
    const count = this.#entries.length;
    const firstKept = this.#next - count;
    const skip = Math.max(0, Math.min(count, index - firstKept));
    const out: RequestLogEntry[] = [];
    for (let i = skip; i < count; i += 1) {
      out.push({ ...(this.#entries[(this.#start + i) % count] as RequestLogEntry) });
    }
    return out;
  }

  clear(): void {
    this.#entries = [];
    this.#start = 0;
  }
}
