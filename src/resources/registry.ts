// The kinds agoractl manages, by kind: the one list the engine, the manifest loader and the
// daemon read. Nothing outside a kind's own module knows which kinds there are.
import type { ManifestKinds } from '../manifest/kind-rules.ts';
import type { KindModule, KindNotification, NotificationTarget } from './kind.ts';

export class KindRegistry {
  readonly #modules = new Map<string, KindModule>();

  constructor(modules: readonly KindModule[]) {
    for (const module of modules) {
      if (module.kind === 'Project' || module.kind.includes('/')) throw new TypeError(`a kind cannot be named ${JSON.stringify(module.kind)}`);
      if (this.#modules.has(module.kind)) throw new TypeError(`kind ${module.kind} is registered twice`);
      this.#modules.set(module.kind, module);
    }
  }

  get(kind: string): KindModule | undefined {
    return this.#modules.get(kind);
  }

  all(): readonly KindModule[] {
    return [...this.#modules.values()];
  }

  /** What the manifest loader checks of each kind's documents. */
  manifestKinds(): ManifestKinds {
    return new Map([...this.#modules].map(([kind, module]) => [kind, module.manifest]));
  }

  /** The resource a notification names, asking each kind; undefined when none claims it. */
  notificationTarget(notification: KindNotification): NotificationTarget | undefined {
    return notificationTargetOf(this.all(), notification);
  }
}

/** The resource a notification names, asking each of `modules`; undefined when none claims it. */
export function notificationTargetOf(modules: readonly KindModule[], notification: KindNotification): NotificationTarget | undefined {
  for (const module of modules) {
    const target = module.notificationTarget?.(notification);
    if (target) return target;
  }
  return undefined;
}
