// The put/remove half every state backend shares. A change is checked (resource-check.ts) and
// queued synchronously, so that puts issued together share one write (group-commit.ts); a
// backend supplies only how a batch becomes durable and whether the store is still open.
import { GroupCommit } from "./group-commit.ts";
import { checkedResourceCopy } from "./resource-check.ts";
import type { StateMutation } from "./snapshot.ts";
import type { ResourceState } from "./types.ts";

export class StateWriteQueue extends GroupCommit<StateMutation> {
  readonly #assertOpen: () => void;

  /** @param assertOpen throws when the store is closed; checked before every change is queued. */
  constructor(
    commit: (mutations: readonly StateMutation[]) => Promise<void>,
    assertOpen: () => void,
  ) {
    super(commit);
    this.#assertOpen = assertOpen;
  }

  put(resource: ResourceState): Promise<void> {
    return this.#submitChecked(() => ({
      type: "put",
      resource: checkedResourceCopy(resource),
    }));
  }

  remove(key: string): Promise<void> {
    return this.#submitChecked(() => ({ type: "remove", key }));
  }

  /** A closed store or a refused record is a rejected promise, not a throw. */
  #submitChecked(build: () => StateMutation): Promise<void> {
    try {
      this.#assertOpen();
      return this.submit(build());
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error)),
      );
    }
  }
}
