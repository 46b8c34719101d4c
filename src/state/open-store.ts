// Opens the state store a location names: a `postgres://` (or `postgresql://`) URL is the
// PostgreSQL backend, anything else a state file path.
import { resolveStatePath } from './default-path.ts';
import { openFileStateStore, type FileStateStoreOptions } from './file-store.ts';
import { isPostgresLocation } from './postgres-location.ts';
import type { PostgresStateStoreOptions } from './postgres-store.ts';
import type { StateStore } from './store.ts';

export type StateStoreOptions = FileStateStoreOptions & PostgresStateStoreOptions;

/** The environment variable naming the state when `--state` is not given. */
export const STATE_ENV = 'AGORACTL_STATE';

export async function openStateStore(location: string, options: StateStoreOptions = {}): Promise<StateStore> {
  if (!isPostgresLocation(location)) return await openFileStateStore(location, options);
  // Loaded only for a database: a file state never needs the driver.
  const { openPostgresStateStore } = await import('./postgres-store.ts');
  return await openPostgresStateStore(location, options);
}

/**
 * `--state`, else $AGORACTL_STATE, else the default file beside the manifests. A file path is
 * made absolute against `cwd`; a URL is kept as written.
 */
export function resolveStateLocation(
  options: { state?: string | undefined; manifests?: string | undefined },
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): string {
  const given = options.state ?? (env[STATE_ENV] || undefined);
  if (given !== undefined && isPostgresLocation(given)) return given;
  return resolveStatePath({ ...(given !== undefined ? { state: given } : {}), ...(options.manifests !== undefined ? { manifests: options.manifests } : {}) }, cwd);
}
