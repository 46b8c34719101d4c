// Groups concurrent changes into few durable writes. An apply runs hundreds of actions at
// once, each awaiting its put before it calls Agora; writing the whole state once per put, one
// after another, would make every action wait for all the writes queued before it. Instead at
// most one write is in progress and every change submitted meanwhile joins the single queued
// batch, written as soon as the current write ends. Each submitter resolves when a write that
// contains its change is durable, or rejects with that write's error.
//
// A write does not start from idle at the first change, but once the current macrotask ends
// (setImmediate): an apply submits the write-ahead intents of all its actions in one tick, and
// starting at once would write the first intent alone while the rest wait a whole atomic write
// and fsync behind it. Not at the end of the microtask: each action submits from async code,
// after awaits of its own.

interface Batch<M> {
  mutations: M[];
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<M> {
  readonly #commit: (mutations: readonly M[]) => Promise<void>;
  #writing: Batch<M> | undefined;
  #queued: Batch<M> | undefined;

  /** @param commit makes the batch durable, in order, after every earlier batch. */
  constructor(commit: (mutations: readonly M[]) => Promise<void>) {
    this.#commit = commit;
  }

  submit(mutation: M): Promise<void> {
    // From idle, the first change schedules the write; a batch queued while nothing is being
    // written always has its start scheduled already.
    if (!this.#writing && !this.#queued) setImmediate(() => this.#writeNext());
    this.#queued ??= newBatch<M>();
    const batch = this.#queued;
    batch.mutations.push(mutation);
    return batch.done;
  }

  /** Changes submitted and not yet durable (being written, then queued), in submission order. */
  pending(): M[] {
    return [...(this.#writing?.mutations ?? []), ...(this.#queued?.mutations ?? [])];
  }

  /** Resolves once nothing is being written or queued; write errors are left to the submitters. */
  async idle(): Promise<void> {
    for (let batch = this.#writing ?? this.#queued; batch; batch = this.#writing ?? this.#queued) {
      await batch.done.catch(() => undefined);
    }
  }

  #writeNext(): void {
    const batch = this.#queued;
    if (!batch) return;
    this.#queued = undefined;
    this.#writing = batch;
    void this.#commit(batch.mutations)
      .then(batch.resolve, batch.reject)
      .finally(() => {
        this.#writing = undefined;
        this.#writeNext();
      });
  }
}

function newBatch<M>(): Batch<M> {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { mutations: [], done, resolve, reject };
}
