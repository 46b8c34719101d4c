// The state store's public surface: what the engine, the daemon and the CLI import.
export type { ResourceState, PendingIntent, StateSnapshot } from './types.ts';
export { STATE_VERSION } from './types.ts';
export { resourceKey, parseResourceKey, type ResourceKey } from './resource-key.ts';
export type { StateStore, StateLock, LockOptions, LockHolder } from './store.ts';
export { StateError, StateLockedError, type StateErrorCode } from './errors.ts';
export { openFileStateStore, type FileStateStoreOptions } from './file-store.ts';
export { openStateStore, resolveStateLocation, STATE_ENV, type StateStoreOptions } from './open-store.ts';
export { isPostgresLocation, redactPostgresUrl } from './postgres-location.ts';
export { defaultStatePath, resolveStatePath, STATE_FOLDER, STATE_FILE } from './default-path.ts';
export { isSecretLikeName } from './secrets.ts';
