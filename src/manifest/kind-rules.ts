// What the manifest loader needs to know of a resource kind: its schema's validator, the
// defaults agoractl fills in, its quota and who it joins a channel as. Each kind module
// declares these (src/resources/<kind>/); the loader never names a kind.
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { QuotaKey } from '../agora/limits.ts';

/** The user a resource joins an RTC channel as (media-pull-rest-api.txt: unique per channel). */
export interface ChannelUser {
  channelName: string;
  /** The spec field that names the user (uid or account). */
  field: string;
  /** Compared between documents: `uid:42`, `account:"bob"`. */
  id: string;
  /** For people: `uid 42`. */
  text: string;
}

/** Ajv's validate function as the loader uses it: true when valid, else its errors. */
export interface DocumentValidator {
  (document: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export interface KindManifestRules {
  /** Validates a whole document of the kind (Ajv standalone code generated from its schema). */
  validate: DocumentValidator;
  /**
   * Spec fields agoractl itself acts on, whose schema default is filled in when absent so the
   * engine and the spec hashes see one value (a player's restartPolicy). Vendor defaults stay
   * with the vendor.
   */
  defaults?: readonly string[];
  /** The Project limit that caps how many documents of the kind a project may hold. */
  quota?: { key: QuotaKey; noun: string };
  /** The user a valid document joins its channel as; undefined when none (or never colliding). */
  channelUser?(spec: Record<string, unknown>): ChannelUser | undefined;
}

/** A kind's name with its rules: what a kind module exports for the loader. */
export interface KindManifest {
  kind: string;
  rules: KindManifestRules;
}

/** Every kind's rules, by kind. */
export type ManifestKinds = ReadonlyMap<string, KindManifestRules>;

/** The user named by `uid` (0 asks Agora to pick one, so it never collides) or `account`. */
export function uidOrAccount(spec: Record<string, unknown>): ChannelUser | undefined {
  if (typeof spec.channelName !== 'string') return undefined;
  const channelName = spec.channelName;
  if (typeof spec.uid === 'number' && spec.uid !== 0) return { channelName, field: 'uid', id: `uid:${spec.uid}`, text: `uid ${spec.uid}` };
  if (typeof spec.account === 'string') return { channelName, field: 'account', id: `account:${spec.account}`, text: `account ${JSON.stringify(spec.account)}` };
  return undefined;
}
