// An entry point's pull-from-origin settings as agoractl compares them (fls-pull-from-origin.txt):
// direct pull (domain, app) or dynamic pull (callbackUrl), never both. The manifest states the
// whole configuration, so a field it leaves out is one that must be empty in Agora.
import { specHash } from '../spec-hash.ts';
import type { OriginSiteSpec } from '../../manifest/types.ts';

export const KIND = 'OriginSite';

export type { OriginSiteSpec };

/** The fields GET origin_site returns and PATCH sets. `routes` and `deletionPolicy` are agoractl's own. */
export const ORIGIN_FIELDS = ['enabled', 'domain', 'app', 'callbackUrl'] as const;
export type OriginField = (typeof ORIGIN_FIELDS)[number];

/**
 * How PATCH clears a string field. The API documents no null or delete: an empty string is what
 * "left blank or set to empty" means for `app` (fls-pull-from-origin.txt), and the emulator
 * reads it the same way for `domain` and `callbackUrl`.
 */
export const CLEARED = '';

export interface OriginSettings {
  enabled?: boolean;
  domain: string;
  app: string;
  callbackUrl: string;
}

export type DeletionPolicy = 'Orphan' | 'Disable';

/** Kept in state: what removal must do once the manifest (and its deletionPolicy) is gone. */
export interface OriginSiteData {
  deletionPolicy: DeletionPolicy;
  /** The fields agoractl last sent (or found already right), for people reading the state. */
  applied: Partial<OriginSettings>;
}

/** A record's data: settled, or `{}` while the create of its entry point is in flight. */
export type OriginSiteRecord = OriginSiteData | Record<string, never>;

/** What execute needs of a planned action. Never a secret: origin settings hold none. */
export interface OriginSiteDetail {
  /** Only the fields that differ; empty when nothing is sent. */
  patch?: Partial<OriginSettings>;
  deletionPolicy?: DeletionPolicy;
  specHash?: string;
}

export function deletionPolicy(value: unknown): DeletionPolicy {
  return value === 'Disable' ? 'Disable' : 'Orphan';
}

/** The state data of an origin site, as every version of agoractl wrote it (layout 1). */
export function decodeOriginSite(data: Record<string, unknown>): OriginSiteRecord | undefined {
  if (Object.keys(data).length === 0) return {};
  if (data.deletionPolicy !== 'Orphan' && data.deletionPolicy !== 'Disable') return undefined;
  const applied = typeof data.applied === 'object' && data.applied !== null ? observedSettingsPart(data.applied as Record<string, unknown>) : {};
  return { deletionPolicy: data.deletionPolicy, applied };
}

export function isSettled(data: OriginSiteRecord | undefined): data is OriginSiteData {
  return data !== undefined && 'deletionPolicy' in data;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : CLEARED;
}

/** What the manifest wants. `enabled` left out is not managed; string fields left out are empty. */
export function desiredSettings(spec: OriginSiteSpec): OriginSettings {
  const settings: OriginSettings = { domain: text(spec.domain), app: text(spec.app), callbackUrl: text(spec.callbackUrl) };
  if (typeof spec.enabled === 'boolean') settings.enabled = spec.enabled;
  return settings;
}

/** What GET returned, with absent and null strings read as empty. */
export function observedSettings(fields: Record<string, unknown>): OriginSettings {
  const settings: OriginSettings = { domain: text(fields.domain), app: text(fields.app), callbackUrl: text(fields.callbackUrl) };
  if (typeof fields.enabled === 'boolean') settings.enabled = fields.enabled;
  return settings;
}

/** The settings fields a record holds, of the types they have. */
function observedSettingsPart(fields: Record<string, unknown>): Partial<OriginSettings> {
  const part: Partial<OriginSettings> = {};
  if (typeof fields.enabled === 'boolean') part.enabled = fields.enabled;
  for (const field of ['domain', 'app', 'callbackUrl'] as const) if (typeof fields[field] === 'string') part[field] = fields[field];
  return part;
}

/**
 * Only the fields that differ, so a PATCH never rewrites what is already right. Clearing
 * `domain` and `app` rides in the same PATCH that sets `callbackUrl` (and the reverse): the
 * two kinds of pull cannot be set at the same time.
 */
export function settingsPatch(want: OriginSettings, have: OriginSettings | undefined): Partial<OriginSettings> {
  const patch: Partial<OriginSettings> = {};
  if (want.enabled !== undefined && want.enabled !== have?.enabled) patch.enabled = want.enabled;
  for (const field of ['domain', 'app', 'callbackUrl'] as const) {
    const before = have?.[field] ?? CLEARED;
    if (want[field] !== before) patch[field] = want[field];
  }
  return patch;
}

// Routes are entry points of their own; one constant list, so specHash builds its tree once.
const HASH_OMITS = ['routes'] as const;

export function originSiteHash(spec: OriginSiteSpec): string {
  return specHash(spec, HASH_OMITS);
}
