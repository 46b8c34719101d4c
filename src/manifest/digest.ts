// The manifests' digest: one hash of what the loaded documents ask for, so a saved plan can tell
// whether the manifests it was made from are still the ones apply reads. It covers the documents
// as parsed, with the schema's defaults applied (apiVersion, kind, metadata, spec) and secret
// *references* as written; it leaves out where a document sits (file, line, order, comments,
// formatting), which changes nothing apply would do, and it never sees a secret value: secrets
// are resolved after loading (resolveSecrets), into other objects.
import { createHash } from 'node:crypto';
import type { DesiredState, ManifestDoc } from './types.ts';

/** Bumped if what the digest covers ever changes: a plan made before then no longer matches. */
const DIGEST_VERSION = 1;

/** `sha256:<64 hex digits>` of the documents, by identity key. */
export function manifestDigest(desired: DesiredState): string {
  const documents = [...desired.projects, ...desired.resources].map((doc) => ({ key: doc.key, body: documentBody(doc) }));
  // Code-unit order: the same on every machine whatever the files' order.
  documents.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256');
  hash.update(`agoractl-manifests/${DIGEST_VERSION}\n`);
  for (const { body } of documents) hash.update(`${canonical(body)}\n`);
  return `sha256:${hash.digest('hex')}`;
}

function documentBody(doc: ManifestDoc): Record<string, unknown> {
  const { apiVersion, kind, metadata, spec } = doc as unknown as Record<string, unknown>;
  return { apiVersion, kind, metadata, spec };
}

/** JSON with object keys sorted at every depth; an undefined member is left out, as JSON does. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonical(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonical(record[key])}`);
  }
  return `{${members.join(',')}}`;
}
