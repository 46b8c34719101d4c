// The loaded manifests as the rest of agoractl sees them. Each kind's fields come from the
// generated types (schemas/ are the source of truth); this module only adds where a document
// came from and its identity.
import type { ManifestError } from "./errors.ts";
import { resourceKey, type ResourceKey } from "../state/resource-key.ts";
import type {
  CloudPlayer,
  CloudRecording,
  EnvRef,
  FileRef,
  ManifestKinds,
  OriginSite,
  Project,
} from "./types.generated.ts";

export type * from "./types.generated.ts";

export type Kind = keyof ManifestKinds;

/** Where a document starts: the manifest file and the line/column of its root node. */
export interface DocSource {
  file: string;
  line: number;
  column: number;
}

type Placed<T> = T & {
  source: DocSource;
  /** Identity key `"<project>/<kind>/<name>"` (see documentKey). */
  key: ResourceKey;
};

export type ProjectDoc = Placed<Project>;
export type CloudPlayerDoc = Placed<CloudPlayer>;
export type CloudRecordingDoc = Placed<CloudRecording>;
export type OriginSiteDoc = Placed<OriginSite>;
export type ResourceDoc = CloudPlayerDoc | CloudRecordingDoc | OriginSiteDoc;
export type ManifestDoc = ProjectDoc | ResourceDoc;

/** What the manifests ask for: valid documents only, secrets still as references. */
export interface DesiredState {
  projects: ProjectDoc[];
  resources: ResourceDoc[];
}

export interface LoadResult {
  desired: DesiredState;
  /** Every error of the run, in file and line order; plan/apply must not proceed unless empty. */
  errors: ManifestError[];
}

/** `T` with every `{ env }` / `{ file }` reference replaced by the string it names. */
export type Resolved<T> = T extends EnvRef | FileRef
  ? string
  : T extends string
    ? T
    : T extends readonly (infer Item)[]
      ? Resolved<Item>[]
      : T extends object
        ? { [K in keyof T]: Resolved<T[K]> }
        : T;

export type ResolvedProjectDoc = Resolved<ProjectDoc>;
export type ResolvedResourceDoc = Resolved<ResourceDoc>;

export interface ResolvedState {
  projects: ResolvedProjectDoc[];
  resources: ResolvedResourceDoc[];
}

/** The identity key of a document: `"<project>/<kind>/<name>"`; a Project is its own project. */
export function documentKey(doc: {
  kind: string;
  metadata: { name: string; project?: string };
}): ResourceKey {
  const project =
    doc.kind === "Project" ? doc.metadata.name : (doc.metadata.project ?? "");
  return resourceKey(project, doc.kind, doc.metadata.name);
}
