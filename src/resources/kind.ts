// The one interface every Agora resource kind implements (crossplane-runtime's ExternalClient,
// split so that planning stays pure): observe reads Agora, diff decides, execute acts. The
// engine never names a kind; adding a kind means adding one module that implements this.
import type { Limits, QuotaKey } from '../agora/limits.ts';
import type { AgoraClient } from '../agora/client.ts';
import type { Clock } from '../clock.ts';
import type { ResourceState } from '../state/types.ts';
import type { ResourceKey } from '../state/resource-key.ts';
import type { Logger } from 'pino';

/** A desired resource as the engine sees it: identity plus the manifest spec (secret references, never values). */
export interface DesiredResource {
  key: ResourceKey;
  project: string;
  kind: string;
  name: string;
  spec: Record<string, unknown>;
  source?: { file: string; line: number; column: number };
}

/** What Agora shows of one resource. `fields` holds only what the API returned. */
export interface ObservedResource {
  name: string;
  externalId?: string;
  status?: string;
  fields: Record<string, unknown>;
  /** The API left fields out (List may return only id, name and createTs). */
  partial?: boolean;
}

export interface KindObservation {
  /** Observed resources of this kind by name, including ones agoractl does not manage. */
  resources: Map<string, ObservedResource>;
  /** How many live resources count against the kind's quota (managed or not). */
  quotaUsed?: number;
  /** API calls the observation cost, for the plan's summary. */
  calls: number;
}

export interface ObserveInput {
  client: AgoraClient;
  project: string;
  /** The project's rate limits and quotas (Project.spec.limits over Agora's documented ones). */
  limits: Limits;
  desired: DesiredResource[];
  state: ResourceState[];
  clock: Clock;
}

/** One field's change, for people. Secret values never appear: they are masked. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
  /** The value is secret; before/after hold "(sensitive)" when set. */
  sensitive?: boolean;
}

export const ACTION_TYPES = ['create', 'update', 'replace', 'delete', 'adopt', 'forget', 'conflict'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** One step of a plan: plain data that can be printed, serialised and asserted on. */
export interface PlannedAction {
  key: ResourceKey;
  project: string;
  kind: string;
  name: string;
  type: ActionType;
  /** Why, in words a person reads in the plan. */
  reason: string;
  changes: FieldChange[];
  /** Kind-specific, serialisable inputs of execute (ids, sequence, playTs...). Never secrets. */
  detail: Record<string, unknown>;
  /** Live resources this action adds to (+1) or frees from (-1) its kind's quota when done. */
  quotaDelta: number;
  /** A conflict or other action agoractl will not carry out; apply reports it as an error. */
  blocked?: boolean;
}

export interface DiffInput {
  key: ResourceKey;
  project: string;
  name: string;
  desired?: DesiredResource;
  observed?: ObservedResource;
  state?: ResourceState;
  now: number;
}

/** Resolved secrets and credentials of a project, for execute only. */
export interface ProjectSecrets {
  appId: string;
  appCertificate?: string;
}

export interface StateWriter {
  get(key: ResourceKey): ResourceState | undefined;
  /** Durable when resolved: call before a mutation (intent) and after (result). */
  put(resource: ResourceState): Promise<void>;
  remove(key: ResourceKey): Promise<void>;
}

export interface ExecuteContext {
  client: AgoraClient;
  project: ProjectSecrets;
  /** The desired spec with secret references replaced by their values. */
  resolvedSpec(key: ResourceKey): Record<string, unknown> | undefined;
  state: StateWriter;
  clock: Clock;
  logger: Logger;
  /** Aborted when the run stops taking new work: an action still waiting to send gives up. */
  signal?: AbortSignal;
}

export interface KindModule {
  readonly kind: string;
  readonly quota?: QuotaKey;
  observe(input: ObserveInput): Promise<KindObservation>;
  /** Pure. Returns no action when the resource is as desired. */
  diff(input: DiffInput): PlannedAction[];
  /** Carries out one action, writing state ahead of every mutation. */
  execute(action: PlannedAction, ctx: ExecuteContext): Promise<void>;
  /**
   * Pure. Folds what was observed into a state record (e.g. a player's last status, which
   * decides restartPolicy OnFailure later); undefined when nothing changed.
   */
  refresh?(state: ResourceState, observed: ObservedResource | undefined, now: number): ResourceState | undefined;
  /**
   * Pure. Milliseconds after which observing this resource again may tell more than now (e.g.
   * List's lag after a create); the daemon queues the key again then. Undefined: no need.
   */
  recheckAfter?(state: ResourceState, now: number): number | undefined;
}
