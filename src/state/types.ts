// What the state store records: the resources agoractl owns and the facts about them that Agora
// does not return (DESIGN.md "Identity, ownership, state"). Plain JSON data, shared by every
// backend and by the engine.
import type { ResourceKey } from './resource-key.ts';

export interface ResourceState {
  key: ResourceKey;
  project: string;
  kind: string;
  name: string;
  /** Agora's id for it: player id, recording sid, entry point name. */
  externalId?: string;
  /** Hash of the desired spec last applied (secrets never enter it in clear). */
  specHash?: string;
  /** Kind-specific data the API does not return: sequence, region, resourceId, uid, fileList, status, playStartedAt... JSON only. */
  data: Record<string, unknown>;
  /** The version of `data`'s layout, as its kind module wrote it; absent: 1. */
  dataVersion?: number;
  /** Write-ahead intent: set before a mutation, cleared (or replaced) after its result. */
  pending?: PendingIntent;
  updatedAt: number;
}

export interface PendingIntent {
  action: string;
  startedAt: number;
  requestId?: string;
  detail?: Record<string, unknown>;
}

export interface StateSnapshot {
  version: 1;
  lineage: string;
  serial: number;
  resources: Record<string, ResourceState>;
}

/** The state format this build reads and writes; a file of any other version is refused. */
export const STATE_VERSION = 1;
