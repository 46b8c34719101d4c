// What a replica's reconciler sees: only the projects it leads. The engine stays generic: it is
// given a scope without the other replicas' projects and a state store whose snapshot hides
// their resources (otherwise it would queue their keys and report them as orphans). Projects no
// manifest declares stay visible, so their orphan error is still reported.
import type { ReconcileScope } from '../engine/reconcile.ts';
import type { StateStore } from '../state/store.ts';
import type { StateSnapshot } from '../state/types.ts';

/** True for a project another replica leads (declared, and not led here). */
export type Hidden = (project: string) => boolean;

export function ledScope(scope: ReconcileScope, hidden: Hidden): ReconcileScope {
  return {
    ...scope,
    desired: scope.desired.filter((d) => !hidden(d.project)),
    projects: new Map([...scope.projects].filter(([name]) => !hidden(name))),
  };
}

/** The store as the reconciler of this replica uses it: writes pass through (fenced by the leases), reads hide. */
export function ledStore(store: StateStore, hidden: Hidden): StateStore {
  return {
    get location() {
      return store.location;
    },
    async load(): Promise<StateSnapshot> {
      const snapshot = await store.load();
      return { ...snapshot, resources: Object.fromEntries(Object.entries(snapshot.resources).filter(([, r]) => !hidden(r.project))) };
    },
    put: (resource) => store.put(resource),
    remove: (key) => store.remove(key),
    lock: (options) => store.lock(options),
    close: () => store.close(),
  };
}
