// The one interface every Agora resource kind implements (crossplane-runtime's ExternalClient,
// split so that planning stays pure): observe reads Agora, diff decides, execute acts. A kind
// module declares everything about its kind (its manifest rules, quota, observation cost,
// notification routing, state data version); the engine, the manifest loader and the daemon
// never name a kind. Adding a kind means adding one module that implements this and
// registering it (registry.ts).
import type { Limits } from '../agora/limits.ts';
import type { AgoraClient, AgoraReader } from '../agora/client.ts';
import type { SendHooks } from '../agora/call.ts';
import type { Clock } from '../clock.ts';
import type { ResourceState } from '../state/types.ts';
import type { ResourceKey } from '../state/resource-key.ts';
import type { KindManifestRules } from '../manifest/kind-rules.ts';
import type { Resolved } from '../manifest/types.ts';
import type { Logger } from 'pino';

/** JSON data as a kind keeps it in state and in plans. */
export type KindData = object;

/** A desired resource as the engine sees it: identity plus the manifest spec (secret references, never values). */
export interface DesiredResource<Spec extends object = object> {
  key: ResourceKey;
  project: string;
  kind: string;
  name: string;
  spec: Spec;
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

/** A state record whose data the kind has decoded (see KindModule.decode). */
export type KindState<Data extends KindData> = Omit<ResourceState, 'data'> & { data: Data };

export interface ObserveInput<Spec extends object = object, Data extends KindData = KindData> {
  client: AgoraReader;
  project: string;
  desired: DesiredResource<Spec>[];
  state: KindState<Data>[];
  /** The project's rate limits and quotas (Project.spec.limits over Agora's documented ones). */
  limits: Limits;
  clock: Clock;
}

/** One field's change, for people. Secret values never appear: they are masked. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
  /** The value is secret; before/after hold "(sensitive)" when set. */
  sensitive?: boolean;
  /** Agora cannot change this field in place: the resource is replaced (Terraform's "forces replacement"). */
  forcesReplacement?: boolean;
  /** State did not record the value before (it was written before agoractl recorded fields): it may have changed. */
  unrecorded?: boolean;
}

