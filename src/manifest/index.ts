// The manifest layer: load and validate manifests, resolve their secrets, report errors.
import { manifestSchemas } from './schemas.ts';

export { loadManifests } from './load.ts';
export { resolveSecrets } from './secrets.ts';
export { formatError, formatErrors } from './format.ts';
export type { ErrorFormat } from './format.ts';
export { ErrorCode } from './errors.ts';
export type { ManifestError } from './errors.ts';
export { documentKey } from './types.ts';
export type * from './types.ts';

/** The document kinds, in the order of schemas/manifest.schema.json. */
export function manifestKinds(): readonly string[] {
  return manifestSchemas().kinds;
}
