// Checks across documents: every metadata.project names a Project, identities are unique,
// players and recordings fit the project's quotas, and no two of them join one channel as the
// same user (media-pull-rest-api.txt: a user ID or account must be unique in its channel).
import { DOCUMENTED_LIMITS } from '../agora/limits.ts';
import type { QuotaKey } from '../agora/limits.ts';
import { ErrorCode } from './errors.ts';
import type { ManifestError } from './errors.ts';
import { didYouMean, formatPath, isRecord, valueAt } from './paths.ts';
import type { Segment } from './paths.ts';
import type { ManifestFile, SourceDocument } from './source.ts';
import type { ManifestKinds } from './kind-rules.ts';

/** One document with what is known of its identity, valid or not. */
export interface Entry {
  file: ManifestFile;
  document: SourceDocument;
  value: Record<string, unknown>;
  kind: string | undefined;
  name: string | undefined;
  /** metadata.project; a Project's own name. */
  project: string | undefined;
  /** Whether the document passed its schema. */
  valid: boolean;
}

export function errorAt(entry: Entry, segments: Segment[], at: 'key' | 'value', message: string, code: ManifestError['code']): ManifestError {
  const position = entry.file.locate(entry.document, segments, at);
  return { file: entry.file.file, ...position, path: formatPath(segments), message, code };
}

function where(entry: Entry): string {
  const position = entry.file.locate(entry.document, ['metadata', 'name'], 'value');
  return `${entry.file.file}:${position.line}:${position.column}`;
}

/** An error found across documents, and the document it refuses. */
export interface Refusal {
  entry: Entry;
  error: ManifestError;
}

function refuse(entry: Entry, segments: Segment[], message: string, code: ManifestError['code']): Refusal {
  return { entry, error: errorAt(entry, segments, 'value', message, code) };
}

export function checkReferences(entries: readonly Entry[], kinds: ManifestKinds): Refusal[] {
  const errors: Refusal[] = [];
  const identified = entries.filter((entry) => entry.kind !== undefined && entry.name !== undefined && entry.project !== undefined);

  const firstByKey = new Map<string, Entry>();
  const unique: Entry[] = [];
  for (const entry of identified) {
    const key = `${entry.project ?? ''}/${entry.kind ?? ''}/${entry.name ?? ''}`;
    const first = firstByKey.get(key);
    if (!first) {
      firstByKey.set(key, entry);
      unique.push(entry);
      continue;
    }
    const scope = entry.kind === 'Project' ? '' : ` in project ${JSON.stringify(entry.project)}`;
    const message = `duplicate ${entry.kind ?? ''} ${JSON.stringify(entry.name)}${scope}: first defined at ${where(first)}`;
    errors.push(refuse(entry, ['metadata', 'name'], message, ErrorCode.DuplicateResource));
  }

  const projects = new Map<string, Entry>();
  for (const entry of unique) if (entry.kind === 'Project' && entry.name !== undefined) projects.set(entry.name, entry);

  for (const entry of unique) {
    if (entry.kind === 'Project' || entry.project === undefined || projects.has(entry.project)) continue;
    const known = [...projects.keys()];
    const hint = didYouMean(entry.project, known);
    const message = `no Project named ${JSON.stringify(entry.project)} is defined${hint}`;
    errors.push(refuse(entry, ['metadata', 'project'], message, ErrorCode.UnknownProject));
  }

  for (const [kind, rules] of kinds) {
    if (!rules.quota) continue;
    const { key: quota, noun } = rules.quota;
    const count = new Map<string, number>();
    for (const entry of unique) {
      if (entry.kind !== kind || entry.project === undefined) continue;
      const project = projects.get(entry.project);
      if (!project) continue;
      const limit = quotaOf(project, quota);
      const n = (count.get(entry.project) ?? 0) + 1;
      count.set(entry.project, n);
      if (limit !== null && n === limit + 1) {
        const message = `project ${JSON.stringify(entry.project)} allows at most ${limit} ${noun} (spec.limits.${quota}); this is number ${n}`;
        errors.push(refuse(entry, ['metadata', 'name'], message, ErrorCode.QuotaExceeded));
      }
    }
  }

  errors.push(...checkChannelUsers(unique, kinds));
  return errors;
}

/** The project's quota: its spec.limits override, else Agora's documented number; null: none. */
function quotaOf(project: Entry, quota: QuotaKey): number | null {
  const limits = valueAt(project.value, ['spec', 'limits']);
  if (isRecord(limits) && quota in limits) {
    const value = limits[quota];
    if (value === null) return null;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return DOCUMENTED_LIMITS[quota];
}

function checkChannelUsers(entries: readonly Entry[], kinds: ManifestKinds): Refusal[] {
  const errors: Refusal[] = [];
  const users = new Map<string, Entry>();
  for (const entry of entries) {
    const rules = entry.valid && entry.kind !== undefined ? kinds.get(entry.kind) : undefined;
    const spec = entry.value.spec;
    const user = rules?.channelUser && isRecord(spec) ? rules.channelUser(spec) : undefined;
    if (!user) continue;
    const key = `${entry.project ?? ''}\u0000${user.channelName}\u0000${user.id}`;
    const first = users.get(key);
    if (!first) {
      users.set(key, entry);
      continue;
    }
    const message = `${user.text} is already used in channel ${JSON.stringify(user.channelName)} by ${first.kind ?? ''} ${JSON.stringify(first.name)} (${where(first)})`;
    errors.push(refuse(entry, ['spec', user.field], message, ErrorCode.DuplicateChannelUser));
  }
  return errors;
}