export const ACTION_TYPES = ['create', 'update', 'replace', 'delete', 'adopt', 'forget', 'conflict'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** One step of a plan: plain data that can be printed, serialised and asserted on. */
export interface PlannedAction<Detail extends KindData = KindData> {
  key: ResourceKey;
  project: string;
  kind: string;
  name: string;
  type: ActionType;
  /** Why, in words a person reads in the plan. */
  reason: string;
  /** For people only: execute never reads them. */
  changes: FieldChange[];
  /** The kind's typed, serialisable inputs of execute (ids, sequence, playTs...). Never secrets. */
  detail: Detail;
  /** Live resources this action adds to (+1) or frees from (-1) its kind's quota when done. */
  quotaDelta: number;
  /** A conflict or other action agoractl will not carry out; apply reports it as an error. */
  blocked?: boolean;
}

export interface DiffInput<Spec extends object = object, Data extends KindData = KindData> {
  key: ResourceKey;
  project: string;
  name: string;
  desired?: DesiredResource<Spec>;
  observed?: ObservedResource;
  state?: KindState<Data>;
  now: number;
}

/** Resolved secrets and credentials of a project, for execute only. */
export interface ProjectSecrets {
  appId: string;
  appCertificate?: string;
}

/** What a resource is once an action's call(s) are done: the engine records it. */
export type Outcome<Data extends KindData> =
  | { type: 'recorded'; externalId?: string; specHash?: string; data: Data }
  | { type: 'removed' }
  /** Agora may or may not have done it: the engine asks the kind's resolve, then repeats. */
  | { type: 'unknown'; requestId?: string; cause?: string };

/** The write-ahead intent of one call: what Agora may have done once it is sent. */
export interface Intent<Data extends KindData> {
  action: string;
  detail?: Record<string, unknown>;
  /** The record's data as of the send (e.g. the sequence an update uses); unchanged if absent. */
  data?: Data;
  /** Drops the record's external id with the intent (a replace's new create). */
  clearExternalId?: boolean;
}

/**
 * What execute may do, bound to one action's resource. Reads go through `client`, which can only
 * read; every call that changes Agora goes through `send`, which hands the call the client and
 * writes the intent as the request is sent: a kind cannot change Agora without its intent.
 */
export interface ExecuteContext<Spec extends object = object, Data extends KindData = KindData> {
  client: AgoraReader;
  project: ProjectSecrets;
  /** The desired spec with secret references replaced by their values; undefined when not desired. */
  spec: Resolved<Spec> | undefined;
  /** The resource's record as last written (undefined: none). */
  current(): KindState<Data> | undefined;
  /**
   * Runs one mutating call. The engine writes `intent` to state when the rate limiter grants
   * the call its slot (not while it waits), and abandons the call unsent if the run stops.
   */
  send<T>(intent: Intent<Data>, call: (hooks: SendHooks, client: AgoraClient) => Promise<T>): Promise<T>;
  /** Records an intermediate outcome durably (a replace's deleted player); clears the intent. */
  record(outcome: Outcome<Data>): Promise<void>;
  /** 1 on the first attempt; more when the engine repeats an action whose outcome was unknown. */
  attempt: number;
  clock: Clock;
  logger: Logger;
  /** Aborted when the run stops taking new work: an action still waiting to send gives up. */
  signal?: AbortSignal;
}

/** A notification from Agora as the webhook verified it. */
export interface KindNotification {
  productId: number;
  eventType: number;
  payload: Record<string, unknown>;
}

/** Which resource a notification names, as far as its payload tells: its name, its external id, or both. */
export interface NotificationTarget {
  kind: string;
  name?: string;
  externalId?: string;
  eventType: number;
}

/** What `agoractl import` hands a kind: the manifest's resource and Agora's id of the live one to take over. */
export interface ImportInput<Spec extends object = object> {
  desired: DesiredResource<Spec>;
  /** Agora's id of the live resource: a player id, a recording's sid, an entry point name. */
  externalId: string;
  /** `--resource-id`: the second id a kind may need to observe by (a recording's resourceId). */
  resourceId?: string;
  client: AgoraReader;
  limits: Limits;
  clock: Clock;
}

/**
 * What an import found. `recorded`: the state record to write (as an Outcome's), the fields the
 * next plan updates in place, and notes for people (what could not be observed and was taken as
 * the manifest's). `refused`: why, with the fields that differ in a way that needs a replace.
 * Neither holds a secret.
 */
export type ImportResult<Data extends KindData> =
  | { type: 'recorded'; externalId: string; specHash?: string; data: Data; updates: FieldChange[]; notes: string[] }
  | { type: 'refused'; reason: string; changes: FieldChange[] };

export interface KindModule<Spec extends object = object, Data extends KindData = KindData, Detail extends KindData = KindData> {
  readonly kind: string;
  /** Schema validator, agoractl's own defaults, quota and cross-document checks (the manifest loader reads them). */
  readonly manifest: KindManifestRules;
  /** The version of the data this module writes to state; records of older versions go through decode. */
  readonly dataVersion: number;
  /**
   * The record's data as this module reads it, upgraded from `version` (absent: 1); undefined
   * when the data is not this kind's (the engine then treats the record as unreadable).
   */
  decode(data: Record<string, unknown>, version: number): Data | undefined;
  observe(input: ObserveInput<Spec, Data>): Promise<KindObservation>;
  /**
   * Minutes of the kind's List budget one full observation of these resources costs, for the
   * daemon's resync interval. Undefined: the kind observes per resource and sets no pace.
   */
  observationCost?(desired: readonly DesiredResource<Spec>[], limits: Limits): number | undefined;
  /** Pure. Returns no action when the resource is as desired. */
  diff(input: DiffInput<Spec, Data>): PlannedAction<Detail>[];
  /** Carries out one action's calls through `ctx.send`; the engine records the outcome it returns. */
  execute(action: PlannedAction<Detail>, ctx: ExecuteContext<Spec, Data>): Promise<Outcome<Data>>;
  /**
   * After an unknown outcome: observes the resource by its deterministic identity. An outcome
   * when it was found (the engine records it), undefined when repeating the action is safe.
   */
  resolve?(action: PlannedAction<Detail>, ctx: ExecuteContext<Spec, Data>): Promise<Outcome<Data> | undefined>;
  /**
   * Pure. Folds what was observed into a state record (e.g. a player's last status, which
   * decides restartPolicy OnFailure later); undefined when nothing changed.
   */
  refresh?(state: KindState<Data>, observed: ObservedResource | undefined, now: number): Data | undefined;
  /**
   * Pure. Milliseconds after which observing this resource again may tell more than now (e.g.
   * List's lag after a create); the daemon queues the key again then. Undefined: no need.
   */
  recheckAfter?(state: KindState<Data>, now: number): number | undefined;
  /**
   * Pure. For an action read from a saved plan file (apply has checked that the state is the one
   * the plan was made from): why the action cannot have been planned from `state` — it names an
   * id or a session state does not hold, or claims a create in flight state does not record.
   * Undefined when it could. A plan file is data anyone may edit; this keeps an edited one from
   * acting on a resource agoractl does not manage.
   */
  savedActionProblem?(action: PlannedAction<Detail>, state: KindState<Data> | undefined): string | undefined;
  /** Which resource a notification names; undefined when it is not about this kind. */
  notificationTarget?(notification: KindNotification): NotificationTarget | undefined;
  /**
   * Observes the live resource `externalId` names, read-only, and compares it with the manifest
   * (`agoractl import`): what to record, or why not. Undefined: the kind cannot be imported.
   */
  importResource?(input: ImportInput<Spec>): Promise<ImportResult<Data>>;
  /** Desired specs the daemon serves beside reconciling (an origin site's FLS routes). */
  routes?(desired: readonly DesiredResource<Spec>[]): FlsRoute[];
}

/** A route the daemon's FLS pull-from-origin callback answers (daemon/fls-callback.ts), from a kind's desired specs. */
export interface FlsRoute {
  /** The project (manifest name) whose resource declares the route. */
  project?: string;
  entryPoint: string;
  /** A stream name, or a glob in which `*` matches any run of characters (also none). */
  stream: string;
  /**
   * The origin URL to pull from. `{stream}` and `{entry_point}` in it are replaced with the
   * requested stream name and entry point, URL-encoded, so one glob route can serve many streams:
   * `{ stream: "class*", url: "rtmp://origin.example.com/live/{stream}" }`.
   */
  url: string;
}

